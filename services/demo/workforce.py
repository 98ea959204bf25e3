"""Operators with skills and certifications, the three shifts, the published roster, users."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.auth import User
from domain.model.people import (
    Operator,
    OperatorSkill,
    OperatorStatus,
    Shift,
    ShiftAssignment,
    ShiftAssignmentStatus,
    ShiftBreak,
)
from domain.model.plant import Machine
from services.demo.catalogue import (
    GENERAL_SKILLS,
    MACHINE_TYPES_BY_CODE,
    SKILLS_BY_CODE,
    USERS,
)
from services.demo.names import ascii_slug, draw_name
from services.demo.plant import DemoContract, DemoRequest
from services.demo.rand import Weighted, clamp, stream

ROSTER_DAYS_AHEAD = 14
CREWS = 4
# A continuous 2-2-2 rotation: two early, two late, two night shifts, two days off. The four
# crews are two days apart, so every shift of every day has one crew, and a night shift is
# always followed by two days off (a night may not be followed by an early shift).
ROTATION: tuple[str | None, ...] = ("A", "A", "B", "B", "C", "C", None, None)


def build_shifts() -> list[Shift]:
    return [
        Shift(
            "A",
            "Early",
            time(6),
            480,
            (ShiftBreak(time(9), 15), ShiftBreak(time(11, 30), 30)),
            (),
            "#4e79a7",
        ),
        Shift(
            "B",
            "Late",
            time(14),
            480,
            (ShiftBreak(time(17), 15), ShiftBreak(time(19, 30), 30)),
            (),
            "#f28e2b",
        ),
        Shift(
            "C",
            "Night",
            time(22),
            480,
            (ShiftBreak(time(1), 15), ShiftBreak(time(3, 30), 30)),
            ("A",),
            "#59a14f",
        ),
    ]


def build_users() -> list[User]:
    return [User(u.username, u.display_name, u.role) for u in USERS]


def _cert_skill(
    rng: random.Random, code: str, proficiency: int, today: date, expiry_in: int | None = None
) -> OperatorSkill:
    skill = SKILLS_BY_CODE[code]
    if skill.certificate_months is None:
        trained = today - timedelta(days=rng.randint(60, 3000))
        return OperatorSkill(code, skill.name, proficiency, trained, None, None)
    validity = timedelta(days=round(skill.certificate_months * 30.44))
    if expiry_in is None:  # an ordinary certificate: valid for at least eight more days
        expiry_in = rng.randint(8, validity.days)
    expiry = today + timedelta(days=expiry_in)
    return OperatorSkill(
        code, skill.name, proficiency, expiry - validity, expiry, skill.certified_by
    )


_PRIMARY = Weighted(((2, 0.25), (3, 0.45), (4, 0.30)))  # proficiency in one's own trade
_SECONDARY = Weighted(((1, 0.45), (2, 0.35), (3, 0.17), (4, 0.03)))  # in a related trade
_GENERAL = Weighted(((1, 0.45), (2, 0.35), (3, 0.2)))  # forklift, crane, first aid, ...
# busy comes from real allocations, made after loading (services/demo/staffing.py)
_AT_WORK = Weighted(((OperatorStatus.AVAILABLE, 0.88), (OperatorStatus.BREAK, 0.12)))


def build_operators(
    seed: int, now: datetime, count: int, machines: list[Machine]
) -> list[Operator]:
    """Operators, each trained on the type of one machine of the park (so every type is covered),
    with related and general skills; ~10% hold a certificate that expires within 7 days and a
    few one that has expired. Statuses are set later, from the roster."""
    rng = stream(seed, "operators")
    today = now.date()
    pool = list(machines)
    rng.shuffle(pool)
    n_soon = round(count * 0.10) if count >= 10 else min(1, count)
    n_expired = max(1, round(count * 0.03)) if count >= 10 else 0
    special = list(range(count))
    rng.shuffle(special)
    soon, expired = set(special[:n_soon]), set(special[n_soon : n_soon + n_expired])
    emails: set[str] = set()
    operators: list[Operator] = []
    for i in range(count):
        machine = pool[i % len(pool)]
        mtype = MACHINE_TYPES_BY_CODE[machine.machine_type]
        primary = _PRIMARY.pick(rng)
        levels: dict[str, int] = {mtype.skill: primary}
        for code in mtype.required_skills:
            levels.setdefault(code, rng.choice((2, 3)))
        for code in mtype.related_skills:
            if code not in levels and rng.random() < 0.45:
                levels[code] = _SECONDARY.pick(rng)
        for code, share in GENERAL_SKILLS:
            if code not in levels and rng.random() < share:
                levels[code] = _GENERAL.pick(rng)
        certified = [c for c in levels if SKILLS_BY_CODE[c].certificate_months is not None]
        if (i in soon or i in expired) and not certified:
            levels["lockout_tagout"] = 2
            certified = ["lockout_tagout"]
        forced = rng.choice(certified) if (i in soon or i in expired) else None
        skills = []
        for code, level in levels.items():
            expiry_in = None
            if code == forced:
                expiry_in = rng.randint(1, 7) if i in soon else -rng.randint(1, 45)
            skills.append(_cert_skill(rng, code, level, today, expiry_in))
        name = draw_name(rng)
        email = f"{ascii_slug(name.first)}.{ascii_slug(name.last)}"
        if email in emails:
            email = f"{email}{i + 1}"
        emails.add(email)
        efficiency = clamp(rng.gauss(3.6, 0.55) + 0.15 * (primary - 3), 1.2, 5.0)
        operators.append(
            Operator(
                id=f"OP-{i + 1:04d}",
                employee_id=f"E{10001 + i}",
                first_name=name.first,
                last_name=name.last,
                email=f"{email}@takt-demo.example",
                phone=f"{name.phone_prefix}{rng.randint(0, 9)} {rng.randint(1000000, 9999999)}",
                department=mtype.department,
                home_zone=machine.zone,
                line_id=machine.line_id,
                hire_date=today - timedelta(days=rng.randint(60, 20 * 365)),
                efficiency_rating=round(efficiency, 2),
                on_time_rate=round(clamp(rng.gauss(90.0, 5.0), 62.0, 99.5), 1),
                skills=skills,
                updated_by="system",
            )
        )
    return operators


@dataclass(frozen=True, slots=True)
class Roster:
    assignments: list[ShiftAssignment]
    absences: dict[tuple[str, date], str]  # (operator, day) -> sick, vacation, personal, ...


def crew_of(operators: list[Operator]) -> dict[str, int]:
    """Crews mix trades and lines: operators sorted by trade are dealt out like cards."""
    ordered = sorted(operators, key=lambda o: (o.department or "", o.home_zone or "", o.id))
    return {o.id: rank % CREWS for rank, o in enumerate(ordered)}


def rostered_shift(crew: int, day: date) -> str | None:
    return ROTATION[(day.toordinal() + 2 * crew) % len(ROTATION)]


def build_roster(
    seed: int,
    now: datetime,
    history_days: int,
    operators: list[Operator],
    shifts: list[Shift],
) -> Roster:
    """The published roster from ``history_days`` ago to two weeks ahead, with its absences;
    sets every operator's current status to match it."""
    rng = stream(seed, "roster")
    today = now.date()
    days = [today + timedelta(days=d) for d in range(-history_days, ROSTER_DAYS_AHEAD + 1)]
    by_id = {s.id: s for s in shifts}
    crews = crew_of(operators)
    plan: dict[str, list[tuple[date, str]]] = {
        o.id: [(d, s) for d in days if (s := rostered_shift(crews[o.id], d)) is not None]
        for o in operators
    }
    # who works today (or in last night's shift that is still running)
    on_today = [
        o.id
        for o in operators
        if any(
            d == today or (d == today - timedelta(days=1) and _covers(by_id[s], d, now))
            for d, s in plan[o.id]
        )
    ]
    n = len(operators)
    n_sick = round(n * 0.04) if n >= 20 else 0
    n_absent = round(n * 0.02) if n >= 20 else 0
    n_vacation = round(n * 0.04) if n >= 20 else 0
    pool = list(on_today)
    rng.shuffle(pool)
    sick, absent = pool[:n_sick], pool[n_sick : n_sick + n_absent]
    rest = [o.id for o in operators if o.id not in set(sick) | set(absent)]
    rng.shuffle(rest)
    vacation = rest[:n_vacation]
    away = set(sick) | set(absent) | set(vacation)

    absences: dict[tuple[str, date], str] = {}
    for op in vacation:
        start = today - timedelta(days=rng.randint(0, 4))
        for k in range(rng.randint(5, 10)):
            absences[(op, start + timedelta(days=k))] = "vacation"
    for o in operators:
        if o.id not in away and rng.random() < 0.10:  # a week off some other time
            length = rng.randint(3, 7)
            offset = rng.randint(-history_days, ROSTER_DAYS_AHEAD - length)
            if offset <= 0 <= offset + length:  # keep today and last night as they are
                offset = rng.randint(1, 6)
            for k in range(length):
                absences[(o.id, today + timedelta(days=offset + k))] = "vacation"
    current: dict[str, date] = {}
    for op, entries in plan.items():
        for d, s in entries:
            if d == today or _covers(by_id[s], d, now):
                current.setdefault(op, d)
    for op in sick:
        absences[(op, current[op])] = "sick"
    for op in absent:
        absences[(op, current[op])] = "personal"
    for o in operators:  # sickness and other absences in the past, in spells
        ill = False
        for d, _ in plan[o.id]:
            if d >= today or d == current.get(o.id) or (o.id, d) in absences:
                ill = False
                continue
            if (ill and rng.random() < 0.5) or rng.random() < 0.025:
                absences[(o.id, d)] = "sick"
                ill = True
                continue
            ill = False
            if rng.random() < 0.008:
                absences[(o.id, d)] = rng.choice(("personal", "unexcused"))
    for op in sick:  # off sick for a day or two already
        for d, _ in plan[op]:
            if current[op] - timedelta(days=2) <= d < current[op]:
                absences[(op, d)] = "sick"

    assignments: list[ShiftAssignment] = []
    on_shift: list[str] = []
    for o in operators:
        for d, s in plan[o.id]:
            a = _assignment(rng, o.id, by_id[s], d, now, absences.get((o.id, d)))
            assignments.append(a)
            if a.status in (ShiftAssignmentStatus.IN_PROGRESS, ShiftAssignmentStatus.LATE):
                on_shift.append(o.id)
    order = {s.id: i for i, s in enumerate(shifts)}
    assignments.sort(key=lambda a: (a.day, order[a.shift_id], a.operator_id))
    _set_statuses(rng, now, operators, on_shift, sick, absent, vacation)
    return Roster(assignments, absences)


def _covers(shift: Shift, day: date, at: datetime) -> bool:
    start, end = shift.window_on(day, UTC)
    return start <= at < end


def _assignment(
    rng: random.Random, op: str, shift: Shift, day: date, now: datetime, absence: str | None
) -> ShiftAssignment:
    locked = day < now.date()
    if absence is not None:
        return ShiftAssignment(op, shift.id, day, ShiftAssignmentStatus.ABSENT, locked=locked)
    start, end = shift.window_on(day, UTC)
    late = rng.random() < 0.04
    offset = rng.randint(6, 35) if late else -rng.randint(2, 15)
    clock_in = start + timedelta(minutes=offset, seconds=rng.randint(0, 59))
    clock_out = end + timedelta(minutes=rng.randint(-3, 15), seconds=rng.randint(0, 59))
    if end <= now and clock_out <= now:
        status = ShiftAssignmentStatus.COMPLETED
        return ShiftAssignment(op, shift.id, day, status, clock_in, clock_out, locked=locked)
    if clock_in <= now:
        status = ShiftAssignmentStatus.LATE if late else ShiftAssignmentStatus.IN_PROGRESS
        return ShiftAssignment(op, shift.id, day, status, clock_in, locked=locked)
    return ShiftAssignment(op, shift.id, day, ShiftAssignmentStatus.SCHEDULED, locked=locked)


def _set_statuses(
    rng: random.Random,
    now: datetime,
    operators: list[Operator],
    on_shift: list[str],
    sick: list[str],
    absent: list[str],
    vacation: list[str],
) -> None:
    """Away operators match their absences; of those at work a few are on a break; everyone
    else is available (the loader then puts most of those on shift to work)."""
    fixed = {op: OperatorStatus.SICK for op in sick}
    fixed.update({op: OperatorStatus.ABSENT for op in absent})
    fixed.update({op: OperatorStatus.VACATION for op in vacation})
    working = set(on_shift)
    for o in operators:
        if o.id in fixed:
            status = fixed[o.id]
        elif o.id in working:
            status = _AT_WORK.pick(rng)
        else:
            status = OperatorStatus.AVAILABLE
        minutes = rng.randint(3, 240)
        o.set_status(status, (now - timedelta(minutes=minutes)).replace(second=0, microsecond=0))
        o.updated_at = o.status_updated_at


@dataclass(frozen=True, slots=True)
class RosterWishes:
    contracts: tuple[DemoContract, ...]
    requests: tuple[DemoRequest, ...]
    assignments: list[ShiftAssignment]  # the roster, its days ahead following the contracts


def build_rostering_wishes(
    seed: int, now: datetime, operators: list[Operator], shifts: list[Shift], roster: Roster
) -> RosterWishes:
    """A few operators with a contract of their own and a few requests in the two weeks ahead,
    so the roster grid has some to show. From tomorrow on the published roster follows the
    contracts (the history stays the 2-2-2 rotation): a part-timer (at most 1440 minutes a
    week, never at weekends) works early shifts Monday to Wednesday, one who works no nights
    and one who works at most 4 days in a row lose the night and the early shifts of their
    rotation. Requests: a night shift somebody would rather not work (weight 50: Optimise
    weighs it against the cover), an early shift somebody asks for on a day off (weight 5) and
    a day off somebody cannot work at all (a medical appointment)."""
    today = now.date()
    horizon = [today + timedelta(days=k) for k in range(ROSTER_DAYS_AHEAD + 1)]
    rostered = {(a.operator_id, a.day): a.shift_id for a in roster.assignments}
    away = {op for op, d in roster.absences if today - timedelta(days=1) <= d}
    # the contracts start on a day off (today off, no absences ahead): nothing in progress
    free_today = sorted(
        o.id for o in operators if (o.id, today) not in rostered and o.id not in away
    )
    if len(free_today) < 3 or len(operators) < 6:
        return RosterWishes((), (), roster.assignments)
    rng = stream(seed, "roster wishes")
    part_timer, no_nights, short_runs = rng.sample(free_today, 3)
    others = sorted({o.id for o in operators} - {part_timer, no_nights, short_runs})
    night_owl, keen, patient = rng.sample(others, 3)
    contracts = (
        DemoContract(
            part_timer,
            max_weekly_minutes=3 * 480,
            unavailable_weekdays=(5, 6),
            notes="part time: three shifts a week, no weekends",
        ),
        DemoContract(no_nights, max_shifts={"C": 0}, notes="no night shifts"),
        DemoContract(short_runs, max_consecutive_shifts=4, notes="at most four days in a row"),
    )
    by_id = {s.id: s for s in shifts}
    ahead = set(horizon[1:])
    kept = [
        a
        for a in roster.assignments
        if not (
            a.day in ahead
            and (
                a.operator_id == part_timer
                or (a.operator_id == no_nights and a.shift_id == "C")
                or (a.operator_id == short_runs and a.shift_id == "A")
            )
        )
    ]
    part_time = [
        _assignment(rng, part_timer, by_id["A"], d, now, None)
        for d in horizon[3:]
        if d.weekday() in (0, 1, 2)
    ]
    order = {s.id: i for i, s in enumerate(shifts)}
    assignments = sorted(kept + part_time, key=lambda a: (a.day, order[a.shift_id], a.operator_id))
    worked = {(a.operator_id, a.day): a.shift_id for a in assignments}
    requests: list[DemoRequest] = []
    nights = [d for d in horizon[1:] if worked.get((night_owl, d)) == "C"]
    if nights:
        requests.append(DemoRequest(night_owl, nights[0], "off", "C", 50, "family event"))
    days_off = [d for d in horizon[2:] if (keen, d) not in worked]
    if days_off:
        requests.append(DemoRequest(keen, days_off[0], "on", "A", 5))
    free = [d for d in horizon[3:] if (patient, d) not in worked]
    if free:
        requests.append(DemoRequest(patient, free[0], "unavailable", "", 0, "medical appointment"))
    return RosterWishes(contracts, tuple(requests), assignments)
