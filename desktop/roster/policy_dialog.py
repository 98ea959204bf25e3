"""The "Roster policy…" dialog: the site's cover per shift, the weights the solver pays for a
missing and an extra operator, the contract everyone works under (operators' own contracts keep
it for the limits they leave blank) and the optional fairness goal.

Cover per shift and skill ("one forklift driver on every early shift") is a table of rows:
shift type, skill, operators; *Add* and *Remove* edit it. Read and saved on the runner. The save
sends the version of the policy it showed, so a policy another seat saved meanwhile is refused
with who saved it; the refusal is shown in the dialog, which stays open. After a save the roster
reads its range again.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.context import DesktopContext
from desktop.messages import describe
from desktop.roster.contract_dialog import LIMIT_LABELS
from desktop.roster.form_dialog import FormDialog, int_edit, number_of
from domain.auth import Permission
from domain.errors import ValidationError
from services.rostering.policy import RosterPolicy, SkillCover
from services.rostering.policy_service import PolicyForm, PolicyService
from services.rostering.problem import FairnessDto, FairnessMeasure

# the site contract's limits (labelled as in an operator's contract) -> blank allowed ("no limit")
CONTRACT_FIELDS = {
    name: (LIMIT_LABELS[name], blank)
    for name, blank in (
        ("max_consecutive_shifts", True),
        ("min_consecutive_shifts", False),
        ("min_consecutive_days_off", False),
        ("max_weekly_minutes", True),
        ("max_weekends_per_4_weeks", True),
    )
}
FAIRNESS_LABELS = {
    None: "Off",
    FairnessMeasure.REQUESTS: "Requests not granted",
    FairnessMeasure.WEEKENDS: "Weekends worked",
    FairnessMeasure.SHIFTS: "Shifts of the types ticked",
}


class PolicyDialog(FormDialog):
    saved = Signal(object)  # the PolicyForm after the save

    def __init__(self, ctx: DesktopContext, parent: QWidget | None = None) -> None:
        super().__init__("Roster policy", parent)
        self.ctx = ctx
        self.service = PolicyService(ctx.app)
        self.form: PolicyForm | None = None
        self.cover: dict[str, QLineEdit] = {}
        self.skill_cover = QTableWidget(0, 3)
        self.skill_cover.setHorizontalHeaderLabels(["Shift", "Skill", "Operators"])
        self.skill_cover.verticalHeader().setVisible(False)
        self.skill_cover.setMinimumHeight(110)
        self.add_skill_button = QPushButton("Add")
        self.add_skill_button.setToolTip("A skill that a shift needs, and how many holding it")
        self.add_skill_button.clicked.connect(lambda: self.add_skill_row())
        self.remove_skill_button = QPushButton("Remove")
        self.remove_skill_button.clicked.connect(self.remove_skill_row)
        skill_box = QVBoxLayout()
        skill_box.addWidget(self.skill_cover)
        skill_buttons = QHBoxLayout()
        skill_buttons.addWidget(self.add_skill_button)
        skill_buttons.addWidget(self.remove_skill_button)
        skill_buttons.addStretch(1)
        skill_box.addLayout(skill_buttons)
        self.under_weight = int_edit()
        self.over_weight = int_edit()
        self.limits: dict[str, QLineEdit] = {name: int_edit() for name in CONTRACT_FIELDS}
        for name, (_label, blank) in CONTRACT_FIELDS.items():
            if blank:
                self.limits[name].setPlaceholderText("no limit")
        self.fairness = QComboBox()
        for measure, label in FAIRNESS_LABELS.items():
            self.fairness.addItem(label, measure.value if measure is not None else "")
        self.fairness_weight = int_edit()
        self.fairness_shifts: dict[str, QCheckBox] = {}
        self.fairness_shift_row = QHBoxLayout()
        self.fairness.currentIndexChanged.connect(self._fairness_shown)
        self.fields.addRow("Cover per shift and skill", skill_box)
        self.fields.addRow("Weight of a missing operator", self.under_weight)
        self.fields.addRow("Weight of an extra operator", self.over_weight)
        for name, (label, _blank) in CONTRACT_FIELDS.items():
            self.fields.addRow(label, self.limits[name])
        self.fields.addRow("Keep fair across operators", self.fairness)
        self.fields.addRow("Weight of the spread", self.fairness_weight)
        self.fields.addRow("Shift types counted", self.fairness_shift_row)
        self.finish_layout()

    # -- reading ---------------------------------------------------------------------------
    def load(self) -> None:
        job = self.ctx.runner.query(self.service.form, name="roster policy", owner=self)
        job.on_success(self._loaded).on_failure(self.failed)

    def _loaded(self, form: PolicyForm) -> None:
        first = self.form is None
        self.form = form
        p = form.policy
        if form.stored_at is not None:
            self.heading.setText(
                f"The site's policy, saved by {form.stored_by or 'somebody'} "
                f"on {form.stored_at:%d %b %Y %H:%M} (UTC)."
            )
        else:
            self.heading.setText(
                f"Nothing is stored yet: {p.note}. Saving stores these values for the site."
            )
        if first:
            for i, (shift, name) in enumerate(zip(form.shift_ids, form.shift_names, strict=True)):
                edit = int_edit(0, 10_000)
                self.cover[shift] = edit
                self.fields.insertRow(i, f"Operators on {shift} ({name}) each day", edit)
                box = QCheckBox(shift)
                self.fairness_shifts[shift] = box
                self.fairness_shift_row.addWidget(box)
        for shift, edit in self.cover.items():
            edit.setText(str(p.per_shift.get(shift, 0)))
        self.skill_cover.setRowCount(0)
        for c in p.per_skill:
            self.add_skill_row(c)
        self.under_weight.setText(str(p.under_weight))
        self.over_weight.setText(str(p.over_weight))
        for name, edit in self.limits.items():
            value = getattr(p, name)
            edit.setText("" if value is None else str(value))
        goal = p.fairness
        self.fairness.setCurrentIndex(
            max(0, self.fairness.findData(goal.measure.value if goal is not None else ""))
        )
        self.fairness_weight.setText(str(goal.weight) if goal is not None else "")
        for shift, box in self.fairness_shifts.items():
            box.setChecked(goal is not None and shift in goal.shifts)
        self._fairness_shown()
        can = self.ctx.actor.can(Permission.ROSTER)
        for button in (self.save_button, self.add_skill_button, self.remove_skill_button):
            button.setEnabled(can)
        if not can:
            self.error.setText("Read-only: your role may not change the roster policy")

    def measure(self) -> FairnessMeasure | None:
        """The fairness measure chosen (None: off)."""
        value = self.fairness.currentData()
        return FairnessMeasure(value) if value else None

    # -- cover per shift and skill -----------------------------------------------------------
    def add_skill_row(self, cover: SkillCover | None = None) -> None:
        """A row of the skill cover table (empty: the first shift, the first skill, 1)."""
        if self.form is None:
            return
        row = self.skill_cover.rowCount()
        self.skill_cover.insertRow(row)
        shift = QComboBox()
        for sid, name in zip(self.form.shift_ids, self.form.shift_names, strict=True):
            shift.addItem(f"{sid} ({name})", sid)
        skill = QComboBox()
        skill.setEditable(True)  # a skill nobody holds yet can be asked for too
        skill.addItems(self.form.skills)
        count = QSpinBox()
        count.setRange(0, 1000)
        count.setValue(1)
        if cover is not None:
            shift.setCurrentIndex(max(0, shift.findData(cover.shift)))
            skill.setCurrentText(cover.skill)
            count.setValue(cover.requirement)
        self.skill_cover.setCellWidget(row, 0, shift)
        self.skill_cover.setCellWidget(row, 1, skill)
        self.skill_cover.setCellWidget(row, 2, count)
        self.skill_cover.setCurrentCell(row, 1)

    def remove_skill_row(self) -> None:
        row = self.skill_cover.currentRow()
        if row < 0:
            row = self.skill_cover.rowCount() - 1
        if row >= 0:
            self.skill_cover.removeRow(row)

    def skill_rows(self) -> tuple[SkillCover, ...]:
        """The table as cover rows (a row without a skill is refused in words; a row twice is
        refused by :class:`RosterPolicy`)."""
        out: list[SkillCover] = []
        for row in range(self.skill_cover.rowCount()):
            shift = self.skill_cover.cellWidget(row, 0)
            skill = self.skill_cover.cellWidget(row, 1)
            count = self.skill_cover.cellWidget(row, 2)
            assert isinstance(shift, QComboBox)
            assert isinstance(skill, QComboBox)
            assert isinstance(count, QSpinBox)
            code = skill.currentText().strip()
            if not code:
                raise ValidationError(f"row {row + 1} of the skill cover needs a skill")
            out.append(SkillCover(str(shift.currentData()), code, count.value()))
        return tuple(out)

    def _fairness_shown(self) -> None:
        measure = self.measure()
        self.fairness_weight.setEnabled(measure is not None)
        for box in self.fairness_shifts.values():
            box.setEnabled(measure is FairnessMeasure.SHIFTS)

    # -- saving ----------------------------------------------------------------------------
    def policy(self) -> RosterPolicy:
        """The policy as the boxes say (refused in words when a box is empty that may not be)."""
        assert self.form is not None

        def required(edit: QLineEdit, what: str) -> int:
            value = number_of(edit)
            if value is None:
                raise ValidationError(f"{what} needs a number")
            return value

        per_shift = {s: required(e, f"the cover of {s}") for s, e in self.cover.items()}
        per_skill = self.skill_rows()
        limits = {name: number_of(edit) for name, edit in self.limits.items()}
        for name, (label, blank) in CONTRACT_FIELDS.items():
            if not blank and limits[name] is None:
                raise ValidationError(f"{label.lower()} needs a number")
        measure = self.measure()
        fairness = None
        if measure is not None:
            shifts = frozenset(s for s, b in self.fairness_shifts.items() if b.isChecked())
            if measure is FairnessMeasure.SHIFTS and not shifts:
                raise ValidationError("tick the shift types whose count is to be kept fair")
            weight = required(self.fairness_weight, "the weight of the spread")
            fairness = FairnessDto(
                weight, measure, shifts if measure is FairnessMeasure.SHIFTS else frozenset()
            )
        return RosterPolicy(
            per_shift=per_shift,
            per_skill=per_skill,
            under_weight=required(self.under_weight, "the weight of a missing operator"),
            over_weight=required(self.over_weight, "the weight of an extra operator"),
            max_consecutive_shifts=limits["max_consecutive_shifts"],
            min_consecutive_shifts=limits["min_consecutive_shifts"] or 0,
            min_consecutive_days_off=limits["min_consecutive_days_off"] or 0,
            max_weekly_minutes=limits["max_weekly_minutes"],
            max_weekends_per_4_weeks=limits["max_weekends_per_4_weeks"],
            fairness=fairness,
        )

    def save(self) -> None:
        if self.form is None or self.saving:
            return
        try:
            policy = self.policy()
        except ValidationError as exc:
            self.error.setText(describe(exc))
            return
        self.saving = True
        self.save_button.setEnabled(False)
        self.error.clear()
        job = self.ctx.runner.command(
            self.service.save,
            self.ctx.actor,
            policy,
            seen_version=self.form.version,
            request_id=uuid.uuid4().hex,
            name="roster policy save",
            owner=self,
        )
        job.on_success(self._saved).on_failure(self.failed)

    def _saved(self, form: PolicyForm) -> None:
        self.saving = False
        self.form = form
        self.saved.emit(form)
        self.accept()
