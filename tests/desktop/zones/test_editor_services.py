"""The zone editor with the services: validation messages, properties, the save/load round
trip, templates, a moved camera, read-only users and changes saved by another seat."""

from __future__ import annotations

import re
from typing import Any

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import desktop.cameras.host_link as host_link
from domain.auth import Actor, Role
from domain.model.vision import ZoneType
from services.zones import ZoneDraft, ZoneService
from tests.desktop.zones.conftest import click, drag, draw, pixels
from tests.services.persistence.helpers import ADMIN
from vision.alignment import encode_png

SQUARE = [(60.0, 60.0), (200.0, 60.0), (200.0, 180.0), (60.0, 180.0)]


def save_via_button(qtbot: Any, editor: Any, reason: str) -> Any:
    editor.reason.setText(reason)
    assert editor.save_button.isEnabled()
    with qtbot.waitSignal(editor.saved, timeout=15000) as blocker:
        QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_validation_messages_follow_every_edit(seat: Any, open_editor: Any) -> None:
    editor = open_editor(seat)
    assert editor.message_texts() == ["✔ the zones are valid"]
    assert editor.store_reference.isChecked()  # no reference frame yet: this picture may be it
    editor.store_reference.setChecked(False)
    assert not editor.save_button.isEnabled()  # nothing to save
    draw(editor, [(60, 60), (200, 180), (200, 60), (60, 180)])  # a bow tie
    assert editor.message_texts() == ["✖ zone 'Zone 1' crosses itself (edge 1 crosses edge 3)"]
    assert not editor.save_button.isEnabled()
    editor.undo.undo()
    draw(editor, SQUARE)
    drag(editor, (200, 180), (520, 180))  # a vertex dragged out of the picture
    [text] = editor.message_texts()
    # the vertex's position depends on the view's pixel mapping: 0.666 or 0.667
    assert re.match(r"✖ zone 'Zone 1': vertex 3 \(1\.08\d, 0\.66\d\) lies outside the frame", text)
    editor.undo.undo()
    draw(editor, [(150, 100), (300, 100), (300, 200), (150, 200)])
    assert editor.message_texts() == [
        "⚠ zone 'Zone 1' overlaps zone 'Zone 2' (27% of the smaller one): a person standing "
        "there is counted in both"
    ]
    assert editor.save_button.isEnabled()  # a warning does not block the save
    # min above max: the properties panel's value is refused by the rule, with its reason
    click(editor, 120, 80)
    editor.properties.min_workers.setValue(5)
    assert any("max workers (3) is below min workers (5)" in t for t in editor.message_texts())
    assert not editor.save_button.isEnabled()
    editor.undo.undo()
    assert editor.properties.min_workers.value() == 1  # undo refills the panel


def test_save_and_load_round_trip_through_the_services(
    qtbot: Any, seat: Any, open_editor: Any
) -> None:
    editor = open_editor(seat)
    draw(editor, SQUARE)
    draw(editor, [(300.0, 60.0), (420.0, 60.0), (420.0, 200.0), (300.0, 200.0)])
    click(editor, 120, 120)
    panel = editor.properties
    panel.name.setText("Press station")
    panel.name.editingFinished.emit()
    panel.zone_type.setCurrentIndex(panel.zone_type.findData("inspection"))
    panel.zone_type.activated.emit(panel.zone_type.currentIndex())
    panel.colour.setText("#1f77b4")
    panel.colour.editingFinished.emit()
    panel.max_workers.setValue(4)
    panel.alert_on_empty.setChecked(True)
    panel.idle_threshold.setValue(45)
    panel.work_centre.setCurrentIndex(panel.work_centre.findData("WC-SAV100"))
    panel.work_centre.activated.emit(panel.work_centre.currentIndex())
    panel.station.setCurrentText("SAV100")
    panel.station.activated.emit(0)
    assert editor.zone_list.item(0).text() == "Press station"
    assert [editor.undo.text(i) for i in range(2, editor.undo.count())] == [
        "Change name", "Change type", "Change colour", "Change max workers",
        "Change alert on empty", "Change idle threshold", "Change work centre", "Change station",
    ]  # fmt: skip
    editor.reason.clear()
    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "say why" in editor.status.text()  # no reason, no save
    result = save_via_button(qtbot, editor, "first calibration of the assembly camera")
    assert result.created == ("CAM-A-Z01", "CAM-A-Z02")
    assert result.reference_saved  # the camera had no reference frame: the picture became it
    assert editor.undo.isClean()
    assert not editor.save_button.isEnabled()
    assert editor.status.text() == "saved: 2 new, 0 changed, 0 removed"

    stored = {z.name: z for z in ZoneService(seat).load("CAM-A").zones}
    press = stored["Press station"]
    flat = [v for p in press.polygon for v in p]
    assert flat == pytest.approx([0.125, 60 / 270, 200 / 480, 60 / 270, 200 / 480, 180 / 270,
                                  0.125, 180 / 270], abs=0.004)  # fmt: skip
    assert press.zone_type is ZoneType.INSPECTION
    assert (press.colour, press.max_workers, press.alert_on_empty, press.idle_threshold_s) == (
        "#1F77B4", 4, True, 45,
    )  # fmt: skip
    assert (press.work_centre_id, press.station) == ("WC-SAV100", "SAV100")
    assert "Zone 2" in stored

    # a second editor (another seat's window) loads exactly what was saved
    again = open_editor(seat)
    assert [d.name for d in again.doc.drafts()] == ["Press station", "Zone 2"]
    assert again.doc.drafts()[0] == stored["Press station"]
    # edit, remove, save: versions travel with the drafts
    click(again, 350, 120)
    QTest.keyClick(again.view, Qt.Key.Key_Delete)
    drag(again, (60, 60), (40, 40))
    second = save_via_button(qtbot, again, "station 2 dismantled")
    assert second.removed == ("CAM-A-Z02",)
    assert second.updated == ("CAM-A-Z01",)
    assert [d.name for d in ZoneService(seat).load("CAM-A").zones] == ["Press station"]


def test_templates_carry_zones_to_another_camera(qtbot: Any, seat: Any, open_editor: Any) -> None:
    editor = open_editor(seat)
    draw(editor, SQUARE)
    save_via_button(qtbot, editor, "calibration")
    editor.templates.save_template("Two-station cell")
    qtbot.waitUntil(
        lambda: "template 'Two-station cell' saved" in editor.status.text(), timeout=10000
    )
    with qtbot.waitSignal(editor.loaded, timeout=15000):
        editor.load_camera("CAM-B")
    assert len(editor.doc) == 0
    [tpl] = ZoneService(seat).templates()
    editor.templates.apply_template(tpl.id, tpl.name)
    qtbot.waitUntil(lambda: len(editor.doc) == 1, timeout=10000)
    assert editor.undo.text(0) == "Apply template 'Two-station cell'"
    assert editor.reason.text() == "applied template 'Two-station cell'"
    assert pixels(editor) == SQUARE
    result = save_via_button(qtbot, editor, editor.reason.text())
    assert result.created == ("CAM-B-Z01",)


def _frames() -> list[np.ndarray]:
    from services.resources import resource_path

    cap = cv2.VideoCapture(str(resource_path("demo", "worker-zone-detection.gif")))
    out = []
    while len(out) < 45:
        ok, f = cap.read()
        if not ok:
            break
        out.append(f)
    cap.release()
    return out


class _LiveStub:
    def __init__(self, frame: np.ndarray) -> None:
        self.frame = frame

    def latest_frame(self, camera_id: str) -> np.ndarray:
        return self.frame


def test_a_moved_camera_is_flagged_and_the_zones_follow(
    qtbot: Any, seat: Any, open_editor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames = _frames()
    svc = ZoneService(seat)
    svc.save(ADMIN, "CAM-A", [ZoneDraft("Inspection", ((0.61, 0.555), (0.77, 0.455), (0.93, 0.54),
                                                       (0.93, 0.805)))],
             expected={}, reason="calibration", reference_png=encode_png(frames[0]))  # fmt: skip
    shifted = cv2.warpAffine(frames[40], np.float32([[1, 0, -24], [0, 1, 12]]), (480, 270),
                             borderMode=cv2.BORDER_REFLECT)  # fmt: skip
    monkeypatch.setattr(host_link, "live_link", lambda ctx: _LiveStub(shifted))
    editor = open_editor(seat)
    assert editor.frame_origin == "live"
    assert editor.banner.isVisible()
    assert "the camera has moved" in editor.banner_text.text()
    before = editor.doc.drafts()[0].polygon
    QTest.mouseClick(editor.move_button, Qt.MouseButton.LeftButton)
    after = editor.doc.drafts()[0].polygon
    for (x0, y0), (x1, y1) in zip(before, after, strict=True):
        assert x1 - x0 == pytest.approx(-24 / 480, abs=0.012)
        assert y1 - y0 == pytest.approx(12 / 270, abs=0.012)
    assert not editor.banner.isVisible()
    assert editor.store_reference.isChecked()
    assert editor.reason.text().startswith("camera moved by about")
    editor.undo.undo()
    assert editor.doc.drafts()[0].polygon == before
    editor.undo.redo()
    save_via_button(qtbot, editor, editor.reason.text())
    # the shifted picture is the reference now: the same view is no longer "moved"
    assert svc.check_alignment("CAM-A", shifted).status.value == "aligned"


def test_a_user_without_the_permission_only_looks(seat: Any, open_editor: Any) -> None:
    ZoneService(seat).save(ADMIN, "CAM-A", [ZoneDraft("A", ((0.1, 0.1), (0.4, 0.1), (0.4, 0.4)))],
                           expected={}, reason="x")  # fmt: skip
    lead = Actor("lead", Role.SHIFT_LEAD, "seat-1")
    editor = open_editor(seat, lead)
    assert not editor.draw_action.isEnabled()
    assert not editor.save_button.isEnabled()
    assert len(editor.doc) == 1
    assert editor.message_texts() == [
        "ℹ you may look at the zones; changing them needs the calibrate-zones permission"
    ]
    editor.view.start_drawing()
    assert editor.view.mode == "edit"
    before = editor.doc.drafts()
    drag(editor, (48, 27), (100, 100))  # a vertex: nothing moves
    assert editor.doc.drafts() == before
    assert editor.undo.count() == 0


def test_zones_saved_by_another_seat_reload_or_warn(
    qtbot: Any, seat: Any, open_editor: Any
) -> None:
    editor = open_editor(seat)
    other = Actor("admin2", Role.ADMIN, "seat-2")
    svc = ZoneService(seat)
    svc.save(other, "CAM-A", [ZoneDraft("Theirs", ((0.1, 0.1), (0.4, 0.1), (0.4, 0.4)))],
             expected={}, reason="from seat 2")  # fmt: skip
    qtbot.waitUntil(lambda: [d.name for d in editor.doc.drafts()] == ["Theirs"], timeout=15000)
    assert editor.status.text() == "zones updated by admin2 at seat-2"
    draw(editor, SQUARE)  # unsaved work: a later remote save only warns
    loaded = svc.load("CAM-A")
    more = ZoneDraft("More", ((0.6, 0.6), (0.9, 0.6), (0.9, 0.9)))
    svc.save(other, "CAM-A", [*loaded.zones, more], expected=loaded.versions, reason="again")
    qtbot.waitUntil(lambda: any("saved this camera's zones meanwhile" in t
                                for t in editor.message_texts()), timeout=15000)  # fmt: skip
    assert len(editor.doc) == 2  # our drawing is kept
    editor.reason.setText("mine")
    QTest.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.status.text().startswith("not saved:"), timeout=15000)
    assert "changed by admin2 at seat-2" in editor.status.text()
