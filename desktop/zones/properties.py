"""The properties of the selected zone: name, type, colour, staffing, alerts, links.

Each committed field (Enter, focus out, a pick from a list) emits ``edited`` with the whole new
draft; the editor turns it into one undoable command. ``show`` fills the fields without
emitting anything (after a selection, an undo, a reload).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from domain.model.vision import ZoneType
from services.zones import LinkTargets, ZoneDraft

TYPE_NAMES = {
    ZoneType.WORK_AREA: "Work area",
    ZoneType.INSPECTION: "Inspection",
    ZoneType.BREAK_AREA: "Break area",
    ZoneType.RESTRICTED: "Restricted",
}


class ZonePropertiesPanel(QWidget):
    edited = Signal(object, str)  # new ZoneDraft, what changed (for the undo text)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._draft: ZoneDraft | None = None
        self._filling = False
        self.name = QLineEdit()
        self.zone_type = QComboBox()
        for t, label in TYPE_NAMES.items():
            self.zone_type.addItem(label, t.value)
        self.colour = QLineEdit()
        self.colour.setMaxLength(7)
        self.colour.setPlaceholderText("#RRGGBB")
        self.colour_button = QPushButton("")
        self.colour_button.setToolTip("choose a colour")
        self.colour_button.setFixedWidth(28)
        self.min_workers = QSpinBox()
        self.max_workers = QSpinBox()
        for box in (self.min_workers, self.max_workers):
            box.setRange(0, 99)
        self.alert_on_empty = QCheckBox("alert when empty or understaffed")
        self.alert_on_overflow = QCheckBox("alert on overflow")
        self.idle_threshold = QSpinBox()
        self.idle_threshold.setRange(1, 24 * 3600)
        self.idle_threshold.setSuffix(" s")
        self.work_centre = QComboBox()
        self.station = QComboBox()
        self.station.setEditable(True)
        self.set_link_targets(LinkTargets((), ()))

        colour_row = QHBoxLayout()
        colour_row.addWidget(self.colour)
        colour_row.addWidget(self.colour_button)
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Type", self.zone_type)
        form.addRow("Colour", colour_row)
        form.addRow("Min workers", self.min_workers)
        form.addRow("Max workers", self.max_workers)
        form.addRow("", self.alert_on_empty)
        form.addRow("", self.alert_on_overflow)
        form.addRow("Idle threshold", self.idle_threshold)
        form.addRow("Work centre", self.work_centre)
        form.addRow("Station", self.station)

        self.name.editingFinished.connect(lambda: self._commit("name"))
        self.zone_type.activated.connect(lambda _i: self._commit("type"))
        self.colour.editingFinished.connect(lambda: self._commit("colour"))
        self.colour_button.clicked.connect(self._pick_colour)
        self.min_workers.valueChanged.connect(lambda _v: self._commit("min workers"))
        self.max_workers.valueChanged.connect(lambda _v: self._commit("max workers"))
        self.alert_on_empty.toggled.connect(lambda _b: self._commit("alert on empty"))
        self.alert_on_overflow.toggled.connect(lambda _b: self._commit("alert on overflow"))
        self.idle_threshold.valueChanged.connect(lambda _v: self._commit("idle threshold"))
        self.work_centre.activated.connect(lambda _i: self._commit("work centre"))
        self.station.activated.connect(lambda _i: self._commit("station"))
        station_edit = self.station.lineEdit()
        assert station_edit is not None
        station_edit.editingFinished.connect(lambda: self._commit("station"))
        self.show_draft(None)

    def set_link_targets(self, targets: LinkTargets) -> None:
        self._filling = True
        try:
            self.work_centre.clear()
            self.work_centre.addItem("(none)", None)
            for wc_id, name in targets.work_centres:
                self.work_centre.addItem(f"{name} ({wc_id})", wc_id)
            current = self.station.currentText()
            self.station.clear()
            self.station.addItem("")
            self.station.addItems(list(targets.stations))
            self.station.setCurrentText(current)
        finally:
            self._filling = False
        if self._draft is not None:
            self.show_draft(self._draft)

    def show_draft(self, draft: ZoneDraft | None) -> None:
        """Fill the fields from ``draft`` (None: nothing selected) without emitting."""
        self._draft = draft
        self._filling = True
        try:
            self.setEnabled(draft is not None)
            d = draft or ZoneDraft("", ())
            self.name.setText(d.name)
            self.zone_type.setCurrentIndex(max(0, self.zone_type.findData(d.zone_type.value)))
            self.colour.setText(d.colour if draft else "")
            self.colour_button.setStyleSheet(f"background: {d.colour}" if draft else "")
            self.min_workers.setValue(d.min_workers)
            self.max_workers.setValue(d.max_workers)
            self.alert_on_empty.setChecked(d.alert_on_empty)
            self.alert_on_overflow.setChecked(d.alert_on_overflow)
            self.idle_threshold.setValue(d.idle_threshold_s)
            index = self.work_centre.findData(d.work_centre_id)
            if index < 0 and d.work_centre_id:
                self.work_centre.addItem(d.work_centre_id, d.work_centre_id)
                index = self.work_centre.count() - 1
            self.work_centre.setCurrentIndex(max(0, index))
            self.station.setCurrentText(d.station or "")
        finally:
            self._filling = False

    def current(self) -> ZoneDraft | None:
        """The selected draft with the fields' values."""
        if self._draft is None:
            return None
        colour = self.colour.text().strip()
        if QColor.isValidColorName(colour) and len(colour) == 7:
            colour = colour.upper()
        else:
            colour = self._draft.colour  # keep the old one; the field is refilled
        return replace(
            self._draft,
            name=self.name.text().strip() or self._draft.name,
            zone_type=ZoneType(self.zone_type.currentData()),
            colour=colour,
            min_workers=self.min_workers.value(),
            max_workers=self.max_workers.value(),
            alert_on_empty=self.alert_on_empty.isChecked(),
            alert_on_overflow=self.alert_on_overflow.isChecked(),
            idle_threshold_s=self.idle_threshold.value(),
            work_centre_id=self.work_centre.currentData(),
            station=self.station.currentText().strip() or None,
        )

    def _commit(self, what: str) -> None:
        if self._filling or self._draft is None:
            return
        new = self.current()
        if new is None or new == self._draft:
            if new is not None and new.colour != self.colour.text().strip().upper():
                self.show_draft(self._draft)
            return
        self._draft = new
        self.edited.emit(new, what)

    def _pick_colour(self) -> None:
        if self._draft is None:
            return
        colour = QColorDialog.getColor(QColor(self._draft.colour), self, "Zone colour")
        if colour.isValid():
            self.colour.setText(colour.name().upper())
            self._commit("colour")
