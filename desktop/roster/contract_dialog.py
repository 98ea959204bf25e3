"""The "Operator contract…" dialog: view and edit one operator's rostering contract.

Each limit is a text box; a blank box is the site's default (from the roster policy), shown as
its placeholder. The contract is read and saved on the runner (save: the write lane, with the
version the dialog read, so a contract changed meanwhile at another seat is refused with who
changed it); a refusal is shown in the dialog in words and the dialog stays open. After a save
the roster reads its range again, so the grid judges edits by the new contract.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLineEdit, QWidget

from desktop.context import DesktopContext
from desktop.roster.form_dialog import FormDialog, int_edit, number_of
from domain.auth import Permission
from services.rostering.contract_rules import WEEKDAYS, OperatorContractDto
from services.rostering.contracts import ContractForm, ContractService

LIMIT_LABELS = {
    "min_weekly_minutes": "Minimum minutes a week",
    "max_weekly_minutes": "Maximum minutes a week",
    "min_consecutive_shifts": "Minimum shifts in a row",
    "max_consecutive_shifts": "Maximum shifts in a row",
    "min_consecutive_days_off": "Minimum days off in a row",
    "max_weekends_per_4_weeks": "Maximum weekends in 4 weeks",
}


def _site_default(form: ContractForm, name: str) -> str:
    site = form.site
    value: int | None = {
        "min_weekly_minutes": None,
        "max_weekly_minutes": site.max_weekly_minutes,
        "min_consecutive_shifts": site.min_consecutive_shifts,
        "max_consecutive_shifts": site.max_consecutive_shifts,
        "min_consecutive_days_off": site.min_consecutive_days_off,
        "max_weekends_per_4_weeks": site.max_weekends_per_4_weeks,
    }[name]
    return f"site: {value}" if value is not None else "site: no limit"


class ContractDialog(FormDialog):
    saved = Signal(object)  # the OperatorContractDto as stored

    def __init__(
        self, ctx: DesktopContext, operator_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(f"Contract of {operator_id}", parent)
        self.ctx = ctx
        self.operator_id = operator_id
        self.service = ContractService(ctx.app)
        self.form: ContractForm | None = None
        self.limits: dict[str, QLineEdit] = {}
        self.max_shifts: dict[str, QLineEdit] = {}
        self.weekdays = [QCheckBox(name[:3]) for name in WEEKDAYS]
        self.notes = QLineEdit()
        for name, label in LIMIT_LABELS.items():
            edit = int_edit()
            self.limits[name] = edit
            self.fields.addRow(label, edit)
        days = QHBoxLayout()
        for box in self.weekdays:
            days.addWidget(box)
        self.fields.addRow("Cannot work on", days)
        self.fields.addRow("Notes", self.notes)
        self.finish_layout()

    def load(self) -> None:
        job = self.ctx.runner.query(
            self.service.form, self.operator_id, name="roster contract", owner=self
        )
        job.on_success(self._loaded).on_failure(self.failed)

    def _loaded(self, form: ContractForm) -> None:
        self.form = form
        c = form.contract
        self.setWindowTitle(f"Contract of {form.name}")
        self.heading.setText(
            f"{form.name} ({form.operator_id}). Blank boxes keep the site's contract"
            + (f"; last changed by {c.updated_by}" if c.updated_by else "")
        )
        for name, edit in self.limits.items():
            value = getattr(c, name)
            edit.setText("" if value is None else str(value))
            edit.setPlaceholderText(_site_default(form, name))
        for shift in form.shift_ids:
            edit = int_edit(0, 7)
            edit.setText("" if shift not in c.max_shifts else str(c.max_shifts[shift]))
            edit.setPlaceholderText("site: no limit")
            self.max_shifts[shift] = edit
            self.fields.insertRow(len(self.max_shifts) - 1, f"Most {shift} shifts a week", edit)
        for d, box in enumerate(self.weekdays):
            box.setChecked(d in c.unavailable_weekdays)
        self.notes.setText(c.notes)
        can = self.ctx.actor.can(Permission.ROSTER)
        self.save_button.setEnabled(can)
        if not can:
            self.error.setText("Read-only: your role may not change contracts")

    def contract(self) -> OperatorContractDto:
        """The contract as the boxes say (blank boxes: None, the site's)."""

        limits = {name: number_of(edit) for name, edit in self.limits.items()}
        shifts = {s: n for s, edit in self.max_shifts.items() if (n := number_of(edit)) is not None}
        return OperatorContractDto(
            self.operator_id,
            max_shifts=shifts,
            min_weekly_minutes=limits["min_weekly_minutes"],
            max_weekly_minutes=limits["max_weekly_minutes"],
            min_consecutive_shifts=limits["min_consecutive_shifts"],
            max_consecutive_shifts=limits["max_consecutive_shifts"],
            min_consecutive_days_off=limits["min_consecutive_days_off"],
            max_weekends_per_4_weeks=limits["max_weekends_per_4_weeks"],
            unavailable_weekdays=frozenset(d for d, b in enumerate(self.weekdays) if b.isChecked()),
            notes=self.notes.text().strip(),
        )

    def save(self) -> None:
        if self.form is None or self.saving:
            return
        self.saving = True
        self.save_button.setEnabled(False)
        self.error.clear()
        job = self.ctx.runner.command(
            self.service.save_contract,
            self.ctx.actor,
            self.contract(),
            expected_version=self.form.contract.version,
            request_id=uuid.uuid4().hex,
            name="roster contract save",
            owner=self,
        )
        job.on_success(self._saved).on_failure(self.failed)

    def _saved(self, stored: OperatorContractDto) -> None:
        self.saving = False
        self.saved.emit(stored)
        self.accept()
