"""The roster PDF export from the grid's button: the model is read on the GUI thread, the file
drawn and written in a runner query; an unwritable path gives a message, not a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog

from desktop.roster.widget import RosterWidget
from tests.desktop.roster.conftest import open_grid

pytestmark = pytest.mark.gui


@pytest.fixture
def grid(app: Any, make_ctx: Any, qtbot: Any) -> Any:
    widget = open_grid(app, make_ctx, qtbot)
    ctx = widget.ctx
    yield widget
    widget.stop()
    assert not ctx.errors, ctx.errors  # type: ignore[attr-defined]  # nothing went to the seat's error dialog


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
