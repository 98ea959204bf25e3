"""The zone editor: pick a camera, draw and edit its zones on its picture, save them.

Saving goes through :class:`services.zones.ZoneService` in the runner's write lane with the
reason typed next to the Save button; the validation messages (domain rules) update after
every edit and errors keep Save disabled. Templates keep a camera's zones for another camera.
When the camera's picture no longer matches the reference frame stored at calibration, a
banner offers to move the zones with the picture (one undoable step).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace

import numpy as np
import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop.change_hub import touches
from desktop.context import DesktopContext
from desktop.messages import describe
from desktop.zones.document import ChangeZone, ReplaceZones, ZoneDocument
from desktop.zones.jobs import Loaded, load_camera, save_zones
from desktop.zones.properties import ZonePropertiesPanel
from desktop.zones.scene import ZoneScene
from desktop.zones.templates import TemplateActions
from desktop.zones.view import ZoneEditorView
from domain.auth import Permission
from domain.events import ChangeEvent, Topic
from services.zones import (
    CameraSummary,
    SaveResult,
    ZoneDraft,
    ZoneIssue,
    ZoneService,
    check_drafts,
)
from vision.alignment import AlignmentResult, move_polygon

log = logging.getLogger(__name__)

PALETTE = ("#2CA02C", "#1F77B4", "#FF7F0E", "#9467BD", "#D62728", "#17BECF", "#BCBD22")


class ZoneEditor(QWidget):
    loaded = Signal(str)  # camera id, after the camera's zones and picture arrived
    saved = Signal(object)  # SaveResult

    def __init__(self, ctx: DesktopContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = ZoneService(ctx.app)
        self.can_edit = ctx.actor.can(Permission.CALIBRATE_ZONES)
        self.camera: CameraSummary | None = None
        self.frame: np.ndarray | None = None
        self.frame_origin = "none"
        self.alignment: AlignmentResult | None = None
        self.issues: list[ZoneIssue] = []
        self._own_requests: set[str] = set()
        self._remote_note: str | None = None
        self._next_status: str | None = None  # shown once the next load arrives

        self.doc = ZoneDocument(self)
        self.undo = QUndoStack(self)
        self.scene = ZoneScene(self.doc)
        self.scene.setParent(self)  # a scene without a parent would be garbage-collected
        self.view = ZoneEditorView(self.scene, self.undo, self._new_zone)
        self.view.read_only = not self.can_edit
        self.properties = ZonePropertiesPanel()
        self.properties.setEnabled(False)
        self.zone_list = QListWidget()
        self.messages = QListWidget()
        self.messages.setObjectName("zone_messages")
        self.messages.setWordWrap(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.templates = TemplateActions(self)

        self._build_toolbar()
        self._build_layout()
        self._wire()
        self._refresh_messages()
        self.refresh_cameras()

    # -- construction ------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        self.camera_box = QComboBox()
        self.camera_box.setMinimumWidth(180)
        self.camera_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.camera_box.activated.connect(
            lambda _i: self.load_camera(self.camera_box.currentData())
        )
        bar = QToolBar()
        bar.addWidget(QLabel("Camera: "))
        bar.addWidget(self.camera_box)
        self.draw_action = QAction("Draw zone", self)
        self.draw_action.setShortcut(QKeySequence("N"))
        self.draw_action.triggered.connect(self.view.start_drawing)
        self.delete_action = QAction("Delete", self)
        self.delete_action.triggered.connect(self.view.delete_current)
        self.undo_action = self.undo.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo.createRedoAction(self, "Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        fit = QAction("Fit", self)
        fit.triggered.connect(self.view.fit)
        zoom_in = QAction("Zoom +", self)
        zoom_in.triggered.connect(lambda: self.view.zoom_by(1.25))
        zoom_out = QAction("Zoom −", self)
        zoom_out.triggered.connect(lambda: self.view.zoom_by(0.8))
        self.reload_action = QAction("Reload", self)
        self.reload_action.triggered.connect(lambda: self.load_camera(self.camera_id))
        for act in (self.draw_action, self.delete_action, self.undo_action, self.redo_action):
            bar.addAction(act)
        bar.addSeparator()
        for act in (fit, zoom_in, zoom_out, self.reload_action):
            bar.addAction(act)
        bar.addSeparator()
        bar.addAction(self.templates.save_action)
        bar.addAction(self.templates.apply_action)
        for act in (self.draw_action, self.delete_action, self.undo_action, self.redo_action):
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(act)
        self.toolbar = bar

    def _build_layout(self) -> None:
        self.banner = QFrame()
        self.banner.setObjectName("camera_moved_banner")
        self.banner.setStyleSheet("#camera_moved_banner { background: #7a1f1f; color: white; }")
        self.banner_text = QLabel("")
        self.banner_text.setWordWrap(True)
        self.move_button = QPushButton("Move the zones with the picture")
        self.move_button.clicked.connect(self.move_zones_with_camera)
        dismiss = QPushButton("Dismiss")
        dismiss.clicked.connect(self.banner.hide)
        row = QHBoxLayout(self.banner)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.move_button)
        row.addWidget(dismiss)
        self.banner.hide()

        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why (kept in the audit log)")
        self.store_reference = QCheckBox("store this picture as the reference frame")
        self.save_button = QPushButton("Save zones")
        self.save_button.clicked.connect(self.save)
        save_row = QHBoxLayout()
        save_row.addWidget(QLabel("Reason:"))
        save_row.addWidget(self.reason, 1)
        save_row.addWidget(self.store_reference)
        save_row.addWidget(self.save_button)

        side = QWidget()
        side_box = QVBoxLayout(side)
        side_box.setContentsMargins(0, 0, 0, 0)
        side_box.addWidget(QLabel("Zones"))
        side_box.addWidget(self.zone_list, 1)
        side_box.addWidget(QLabel("Properties"))
        side_box.addWidget(self.properties)
        side_box.addWidget(QLabel("Checks"))
        side_box.addWidget(self.messages, 1)
        split = QSplitter()
        split.addWidget(self.view)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 2, 2, 2)
        outer.addWidget(self.toolbar)
        outer.addWidget(self.banner)
        outer.addWidget(split, 1)
        outer.addLayout(save_row)
        outer.addWidget(self.status)
        for w in (self.draw_action, self.delete_action, self.reason, self.store_reference):
            w.setEnabled(self.can_edit)
        self.templates.save_action.setEnabled(self.can_edit)
        self.templates.apply_action.setEnabled(self.can_edit)
        if not self.can_edit:
            self.say(
                "You may look at the zones; changing them needs the calibrate-zones permission."
            )

    def _wire(self) -> None:
        self.doc.edited.connect(self._on_doc_edited)
        self.doc.reset.connect(self._fill_zone_list)
        self.doc.zone_added.connect(lambda _k: self._fill_zone_list())
        self.doc.zone_removed.connect(lambda _k: self._fill_zone_list())
        self.doc.zone_changed.connect(self._on_zone_changed)
        self.view.selection_changed.connect(self._on_view_selection)
        self.view.message.connect(self.say)
        self.zone_list.currentRowChanged.connect(self._on_list_row)
        self.properties.edited.connect(self._on_properties_edited)
        self.undo.cleanChanged.connect(self._on_clean_changed)
        self.store_reference.toggled.connect(lambda _b: self._update_save_state())
        self.ctx.hub.changed.connect(self._on_hub_changed)

    # -- small helpers -------------------------------------------------------------------------
    @property
    def camera_id(self) -> str | None:
        return self.doc.camera_id

    def say(self, text: str) -> None:
        self.status.setText(text)

    def selected_key(self) -> int | None:
        return self.scene.selected

    def _new_zone(self, polygon: tuple[tuple[float, float], ...]) -> ZoneDraft:
        names = {d.name for d in self.doc.drafts()}
        n = len(self.doc) + 1
        while f"Zone {n}" in names:
            n += 1
        return ZoneDraft(f"Zone {n}", polygon, colour=PALETTE[(n - 1) % len(PALETTE)])

    # -- cameras and loading ---------------------------------------------------------------------
    def refresh_cameras(self) -> None:
        self.ctx.runner.query(self.service.cameras, name="zones.cameras", owner=self).on_success(
            self._on_cameras
        ).on_failure(self._on_failure)

    def _on_cameras(self, cameras: list[CameraSummary]) -> None:
        current = self.camera_id
        self.camera_box.clear()
        for c in cameras:
            self.camera_box.addItem(f"{c.name} ({c.id})", c.id)
        if not cameras:
            self.say("No cameras are configured.")
            return
        index = max(0, self.camera_box.findData(current)) if current else 0
        self.camera_box.setCurrentIndex(index)
        if self.camera_box.currentData() != current or current is None:
            self.load_camera(self.camera_box.currentData())

    def load_camera(self, camera_id: str | None) -> None:
        if not camera_id:
            return
        from desktop.cameras.host_link import live_link

        link = live_link(self.ctx)
        live = link.latest_frame(camera_id) if link is not None else None
        self.say(f"loading {camera_id}…")
        job = self.ctx.runner.query(load_camera, self.service, camera_id, live,
                                    name="zones.load", owner=self)  # fmt: skip
        job.on_success(self._on_loaded).on_failure(self._on_failure)

    def _on_loaded(self, loaded: Loaded) -> None:
        cam = loaded.zones.camera
        self.camera = cam
        self.frame, self.frame_origin = loaded.frame, loaded.frame_origin
        if loaded.frame is not None:
            h, w = loaded.frame.shape[:2]
        else:
            w, h = cam.width or 640, cam.height or 360
        self.properties.set_link_targets(loaded.targets)
        self.doc.load(cam.id, w, h, loaded.zones.zones)
        self.scene.set_picture(loaded.frame)
        self.undo.clear()
        self.undo.setClean()
        self._remote_note = None
        self.view.fit()
        self.camera_box.setCurrentIndex(max(0, self.camera_box.findData(cam.id)))
        self.store_reference.setChecked(
            self.can_edit and not cam.has_reference and loaded.frame_origin in ("live", "still")
        )
        self.store_reference.setEnabled(self.can_edit and loaded.frame_origin in ("live", "still"))
        self.show_alignment(loaded.alignment)
        origin = {"live": "live picture", "still": "a fresh picture", "reference":
                  "the reference frame", "none": "no picture"}[loaded.frame_origin]  # fmt: skip
        note = f" — {loaded.note}" if loaded.note else ""
        self.say(self._next_status or f"{cam.name}: {len(self.doc)} zone(s) on {origin}{note}")
        self._next_status = None
        self._update_save_state()
        self.loaded.emit(cam.id)

    def _on_failure(self, error: BaseException) -> None:
        text = describe(error)
        self.say(text)
        self.ctx.report_error(error)

    # -- camera moved ----------------------------------------------------------------------------
    def show_alignment(self, result: AlignmentResult | None) -> None:
        self.alignment = result
        if result is None or not result.moved:
            self.banner.hide()
            return
        self.banner_text.setText(
            f"{result.message}. The zones may no longer cover the right floor areas."
        )
        self.move_button.setEnabled(self.can_edit and result.homography is not None)
        self.banner.show()

    def move_zones_with_camera(self) -> None:
        result = self.alignment
        if result is None or result.homography is None or not self.can_edit:
            return
        moved = [
            (key, replace(d, polygon=tuple(move_polygon(d.polygon, result.homography))))
            for key, d in self.doc.items()
        ]
        self.undo.push(ReplaceZones(self.doc, moved, "Move the zones with the camera"))
        self.store_reference.setChecked(True)
        if not self.reason.text().strip():
            self.reason.setText(
                f"camera moved by about {result.displacement_px:.0f} px: zones moved with it"
            )
        self.banner.hide()
        self.say("zones moved with the picture: check them, then save (the new picture becomes "
                 "the reference frame)")  # fmt: skip

    # -- document -> widgets ---------------------------------------------------------------------
    def _fill_zone_list(self) -> None:
        self.zone_list.blockSignals(True)
        self.zone_list.clear()
        for key, d in self.doc.items():
            pix = QPixmap(12, 12)
            pix.fill(QColor(d.colour))
            item = QListWidgetItem(QIcon(pix), d.name)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.zone_list.addItem(item)
        self.zone_list.setCurrentRow(self._row_of(self.scene.selected))
        self.zone_list.blockSignals(False)
        self._show_properties()

    def _on_zone_changed(self, key: int) -> None:
        row = self.doc.index_of(key)
        item = self.zone_list.item(row)
        if item is not None:
            d = self.doc.get(key)
            item.setText(d.name)
            pix = QPixmap(12, 12)
            pix.fill(QColor(d.colour))
            item.setIcon(QIcon(pix))
        if key == self.scene.selected:
            self._show_properties()

    def _on_view_selection(self, key: int | None) -> None:
        self.zone_list.blockSignals(True)
        self.zone_list.setCurrentRow(self._row_of(key))
        self.zone_list.blockSignals(False)
        self._show_properties()

    def _on_list_row(self, row: int) -> None:
        key = self.doc.key_at(row) if 0 <= row < len(self.doc) else None
        self.scene.select(key)
        self._show_properties()

    def _row_of(self, key: int | None) -> int:
        return self.doc.index_of(key) if key is not None and key in self.doc else -1

    def _show_properties(self) -> None:
        key = self.scene.selected
        draft = self.doc.get(key) if key is not None and key in self.doc else None
        self.properties.show_draft(draft)
        self.properties.setEnabled(self.can_edit and draft is not None)

    def _on_properties_edited(self, draft: ZoneDraft, what: str) -> None:
        key = self.scene.selected
        if key is None or key not in self.doc:
            return
        before = self.doc.get(key)
        self.undo.push(ChangeZone(self.doc, key, before, draft, f"Change {what}"))

    def _on_doc_edited(self) -> None:
        self._refresh_messages()
        self._update_save_state()

    def _refresh_messages(self) -> None:
        self.issues = check_drafts(self.doc.drafts(), self.camera_id or "camera")
        self.messages.clear()
        for issue in self.issues:
            mark = "✖" if issue.is_error else "⚠"
            item = QListWidgetItem(f"{mark} {issue.message}")
            item.setForeground(QColor(255, 110, 100) if issue.is_error else QColor(240, 190, 60))
            self.messages.addItem(item)
        notes = [n for n in (self._remote_note, self._read_only_note()) if n]
        for note in notes:
            self.messages.addItem(QListWidgetItem(f"ℹ {note}"))
        if not self.issues and not notes:
            self.messages.addItem(QListWidgetItem("✔ the zones are valid"))

    def _read_only_note(self) -> str | None:
        if self.can_edit:
            return None
        return "you may look at the zones; changing them needs the calibrate-zones permission"

    def message_texts(self) -> list[str]:
        return [self.messages.item(i).text() for i in range(self.messages.count())]

    def _on_clean_changed(self, _clean: bool) -> None:
        if shiboken6.isValid(self.undo) and shiboken6.isValid(self.save_button):
            self._update_save_state()  # (the stack also says so while the editor is destroyed)

    def _update_save_state(self) -> None:
        errors = any(i.is_error for i in self.issues)
        dirty = not self.undo.isClean() or self.store_reference.isChecked()
        self.save_button.setEnabled(self.can_edit and self.camera_id is not None and not errors
                                    and dirty)  # fmt: skip

    # -- saving ----------------------------------------------------------------------------------
    def save(self) -> None:
        if not self.can_edit or self.camera_id is None:
            return
        errors = [i for i in self.issues if i.is_error]
        if errors:
            self.say(f"not saved: {errors[0].message}")
            return
        reason = self.reason.text().strip()
        if not reason:
            self.say("not saved: say why in the Reason field (the audit log keeps it)")
            self.reason.setFocus()
            return
        reference = self.frame if self.store_reference.isChecked() else None
        request_id = uuid.uuid4().hex
        self._own_requests.add(request_id)
        self.save_button.setEnabled(False)
        self.say("saving…")
        job = self.ctx.runner.command(
            save_zones, self.service, self.ctx.actor, self.camera_id, self.doc.drafts(),
            expected=dict(self.doc.versions), reason=reason, reference=reference,
            request_id=request_id, name="zones.save", owner=self,
        )  # fmt: skip
        job.on_success(self._on_saved).on_failure(self._on_save_failed)

    def _on_saved(self, result: SaveResult) -> None:
        assert self.camera_id is not None
        self.doc.load(self.camera_id, self.doc.width, self.doc.height, result.zones)
        self.undo.clear()
        self.undo.setClean()
        self.store_reference.setChecked(False)
        self.reason.clear()
        self._remote_note = None
        if result.reference_saved and self.camera is not None:
            self.camera = replace(self.camera, has_reference=True)
            self.banner.hide()
        counts = (len(result.created), len(result.updated), len(result.removed))
        self.say(
            "saved: {} new, {} changed, {} removed".format(*counts)
            if any(counts)
            else "saved (nothing had changed)"
        )
        self._refresh_messages()
        self._update_save_state()
        self.saved.emit(result)

    def _on_save_failed(self, error: BaseException) -> None:
        self.say(f"not saved: {describe(error)}")
        self._update_save_state()

    # -- other seats -----------------------------------------------------------------------------
    def _on_hub_changed(self, events: list[ChangeEvent]) -> None:
        if not touches(events, Topic.ZONE, Topic.CAMERA):
            return
        if any(e.topic is Topic.CAMERA and e.kind != "reference_saved" for e in events):
            self.refresh_cameras()
        cid = self.camera_id
        theirs = [
            e for e in events
            if e.topic is Topic.ZONE and e.kind == "zones_saved"
            and e.data.get("camera_id") == cid and e.request_id not in self._own_requests
        ]  # fmt: skip
        if not theirs or cid is None:
            return
        last = theirs[-1]
        if self.undo.isClean():
            self._next_status = f"zones updated by {last.user} at {last.seat}"
            self.load_camera(cid)
        else:
            self._remote_note = (
                f"{last.user} at {last.seat} saved this camera's zones meanwhile: reload "
                "before saving (your save would be refused)"
            )
            self._refresh_messages()
