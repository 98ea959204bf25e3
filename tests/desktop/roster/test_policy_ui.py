"""The "Policy…" dialog of the roster (pytest-qt, offscreen): it shows the site's policy, saves
new cover and a fairness goal and the grid's cover follows; a policy another seat saved
meanwhile is refused in the dialog, which stays open; a viewer may only look."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from desktop.roster.policy_dialog import PolicyDialog
from desktop.roster.widget import RosterWidget
from domain.auth import Actor, Role
from services.rostering.policy_service import PolicyService
from services.rostering.problem import FairnessDto, FairnessMeasure
from tests.desktop.roster.conftest import open_grid
from tests.services.rostering.store_fixtures import POLICY

pytestmark = pytest.mark.gui

OTHER = Actor("admin", Role.ADMIN, "seat-9")
VIEWER = Actor("viewer", Role.VIEWER, "seat-3")


def _open(grid: RosterWidget, qtbot: Any) -> PolicyDialog:
    grid.policy_button.click()
    dialog = grid.policy_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.form is not None, timeout=10_000)
    return dialog


def _cover(grid: RosterWidget) -> dict[str, int]:
    snap = grid.store.snapshot
    assert snap is not None
    return {c.shift: c.requirement for c in snap.cover if c.day == 0 and c.skill is None}


def test_the_dialog_saves_cover_and_fairness_and_the_grid_follows(
    app: Any, make_ctx: Any, qtbot: Any
) -> None:
    grid = open_grid(app, make_ctx, qtbot)
    assert _cover(grid) == {"E": 1, "L": 1}
    dialog = _open(grid, qtbot)
    assert "saved by lead" in dialog.heading.text()
    assert dialog.cover["E"].text() == "1"
    assert dialog.limits["max_consecutive_shifts"].text() == "3"
    assert dialog.limits["max_weekends_per_4_weeks"].text() == ""  # no limit
    assert dialog.fairness.currentText() == "Off"
    assert not dialog.fairness_weight.isEnabled()
    dialog.cover["E"].setText("2")
    dialog.fairness.setCurrentIndex(dialog.fairness.findData(FairnessMeasure.SHIFTS.value))
    assert dialog.fairness_shifts["L"].isEnabled()
    dialog.fairness_weight.setText("4")
    dialog.save()  # no shift type ticked: said in the dialog, nothing sent
    assert "tick the shift types" in dialog.error.text()
    dialog.fairness_shifts["L"].setChecked(True)
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert "Saved: the site's roster policy" in grid.message.text()
    qtbot.waitUntil(lambda: _cover(grid) == {"E": 2, "L": 1}, timeout=10_000)
    stored = PolicyService(app).form().policy
    assert stored.per_shift == {"E": 2, "L": 1}
    assert stored.fairness == FairnessDto(4, FairnessMeasure.SHIFTS, frozenset({"L"}))
    assert stored.max_consecutive_shifts == 3  # the boxes left alone are kept
    grid.stop()


def test_a_policy_saved_elsewhere_meanwhile_is_refused_in_the_dialog(
    app: Any, make_ctx: Any, qtbot: Any
) -> None:
    grid = open_grid(app, make_ctx, qtbot)
    dialog = _open(grid, qtbot)
    service = PolicyService(app)
    seen = service.form().version
    service.save(OTHER, replace(POLICY, per_shift={"E": 1, "L": 2}), seen_version=seen)
    dialog.cover["E"].setText("3")
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=10_000)
    assert "changed by admin" in dialog.error.text()
    assert dialog.isVisible()
    assert service.form().policy.per_shift == {"E": 1, "L": 2}  # the other seat's, kept
    dialog.reject()
    grid.stop()


def test_a_viewer_sees_the_policy_read_only(app: Any, make_ctx: Any, qtbot: Any) -> None:
    grid = open_grid(app, make_ctx, qtbot, VIEWER)
    dialog = _open(grid, qtbot)
    assert not dialog.save_button.isEnabled()
    assert not dialog.add_skill_button.isEnabled()
    assert "Read-only" in dialog.error.text()
    dialog.reject()
    grid.stop()


def test_cover_per_shift_and_skill_is_edited_in_the_table(
    app: Any, make_ctx: Any, qtbot: Any
) -> None:
    from PySide6.QtWidgets import QComboBox, QSpinBox

    from services.rostering.policy import SkillCover

    grid = open_grid(app, make_ctx, qtbot)
    dialog = _open(grid, qtbot)
    table = dialog.skill_cover
    assert table.rowCount() == 0  # the stored policy has none
    dialog.add_skill_button.click()
    shift, skill, count = (table.cellWidget(0, c) for c in range(3))
    assert isinstance(shift, QComboBox)
    assert isinstance(skill, QComboBox)
    assert isinstance(count, QSpinBox)
    assert [shift.itemData(i) for i in range(shift.count())] == ["E", "L"]
    assert [skill.itemText(i) for i in range(skill.count())] == ["forklift"]
    dialog.add_skill_button.click()  # the same row twice: said, nothing sent
    dialog.save()
    assert "names E and forklift twice" in dialog.error.text()
    dialog.remove_skill_button.click()
    assert table.rowCount() == 1
    count.setValue(2)
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert PolicyService(app).form().policy.per_skill == (SkillCover("E", "forklift", 2),)

    def skill_rows() -> dict[tuple[str, str | None], int]:
        snap = grid.store.snapshot
        assert snap is not None
        return {(c.shift, c.skill): c.requirement for c in snap.cover if c.day == 0 and c.skill}

    qtbot.waitUntil(lambda: skill_rows() == {("E", "forklift"): 2}, timeout=10_000)
    # opened again it shows the row, and removing it takes it away
    again = _open(grid, qtbot)
    assert again.skill_cover.rowCount() == 1
    again.skill_cover.setCurrentCell(0, 1)
    again.remove_skill_button.click()
    again.save()
    qtbot.waitUntil(lambda: not again.isVisible(), timeout=10_000)
    assert PolicyService(app).form().policy.per_skill == ()
    grid.stop()
