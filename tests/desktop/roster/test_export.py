"""The roster PDF export from the grid's button: the model is read on the GUI thread, the file
drawn and written in a runner query; an unwritable path gives a message, not a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog

from desktop.roster.widget import RosterWidget
from services.rostering.store import RosterService
from tests.services.rostering.store_fixtures import DAYS, LEAD, MONDAY, POLICY, seed

pytestmark = pytest.mark.gui


@pytest.fixture
def grid(sqlite_url: str, make_app: Any, make_ctx: Any, qtbot: Any) -> Any:
    app = make_app(sqlite_url)
    seed(app)
    RosterService(app).save_policy(LEAD, POLICY)
    ctx = make_ctx(app, LEAD)
    widget = RosterWidget(ctx, MONDAY, DAYS)
    qtbot.addWidget(widget)
    widget.resize(1000, 500)
    widget.show()
    widget.start()
    qtbot.waitUntil(lambda: widget.store.snapshot is not None, timeout=10_000)
    qtbot.waitUntil(lambda: not widget.store._reading, timeout=10_000)
    yield widget
    widget.stop()
    assert not ctx.errors, ctx.errors  # nothing went to the seat's error dialog


def _export_to(grid: RosterWidget, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(path), ""))
    grid._export_pdf()


def test_the_pdf_is_written_by_a_runner_query(
    grid: RosterWidget, tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "roster.pdf"
    _export_to(grid, target, monkeypatch)
    qtbot.waitUntil(lambda: "Exported" in grid.message.text(), timeout=10_000)
    assert grid.message.text() == f"Exported to {target}"
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 1000


def test_an_unwritable_path_is_said_in_words(
    grid: RosterWidget, tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "no such folder" / "roster.pdf"
    _export_to(grid, target, monkeypatch)
    qtbot.waitUntil(lambda: "Not exported" in grid.message.text(), timeout=10_000)
    assert grid.message.text() == f"Not exported: No such file or directory: {target}"
    assert not target.exists()
