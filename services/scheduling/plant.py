"""A deterministic, realistic plant to schedule: lines of work centres, work orders with
routings of 3-8 operations, alternative work centres (slower or dearer), product families with
sequence-dependent changeovers, release and due dates with priority weights, shift calendars
and maintenance windows, skilled operators on shifts, and a few work-order dependencies.

Same spec, same seed: the same plant, on every machine (only ``random.Random`` is used). The
default is the benchmark's plant: 5,000 operations on 50 work centres. Time is in minutes from
``PlantSpec.start`` (a Monday at 06:00).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from domain.model.work import DependencyType, Priority
from services.scheduling.problem import (
    JobDto,
    LinkDto,
    MachineDto,
    ModeDto,
    OperationDto,
    OperatorDto,
    ProblemDto,
    SetupDto,
    Window,
)

DAY = 24 * 60
WEEK = 7 * DAY

# the stations of a line, in flow order; the skilled ones need an operator with that skill
STATIONS: tuple[tuple[str, str | None], ...] = (
    ("saw", None),
    ("cnc", "cnc_setup"),
    ("cnc", "cnc_setup"),
    ("drill", None),
    ("weld", "welding"),
    ("weld", "welding"),
    ("paint", "painting"),
    ("assembly", None),
    ("assembly", None),
    ("inspection", "inspection"),
)
FAMILIES = ("steel", "alu", "stainless", "brass", "polymer", "composite", "cast", "coated")
PRIORITIES = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT)
PRIORITY_ODDS = (0.40, 0.35, 0.20, 0.05)


@dataclass(frozen=True, slots=True)
class PlantSpec:
    operations: int = 5000
    work_centres: int = 50  # in lines of len(STATIONS) work centres
    families: int = 6
    operators: int = 40
    skilled_share: float = 0.5  # of operations on skilled stations, the share that needs a person
    alternative_share: float = 0.6  # operations that may also run elsewhere
    dependency_share: float = 0.05  # work orders that depend on an earlier one
    maintenance_per_centre: int = 2
    three_shift_lines: int = 2  # the first lines run 24/5, the others 06:00-22:00
    weeks: int = 4  # calendars are generated this far ahead
    seed: int = 4
    start: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 6, 0, tzinfo=UTC))


def _calendar(three_shift: bool, weeks: int) -> list[Window]:
    """Unavailable time of a work centre: weekends, and nights on two-shift lines.

    t = 0 is Monday 06:00; the week's work ends Saturday 06:00 (24/5) or Friday 22:00.
    """
    out: list[Window] = []
    for w in range(weeks + 1):
        base = w * WEEK
        if not three_shift:
            out.extend((base + d * DAY + 16 * 60, base + (d + 1) * DAY) for d in range(4))
            out.append((base + 4 * DAY + 16 * 60, base + WEEK))
        else:
            out.append((base + 5 * DAY, base + WEEK))
    return out


def _shifts(kind: str, weeks: int) -> list[Window]:
    """On-shift windows, Monday to Friday: early 06-14, late 14-22, night 22-06."""
    offset = {"early": 0, "late": 8 * 60, "night": 16 * 60}[kind]
    return [
        (w * WEEK + d * DAY + offset, w * WEEK + d * DAY + offset + 8 * 60)
        for w in range(weeks + 1)
        for d in range(5)
    ]


def generate_plant(spec: PlantSpec | None = None) -> ProblemDto:
    spec = spec or PlantSpec()
    rng = random.Random(spec.seed)
    n_lines = max(1, round(spec.work_centres / len(STATIONS)))
    families = FAMILIES[: max(1, min(spec.families, len(FAMILIES)))]

    machines: list[MachineDto] = []
    station_of: list[tuple[int, str, str | None]] = []  # (line, kind, skill)
    for m in range(spec.work_centres):
        line = min(m // len(STATIONS), n_lines - 1)
        kind, skill = STATIONS[m % len(STATIONS)]
        windows = [(w, "off_shift") for w in _calendar(line < spec.three_shift_lines, spec.weeks)]
        for _ in range(spec.maintenance_per_centre):
            day = rng.randrange(spec.weeks * 5)
            start = (day // 5) * WEEK + (day % 5) * DAY + rng.choice((0, 2, 4, 6, 8)) * 60
            windows.append(((start, start + rng.choice((2, 3, 4, 6)) * 60), "maintenance"))
        windows.sort()
        machines.append(
            MachineDto(
                id=f"L{line + 1}-{kind.upper()}-{m % len(STATIONS) + 1:02d}",
                line=f"L{line + 1}",
                unavailable=tuple(w for w, _ in windows),
                kinds=tuple(k for _, k in windows),
            )
        )
        station_of.append((line, kind, skill))

    # changeovers: same family free, others 10-60 minutes, per work centre
    setups: list[SetupDto] = []
    for m in range(spec.work_centres):
        scale = rng.choice((0.5, 1.0, 1.5))
        for a in families:
            for b in families:
                if a != b:
                    setups.append(SetupDto(m, a, b, int(scale * rng.randrange(10, 41, 5))))

    by_kind: dict[tuple[int, str], list[int]] = {}
    for m, (line, kind, _) in enumerate(station_of):
        by_kind.setdefault((line, kind), []).append(m)
    kinds_in_order = list(dict.fromkeys(k for k, _ in STATIONS))
    elsewhere = {
        (line, kind): [
            m for (ln, kd), ms in sorted(by_kind.items()) if kd == kind and ln != line for m in ms
        ]
        for (line, kind) in by_kind
    }

    jobs: list[JobDto] = []
    remaining = spec.operations
    horizon_days = spec.weeks * 5
    while remaining > 0:
        j = len(jobs)
        length = rng.randint(3, 8)
        if remaining - length < 3 and remaining - length != 0:
            length = remaining if remaining <= 8 else remaining - 3
        remaining -= length
        line = rng.randrange(n_lines)
        family = rng.choice(families)
        # the route visits kinds in flow order (a random subset, sometimes revisiting one)
        route = sorted(rng.sample(range(len(kinds_in_order)), k=min(length, len(kinds_in_order))))
        while len(route) < length:
            route.insert(rng.randrange(len(route) + 1), rng.choice(route))
            route.sort()
        ops: list[OperationDto] = []
        for o, k in enumerate(route):
            kind = kinds_in_order[k]
            own = by_kind[(line, kind)]
            home = rng.choice(own)
            base = max(10, int(rng.lognormvariate(4.2, 0.6)))  # median about 67 minutes
            modes = [ModeDto(home, base, cost=base)]
            if rng.random() < spec.alternative_share:
                same_line = [m for m in own if m != home]
                other_lines = elsewhere[(line, kind)]
                pool = same_line + rng.sample(other_lines, k=min(2, len(other_lines)))
                for alt in rng.sample(pool, k=min(len(pool), rng.randint(1, 2))):
                    factor = 1.0 if alt in same_line else rng.choice((1.1, 1.2, 1.3, 1.5))
                    cost = rng.choice((1.0, 1.2, 1.5)) if alt in same_line else 1.6
                    modes.append(ModeDto(alt, int(base * factor), cost=int(base * cost)))
            skill = station_of[home][2]
            needs = skill if skill is not None and rng.random() < spec.skilled_share else None
            ops.append(
                OperationDto(
                    modes=tuple(modes),
                    id=f"WO{j + 1:04d}-{(o + 1) * 10}",
                    family=family,
                    skill=needs,
                )
            )
        release_day = rng.randrange(max(1, horizon_days * 2 // 5))
        release = (release_day // 5) * WEEK + (release_day % 5) * DAY
        work = sum(op.modes[0].duration for op in ops)
        allowance = int(work * rng.uniform(4.0, 10.0)) + rng.randrange(1, 6) * DAY
        priority = rng.choices(PRIORITIES, weights=PRIORITY_ODDS)[0]
        jobs.append(
            JobDto(
                operations=tuple(ops),
                id=f"WO{j + 1:04d}",
                release=release,
                due=release + allowance,
                weight=priority.weight,
            )
        )

    links: list[LinkDto] = []
    for j in range(1, len(jobs)):
        if rng.random() >= spec.dependency_share:
            continue
        p = rng.randrange(j)
        kind = rng.choices(
            (
                DependencyType.FINISH_TO_START,
                DependencyType.START_TO_START,
                DependencyType.FINISH_TO_FINISH,
            ),
            weights=(0.6, 0.25, 0.15),
        )[0]
        before_op = len(jobs[p].operations) - 1 if kind is not DependencyType.START_TO_START else 0
        after_op = len(jobs[j].operations) - 1 if kind is DependencyType.FINISH_TO_FINISH else 0
        links.append(
            LinkDto(
                before=(p, before_op),
                after=(j, after_op),
                kind=kind,
                lag=rng.choice((0, 0, 30, 60, 120)),
            )
        )

    skills = sorted({s for _, _, s in station_of if s is not None})
    operators: list[OperatorDto] = []
    for k in range(spec.operators):
        primary = skills[k % len(skills)]
        extra = rng.sample(skills, k=rng.randint(0, 2))
        shift = ("early", "late", "night")[(k // len(skills)) % 3]
        operators.append(
            OperatorDto(
                id=f"OP{k + 1:03d}",
                skills=frozenset({primary, *extra}),
                shifts=tuple(_shifts(shift, spec.weeks)),
            )
        )

    return ProblemDto(
        name=f"plant-{spec.operations}x{spec.work_centres}-seed{spec.seed}",
        machines=tuple(machines),
        jobs=tuple(jobs),
        links=tuple(links),
        setups=tuple(setups),
        operators=tuple(operators),
        now=0,
        origin=spec.start,
        time_unit="minute",
    )
