"""A handful of open alerts, so the control room's inbox shows something on first start."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.model.alerts import Alert, AlertSeverity, AlertState, AlertType
from domain.model.plant import CalendarKind, MachineStatus
from services.demo.history import resolve_now
from services.demo.plant import DemoPlant
from services.demo.rand import stream


def alerts(plant: DemoPlant, seed: int = 7, now: datetime | None = None) -> list[Alert]:
    """Open alerts that match the plant: the broken machine, the drifting one, late orders,
    certificates about to expire, materials below safety stock, an idle zone."""
    now = resolve_now(plant, now)
    rng = stream(seed, "alerts")
    today = now.date()
    out: list[Alert] = []

    def ago(low_minutes: int, high_minutes: int) -> datetime:
        return (now - timedelta(minutes=rng.randint(low_minutes, high_minutes))).replace(
            second=0, microsecond=0
        )

    machines = {m.id: m for m in plant.machines}
    for m in plant.machines:
        if m.status is MachineStatus.BREAKDOWN:
            window = next(
                (
                    w
                    for w in plant.calendar_windows
                    if w.work_centre_id == m.work_centre_id and w.kind is CalendarKind.BREAKDOWN
                ),
                None,
            )
            reason = window.note if window else "breakdown"
            out.append(
                Alert(
                    AlertType.MACHINE_BREAKDOWN,
                    AlertSeverity.CRITICAL,
                    f"{m.name} is down ({reason})",
                    m.status_updated_at or ago(30, 120),
                    f"machine_breakdown:{m.id}",
                    machine_id=m.id,
                    context={"line_id": m.line_id},
                )
            )
    drifting = machines.get(plant.drifting_machine_id)
    if drifting is not None:
        out.append(
            Alert(
                AlertType.MACHINE_ANOMALY,
                AlertSeverity.WARNING,
                f"{drifting.name}: temperature and vibration have been rising for days",
                ago(60, 180),
                f"machine_anomaly:{drifting.id}:temperature_c",
                machine_id=drifting.id,
                context={"metrics": ["temperature_c", "vibration"], "trend_days": 5},
            )
        )
    late = [w for w in plant.work_orders if w.is_late(now)]
    late.sort(key=lambda w: (w.due_date, w.id))
    for wo in late[:2]:
        hours = (now - wo.due_date).total_seconds() / 3600
        out.append(
            Alert(
                AlertType.LATE_WORK_ORDER,
                AlertSeverity.ERROR,
                f"{wo.number} ({wo.product_name}) is {hours:.0f} h past its due date",
                wo.due_date,
                f"late_work_order:{wo.id}",
                work_order_id=wo.id,
            )
        )
    expiring = [
        (s.certification_expiry, o, s)
        for o in plant.operators
        for s in o.skills
        if s.certification_expiry is not None and 0 <= (s.certification_expiry - today).days <= 7
    ]
    expiring.sort(key=lambda e: (e[0], e[1].id))
    for expiry, o, s in expiring[:2]:
        out.append(
            Alert(
                AlertType.CERTIFICATION_EXPIRING,
                AlertSeverity.WARNING,
                f"{o.name}: certificate '{s.skill_name}' expires on {expiry:%Y-%m-%d}",
                ago(120, 600),
                f"certification_expiring:{o.id}:{s.skill_code}",
                operator_id=o.id,
            )
        )
    for mat in [m for m in plant.materials if m.below_safety_stock][:2]:
        out.append(
            Alert(
                AlertType.MATERIAL_LOW,
                AlertSeverity.WARNING,
                f"{mat.name}: {mat.available:g} {mat.unit_of_measure} available, "
                f"safety stock {mat.safety_stock:g}",
                ago(30, 300),
                f"material_low:{mat.id}",
                context={"material_id": mat.id},
            )
        )
    if plant.zones:
        zone = plant.zones[0]
        idle = Alert(
            AlertType.IDLE_THRESHOLD,
            AlertSeverity.INFO,
            f"{zone.name}: nobody active for more than {zone.idle_threshold_s} s",
            ago(10, 40),
            f"idle_threshold:{zone.camera_id}:{zone.id}",
            zone_id=zone.id,
            camera_id=zone.camera_id,
        )
        idle.acknowledge("lead", idle.raised_at + timedelta(minutes=4), "changeover, expected")
        out.append(idle)
    out.sort(key=lambda a: (a.raised_at, a.dedup_key))
    return [a for a in out if a.state is not AlertState.RESOLVED]
