"""Neighbourhoods of a roster: which cells a search step frees, and the sub-problem that
re-optimises them with every other cell kept.

Every hard rule of a roster concerns one operator's line, so any operator's line that obeys
their own rules can be combined with any other: a sub-problem over a subset of operators
(some of their days locked to the incumbent) is always consistent with the rest, and only the
objective couples them (cover, fairness). The sub-problem carries those couplings as cover
offsets (operators outside it already working a row) and the fixed fairness range.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from domain.rules.rostering import OFF, ShiftRequest
from services.rostering.checker import fairness_measures
from services.rostering.problem import LockDto, RosterDto, RosterProblemDto, StaffDto

KINDS = ("staff", "days", "block", "cover", "shift", "requests")


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """Operators ``staff`` (indexes into the problem) are free on ``days`` (all days if None)."""

    kind: str
    staff: tuple[int, ...]
    days: tuple[int, ...] | None

    def size(self, horizon: int) -> int:
        return len(self.staff) * (horizon if self.days is None else len(self.days))


@dataclass(frozen=True, slots=True)
class SubProblem:
    problem: RosterProblemDto
    cover_offsets: tuple[int, ...]
    fairness_fixed: tuple[int, int] | None


def _window(rng: random.Random, horizon: int, width: int) -> tuple[int, ...]:
    width = max(1, min(horizon, width))
    start = rng.randrange(0, horizon - width + 1)
    return tuple(range(start, start + width))


def pick(
    kind: str,
    problem: RosterProblemDto,
    roster: RosterDto,
    size: float,
    rng: random.Random,
    cover_rows: Sequence[int] = (),
) -> Neighbourhood:
    """A random neighbourhood of ``kind`` freeing about ``size`` (0..1) of the roster's cells.

    ``cover_rows`` are the indexes of the cover rows that pay a penalty now (for ``cover``).
    """
    n, horizon = len(problem.staff), problem.horizon
    everyone = tuple(range(n))
    if kind == "days":
        return Neighbourhood(kind, everyone, _window(rng, horizon, round(horizon * size)))
    if kind == "staff":
        k = max(1, min(n, round(n * size)))
        return Neighbourhood(kind, tuple(sorted(rng.sample(everyone, k))), None)
    # a block of operators by days holding about `size` of the cells (sqrt(size) each way)
    side = min(1.0, size**0.5)
    k = min(n, max(2, round(n * side)))
    days = _window(rng, horizon, max(3, round(horizon * side)))
    if kind == "shift":
        # the operators who work one shift type in a window of days (then others), so its
        # cover can be moved between them
        shift = rng.choice(problem.shifts).id
        on = [e for e in everyone if shift in _cells(problem, roster, e, days)]
        return Neighbourhood(kind, _first_of(rng, on, everyone, k), days)
    if kind == "requests":
        # around a request that is not granted: its operator and others, near its day
        unmet = _unmet_requests(problem, roster)
        if unmet:
            r = rng.choice(unmet)
            days = _centred(horizon, len(days), r.day)
            own = [i for i in everyone if problem.staff[i].id == r.staff_id]
            return Neighbourhood(kind, _first_of(rng, own, everyone, k), days)
    if kind == "cover" and cover_rows:
        # centre the block on a cover row that pays, with the operators who could change it
        row = problem.cover[rng.choice(cover_rows)]
        width = len(days)
        start = max(0, min(horizon - width, row.day - width // 2))
        days = tuple(range(start, start + width))
        on_row = [e for e in everyone if roster.lines[problem.staff[e].id][row.day] == row.shift]
        others = [e for e in everyone if e not in on_row]
        rng.shuffle(on_row)
        rng.shuffle(others)
        chosen = (on_row[: k // 2] + others)[:k]
        return Neighbourhood(kind, tuple(sorted(chosen)), days)
    return Neighbourhood("block", tuple(sorted(rng.sample(everyone, k))), days)


def _cells(problem: RosterProblemDto, roster: RosterDto, e: int, days: Iterable[int]) -> set[str]:
    line = roster.lines[problem.staff[e].id]
    return {line[d] for d in days}


def _first_of(
    rng: random.Random, first: Sequence[int], everyone: Sequence[int], k: int
) -> tuple[int, ...]:
    """``k`` operators: those of ``first`` (in a random order) before the others."""
    head = list(first)
    rng.shuffle(head)
    chosen = set(head[:k])
    rest = [e for e in everyone if e not in chosen]
    rng.shuffle(rest)
    return tuple(sorted([*head[:k], *rest[: k - len(chosen)]]))


def _centred(horizon: int, width: int, day: int) -> tuple[int, ...]:
    start = max(0, min(horizon - width, day - width // 2))
    return tuple(range(start, start + width))


def _unmet_requests(problem: RosterProblemDto, roster: RosterDto) -> list[ShiftRequest]:
    return [
        r for r in problem.requests if r.weight and not r.granted(roster.lines[r.staff_id][r.day])
    ]


def _tally(problem: RosterProblemDto, roster: RosterDto, staff: Iterable[StaffDto]) -> list[int]:
    """For each cover row, how many of ``staff`` count towards it in ``roster``."""
    wanted = {row.skill for row in problem.cover}
    tally: Counter[tuple[int, str, str | None]] = Counter()
    for e in staff:
        keys = [k for k in wanted if k is None or k in e.skills]
        for d, s in enumerate(roster.lines[e.id]):
            if s != OFF:
                for k in keys:
                    tally[d, s, k] += 1
    return [tally[row.day, row.shift, row.skill] for row in problem.cover]


def cover_counts(problem: RosterProblemDto, roster: RosterDto) -> list[int]:
    """For each cover row, how many operators of ``roster`` count towards it."""
    return _tally(problem, roster, problem.staff)


def paying_rows(problem: RosterProblemDto, counts: Sequence[int]) -> list[int]:
    """Indexes of the cover rows with a penalty (under or over cover)."""
    return [
        i
        for i, (row, n) in enumerate(zip(problem.cover, counts, strict=True))
        if (n < row.requirement and row.under_weight) or (n > row.requirement and row.over_weight)
    ]


def sub_problem(
    problem: RosterProblemDto,
    roster: RosterDto,
    hood: Neighbourhood,
    counts: Sequence[int],
) -> SubProblem:
    """The problem over ``hood.staff`` with their days outside ``hood.days`` locked to
    ``roster``; ``counts`` are the cover counts of the whole roster (see :func:`cover_counts`)."""
    chosen = [problem.staff[i] for i in hood.staff]
    ids = {e.id for e in chosen}
    free: Collection[int] = range(problem.horizon) if hood.days is None else set(hood.days)
    locks = {(k.staff_id, k.day): k for k in problem.locks if k.staff_id in ids}
    for e in chosen:
        line = roster.lines[e.id]
        for d in range(problem.horizon):
            if d not in free:
                locks[e.id, d] = LockDto(e.id, d, line[d])
    mine = _tally(problem, roster, chosen)
    offsets = [n - k for n, k in zip(counts, mine, strict=True)]
    fixed = None
    if problem.fairness is not None and len(chosen) < len(problem.staff):
        measures = fairness_measures(problem, roster)
        others = [v for k, v in measures.items() if k not in ids]
        fixed = (max(others), min(others))
    sub = RosterProblemDto(
        horizon=problem.horizon,
        shifts=problem.shifts,
        staff=tuple(chosen),
        requests=tuple(r for r in problem.requests if r.staff_id in ids),
        cover=problem.cover,
        locks=tuple(locks.values()),
        fairness=problem.fairness,
        reference=problem.reference,
        change_weight=problem.change_weight,
        first_weekday=problem.first_weekday,
        name=f"{problem.name}:{hood.kind}",
        previous={k: v for k, v in problem.previous.items() if k in ids},
    )
    return SubProblem(sub, tuple(offsets), fixed)


def merge(roster: RosterDto, part: RosterDto) -> RosterDto:
    """``roster`` with the lines of ``part`` put in."""
    lines = dict(roster.lines)
    lines.update(part.lines)
    return RosterDto(lines)


def empty_roster(problem: RosterProblemDto) -> RosterDto:
    return RosterDto({e.id: (OFF,) * problem.horizon for e in problem.staff})
