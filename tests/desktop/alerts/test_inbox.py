"""The alert inbox under pytest-qt on the demo plant: it lists the open alerts, an
acknowledgement from the GUI goes through the service, a change made on another seat (a
service call) appears, a new critical alert flashes, counts in the title and beeps (the sound
can be switched off), a stale acknowledgement is refused in words, and the selected alert shows
its metric window or camera snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage

from desktop.alerts.model import SEVERITY_COL, SEVERITY_COLOURS, STATE_COL
from desktop.alerts.widget import AlertInbox
from domain.auth import Actor, Role
from domain.events import Change, Topic
from domain.model.alerts import Alert, AlertSeverity, AlertState, AlertType
from domain.rules.alerting import Condition
from services.alerts.service import AlertService, alert_data

pytestmark = pytest.mark.gui

OTHER_SEAT = Actor("lead", Role.SHIFT_LEAD, "seat-9")
SYSTEM = Actor("system", Role.ADMIN, "seat-9", "automated_system")


@pytest.fixture
def app(demo_sqlite_url: str, make_app: Any) -> Any:
    return make_app(demo_sqlite_url, user="super")


def _inbox(ctx: Any, qtbot: Any) -> AlertInbox:
    inbox = AlertInbox(ctx, run_rules=False)
    qtbot.addWidget(inbox)
    inbox.resize(1300, 600)
    inbox.show()
    inbox.start()
    qtbot.waitUntil(lambda: inbox.store.loaded, timeout=10_000)
    return inbox


@pytest.fixture
def inbox(app: Any, make_ctx: Any, qtbot: Any) -> Any:
    widget = _inbox(make_ctx(app), qtbot)
    yield widget
    widget.stop()


def _open(app: Any) -> dict[int, Alert]:
    return {a.id: a for a in AlertService(app).list_alerts() if a.id is not None}


def _row_text(inbox: AlertInbox, alert_id: int, col: int) -> str:
    row = inbox.model.row_of(alert_id)
    assert row is not None, f"alert {alert_id} is not shown"
    return str(inbox.model.index(row, col).data())


def _breakdown(app: Any) -> Alert:
    return next(a for a in _open(app).values() if a.alert_type is AlertType.MACHINE_BREAKDOWN)


def test_the_inbox_lists_the_demo_alerts(inbox: AlertInbox, app: Any) -> None:
    stored = _open(app)
    assert stored, "the demo plant has open alerts"
    assert {a.id for a in inbox.model.rows} == set(stored)
    crit = _breakdown(app)
    assert crit.id is not None
    row = inbox.model.row_of(crit.id)
    assert row == 0  # critical first
    cell = inbox.model.index(row, SEVERITY_COL)
    assert cell.data() == "critical"
    assert cell.data(Qt.ItemDataRole.BackgroundRole).color() == QColor(
        SEVERITY_COLOURS[AlertSeverity.CRITICAL]
    )
    assert cell.data(Qt.ItemDataRole.FontRole).bold()  # new and critical
    new = sum(1 for a in stored.values() if a.state is AlertState.NEW)
    assert inbox.title().startswith(f"Alerts ({new} new")
    # the state filter: the demo's acknowledged alert alone
    inbox.state_filter.setCurrentIndex(2)
    assert [a.state for a in inbox.model.rows] == [AlertState.ACKNOWLEDGED]
    inbox.state_filter.setCurrentIndex(0)
    inbox.severity_filter.setCurrentIndex(1)  # critical and worse
    assert [a.id for a in inbox.model.rows] == [crit.id]


def test_acknowledge_from_the_gui_writes_through_the_service(
    inbox: AlertInbox, app: Any, qtbot: Any
) -> None:
    crit = _breakdown(app)
    assert crit.id is not None
    assert inbox.select(crit.id)
    assert inbox.ack_action.isEnabled()
    dialog = inbox.acknowledge_selected()
    assert dialog is not None
    dialog.editor.setPlainText("fitter called")
    dialog.accept()
    qtbot.waitUntil(
        lambda: AlertService(app).get(crit.id or 0).state is AlertState.ACKNOWLEDGED,
        timeout=10_000,
    )
    stored = AlertService(app).get(crit.id)
    assert stored.acknowledged_by == "super"
    assert stored.comment == "fitter called"
    qtbot.waitUntil(lambda: _row_text(inbox, crit.id or 0, STATE_COL) == "acknowledged")
    assert "acknowledged" in inbox.message.text()


def test_keyboard_resolve_and_snooze(inbox: AlertInbox, app: Any, qtbot: Any) -> None:
    alerts = sorted(_open(app).values(), key=lambda a: a.id or 0)
    first, second = [a for a in alerts if a.state is AlertState.NEW][:2]
    assert first.id is not None
    assert second.id is not None
    inbox.table.setFocus()
    assert inbox.select(first.id)
    qtbot.keyClick(inbox.table, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: AlertService(app).get(first.id or 0).state is AlertState.RESOLVED)
    assert inbox.select(second.id)
    qtbot.keyClick(inbox.table, Qt.Key.Key_Z)
    qtbot.waitUntil(lambda: AlertService(app).get(second.id or 0).state is AlertState.SNOOZED)
    snoozed = AlertService(app).get(second.id)
    assert snoozed.snoozed_until is not None
    assert (snoozed.snoozed_until - app.clock.now()).total_seconds() == 3600
    qtbot.waitUntil(lambda: inbox.model.row_of(first.id or 0) is None)  # open alerts only


def test_a_change_from_another_seat_appears(inbox: AlertInbox, app: Any, qtbot: Any) -> None:
    crit = _breakdown(app)
    assert crit.id is not None
    AlertService(app).acknowledge(OTHER_SEAT, crit.id, crit.version, "on my way")
    qtbot.waitUntil(
        lambda: _row_text(inbox, crit.id or 0, STATE_COL) == "acknowledged", timeout=10_000
    )
    assert inbox.store.alerts[crit.id].acknowledged_by == "lead"
    assert inbox.store.alerts[crit.id].comment == "on my way"
    assert inbox.cue.fired == 0  # an acknowledgement is no cue


def _raise(app: Any, machine_id: str, severity: AlertSeverity) -> None:
    """Another seat's rules raise a breakdown (critical) or a material alert (warning)."""
    now = app.clock.now()
    with app.uow(SYSTEM) as uow:
        if severity is AlertSeverity.CRITICAL:
            cond = Condition(
                AlertType.MACHINE_BREAKDOWN, machine_id, True, now, severity, "down",
                machine_id=machine_id,
            )  # fmt: skip
        else:
            cond = Condition(AlertType.MATERIAL_LOW, machine_id, True, now, severity, "low")
        AlertService(app).with_escalation(None).apply(uow, [cond])  # only this alert
        uow.commit()


def test_the_cue_fires_for_a_new_critical_alert(inbox: AlertInbox, app: Any, qtbot: Any) -> None:
    before = set(_open(app))
    _raise(app, "MAT-NONE", AlertSeverity.WARNING)  # a warning: listed, no cue
    qtbot.waitUntil(lambda: len(inbox.store.alerts) > len(before), timeout=10_000)
    assert inbox.cue.fired == 0
    machine = "M-NEW-1"
    _raise(app, machine, AlertSeverity.CRITICAL)
    qtbot.waitUntil(lambda: inbox.cue.fired == 1, timeout=10_000)
    assert inbox.cue.beeps == 1  # sound is on by default
    new_id = next(
        a.id for a in _open(app).values() if a.dedup_key == f"machine_breakdown:{machine}"
    )
    assert new_id is not None
    assert inbox.flashing == {new_id}
    qtbot.waitUntil(lambda: inbox.model.row_of(new_id) is not None)
    qtbot.waitUntil(lambda: inbox.title().startswith("● "), timeout=5_000)
    assert "high" in inbox.title()
    # looking at it stops the flashing
    assert inbox.select(new_id)
    assert inbox.flashing == set()
    assert not inbox.title().startswith("● ")


def test_the_sound_can_be_switched_off(inbox: AlertInbox, app: Any, qtbot: Any) -> None:
    inbox.sound.setChecked(False)
    assert inbox.ctx.settings.value("alerts/sound") in (False, "false")
    _raise(app, "M-NEW-2", AlertSeverity.CRITICAL)
    qtbot.waitUntil(lambda: inbox.cue.fired == 1, timeout=10_000)
    assert inbox.cue.beeps == 0
    assert inbox.flashing  # the visible cue stays


def test_a_stale_acknowledgement_is_refused_in_words(app: Any, make_ctx: Any, qtbot: Any) -> None:
    inbox = _inbox(make_ctx(app, subscribe=False), qtbot)  # hears nothing from other seats
    try:
        crit = _breakdown(app)
        assert crit.id is not None
        AlertService(app).assign(OTHER_SEAT, crit.id, "lead", crit.version)
        assert inbox.select(crit.id)
        inbox.store.acknowledge([crit.id], "seen")
        qtbot.waitUntil(lambda: "changed" in inbox.message.text(), timeout=10_000)
        assert "lead" in inbox.message.text()
        assert AlertService(app).get(crit.id).state is AlertState.NEW
        # the refusal re-read the alert: now the acknowledgement goes through
        qtbot.waitUntil(lambda: inbox.store.alerts[crit.id or 0].owner == "lead")
        inbox.store.acknowledge([crit.id], "seen")
        qtbot.waitUntil(
            lambda: AlertService(app).get(crit.id or 0).state is AlertState.ACKNOWLEDGED
        )
    finally:
        inbox.stop()


def test_a_viewer_cannot_act(app: Any, make_ctx: Any, qtbot: Any) -> None:
    inbox = _inbox(make_ctx(app, app.actor("viewer")), qtbot)
    try:
        assert inbox.select(_breakdown(app).id or 0)
        assert not inbox.ack_action.isEnabled()
        assert not inbox.resolve_action.isEnabled()
    finally:
        inbox.stop()


def test_the_selected_anomaly_shows_its_metric_window(
    inbox: AlertInbox, app: Any, qtbot: Any
) -> None:
    anomaly = next(a for a in _open(app).values() if a.alert_type is AlertType.MACHINE_ANOMALY)
    assert anomaly.id is not None
    assert inbox.select(anomaly.id)
    qtbot.waitUntil(lambda: len(inbox.detail.sparklines) >= 1, timeout=10_000)
    metrics = {s.series.metric for s in inbox.detail.sparklines}
    assert "temperature_c" in metrics
    assert all(len(s.series.values) > 1 for s in inbox.detail.sparklines)
    assert anomaly.message in inbox.detail.text.text()


def test_the_selected_vision_alert_shows_its_snapshot(
    inbox: AlertInbox, app: Any, qtbot: Any, tmp_path: Path
) -> None:
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "JPG")
    path = tmp_path / "snap.jpg"
    path.write_bytes(bytes(data.data()))
    now = app.clock.now()
    alert = Alert(
        AlertType.ZONE_EMPTY,
        AlertSeverity.WARNING,
        "zone Press line is empty",
        now,
        "zone_empty:Z-TEST",
        zone_id="Z-TEST",
        context={"snapshot": str(path), "source": "vision"},
    )
    with app.uow(SYSTEM) as uow:
        uow.repos.alerts.add(alert)
        uow.record(Change(Topic.ALERT, "raised", (str(alert.id),), alert_data(alert)))
        uow.commit()
    assert alert.id is not None
    qtbot.waitUntil(lambda: inbox.model.row_of(alert.id or 0) is not None, timeout=10_000)
    assert inbox.select(alert.id)
    qtbot.waitUntil(lambda: inbox.detail.snapshot.pixmap().width() > 0, timeout=10_000)
    assert inbox.detail.snapshot.isVisibleTo(inbox)


def test_take_ownership_and_assign_to_somebody(inbox: AlertInbox, app: Any, qtbot: Any) -> None:
    crit = _breakdown(app)
    assert crit.id is not None
    assert inbox.select(crit.id)
    inbox.own_action.trigger()
    qtbot.waitUntil(lambda: AlertService(app).get(crit.id or 0).owner == "super")
    qtbot.waitUntil(lambda: inbox.store.alerts[crit.id or 0].owner == "super")
    inbox._fill_assign_menu()  # what opening the button's menu does
    qtbot.waitUntil(lambda: any("(lead)" in a.text() for a in inbox.assign_menu.actions()))
    lead = next(a for a in inbox.assign_menu.actions() if "(lead)" in a.text())
    lead.trigger()
    qtbot.waitUntil(lambda: AlertService(app).get(crit.id or 0).owner == "lead")
    qtbot.waitUntil(lambda: _row_text(inbox, crit.id or 0, 6) == "lead")
    nobody = next(a for a in inbox.assign_menu.actions() if a.text() == "Nobody")
    nobody.trigger()
    qtbot.waitUntil(lambda: AlertService(app).get(crit.id or 0).owner is None)
