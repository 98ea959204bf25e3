"""The rules a production plan must keep, as pure functions over bars (planned operations).

A *bar* is anything with ``operation_id``, ``work_order_id``, ``work_centre_id``, ``start``,
``end`` and ``operator_id`` (``domain.model.planning.ScheduleEntry`` is one). Each rule returns
the ``Violation``s it finds, with a stable code, a sentence a planner can read, and
``details["operation_id"]`` naming the operation at fault (``details["other"]`` the one it
clashes with). ``check_plan`` runs them all; ``check_move`` answers, fast, what one dragged bar
would break; ``snap_start`` finds the nearest start where it breaks nothing.

Codes: precedence, dependency, overlap, setup, calendar, eligibility, release, before_now,
frozen, pinned, operator_missing, operator_unknown, operator_skill, operator_certification,
operator_shift, operator_overlap.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol

from domain.errors import Violation
from domain.model.people import Operator, Shift, ShiftAssignment, ShiftAssignmentStatus
from domain.model.plant import CalendarWindow, SetupTime
from domain.model.work import DependencyType, Operation, WorkOrder, WorkOrderDependency

TimeWindow = tuple[datetime, datetime]


class Bar(Protocol):
    @property
    def operation_id(self) -> str: ...
    @property
    def work_order_id(self) -> str: ...
    @property
    def work_centre_id(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def operator_id(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class PlannedOperation:
    """A plain bar (the Gantt's dragged position, a solver result converted to wall-clock)."""

    operation_id: str
    work_order_id: str
    work_centre_id: str
    start: datetime
    end: datetime
    operator_id: str | None = None


def _t(value: datetime, tz: tzinfo = UTC) -> str:
    """A time in a rule's message, on the plant's clock (``tz``)."""
    return f"{_local(value, tz):%Y-%m-%d %H:%M}"


def _local(value: datetime, tz: tzinfo) -> datetime:
    return value.astimezone(tz) if value.tzinfo is not None else value


def _v(code: str, message: str, bar: Bar, **details: object) -> Violation:
    return Violation(code, message, {"operation_id": bar.operation_id, **details})


def merge_windows(windows: Iterable[TimeWindow]) -> list[TimeWindow]:
    out: list[TimeWindow] = []
    for s, e in sorted(w for w in windows if w[1] > w[0]):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


# --- precedence ------------------------------------------------------------------------------


def check_routing(
    bars: Iterable[Bar], operations: Mapping[str, Operation], *, tz: tzinfo = UTC
) -> list[Violation]:
    """Within a work order, step n+1 starts after step n ends (by ``Operation.sequence``)."""
    per_order: dict[str, list[tuple[int, Bar]]] = defaultdict(list)
    for b in bars:
        op = operations.get(b.operation_id)
        if op is not None:
            per_order[b.work_order_id].append((op.sequence, b))
    out: list[Violation] = []
    for items in per_order.values():
        items.sort(key=lambda x: x[0])
        for (sa, a), (sb, b) in itertools.pairwise(items):
            if sb > sa and b.start < a.end:
                out.append(
                    _v(
                        "precedence",
                        f"operation {b.operation_id} (step {sb}) starts {_t(b.start, tz)}, "
                        f"before step {sa} ({a.operation_id}) ends {_t(a.end, tz)}",
                        b,
                        other=a.operation_id,
                    )
                )
    return out


def check_dependencies(
    bars: Iterable[Bar], dependencies: Iterable[WorkOrderDependency]
) -> list[Violation]:
    """Work-order dependencies (FS/SS/FF with lag) between the planned spans of work orders."""
    span: dict[str, tuple[datetime, datetime, Bar, Bar]] = {}
    for b in bars:
        cur = span.get(b.work_order_id)
        if cur is None:
            span[b.work_order_id] = (b.start, b.end, b, b)
        else:
            first = b if b.start < cur[0] else cur[2]
            last = b if b.end > cur[1] else cur[3]
            span[b.work_order_id] = (min(cur[0], b.start), max(cur[1], b.end), first, last)
    out: list[Violation] = []
    for d in dependencies:
        if not d.mandatory or d.work_order_id not in span or d.predecessor_id not in span:
            continue
        ps, pe, _, _ = span[d.predecessor_id]
        ss, se, first, last = span[d.work_order_id]
        if not d.satisfied(ps, pe, ss, se):
            lag = f" + {d.lag_minutes} min" if d.lag_minutes else ""
            kind = d.kind.value.replace("_", "-")
            culprit = last if d.kind is DependencyType.FINISH_TO_FINISH else first
            out.append(
                _v(
                    "dependency",
                    f"work order {d.work_order_id} breaks its {kind} dependency on "
                    f"{d.predecessor_id}{lag}",
                    culprit,
                    work_order_id=d.work_order_id,
                    predecessor_id=d.predecessor_id,
                    kind=d.kind.value,
                )
            )
    return out


# --- work centres ----------------------------------------------------------------------------


def check_no_overlap(
    bars: Iterable[Bar],
    *,
    setups: Iterable[SetupTime] = (),
    families: Mapping[str, str] | None = None,
    capacity: Mapping[str, int] | None = None,
    tz: tzinfo = UTC,
) -> list[Violation]:
    """No two operations at once on a work centre (beyond its parallel capacity), and room for
    the changeover between consecutive operations of different setup families."""
    table = {(s.work_centre_id, s.from_family, s.to_family): s.minutes for s in setups}
    per_wc: dict[str, list[Bar]] = defaultdict(list)
    for b in bars:
        if b.end > b.start:
            per_wc[b.work_centre_id].append(b)
    out: list[Violation] = []
    for wc, items in per_wc.items():
        items.sort(key=lambda b: (b.start, b.end))
        cap = (capacity or {}).get(wc, 1)
        running: list[Bar] = []
        for b in items:
            running = [r for r in running if r.end > b.start]
            if len(running) >= cap:
                other = max(running, key=lambda r: r.end)
                out.append(
                    _v(
                        "overlap",
                        f"operation {b.operation_id} overlaps {other.operation_id} on {wc} "
                        f"({_t(b.start, tz)} < {_t(other.end, tz)})",
                        b,
                        other=other.operation_id,
                        work_centre_id=wc,
                    )
                )
            running.append(b)
        if not table or families is None or cap != 1:
            continue
        for a, b in itertools.pairwise(items):
            fa, fb = families.get(a.operation_id), families.get(b.operation_id)
            need = table.get((wc, fa, fb), 0) if fa and fb else 0
            if need and a.end <= b.start < a.end + timedelta(minutes=need):
                out.append(
                    _v(
                        "setup",
                        f"operation {b.operation_id} starts {_t(b.start, tz)} on {wc}, but the "
                        f"changeover {fa} -> {fb} after {a.operation_id} needs {need} min",
                        b,
                        other=a.operation_id,
                        work_centre_id=wc,
                        minutes=need,
                    )
                )
    return out


def check_calendar(
    bars: Iterable[Bar], windows: Iterable[CalendarWindow], *, tz: tzinfo = UTC
) -> list[Violation]:
    """No operation runs while its work centre is unavailable (maintenance, off shift, ...)."""
    per_wc: dict[str, list[CalendarWindow]] = defaultdict(list)
    for w in windows:
        per_wc[w.work_centre_id].append(w)
    out: list[Violation] = []
    for b in bars:
        for w in per_wc.get(b.work_centre_id, ()):
            if b.end > b.start and w.overlaps(b.start, b.end):
                out.append(
                    _v(
                        "calendar",
                        f"operation {b.operation_id} runs into {w.kind.value.replace('_', ' ')} "
                        f"on {b.work_centre_id} ({_t(w.start, tz)} to {_t(w.end, tz)})",
                        b,
                        work_centre_id=b.work_centre_id,
                        window=w.kind.value,
                    )
                )
                break
    return out


def check_eligibility(bars: Iterable[Bar], operations: Mapping[str, Operation]) -> list[Violation]:
    """Each operation runs on its own work centre or one of its alternatives."""
    out: list[Violation] = []
    for b in bars:
        op = operations.get(b.operation_id)
        if op is not None and b.work_centre_id not in op.eligible_work_centres:
            out.append(
                _v(
                    "eligibility",
                    f"operation {b.operation_id} cannot run on {b.work_centre_id} (eligible: "
                    f"{', '.join(op.eligible_work_centres)})",
                    b,
                    work_centre_id=b.work_centre_id,
                )
            )
    return out


# --- time: release, now, frozen horizon, pins -------------------------------------------------


def check_release(
    bars: Iterable[Bar], work_orders: Mapping[str, WorkOrder], *, tz: tzinfo = UTC
) -> list[Violation]:
    out: list[Violation] = []
    for b in bars:
        wo = work_orders.get(b.work_order_id)
        if wo is not None and wo.release_date is not None and b.start < wo.release_date:
            out.append(
                _v(
                    "release",
                    f"operation {b.operation_id} starts {_t(b.start, tz)}, before work order "
                    f"{wo.number} is released ({_t(wo.release_date, tz)})",
                    b,
                )
            )
    return out


def check_horizon(
    bars: Iterable[Bar],
    *,
    now: datetime,
    frozen_until: datetime | None = None,
    committed: Mapping[str, Bar] | None = None,
    pinned: Mapping[str, Bar] | None = None,
    tz: tzinfo = UTC,
) -> list[Violation]:
    """Nothing new starts in the past; the frozen horizon and pinned bars stay where they are.

    ``committed`` is the released plan: its bars starting before ``frozen_until`` are frozen.
    """
    out: list[Violation] = []
    committed = committed or {}
    pinned = pinned or {}
    for b in bars:
        before = committed.get(b.operation_id)
        fixed = pinned.get(b.operation_id)
        if fixed is not None:
            if not _same_place(b, fixed):
                out.append(
                    _v(
                        "pinned",
                        f"operation {b.operation_id} is pinned to {fixed.work_centre_id} at "
                        f"{_t(fixed.start, tz)}",
                        b,
                    )
                )
            continue
        frozen = frozen_until is not None and before is not None and before.start < frozen_until
        if frozen and before is not None and not _same_place(b, before):
            out.append(
                _v(
                    "frozen",
                    f"operation {b.operation_id} is inside the frozen horizon (until "
                    f"{_t(frozen_until, tz)}) and must stay at {_t(before.start, tz)}",  # type: ignore[arg-type]
                    b,
                )
            )
        elif not frozen and b.start < now and (before is None or not _same_place(b, before)):
            out.append(
                _v(
                    "before_now",
                    f"operation {b.operation_id} would start {_t(b.start, tz)}, in the past",
                    b,
                )
            )
    return out


def _same_place(a: Bar, b: Bar) -> bool:
    return a.work_centre_id == b.work_centre_id and a.start == b.start and a.end == b.end


# --- people ----------------------------------------------------------------------------------


def shift_windows(
    assignments: Iterable[ShiftAssignment], shifts: Mapping[str, Shift], tz: object = None
) -> dict[str, list[TimeWindow]]:
    """When each operator is on shift, from shift assignments (absences left out)."""
    out: dict[str, list[TimeWindow]] = defaultdict(list)
    for a in assignments:
        shift = shifts.get(a.shift_id)
        if shift is None or a.status is ShiftAssignmentStatus.ABSENT:
            continue
        out[a.operator_id].append(shift.window_on(a.day, tz))
    return {k: merge_windows(v) for k, v in out.items()}


def check_operators(
    bars: Iterable[Bar],
    operations: Mapping[str, Operation],
    operators: Mapping[str, Operator],
    availability: Mapping[str, Sequence[TimeWindow]] | None = None,
    *,
    tz: tzinfo = UTC,
) -> list[Violation]:
    """An operation that needs a skill has an operator with it (proficient, certified), on
    shift for the whole run, and nobody runs two operations at once. ``availability`` maps
    operator ids to on-shift windows; operators missing from it are not checked for shifts."""
    out: list[Violation] = []
    per_person: dict[str, list[Bar]] = defaultdict(list)
    merged = {k: merge_windows(v) for k, v in (availability or {}).items()}
    for b in bars:
        op = operations.get(b.operation_id)
        skill = op.required_skill if op is not None else None
        if b.operator_id is None:
            if skill is not None:
                out.append(
                    _v(
                        "operator_missing",
                        f"operation {b.operation_id} needs an operator with skill {skill}",
                        b,
                        skill=skill,
                    )
                )
            continue
        person = operators.get(b.operator_id)
        if person is None:
            out.append(_v("operator_unknown", f"operator {b.operator_id} does not exist", b))
            continue
        per_person[person.id].append(b)
        if skill is not None and op is not None:
            held = person.skill(skill)
            if held is None or held.proficiency < op.min_proficiency:
                level = "" if held is None else f" at level {op.min_proficiency}"
                out.append(
                    _v(
                        "operator_skill",
                        f"{person.name} lacks skill {skill}{level} for operation {b.operation_id}",
                        b,
                        operator_id=person.id,
                        skill=skill,
                    )
                )
            elif not held.certified_on(_day(b.start)):
                out.append(
                    _v(
                        "operator_certification",
                        f"{person.name}'s certification for {skill} has expired by "
                        f"{_local(b.start, tz):%Y-%m-%d}",
                        b,
                        operator_id=person.id,
                        skill=skill,
                    )
                )
        windows = merged.get(person.id)
        if (
            windows is not None
            and b.end > b.start
            and not any(s <= b.start and b.end <= e for s, e in windows)
        ):
            out.append(
                _v(
                    "operator_shift",
                    f"{person.name} is not on shift for all of operation {b.operation_id} "
                    f"({_t(b.start, tz)} to {_t(b.end, tz)})",
                    b,
                    operator_id=person.id,
                )
            )
    for pid, items in per_person.items():
        items.sort(key=lambda b: (b.start, b.end))
        latest: Bar | None = None
        for b in items:
            if latest is not None and b.start < latest.end and b.end > b.start:
                out.append(
                    _v(
                        "operator_overlap",
                        f"{operators[pid].name} would run {latest.operation_id} and "
                        f"{b.operation_id} at the same time",
                        b,
                        other=latest.operation_id,
                        operator_id=pid,
                    )
                )
            if latest is None or b.end > latest.end:
                latest = b
    return out


def _day(value: datetime) -> date:
    return value.date()


# --- all together ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanRules:
    """Everything the rules need besides the bars themselves."""

    operations: Mapping[str, Operation]
    work_orders: Mapping[str, WorkOrder] = field(default_factory=dict)
    dependencies: tuple[WorkOrderDependency, ...] = ()
    calendar: tuple[CalendarWindow, ...] = ()
    setups: tuple[SetupTime, ...] = ()
    capacity: Mapping[str, int] = field(default_factory=dict)  # work centre -> parallel capacity
    operators: Mapping[str, Operator] = field(default_factory=dict)
    availability: Mapping[str, Sequence[TimeWindow]] | None = None
    now: datetime | None = None
    frozen_until: datetime | None = None
    committed: Mapping[str, Bar] = field(default_factory=dict)
    pinned: Mapping[str, Bar] = field(default_factory=dict)
    tz: tzinfo = UTC  # the plant's clock, on which messages give times

    @property
    def families(self) -> dict[str, str]:
        return {k: op.setup_family for k, op in self.operations.items()}


def check_plan(bars: Sequence[Bar], rules: PlanRules) -> list[Violation]:
    """Every rule the plan breaks (empty: the plan is valid)."""
    tz = rules.tz
    out = check_eligibility(bars, rules.operations)
    out += check_routing(bars, rules.operations, tz=tz)
    out += check_dependencies(bars, rules.dependencies)
    out += check_no_overlap(
        bars, setups=rules.setups, families=rules.families, capacity=rules.capacity, tz=tz
    )
    out += check_calendar(bars, rules.calendar, tz=tz)
    out += check_release(bars, rules.work_orders, tz=tz)
    if rules.now is not None:
        out += check_horizon(
            bars,
            now=rules.now,
            frozen_until=rules.frozen_until,
            committed=rules.committed,
            pinned=rules.pinned,
            tz=tz,
        )
    out += check_operators(bars, rules.operations, rules.operators, rules.availability, tz=tz)
    return out


def _involves(v: Violation, operation_id: str, work_order_id: str) -> bool:
    d = v.details
    return (
        d.get("operation_id") == operation_id
        or d.get("other") == operation_id
        or (
            v.code == "dependency"
            and work_order_id in (d.get("work_order_id"), d.get("predecessor_id"))
        )
    )


def check_move(bars: Sequence[Bar], moved: Bar, rules: PlanRules) -> list[Violation]:
    """What the plan would break with ``moved`` in place of the bar of the same operation.

    Only the bars that can interact with it are looked at (its work centre, its work order and
    the ones linked to it, its operator), so this is cheap enough to call on every drag step.
    """
    linked = {moved.work_order_id}
    for d in rules.dependencies:
        if moved.work_order_id in (d.work_order_id, d.predecessor_id):
            linked.update((d.work_order_id, d.predecessor_id))
    local: list[Bar] = [moved]
    for b in bars:
        if b.operation_id == moved.operation_id:
            continue
        if (
            b.work_centre_id == moved.work_centre_id
            or b.work_order_id in linked
            or (moved.operator_id is not None and b.operator_id == moved.operator_id)
        ):
            local.append(b)
    return [
        v for v in check_plan(local, rules) if _involves(v, moved.operation_id, moved.work_order_id)
    ]


def snap_start(
    bars: Sequence[Bar],
    moved: Bar,
    rules: PlanRules,
    *,
    search: timedelta = timedelta(days=7),
    make: Callable[[Bar, datetime], Bar] | None = None,
) -> datetime | None:
    """The valid start nearest to ``moved.start`` on its work centre (None: none in reach).

    Candidates are the places where a rule stops biting: ends of other bars on the work centre
    (plus their changeover), ends of calendar windows, ends and starts of the work order's
    other steps, starts of operator shifts, now and the release date.
    """
    duration = moved.end - moved.start

    def at(start: datetime) -> Bar:
        if make is not None:
            return make(moved, start)
        return PlannedOperation(
            moved.operation_id,
            moved.work_order_id,
            moved.work_centre_id,
            start,
            start + duration,
            moved.operator_id,
        )

    table = {(s.work_centre_id, s.from_family, s.to_family): s.minutes for s in rules.setups}
    fam = rules.families
    linked: dict[str, int] = {}  # work order -> the largest lag of a dependency with it
    for d in rules.dependencies:
        if moved.work_order_id in (d.work_order_id, d.predecessor_id):
            other = d.predecessor_id if d.work_order_id == moved.work_order_id else d.work_order_id
            linked[other] = max(linked.get(other, 0), d.lag_minutes)
    points = {moved.start}
    for b in bars:
        if b.operation_id == moved.operation_id:
            continue
        if b.work_centre_id == moved.work_centre_id:
            gap = table.get(
                (b.work_centre_id, fam.get(b.operation_id, ""), fam.get(moved.operation_id, "")),
                0,
            )
            points.add(b.end + timedelta(minutes=gap))
            points.add(b.start - duration)
        if b.work_order_id == moved.work_order_id:
            points.update((b.end, b.start - duration))
        if b.work_order_id in linked:
            lag = timedelta(minutes=linked[b.work_order_id])
            points.update((b.end + lag, b.start + lag, b.end + lag - duration))
            points.update((b.start - lag - duration, b.end - lag - duration, b.start - lag))
        if moved.operator_id is not None and b.operator_id == moved.operator_id:
            points.update((b.end, b.start - duration))
    for w in rules.calendar:
        if w.work_centre_id == moved.work_centre_id:
            points.update((w.end, w.start - duration))
    if moved.operator_id is not None and rules.availability:
        for s, _ in rules.availability.get(moved.operator_id, ()):
            points.add(s)
    if rules.now is not None:
        points.add(rules.now)
    wo = rules.work_orders.get(moved.work_order_id)
    if wo is not None and wo.release_date is not None:
        points.add(wo.release_date)
    reach = sorted(
        (p for p in points if abs(p - moved.start) <= search),
        key=lambda p: (abs(p - moved.start), p),
    )
    for p in reach:
        if not check_move(bars, at(p), rules):
            return p
    return None


def frozen_until(now: datetime, hours: float) -> datetime | None:
    """The end of the frozen window (None: no frozen horizon)."""
    if hours <= 0:
        return None
    return now.replace(second=0, microsecond=0) + timedelta(hours=hours)


def check_frozen(
    before: Bar, moved: Bar, until: datetime | None, tz: tzinfo = UTC
) -> list[Violation]:
    """What moving ``before`` to ``moved`` breaks of the frozen horizon: a bar that starts
    inside the window stays put, and no bar moves into it (times in messages on ``tz``)."""
    if until is None:
        return []
    same = (
        before.work_centre_id == moved.work_centre_id
        and before.start == moved.start
        and before.end == moved.end
    )
    if same:
        return []
    details = {"operation_id": moved.operation_id, "frozen_until": until.isoformat()}
    head = f"inside the frozen horizon (until {_local(until, tz):%H:%M})"
    if before.start < until:
        return [
            Violation(
                "frozen",
                f"{head}: operation {moved.operation_id} starts "
                f"{_local(before.start, tz):%a %H:%M} on "
                f"{before.work_centre_id} and must stay there",
                details,
            )
        ]
    if moved.start < until:
        return [
            Violation(
                "frozen",
                f"{head}: operation {moved.operation_id} cannot be moved to "
                f"{_local(moved.start, tz):%a %H:%M}; the earliest start is "
                f"{_local(until, tz):%a %H:%M}",
                details,
            )
        ]
    return []


def assign_operator(
    rules: PlanRules,
    moved: PlannedOperation,
    busy: Mapping[str, Iterable[Bar]],
) -> PlannedOperation:
    """``moved`` with an operator who may run it there: its own operator if they hold the
    skill, are on shift for the whole run and run nothing else then, else the first other one
    who does (by id). Unchanged when the operation needs no skill or nobody fits (the rule
    check then names the operator rule). ``busy`` maps operator ids to their bars."""
    op = rules.operations.get(moved.operation_id)
    skill = op.required_skill if op is not None else None
    if skill is None or not rules.operators:
        return moved
    availability = rules.availability

    def fits(person_id: str) -> bool:
        person = rules.operators.get(person_id)
        if person is None or person.skill(skill) is None:
            return False
        if availability is not None:
            windows = availability.get(person_id)
            if windows is not None and not any(
                s <= moved.start and moved.end <= e for s, e in windows
            ):
                return False
        return not any(
            b.operation_id != moved.operation_id and b.start < moved.end and moved.start < b.end
            for b in busy.get(person_id, ())
        )

    if moved.operator_id is not None and fits(moved.operator_id):
        return moved
    for person_id in sorted(rules.operators):
        if person_id != moved.operator_id and fits(person_id):
            return replace(moved, operator_id=person_id)
    return moved


def bars_by_operator(bars: Iterable[Bar]) -> dict[str, list[Bar]]:
    out: dict[str, list[Bar]] = {}
    for b in bars:
        if b.operator_id is not None:
            out.setdefault(b.operator_id, []).append(b)
    return out
