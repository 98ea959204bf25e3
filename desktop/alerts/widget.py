"""The alert inbox: a table of alerts filtered by state and severity, the actions on the selected
ones (acknowledge with a comment, resolve, snooze, take ownership), the selected alert's
context, and the cues for a new high or critical alert.

Keyboard (while the inbox has focus): A acknowledge…, R resolve, Z snooze one hour,
M take ownership (its menu assigns to anybody), Ctrl+R run the rules and re-read.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from PySide6.QtCore import QItemSelectionModel, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.alerts.cue import AlertCue
from desktop.alerts.detail import AlertDetailPanel
from desktop.alerts.dialogs import CommentDialog
from desktop.alerts.model import ALERT_ID_ROLE, SORT_ROLE, AlertTableModel, is_urgent
from desktop.alerts.store import AlertStore
from desktop.context import DesktopContext
from domain.model.alerts import Alert, AlertSeverity, AlertState

log = logging.getLogger(__name__)

FLASH_MS = 500
SNOOZE_CHOICES: tuple[tuple[str, timedelta], ...] = (
    ("15 minutes", timedelta(minutes=15)),
    ("1 hour", timedelta(hours=1)),
    ("4 hours", timedelta(hours=4)),
    ("8 hours", timedelta(hours=8)),
)
STATE_FILTERS: tuple[tuple[str, frozenset[AlertState]], ...] = (
    ("open", frozenset({AlertState.NEW, AlertState.ACKNOWLEDGED, AlertState.SNOOZED})),
    ("new", frozenset({AlertState.NEW})),
    ("acknowledged", frozenset({AlertState.ACKNOWLEDGED})),
    ("snoozed", frozenset({AlertState.SNOOZED})),
    ("resolved", frozenset({AlertState.RESOLVED})),
    ("all", frozenset(AlertState)),
)


class AlertInbox(QWidget):
    title_changed = Signal(str)

    def __init__(
        self, ctx: DesktopContext, parent: QWidget | None = None, *, run_rules: bool = True
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AlertInbox")
        self.ctx = ctx
        self.store = AlertStore(ctx, self, run_rules=run_rules)
        self.cue = AlertCue(ctx.settings, self)
        self.model = AlertTableModel(self.store.now)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.flashing: set[int] = set()  # new high/critical alerts nobody has looked at yet
        self._flash_on = False
        self._flash = QTimer(self)
        self._flash.setInterval(FLASH_MS)
        self._flash.timeout.connect(self._toggle_flash)
        self.dialog: CommentDialog | None = None

        # -- toolbar -------------------------------------------------------------------------
        self.state_filter = QComboBox()
        for label, _states in STATE_FILTERS:
            self.state_filter.addItem(label)
        self.severity_filter = QComboBox()
        self.severity_filter.addItem("any severity", None)
        for sev in reversed(list(AlertSeverity)):
            self.severity_filter.addItem(f"{sev.value} and worse", sev.value)
        self.state_filter.currentIndexChanged.connect(self._show)
        self.severity_filter.currentIndexChanged.connect(self._show)

        self.ack_action = self._action("&Acknowledge…", "A", self.acknowledge_selected)
        self.resolve_action = self._action("&Resolve", "R", self.resolve_selected)
        self.snooze_action = self._action("Snooze 1 hour", "Z", self._snooze_hour)
        self.own_action = self._action("Take ownership", "M", self.take_selected)
        self.rules_action = self._action("Check now", "Ctrl+R", self.store.tick)
        self.ack_button = QToolButton()
        self.ack_button.setDefaultAction(self.ack_action)
        self.resolve_button = QToolButton()
        self.resolve_button.setDefaultAction(self.resolve_action)
        self.snooze_button = QToolButton()
        self.snooze_button.setText("Snooze")
        self.snooze_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.snooze_button)
        for label, delta in SNOOZE_CHOICES:
            act = menu.addAction(label)
            act.triggered.connect(lambda _=False, d=delta: self.snooze_selected(d))
        self.snooze_button.setMenu(menu)
        self.own_button = QToolButton()
        self.own_button.setDefaultAction(self.own_action)
        self.own_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.assign_menu = QMenu(self.own_button)
        self.assign_menu.aboutToShow.connect(self._fill_assign_menu)
        self.own_button.setMenu(self.assign_menu)
        self._owners: list[tuple[str, str]] = []
        self.rules_button = QPushButton("Check now")
        self.rules_button.setToolTip("Run the alert rules and re-read (Ctrl+R)")
        self.rules_button.clicked.connect(self.store.tick)
        self.sound = QCheckBox("Sound")
        self.sound.setToolTip("Beep when a new high or critical alert arrives")
        self.sound.setChecked(self.cue.sound)
        self.sound.toggled.connect(self.cue.set_sound)
        top = QHBoxLayout()
        for w in (
            QLabel("Show"),
            self.state_filter,
            self.severity_filter,
            self.ack_button,
            self.resolve_button,
            self.snooze_button,
            self.own_button,
        ):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.sound)
        top.addWidget(self.rules_button)

        # -- table and detail ----------------------------------------------------------------
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the model's own order
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.detail = AlertDetailPanel()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([900, 420])
        self.detail.setMinimumWidth(320)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        lay.addWidget(self.message)

        self.store.reset.connect(self._show)
        self.store.arrived.connect(self._arrived)
        self.store.failed.connect(self._say)
        self.store.committed.connect(self._say)
        self._update_actions()

    def _action(self, text: str, shortcut: str, slot: object) -> QAction:
        act = QAction(text, self)
        act.setShortcut(QKeySequence(shortcut))
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        act.setToolTip(f"{text.replace('&', '')} ({shortcut})")
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    # -- life ------------------------------------------------------------------------------
    def start(self) -> None:
        self.store.start()

    def stop(self) -> None:
        self.store.stop()
        self._flash.stop()

    # -- showing ---------------------------------------------------------------------------
    def visible_alerts(self) -> list[Alert]:
        _label, states = STATE_FILTERS[max(0, self.state_filter.currentIndex())]
        chosen = self.severity_filter.currentData()
        floor = AlertSeverity(chosen) if chosen else None
        return [
            a
            for a in self.store.alerts.values()
            if a.state in states and (floor is None or a.severity.rank >= floor.rank)
        ]

    def _show(self) -> None:
        selected = set(self.selected_ids())
        self.model.set_alerts(self.visible_alerts(), self.store.pending)
        self._restore_selection(selected)
        self.flashing = {
            i for i in self.flashing if (a := self.store.alerts.get(i)) is not None and is_urgent(a)
        }
        self._update_flash()
        self._update_title()
        self._update_actions()
        current = self.detail.alert_id
        if current is not None and current in self.store.alerts:
            self.detail.show_alert(self.store.alerts[current])

    def _restore_selection(self, ids: set[int]) -> None:
        if not ids:
            return
        sm = self.table.selectionModel()
        for row in range(self.proxy.rowCount()):
            idx = self.proxy.index(row, 0)
            if idx.data(ALERT_ID_ROLE) in ids:
                sm.select(
                    idx,
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    def counts(self) -> tuple[int, int]:
        """(open alerts nobody took on, of which high or critical)."""
        new = [a for a in self.store.alerts.values() if a.state is AlertState.NEW]
        return len(new), sum(1 for a in new if is_urgent(a))

    def title(self) -> str:
        new, urgent = self.counts()
        text = "Alerts"
        if new:
            text += f" ({new} new" + (f", {urgent} high" if urgent else "") + ")"
        if self.flashing and self._flash_on:
            text = "● " + text
        return text

    def _update_title(self) -> None:
        self.title_changed.emit(self.title())

    def _update_actions(self) -> None:
        ids = self.selected_ids()
        can = self.store.can_act and bool(ids)
        for act in (self.ack_action, self.resolve_action, self.snooze_action, self.own_action):
            act.setEnabled(can)
        self.snooze_button.setEnabled(can)
        self.rules_button.setEnabled(self.store.run_rules)
        self.rules_action.setEnabled(True)

    def _say(self, text: str) -> None:
        self.message.setText(text)

    # -- cue -------------------------------------------------------------------------------
    def _arrived(self, alert_ids: list[int]) -> None:
        self.flashing |= set(alert_ids)
        self.cue.fire(alert_ids)
        self._update_flash()
        self._update_title()

    def _update_flash(self) -> None:
        if self.flashing and not self._flash.isActive():
            self._flash_on = True
            self._flash.start()
        elif not self.flashing and self._flash.isActive():
            self._flash.stop()
            self._flash_on = False
        self.model.set_flash(self.flashing, self._flash_on)

    def _toggle_flash(self) -> None:
        self._flash_on = not self._flash_on
        self.model.set_flash(self.flashing, self._flash_on)
        self._update_title()

    # -- selection -------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return [int(r.data(ALERT_ID_ROLE)) for r in rows if r.data(ALERT_ID_ROLE) is not None]

    def select(self, alert_id: int) -> bool:
        for row in range(self.proxy.rowCount()):
            idx = self.proxy.index(row, 0)
            if idx.data(ALERT_ID_ROLE) == alert_id:
                self.table.selectionModel().select(
                    idx,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.setCurrentIndex(idx)
                return True
        return False

    def _selection_changed(self) -> None:
        ids = self.selected_ids()
        self._update_actions()
        if self.flashing & set(ids):  # looked at: stop flashing it
            self.flashing -= set(ids)
            self._update_flash()
            self._update_title()
        if len(ids) != 1:
            if not ids:
                self.detail.clear()
            return
        alert = self.store.alerts.get(ids[0])
        if alert is None:
            return
        self.detail.show_alert(alert)
        self.store.detail(ids[0], self.detail.show_detail)

    # -- actions ---------------------------------------------------------------------------
    def acknowledge_selected(self) -> CommentDialog | None:
        """Ask for a comment (non-blocking), then acknowledge the selected alerts."""
        ids = self.selected_ids()
        if not ids:
            return None
        n = len(ids)
        dialog = CommentDialog(
            "Acknowledge alert" if n == 1 else f"Acknowledge {n} alerts",
            "Acknowledge: you have seen it and someone is on it.",
            self,
        )
        dialog.accepted.connect(lambda: self.store.acknowledge(ids, dialog.comment))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def resolve_selected(self) -> None:
        self.store.resolve(self.selected_ids())

    def snooze_selected(self, delta: timedelta) -> None:
        self.store.snooze(self.selected_ids(), self.store.now() + delta)

    def _snooze_hour(self) -> None:
        self.snooze_selected(timedelta(hours=1))

    def take_selected(self) -> None:
        self.store.assign(self.selected_ids(), self.ctx.actor.user)

    def assign_selected(self, owner: str | None) -> None:
        self.store.assign(self.selected_ids(), owner)

    def _fill_assign_menu(self) -> None:
        menu = self.assign_menu
        menu.clear()
        nobody = menu.addAction("Nobody")
        nobody.triggered.connect(lambda: self.assign_selected(None))
        menu.addSeparator()
        for name, display in self._owners:
            act = menu.addAction(f"{display} ({name})")
            act.triggered.connect(lambda _=False, n=name: self.assign_selected(n))
        if not self._owners:
            menu.addAction("loading…").setEnabled(False)
            self.store.owners(self._owners_loaded)

    def _owners_loaded(self, owners: list[tuple[str, str]]) -> None:
        self._owners = owners
        if owners:
            self._fill_assign_menu()
