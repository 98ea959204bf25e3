"""The crash dialog: unhandled errors are logged and shown with the log file's place."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication

from desktop.crash import CrashReporter, mask_secrets

pytestmark = pytest.mark.gui


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """A file handler like services/logs.py's, on a temporary file."""
    path = tmp_path / "logs" / "takt.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path, encoding="utf-8")
    root = logging.getLogger()
    root.addHandler(handler)
    yield path
    root.removeHandler(handler)
    handler.close()


@pytest.fixture
def reporter(qtbot: Any, log_file: Path) -> Iterator[CrashReporter]:
    rep = CrashReporter(log_file).install()
    yield rep
    rep.uninstall()
    if rep.dialog is not None:
        rep.dialog.close()
        rep.dialog.deleteLater()


def _raise(exc: BaseException) -> tuple[Any, BaseException, Any]:
    try:
        raise exc
    except BaseException:
        info = sys.exc_info()
        assert info[1] is not None
        return info[0], info[1], info[2]


def test_an_unhandled_error_opens_the_dialog_with_the_log_path(
    qtbot: Any, reporter: CrashReporter, log_file: Path
) -> None:
    sys.excepthook(*_raise(ValueError("the drum count went negative")))
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert dialog is not None
    assert str(log_file) in dialog.log_label.text()
    assert "ValueError: the drum count went negative" in dialog.summary.text()
    assert "Traceback" in dialog.details_text
    logged = log_file.read_text(encoding="utf-8")
    assert "unhandled exception in the GUI thread" in logged
    assert "the drum count went negative" in logged
    dialog.copy_button.click()
    assert str(log_file) in QGuiApplication.clipboard().text()
    dialog.details_button.click()
    assert dialog.details.isVisible()


def test_a_worker_thread_error_reaches_the_gui_thread(
    qtbot: Any, reporter: CrashReporter, log_file: Path
) -> None:
    def boom() -> None:
        raise RuntimeError("camera thread fell over")

    t = threading.Thread(target=boom, name="takt-test-camera")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert reporter.dialog is not None
    assert "camera thread fell over" in reporter.dialog.summary.text()
    assert "thread takt-test-camera" in log_file.read_text(encoding="utf-8")


def test_more_errors_are_counted_on_the_open_dialog(qtbot: Any, reporter: CrashReporter) -> None:
    sys.excepthook(*_raise(ValueError("first")))
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    first = reporter.dialog
    sys.excepthook(*_raise(KeyError("second")))
    sys.excepthook(*_raise(KeyError("third")))
    assert first is not None
    qtbot.waitUntil(lambda: first.more == 2)
    assert reporter.dialog is first
    assert "third" in first.more_label.text()


def test_passwords_in_urls_are_masked_in_the_log_and_the_dialog(
    qtbot: Any, reporter: CrashReporter, log_file: Path
) -> None:
    sys.excepthook(*_raise(OSError("cannot reach postgresql://takt:hunter22@db:5432/site")))
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert reporter.dialog is not None
    shown = reporter.dialog.summary.text() + reporter.dialog.details_text
    assert "hunter22" not in shown
    assert "postgresql://takt:***@db:5432/site" in shown
    assert "hunter22" not in log_file.read_text(encoding="utf-8")


def test_keyboard_interrupt_goes_to_the_previous_hook(qtbot: Any, log_file: Path) -> None:
    seen: list[type[BaseException]] = []
    previous = sys.excepthook
    sys.excepthook = lambda t, v, tb: seen.append(t)
    try:
        rep = CrashReporter(log_file).install()
        sys.excepthook(*_raise(KeyboardInterrupt()))
        rep.uninstall()
    finally:
        sys.excepthook = previous
    assert seen == [KeyboardInterrupt]
    assert rep.dialog is None


@pytest.mark.qt_no_exception_capture
def test_an_error_raised_in_a_qt_slot_is_caught(qtbot: Any, reporter: CrashReporter) -> None:
    def slot() -> None:
        raise ZeroDivisionError("takt time of zero units")

    QTimer.singleShot(0, slot)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert reporter.dialog is not None
    assert "takt time of zero units" in reporter.dialog.summary.text()


def test_mask_secrets_leaves_urls_without_passwords_alone() -> None:
    assert mask_secrets("redis://db:6379/0 and sqlite:///x.db") == (
        "redis://db:6379/0 and sqlite:///x.db"
    )
    assert mask_secrets("redis://:pw@db:6379/0") == "redis://:***@db:6379/0"
