"""The runner keeps work off the GUI thread and brings results and errors back to it."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from desktop.runner import ServiceRunner


def test_results_come_back_on_the_gui_thread(qtbot: Any) -> None:
    runner = ServiceRunner()
    gui = threading.get_ident()
    seen: dict[str, Any] = {}

    def work() -> int:
        seen["worker"] = threading.get_ident()
        return 42

    job = runner.query(work)
    job.on_success(lambda v: seen.update(value=v, callback=threading.get_ident()))
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen["value"] == 42
    assert seen["worker"] != gui
    assert seen["callback"] == gui
    runner.shutdown()


def test_errors_reach_on_failure(qtbot: Any) -> None:
    runner = ServiceRunner()
    errors: list[BaseException] = []

    def boom() -> None:
        raise ValueError("bad input")

    runner.command(boom).on_failure(errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError)
    runner.shutdown()


def test_commands_run_in_submission_order(qtbot: Any) -> None:
    runner = ServiceRunner()
    order: list[int] = []
    jobs = [runner.command(order.append, i) for i in range(20)]
    qtbot.waitUntil(lambda: all(j.done for j in jobs), timeout=5000)
    assert order == list(range(20))
    runner.shutdown()


def test_force_sync_runs_inline(qtbot: Any) -> None:
    runner = ServiceRunner()
    with runner.force_sync():
        job = runner.query(lambda: threading.get_ident())
    assert job.done
    assert job.result == threading.get_ident()
    runner.shutdown()


def test_jobs_after_shutdown_fail_cleanly(qtbot: Any) -> None:
    runner = ServiceRunner()
    runner.shutdown()
    errors: list[BaseException] = []
    runner.query(lambda: 1).on_failure(errors.append)
    assert errors
    assert "shutting down" in str(errors[0])
    with pytest.raises(AssertionError):
        assert not errors


def test_no_callback_reaches_an_owner_that_is_gone(qtbot: Any) -> None:
    import shiboken6
    from PySide6.QtCore import QObject

    runner = ServiceRunner()
    owner = QObject()
    release = threading.Event()
    called: list[str] = []
    job = runner.query(release.wait, 5, owner=owner)
    job.on_success(lambda _v: called.append("success")).on_finished(
        lambda: called.append("finished")
    )
    assert runner.in_flight == 1
    shiboken6.delete(owner)
    release.set()
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert called == []
    assert runner.in_flight == 0  # the runner's own bookkeeping still ran
    runner.shutdown()
