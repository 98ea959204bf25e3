"""The roster's draft bar: "Roster: [Published v]" lists the open drafts; choosing one shows it
in the grid, where edits go to the draft; "New draft" starts an empty one for the days shown;
"Rename…" names the shown one anew; "Publish" and "Discard" close the shown draft after a
confirmation that says how many cells of the published roster change. A publish refused on
conflicts lists the cells."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from desktop.change_hub import touches
from desktop.context import DesktopContext
from desktop.roster.store import RosterStore
from domain.auth import Permission
from domain.events import ChangeEvent, Topic
from services.rostering.drafts import DraftDto

log = logging.getLogger(__name__)

PUBLISHED_LABEL = "Published"


class DraftsBar(QWidget):
    def __init__(self, ctx: DesktopContext, store: RosterStore, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.store = store
        self.drafts: list[DraftDto] = []
        self.dialog: QWidget | None = None  # the open name prompt, confirmation or warning
        self._listing = False
        self._list_again = False
        self.selector = QComboBox()
        self.selector.setMinimumContentsLength(24)
        self.selector.setToolTip("The published roster, or a draft being prepared")
        self.selector.addItem(PUBLISHED_LABEL, None)
        self.selector.activated.connect(self._chosen)
        self.new_button = QPushButton("New draft")
        self.new_button.setToolTip("Start an empty draft of the days shown")
        self.new_button.clicked.connect(self.ask_new_draft)
        self.publish_button = QPushButton("Publish")
        self.publish_button.clicked.connect(self.ask_publish)
        self.discard_button = QPushButton("Discard")
        self.discard_button.clicked.connect(self.ask_discard)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.setToolTip("Give the draft shown another name")
        self.rename_button.clicked.connect(self.ask_rename)
        self.state = QLabel()
        self.state.setStyleSheet("color: #a0a4ab")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("Roster:"))
        buttons = (self.new_button, self.rename_button, self.publish_button, self.discard_button)
        for w in (self.selector, *buttons):
            lay.addWidget(w)
        lay.addWidget(self.state, 1)
        can_edit = ctx.actor.can(Permission.ROSTER)
        self.new_button.setEnabled(can_edit)
        self._can_edit = can_edit
        store.draft_changed.connect(self._on_draft_changed)
        store.drafts_changed.connect(self.reload)
        store.reset.connect(self._show_state)
        store.publish_failed.connect(self._publish_failed)
        ctx.hub.changed.connect(self._on_hub_changed)
        self._on_draft_changed(store.draft)

    # -- the list of drafts ----------------------------------------------------------------
    def reload(self) -> None:
        if self._listing:
            self._list_again = True
            return
        self._listing = True
        job = self.ctx.runner.query(self.store.drafts.list, name="roster drafts", owner=self)
        job.on_success(self._listed).on_failure(self.ctx.report_error).on_finished(self._done)

    def _done(self) -> None:
        self._listing = False
        if self._list_again:
            self._list_again = False
            self.reload()

    def _listed(self, drafts: list[DraftDto]) -> None:
        self.drafts = drafts
        self._fill()

    def _fill(self) -> None:
        shown = self.store.draft
        items: list[tuple[str, str | None]] = [(PUBLISHED_LABEL, None)]
        items += [(d.label, d.id) for d in self.drafts]
        if shown is not None and shown.id not in {d.id for d in self.drafts}:
            items.append((shown.label, shown.id))  # just made: the list has not caught up
        self.selector.blockSignals(True)
        self.selector.clear()
        for label, draft_id in items:
            self.selector.addItem(label, draft_id)
        self.selector.setCurrentIndex(max(0, self.selector.findData(shown.id if shown else None)))
        self.selector.blockSignals(False)

    def _on_hub_changed(self, events: list[ChangeEvent]) -> None:
        if touches(events, Topic.ROSTER_DRAFT):
            self.reload()

    # -- choosing --------------------------------------------------------------------------
    def _chosen(self, index: int) -> None:
        draft_id = self.selector.itemData(index)
        draft = next((d for d in self.drafts if d.id == draft_id), None)
        shown = self.store.draft
        if draft is None and shown is not None and shown.id == draft_id:
            draft = shown
        self.store.select_draft(draft)

    def choose(self, draft_id: str | None) -> None:
        """Show the draft ``draft_id`` (None: the published roster), as the selector does."""
        index = self.selector.findData(draft_id)
        if index < 0:
            raise KeyError(f"no draft {draft_id} in the list")
        self.selector.setCurrentIndex(index)
        self._chosen(index)

    def _on_draft_changed(self, draft: DraftDto | None) -> None:
        on_draft = draft is not None
        for button in (self.rename_button, self.publish_button, self.discard_button):
            button.setVisible(on_draft)
            button.setEnabled(on_draft and self._can_edit)
        self._fill()
        self._show_state()

    def _show_state(self) -> None:
        draft, view = self.store.draft, self.store.draft_view
        if draft is None:
            self.state.setText("")
            return
        if view is None:
            self.state.setText("loading the draft…")
            return
        text = (
            f"Draft {draft.start:%a %d %b} + {draft.days} days: {self.store.draft_cells()} "
            f"cell(s) differ from the published roster (italic, dotted)"
        )
        if view.conflicts:
            text += f"; {len(view.conflicts)} published cell(s) changed since it was made"
        self.state.setText(text)

    # -- new, rename, publish, discard -------------------------------------------------------------
    def ask_new_draft(self) -> None:
        snap = self.store.snapshot
        if snap is None:
            return
        self._ask_name(
            "New roster draft",
            f"Name of the draft of {snap.days} days from {snap.start:%a %d %b}:",
            f"Roster from {snap.start:%d %b}",
            self._new_named,
        )

    def _ask_name(self, title: str, label: str, value: str, then: Callable[[str], None]) -> None:
        """A name prompt (window-modal, opened without blocking); ``then`` gets the name."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(value)
        dialog.textValueSelected.connect(then)
        self.dialog = dialog
        dialog.open()

    def _new_named(self, name: str) -> None:
        if name.strip():
            self.store.create_draft(name.strip())

    def ask_rename(self) -> None:
        draft = self.store.draft
        if draft is None:
            return
        self._ask_name(
            "Rename roster draft",
            f"New name of the draft {draft.name!r}:",
            draft.name,
            self._renamed,
        )

    def _renamed(self, name: str) -> None:
        draft = self.store.draft
        if draft is not None and name.strip() and name.strip() != draft.name:
            self.store.rename_draft(name.strip())

    def ask_publish(self) -> None:
        draft = self.store.draft
        if draft is None:
            return
        cells = self.store.draft_cells()
        self._confirm(
            "Publish roster draft",
            f"Publish the draft {draft.name!r}? {cells} cell(s) of the published roster "
            "change, and operators and the allocation board see them.",
            "Publish",
            self.store.publish_draft,
        )

    def ask_discard(self) -> None:
        draft = self.store.draft
        if draft is None:
            return
        cells = self.store.draft_cells()
        self._confirm(
            "Discard roster draft",
            f"Discard the draft {draft.name!r} and its {cells} changed cell(s)? The published "
            "roster stays as it is.",
            "Discard",
            self.store.discard_draft,
        )

    def _confirm(self, title: str, text: str, action: str, then: Callable[[], None]) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=self)
        yes = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(yes)

        def clicked(button: object) -> None:
            if button is yes:
                then()

        box.buttonClicked.connect(clicked)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog = box
        box.open()

    def _publish_failed(self, why: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Draft not published", f"Not published: {why}", parent=self
        )
        self.dialog = box
        box.open()
