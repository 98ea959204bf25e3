"""The roster view: a toolbar (range, filters, Optimise, Repair, Stop, undo/redo, export) over
the grid of operators by days with its cover rows, and a message line that says why an edit
was refused or what was saved."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.context import DesktopContext
from desktop.messages import describe
from desktop.roster.contract_dialog import ContractDialog
from desktop.roster.drafts_bar import DraftsBar
from desktop.roster.drafts_cells import DraftCellDelegate
from desktop.roster.export import csv_rows, pdf_roster, save_csv, save_pdf
from desktop.roster.model import RosterModel
from desktop.roster.policy_dialog import PolicyDialog
from desktop.roster.proposal_dialog import ProposalDialog
from desktop.roster.store import DEFAULT_DAYS, Filters, RosterStore
from desktop.roster.view import RosterView
from domain.auth import Permission
from services.rostering.drafts import DraftDto
from services.rostering.problem import ProgressDto
from services.rostering.proposals import ProposalDto

log = logging.getLogger(__name__)

MESSAGE_MS = 8_000


class RosterWidget(QWidget):
    def __init__(
        self,
        ctx: DesktopContext,
        start: date | None = None,
        days: int = DEFAULT_DAYS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RosterView")
        self.ctx = ctx
        today = ctx.app.clock.now().date()
        first = start or today - timedelta(days=today.weekday())
        self.store = RosterStore(ctx, first, days, self)
        self.model = RosterModel(self.store)
        self.view = RosterView(self.model)
        self.view.setItemDelegate(DraftCellDelegate(self.store, self.view))
        self.proposal_dialog: ProposalDialog | None = None

        # -- toolbar ---------------------------------------------------------------------------
        self.start_edit = QDateEdit(QDate(first.year, first.month, first.day))
        self.start_edit.setCalendarPopup(True)
        self.days_spin = QSpinBox()
        self.days_spin.setRange(1, 42)
        self.days_spin.setValue(days)
        self.days_spin.setSuffix(" days")
        self.start_edit.dateChanged.connect(self._range_changed)
        self.days_spin.valueChanged.connect(self._range_changed)
        self.line_filter = QComboBox()
        self.skill_filter = QComboBox()
        for combo in (self.line_filter, self.skill_filter):
            combo.currentIndexChanged.connect(self._filters_changed)
        self.limit_spin = QDoubleSpinBox()
        self.limit_spin.setRange(1, 600)
        self.limit_spin.setValue(self.store.time_limit)
        self.limit_spin.setSuffix(" s")
        self.limit_spin.setToolTip("Time limit of Optimise and Repair")
        self.limit_spin.valueChanged.connect(self._limit_changed)
        self.optimise_button = QPushButton("Optimise")
        self.optimise_button.setToolTip("Fill cover gaps; locked cells and the past are kept")
        self.optimise_button.clicked.connect(self.optimise)
        self.repair_button = QPushButton("Repair")
        self.repair_button.setToolTip(
            "Select the days one operator is absent, then repair the roster around them"
        )
        self.repair_button.clicked.connect(self.repair_selection)
        self.forecast_button = QPushButton("Repair forecast")
        self.forecast_button.setToolTip(
            "Plan around the shifts forecast absent with a probability of 50% or more (red dots)"
        )
        self.forecast_button.clicked.connect(self.store.repair_forecast)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.store.stop_solving)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.progress.setMaximumWidth(160)
        self.progress_label = QLabel("")
        self.undo_button = QToolButton()
        self.undo_button.setDefaultAction(self.store.undo_stack.createUndoAction(self, "Undo"))
        self.redo_button = QToolButton()
        self.redo_button.setDefaultAction(self.store.undo_stack.createRedoAction(self, "Redo"))
        self.contract_button = QPushButton("Contract…")
        self.contract_button.setToolTip("The selected operator's contract (limits, days off)")
        self.contract_button.clicked.connect(lambda: self.edit_contract())
        self.contract_dialog: ContractDialog | None = None
        self.policy_button = QPushButton("Policy…")
        self.policy_button.setToolTip(
            "The site's cover per shift, weights, contract and fairness goal"
        )
        self.policy_button.clicked.connect(lambda: self.edit_policy())
        self.policy_dialog: PolicyDialog | None = None
        self.csv_button = QPushButton("CSV…")
        self.csv_button.clicked.connect(self._export_csv)
        self.pdf_button = QPushButton("PDF…")
        self.pdf_button.clicked.connect(self._export_pdf)
        top = QHBoxLayout()
        for w in (
            self.start_edit,
            self.days_spin,
            self.line_filter,
            self.skill_filter,
            self.limit_spin,
            self.optimise_button,
            self.repair_button,
            self.forecast_button,
            self.stop_button,
            self.progress,
            self.progress_label,
            self.undo_button,
            self.redo_button,
            self.contract_button,
            self.policy_button,
            self.csv_button,
            self.pdf_button,
        ):
            top.addWidget(w)
        top.addStretch(1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.hover = QLabel()
        self.hover.setStyleSheet("color: #e15759")
        self.cover_note = QLabel()
        self.cover_note.setStyleSheet("color: #a0a4ab")
        self.cover_note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        self.drafts_bar = DraftsBar(ctx, self.store, self)
        lay.addWidget(self.drafts_bar)
        lay.addWidget(self.message)
        lay.addWidget(self.hover)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.cover_note)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.setInterval(MESSAGE_MS)
        self._message_timer.timeout.connect(self.message.clear)

        can_edit = ctx.actor.can(Permission.ROSTER)
        self._can_edit = can_edit
        for w in (self.optimise_button, self.repair_button, self.forecast_button):
            w.setEnabled(can_edit)
        if not can_edit:
            self.cover_note.setText("Read-only: your role may not change rosters")

        self.store.reset.connect(self._on_reset)
        self.store.rejected.connect(self._on_rejected)
        self.store.saved.connect(lambda text: self.show_message(f"Saved: {text}"))
        self.store.solving_changed.connect(self._on_solving)
        self.store.progress.connect(self._on_progress)
        self.store.proposal_ready.connect(self._on_proposal)
        self.store.notice.connect(self.show_message)
        self.store.draft_changed.connect(self._on_draft)
        self.view.hover.connect(self.hover.setText)
        self.view.lock_requested.connect(self.store.toggle_locks)
        self.view.repair_requested.connect(self.repair_selection)
        self.view.contract_requested.connect(self.edit_contract)

    def start(self) -> None:
        self.store.reload()
        self.drafts_bar.reload()

    def _on_draft(self, draft: DraftDto | None) -> None:
        """A draft is shown for its own days: the range follows it and is fixed meanwhile."""
        for w in (self.start_edit, self.days_spin):
            w.setEnabled(draft is None)
        if draft is not None:
            for w in (self.start_edit, self.days_spin):
                w.blockSignals(True)
            self.start_edit.setDate(QDate(draft.start.year, draft.start.month, draft.start.day))
            self.days_spin.setValue(draft.days)
            for w in (self.start_edit, self.days_spin):
                w.blockSignals(False)

    def stop(self) -> None:
        self.store.shutdown()
        self._message_timer.stop()

    # -- messages --------------------------------------------------------------------------
    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #e15759" if error else "")
        self.message.setText(text)
        self._message_timer.start()

    def _on_rejected(self, why: str) -> None:
        self.hover.clear()
        self.show_message(f"Not changed: {why}", error=True)

    # -- range and filters -------------------------------------------------------------------
    def _range_changed(self) -> None:
        d = self.start_edit.date()
        self.store.set_range(date(d.year(), d.month(), d.day()), self.days_spin.value())

    def _limit_changed(self, value: float) -> None:
        self.store.time_limit = value

    def _filters_changed(self) -> None:
        self.store.set_filters(
            Filters(
                line=str(self.line_filter.currentData() or ""),
                skill=str(self.skill_filter.currentData() or ""),
            )
        )

    def _on_reset(self) -> None:
        snap = self.store.snapshot
        if snap is None:
            return
        self.cover_note.setText(snap.cover_note)
        self._fill(
            self.line_filter,
            "all lines",
            sorted(
                {
                    (snap.lines.get(o.line_id, o.line_id), o.line_id)
                    for o in snap.operators
                    if o.line_id
                }
            ),
        )
        skills = sorted({s for o in snap.operators for s in o.skills})
        self._fill(self.skill_filter, "all skills", [(s, s) for s in skills])

    @staticmethod
    def _fill(combo: QComboBox, everything: str, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        wanted = [("", everything), *((value, label) for label, value in items)]
        have = [(combo.itemData(i), combo.itemText(i)) for i in range(combo.count())]
        if have == wanted:
            return
        combo.blockSignals(True)
        combo.clear()
        for value, label in wanted:
            combo.addItem(label, value)
        index = combo.findData(current)
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    # -- optimise and repair -----------------------------------------------------------------
    def optimise(self) -> bool:
        return self.store.optimise()

    def repair_selection(self) -> bool:
        cells = self.view.selected_cells()
        operators = {op for op, _ in cells}
        if len(operators) != 1:
            self.show_message("Select the absent days of one operator, then Repair", error=True)
            return False
        (op,) = operators
        return self.store.repair(op, [d for _, d in cells], reason="absence recorded in the roster")

    def edit_contract(self, operator_id: str | None = None) -> ContractDialog | None:
        """Open the contract dialog of ``operator_id`` (default: the selected operator)."""
        if operator_id is None:
            operators = {op for op, _ in self.view.selected_cells()}
            if len(operators) != 1:
                self.show_message("Select one operator's cells, then Contract…", error=True)
                return None
            (operator_id,) = operators
        dialog = ContractDialog(self.ctx, operator_id, self)
        dialog.saved.connect(lambda c: self._contract_saved(operator_id))
        self.contract_dialog = dialog
        dialog.load()
        dialog.open()
        return dialog

    def edit_policy(self) -> PolicyDialog:
        """Open the site's roster policy dialog."""
        dialog = PolicyDialog(self.ctx, self)
        dialog.saved.connect(lambda _form: self._policy_saved())
        self.policy_dialog = dialog
        dialog.load()
        dialog.open()
        return dialog

    def _policy_saved(self) -> None:
        self.show_message("Saved: the site's roster policy")
        self.store.reload()

    def _contract_saved(self, operator_id: str) -> None:
        self.show_message(f"Saved: the contract of {operator_id}")
        self.store.reload()

    def _on_solving(self, solving: bool) -> None:
        self.progress.setVisible(solving)
        self.stop_button.setEnabled(solving)
        for w in (self.optimise_button, self.repair_button, self.forecast_button):
            w.setEnabled(self._can_edit and not solving)
        if solving:
            self.progress_label.setText("solving…")

    def _on_progress(self, p: ProgressDto) -> None:
        self.progress_label.setText(f"best {p.objective} after {p.seconds:.1f} s")

    def _on_proposal(self, proposal: ProposalDto) -> None:
        self.progress_label.setText(proposal.describe() if proposal.ok else "")
        if not proposal.ok:
            self.show_message(proposal.describe(), error=True)
            return
        if not proposal.changes:
            self.show_message("The roster is already as good as the solver could make it")
            return
        dialog = ProposalDialog(proposal, self.store.snapshot, self)
        dialog.accepted.connect(lambda: self.store.approve(proposal))
        dialog.save_draft.connect(lambda name: self.store.create_draft(name, proposal.changes))
        self.proposal_dialog = dialog
        dialog.open()

    # -- export ----------------------------------------------------------------------------
    def _export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export roster", "roster.csv", "CSV (*.csv)")
        if not path:
            return
        try:
            rows = csv_rows(self.model)
        except ValueError as exc:
            self._export_failed(exc)
            return
        job = self.ctx.runner.query(save_csv, rows, path, name="roster-csv", owner=self)
        job.on_success(self._exported).on_failure(self._export_failed)

    def _export_pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export roster", "roster.pdf", "PDF (*.pdf)")
        if not path:
            return
        # the model is read here (GUI thread), the PDF drawn and written in the query pool
        try:
            roster = pdf_roster(self.model)
        except ValueError as exc:
            self._export_failed(exc)
            return
        job = self.ctx.runner.query(save_pdf, roster, path, name="roster-pdf", owner=self)
        job.on_success(self._exported).on_failure(self._export_failed)

    def _exported(self, out: Path) -> None:
        self.show_message(f"Exported to {out}")

    def _export_failed(self, exc: BaseException) -> None:
        self.show_message(f"Not exported: {describe(exc)}", error=True)
