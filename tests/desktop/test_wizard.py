"""The first-run wizard, driven with pytest-qt in both modes."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWizard

from desktop.runner import ServiceRunner
from desktop.wizard import (
    PAGE_ADMIN,
    PAGE_DATABASE,
    FirstRunWizard,
    Mode,
    needs_first_run,
)
from services import secrets
from services.bootstrap import bootstrap
from services.config import Paths, load_config
from services.users import UserService
from tests.keyring_fakes import memory_keyring, no_keyring  # noqa: F401
from tests.services.operations.test_first_run import empty_database, stamp_newer

pytestmark = pytest.mark.gui

DB_PASSWORD = "pg-Secret-42"


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "d", tmp_path / "c", tmp_path / "l", tmp_path / "k")


@pytest.fixture
def wizard(qtbot: Any, paths: Paths) -> Iterator[FirstRunWizard]:
    runner = ServiceRunner()
    w = FirstRunWizard(paths, runner)
    qtbot.addWidget(w)
    w.show()
    yield w
    runner.shutdown(wait=True)


@pytest.fixture
def empty_pg_url(pg_admin_url: str) -> Iterator[str]:
    yield from empty_database(pg_admin_url)


@pytest.fixture
def keep_pgpassword() -> Iterator[None]:
    before = os.environ.get("PGPASSWORD")
    yield
    if before is None:
        os.environ.pop("PGPASSWORD", None)
    else:
        os.environ["PGPASSWORD"] = before


def _button(w: QWizard, which: QWizard.WizardButton) -> Any:
    return w.button(which)


def _go_shared(qtbot: Any, w: FirstRunWizard) -> None:
    w.mode_page.shared.setChecked(True)
    w.mode_page.seat.setText("line-2")
    next_button = _button(w, QWizard.WizardButton.NextButton)
    assert next_button.isVisible()
    assert next_button.isEnabled()
    next_button.click()
    assert w.currentId() == PAGE_DATABASE


def _test_connection(qtbot: Any, w: FirstRunWizard, expect: str) -> None:
    page = w.database_page
    page.test_button.click()
    qtbot.waitUntil(lambda: expect in page.result.text(), timeout=20000)


# -- the decision -------------------------------------------------------------------------------


def test_the_wizard_is_for_a_truly_first_start(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert needs_first_run(paths)
    assert not needs_first_run(paths, "sqlite:////tmp/elsewhere.db")
    monkeypatch.setenv("TAKT_DATABASE_URL", "postgresql://takt@db/takt")
    assert not needs_first_run(paths)
    monkeypatch.delenv("TAKT_DATABASE_URL")
    paths.data.mkdir(parents=True)
    paths.default_database.write_bytes(b"")  # an embedded database from an earlier start
    assert not needs_first_run(paths)
    paths.default_database.unlink()
    assert needs_first_run(paths)
    paths.config.mkdir(parents=True)
    paths.config_file.write_text("{}")
    assert not needs_first_run(paths)


# -- single workstation: one click ------------------------------------------------------------


def test_single_workstation_is_one_click(qtbot: Any, wizard: FirstRunWizard, paths: Paths) -> None:
    finish = _button(wizard, QWizard.WizardButton.FinishButton)
    assert wizard.mode_page.single.isChecked()
    assert finish.isVisible()
    assert finish.isEnabled()
    assert wizard.mode_page.seat.text()  # the host name, ready
    finish.click()
    assert wizard.outcome is not None
    assert wizard.outcome.mode is Mode.SINGLE
    assert not needs_first_run(paths)
    config = load_config(paths=paths)
    assert config.embedded
    assert config.database_url == f"sqlite:///{paths.default_database}"
    assert config.seat == wizard.outcome.seat


def test_an_empty_seat_name_cannot_finish(qtbot: Any, wizard: FirstRunWizard) -> None:
    wizard.mode_page.seat.setText("  ")
    assert not _button(wizard, QWizard.WizardButton.FinishButton).isEnabled()


# -- shared: PostgreSQL + Redis ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
def test_shared_creates_the_schema_and_the_first_admin(
    qtbot: Any,
    wizard: FirstRunWizard,
    paths: Paths,
    empty_pg_url: str,
    redis_url: str,
    memory_keyring: Any,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    _go_shared(qtbot, wizard)
    page = wizard.database_page
    next_button = _button(wizard, QWizard.WizardButton.NextButton)
    page.url.setText(empty_pg_url)
    page.password.setText(DB_PASSWORD)
    page.redis.setText(redis_url)
    assert not next_button.isEnabled()  # not tested yet
    _test_connection(qtbot, wizard, "empty")
    assert page.schema_button.isVisible()
    assert not next_button.isEnabled()  # no schema yet
    page.schema_button.click()
    qtbot.waitUntil(lambda: "created or upgraded" in page.result.text(), timeout=60000)
    assert next_button.isEnabled()
    next_button.click()
    assert wizard.currentId() == PAGE_ADMIN
    admin = wizard.admin_page
    finish = _button(wizard, QWizard.WizardButton.FinishButton)
    admin.username.setText("boss")
    admin.password.setText("correct horse")
    admin.confirm.setText("correct hors")
    assert not finish.isEnabled()  # the two passwords differ
    admin.confirm.setText("correct horse")
    assert finish.isEnabled()
    finish.click()
    qtbot.waitUntil(lambda: wizard.outcome is not None, timeout=30000)

    outcome = wizard.outcome
    assert outcome is not None
    assert outcome.mode is Mode.SHARED
    assert outcome.user == "boss"
    assert not wizard.isVisible()
    # the config file has the URLs and the seat, never the password; the keyring has it
    raw = paths.config_file.read_text(encoding="utf-8")
    assert DB_PASSWORD not in raw
    assert DB_PASSWORD not in caplog.text
    saved = json.loads(raw)
    assert saved["redis_url"] == redis_url
    assert saved["seat"] == "line-2"
    assert saved["user"] == "boss"
    assert secrets.database_password(saved["database_url"]) == DB_PASSWORD
    # the next start finds everything configured and the administrator can sign in
    config = load_config(paths=paths)
    assert not needs_first_run(paths)
    app = bootstrap(config)
    try:
        assert UserService(app).authenticate("boss", "correct horse").user == "boss"
        assert app.actor().role.value == "admin"
    finally:
        app.close()


@pytest.mark.postgres
def test_shared_refuses_a_database_made_by_a_newer_program(
    qtbot: Any, wizard: FirstRunWizard, pg_url: str
) -> None:
    stamp_newer(pg_url)
    _go_shared(qtbot, wizard)
    wizard.database_page.url.setText(pg_url)
    _test_connection(qtbot, wizard, "newer Takt Control Room")
    assert "Install the newer version" in wizard.database_page.result.text()
    assert not wizard.database_page.schema_button.isVisible()
    assert not _button(wizard, QWizard.WizardButton.NextButton).isEnabled()


@pytest.mark.postgres
def test_shared_joins_a_database_with_administrators_without_creating_one(
    qtbot: Any,
    wizard: FirstRunWizard,
    paths: Paths,
    pg_url: str,
    make_app: Any,
    no_keyring: Any,  # noqa: F811
    keep_pgpassword: None,
) -> None:
    from tests.services.persistence.helpers import seed_minimal

    seed_minimal(make_app(pg_url))  # users admin, lead, viewer
    _go_shared(qtbot, wizard)
    page = wizard.database_page
    page.url.setText(pg_url.replace("@", f":{DB_PASSWORD}@", 1))  # pasted with its password
    page.url.editingFinished.emit()
    assert DB_PASSWORD not in page.url.text()
    assert page.password.text() == DB_PASSWORD
    _test_connection(qtbot, wizard, "administrators: admin")
    _button(wizard, QWizard.WizardButton.NextButton).click()
    admin = wizard.admin_page
    assert admin.username.text() == "admin"
    assert "admin" in admin.note.text()
    finish = _button(wizard, QWizard.WizardButton.FinishButton)
    admin.username.setText("viewer")  # not an administrator, and no password to create one
    assert not finish.isEnabled()
    admin.username.setText("admin")
    assert finish.isEnabled()
    finish.click()
    qtbot.waitUntil(lambda: wizard.outcome is not None, timeout=30000)
    outcome = wizard.outcome
    assert outcome is not None
    assert outcome.user == "admin"
    # no keyring here: not stored anywhere, the user is told what to do instead
    assert any("not saved" in n and "PGPASSWORD" in n for n in outcome.notes)
    assert DB_PASSWORD not in paths.config_file.read_text(encoding="utf-8")
    app = bootstrap(load_config(paths=paths))
    try:
        assert [u.username for u in UserService(app).list_users()] == ["admin", "lead", "viewer"]
    finally:
        app.close()


def test_shared_asks_for_a_postgresql_url(qtbot: Any, wizard: FirstRunWizard) -> None:
    _go_shared(qtbot, wizard)
    page = wizard.database_page
    page.url.setText("sqlite:////tmp/x.db")
    page.test_button.click()
    assert "PostgreSQL" in page.result.text()
    assert not _button(wizard, QWizard.WizardButton.NextButton).isEnabled()


def test_cancel_writes_nothing(qtbot: Any, wizard: FirstRunWizard, paths: Paths) -> None:
    _button(wizard, QWizard.WizardButton.CancelButton).click()
    assert wizard.outcome is None
    assert needs_first_run(paths)


def test_takt_run_opens_the_wizard_on_a_first_start_only(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import desktop.app as app_module

    shown: list[Paths] = []
    monkeypatch.setattr(app_module, "run_first_run_wizard", lambda p: shown.append(p))
    args = argparse.Namespace(
        database_url=None,
        redis_url=None,
        seat=None,
        user=None,
        offscreen=False,
        quit_after=None,
        no_demo=False,
        verbose=False,
    )
    hook = sys.excepthook
    try:
        assert app_module.run_gui(args) == 1  # cancelled: the program stops, nothing written
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_takt", False)]:
            root.removeHandler(handler)
            handler.close()
    assert sys.excepthook is hook  # the crash hook was taken down again
    assert len(shown) == 1
    assert needs_first_run(shown[0])
    assert not shown[0].default_database.exists()
