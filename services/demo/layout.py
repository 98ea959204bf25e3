"""Lines, work centres and machines of the demo plant, with substitutions, set-ups and calendars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from domain.model.plant import (
    CalendarKind,
    CalendarWindow,
    Line,
    Machine,
    MachineStatus,
    SetupTime,
    WorkCentre,
    WorkCentreCategory,
    WorkCentreSubstitution,
)
from services.demo.catalogue import MACHINE_TYPES, MACHINE_TYPES_BY_CODE, machine_code
from services.demo.rand import split_counts, stream

PLANT_ID = "PLANT-1"
STAR_MACHINES = ("M-SAV100", "M-G1000")  # seed 004's press and CNC: always there, always running

_MAINTENANCE_NOTES = (
    "planned maintenance: hydraulic service",
    "planned maintenance: safety inspection",
    "planned maintenance: spindle and guideway check",
    "planned maintenance: filter and lubricant change",
    "planned maintenance: calibration",
)
_BREAKDOWN_NOTES = (
    "breakdown: hydraulic pressure loss",
    "breakdown: servo drive fault",
    "breakdown: light curtain failure",
)


@dataclass(frozen=True, slots=True)
class Layout:
    lines: list[Line]
    categories: list[WorkCentreCategory]
    work_centres: list[WorkCentre]
    machines: list[Machine]
    substitutions: list[WorkCentreSubstitution]
    setup_times: list[SetupTime]
    calendar_windows: list[CalendarWindow]
    drifting_machine_id: str


def _machine_type_counts(machines: int) -> list[int]:
    counts = split_counts(machines, [t.weight for t in MACHINE_TYPES])
    for star in (0, 1):  # press and CNC first in MACHINE_TYPES
        if counts[star] == 0:
            donor = max(range(2, len(counts)), key=lambda i: (counts[i], -i))
            counts[donor] -= 1
            counts[star] += 1
    return counts


def _quarter(at: datetime) -> datetime:
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


def build_layout(
    seed: int, now: datetime, line_count: int, machine_count: int, families: list[str]
) -> Layout:
    rng = stream(seed, "layout")
    today = now.date()
    lines = [Line(f"L{i + 1}", PLANT_ID, f"Line {i + 1}") for i in range(line_count)]

    counts = _machine_type_counts(machine_count)
    present = [t for t, n in zip(MACHINE_TYPES, counts, strict=True) if n > 0]
    categories = [WorkCentreCategory(t.category_id, t.category_name) for t in present]

    # (type code, code, line) in a round robin over the lines, so every line gets a mix
    slots: list[tuple[str, str, str]] = []
    for mtype, n in zip(MACHINE_TYPES, counts, strict=True):
        for k in range(n):
            slots.append(
                (mtype.code, machine_code(mtype.code, k), lines[len(slots) % line_count].id)
            )

    others = [f"M-{code}" for _, code, _ in slots if f"M-{code}" not in STAR_MACHINES]
    rng.shuffle(others)
    n_breakdown = min(len(others), max(1, round(machine_count / 40)))
    n_maintenance = min(len(others) - n_breakdown, max(1, round(machine_count / 12)))
    breakdown = set(others[:n_breakdown])
    maintenance = set(others[n_breakdown : n_breakdown + n_maintenance])
    healthy = others[n_breakdown + n_maintenance :]
    drifting = healthy[0] if healthy else STAR_MACHINES[1]
    overdue = healthy[1] if len(healthy) > 1 else None
    planned = set(healthy[2 : 2 + round(0.3 * max(0, len(healthy) - 2))])  # maintenance ahead

    machines: list[Machine] = []
    work_centres: list[WorkCentre] = []
    windows: list[CalendarWindow] = []
    for type_code, code, line_id in slots:
        mtype = MACHINE_TYPES_BY_CODE[type_code]
        mid, wcid = f"M-{code}", f"WC-{code}"
        if mid in breakdown:
            status = MachineStatus.BREAKDOWN
        elif mid in maintenance:
            status = MachineStatus.MAINTENANCE
        elif mid in STAR_MACHINES or mid == drifting:
            status = MachineStatus.RUNNING
        else:
            status = MachineStatus.RUNNING if rng.random() < 0.72 else MachineStatus.IDLE
        since = _quarter(now - timedelta(hours=rng.uniform(0.5, 20.0)))
        last_maintenance = today - timedelta(days=rng.randint(5, 85))
        next_maintenance = last_maintenance + timedelta(days=90)
        if status is MachineStatus.BREAKDOWN:
            since = _quarter(now - timedelta(hours=rng.uniform(1.0, 5.0)))
            windows.append(
                CalendarWindow(
                    wcid,
                    since,
                    _quarter(now + timedelta(hours=rng.uniform(3.0, 10.0))),
                    CalendarKind.BREAKDOWN,
                    rng.choice(_BREAKDOWN_NOTES),
                )
            )
        elif status is MachineStatus.MAINTENANCE:
            since = _quarter(now - timedelta(hours=rng.uniform(1.0, 5.0)))
            next_maintenance = today
            windows.append(
                CalendarWindow(
                    wcid,
                    since,
                    _quarter(now + timedelta(hours=rng.uniform(2.0, 6.0))),
                    CalendarKind.MAINTENANCE,
                    rng.choice(_MAINTENANCE_NOTES),
                )
            )
        elif mid == overdue:
            next_maintenance = today - timedelta(days=rng.randint(1, 10))
            last_maintenance = next_maintenance - timedelta(days=90)
        elif mid in planned:  # a planned window in the coming days
            day = today + timedelta(days=rng.randint(1, 13))
            start = datetime.combine(day, time(rng.choice((6, 14))), tzinfo=now.tzinfo)
            windows.append(
                CalendarWindow(
                    wcid,
                    start,
                    start + timedelta(hours=rng.choice((4, 8))),
                    CalendarKind.MAINTENANCE,
                    rng.choice(_MAINTENANCE_NOTES),
                )
            )
            next_maintenance = day
        broken = status in (MachineStatus.BREAKDOWN, MachineStatus.MAINTENANCE)
        manufacturer = rng.choice(mtype.manufacturers)
        capacity = round(mtype.capacity_per_hour * rng.uniform(0.9, 1.2))
        machines.append(
            Machine(
                id=mid,
                name=f"{code} {mtype.label}",
                machine_type=mtype.code,
                line_id=line_id,
                work_centre_id=wcid,
                zone=f"{line_id} {mtype.area}",
                manufacturer=manufacturer,
                serial_number=f"SN-{code}-{rng.randint(10000, 99999)}",
                status=status,
                status_updated_at=since,
                oee=round(rng.uniform(55.0, 70.0) if broken else rng.uniform(62.0, 90.0), 1),
                uptime_percentage=round(rng.uniform(82.0, 98.5), 1),
                max_capacity_per_hour=capacity,
                required_skills=mtype.required_skills,
                last_maintenance_date=last_maintenance,
                next_maintenance_date=next_maintenance,
                updated_by="system",
                updated_at=since,
            )
        )
        work_centres.append(
            WorkCentre(
                id=wcid,
                plant_id=PLANT_ID,
                line_id=line_id,
                name=f"{code} {mtype.label}",
                category_id=mtype.category_id,
                capacity_per_hour=float(capacity),
                cost_per_hour=round(mtype.cost_per_hour * rng.uniform(0.9, 1.15), 2),
                parallel_capacity=mtype.parallel_capacity,
            )
        )
    windows.sort(key=lambda w: (w.start, w.work_centre_id))
    return Layout(
        lines=lines,
        categories=categories,
        work_centres=work_centres,
        machines=machines,
        substitutions=_substitutions(seed, machines),
        setup_times=_setup_times(seed, machines, families),
        calendar_windows=windows,
        drifting_machine_id=drifting,
    )


def _substitutions(seed: int, machines: list[Machine]) -> list[WorkCentreSubstitution]:
    """Each work centre may hand its work to up to three of its kind, same line first."""
    rng = stream(seed, "substitutions")
    by_type: dict[str, list[Machine]] = {}
    for m in machines:
        by_type.setdefault(m.machine_type, []).append(m)
    out: list[WorkCentreSubstitution] = []
    for m in machines:
        peers = [p for p in by_type[m.machine_type] if p.id != m.id]
        index = {p.id: i for i, p in enumerate(by_type[m.machine_type])}
        own = index[m.id]
        peers.sort(key=lambda p: (p.line_id != m.line_id, abs(index[p.id] - own), p.id))
        for priority, peer in enumerate(peers[:3], start=1):
            assert m.work_centre_id is not None
            assert peer.work_centre_id is not None
            out.append(
                WorkCentreSubstitution(
                    work_centre_id=m.work_centre_id,
                    substitute_id=peer.work_centre_id,
                    time_factor=round(1.0 + rng.choice((0.0, 0.05, 0.1, 0.15, 0.25, 0.35)), 2),
                    cost_factor=round(rng.uniform(0.95, 1.3), 2),
                    priority=priority,
                )
            )
    return out


def _setup_times(seed: int, machines: list[Machine], families: list[str]) -> list[SetupTime]:
    """Change-over minutes between every two product families on every work centre."""
    rng = stream(seed, "setup-times")
    out: list[SetupTime] = []
    for m in machines:
        base = MACHINE_TYPES_BY_CODE[m.machine_type].setup_minutes
        assert m.work_centre_id is not None
        for a in families:
            for b in families:
                if a != b:
                    minutes = max(5, 5 * round(base * rng.uniform(0.6, 1.5) / 5))
                    out.append(SetupTime(m.work_centre_id, a, b, minutes))
    return out
