"""The stored roster of a date range as plain data, and the rostering problem it makes.

A :class:`RosterSnapshot` is what the roster grid shows and what the solver starts from: the
operators (rows), the days (columns), the shift types, one cell per operator and day (a shift
id or ``OFF``, locked or not, absent or not), the cover requirements and each operator's
contract. It is read from the database by :mod:`services.rostering.store` and is pure data from
then on, so the grid checks an edit against the labour rules on the GUI thread without a query,
and the solver builds its problem in a worker from the same snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from domain.errors import Violation
from domain.rules.rostering import (
    OFF,
    Contract,
    CoverRequirement,
    ShiftKind,
    ShiftRequest,
    check_successions,
    cover_count,
    violations_introduced,
)
from services.rostering.contract_rules import OperatorContractDto, ShiftRequestDto
from services.rostering.problem import (
    FairnessDto,
    LockDto,
    RosterDto,
    RosterProblemDto,
    StaffDto,
)

_DAY = re.compile(r"\bday (\d+) \(\w{3}\)")
_DAYS = re.compile(r"\bdays (\d+)-(\d+)")


@dataclass(frozen=True, slots=True)
class OperatorRowDto:
    id: str
    name: str
    line_id: str | None = None
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ShiftTypeDto:
    id: str
    name: str
    minutes: int
    start: str = "00:00"  # HH:MM
    colour: str = "#4e79a7"
    forbidden_next: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CellDto:
    """One operator's day: ``shift`` (``OFF`` for a day off), ``locked`` (the solver keeps it),
    ``absent`` (a recorded absence: the shift stays on record but is not worked)."""

    shift: str = OFF
    locked: bool = False
    absent: bool = False
    started: bool = False  # clocked in: the cell can no longer change


EMPTY = CellDto()


@dataclass(frozen=True, slots=True)
class CellChange:
    """An edit of one cell, with the value the editor saw (``before``) for the stale check.
    ``absent``: record the absence (the shift stays on record, marked absent)."""

    operator_id: str
    day: date
    before: str
    after: str
    absent: bool = False


@dataclass(frozen=True, slots=True)
class RosterSnapshot:
    start: date
    days: int
    operators: tuple[OperatorRowDto, ...]
    shifts: tuple[ShiftTypeDto, ...]
    cells: Mapping[tuple[str, int], CellDto]  # only cells that are not a plain, unlocked day off
    cover: tuple[CoverRequirement, ...] = ()
    contracts: Mapping[str, Contract] = field(default_factory=dict)
    cover_note: str = ""  # where the cover requirements come from
    first_open_day: int = 0  # days before this index are in the past (frozen)
    lines: Mapping[str, str] = field(default_factory=dict)  # line id -> name
    previous: Mapping[str, str] = field(default_factory=dict)  # operator -> shift the day before
    forecast: Mapping[tuple[str, int], float] = field(default_factory=dict)  # absence probability
    # operators' own contracts and requests (services.rostering.contract_rules): the solver's
    # weighted requests, the stored ones per cell (the grid's markers), why a day cannot be
    # worked (named when an edit is refused), the stored contracts, and the fairness goal
    requests: tuple[ShiftRequest, ...] = ()
    wishes: Mapping[tuple[str, int], tuple[ShiftRequestDto, ...]] = field(default_factory=dict)
    unavailable: Mapping[tuple[str, int], str] = field(default_factory=dict)
    own_contracts: Mapping[str, OperatorContractDto] = field(default_factory=dict)
    fairness: FairnessDto | None = None

    # -- reading ---------------------------------------------------------------------------
    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def index_of(self, day: date) -> int:
        return (day - self.start).days

    def cell(self, operator_id: str, day: int) -> CellDto:
        return self.cells.get((operator_id, day), EMPTY)

    def line(self, operator_id: str) -> tuple[str, ...]:
        """The operator's worked line: absent days count as days off."""
        out = []
        for d in range(self.days):
            c = self.cell(operator_id, d)
            out.append(OFF if c.absent else c.shift)
        return tuple(out)

    def roster(self) -> RosterDto:
        return RosterDto({o.id: self.line(o.id) for o in self.operators})

    def shift_kinds(self) -> dict[str, ShiftKind]:
        known = {s.id for s in self.shifts}
        return {
            s.id: ShiftKind(s.id, s.minutes, frozenset(s.forbidden_next) & known)
            for s in self.shifts
        }

    def operator(self, operator_id: str) -> OperatorRowDto | None:
        for o in self.operators:
            if o.id == operator_id:
                return o
        return None

    def excused(self, operator_id: str) -> frozenset[int]:
        return frozenset(
            d
            for (op, d), c in self.cells.items()
            if op == operator_id and c.absent and 0 <= d < self.days
        )

    def contract(self, operator_id: str) -> Contract:
        base = self.contracts.get(operator_id, Contract())
        excused = self.excused(operator_id)
        return replace(base, excused_days=base.excused_days | excused) if excused else base

    def planned(self, day: int, shift: str, skill: str | None = None) -> int:
        """How many operators work ``shift`` on ``day`` (holding ``skill`` if given)."""
        return self.cover_table([(shift, skill)])[(shift, skill)][day]

    def cover_table(
        self, rows: Iterable[tuple[str, str | None]]
    ) -> dict[tuple[str, str | None], list[int]]:
        """For each (shift, skill) row, how many operators work it on each day."""
        lines = {o.id: self.line(o.id) for o in self.operators}
        skills = {o.id: o.skills for o in self.operators}
        return {
            row: [cover_count(lines, d, row[0], row[1], skills) for d in range(self.days)]
            for row in rows
        }

    def required(self, day: int, shift: str, skill: str | None = None) -> int | None:
        for c in self.cover:
            if c.day == day and c.shift == shift and c.skill == skill:
                return c.requirement
        return None

    # -- checking an edit --------------------------------------------------------------------
    def cell_refusal(self, change: CellChange) -> Violation | None:
        """Why this one cell may not change, whatever the rules say of the line: it is in the
        past, locked, clocked in, already absent, or the code is not a shift."""
        operator_id, day = change.operator_id, self.index_of(change.day)
        where = f"{operator_id} on {change.day:%a %d %b}"
        details = {"staff_id": operator_id, "day": day, "shift": change.after}
        if self.operator(operator_id) is None:
            return Violation("roster.unknown_staff", f"{operator_id} is not on this roster")
        if not 0 <= day < self.days:
            return Violation("roster.outside", f"{where} is outside the roster shown", details)
        cell = self.cell(operator_id, day)
        if change.absent:
            if cell.shift == OFF:
                return Violation("roster.no_shift", f"{where} has no shift to miss", details)
            return None  # an absence overrides a lock and may be recorded after the fact
        if change.after == cell.shift and not cell.absent:
            return None
        if day < self.first_open_day:
            return Violation("roster.past", f"{where} is in the past and cannot change", details)
        if cell.locked:
            return Violation("roster.locked", f"{where} is locked (unlock it first)", details)
        if cell.started:
            return Violation("roster.started", f"{where} has already clocked in", details)
        if cell.absent:
            return Violation("roster.absent", f"{where} is recorded absent", details)
        kinds = self.shift_kinds()
        if change.after != OFF and change.after not in kinds:
            codes = ", ".join(sorted(kinds))
            return Violation(
                "roster.unknown_shift",
                f"{change.after!r} is not a shift code (use {codes}, or clear the cell)",
                details,
            )
        return None

    def refusal(self, changes: Iterable[CellChange]) -> list[Violation]:
        """Everything that forbids ``changes`` taken together (empty: they are allowed): each
        cell's own refusal, then every labour rule that the new lines break and the old ones
        did not (rules already broken are not blamed on the edit)."""
        todo = list(changes)
        out = [v for ch in todo if (v := self.cell_refusal(ch)) is not None]
        if out:
            return out
        after = self.with_changes(todo)
        kinds = self.shift_kinds()
        for operator_id in dict.fromkeys(ch.operator_id for ch in todo):
            out += self._rest_after_previous(operator_id, after.line(operator_id)[0])
            out += [
                replace(v, message=self.dated(self._why_unavailable(v)))
                for v in violations_introduced(
                    operator_id,
                    self.line(operator_id),
                    after.line(operator_id),
                    after.contract(operator_id),
                    kinds,
                    self.start.weekday(),
                )
            ]
        return out

    def dated(self, message: str) -> str:
        """A rule's message with its day numbers ("day 3 (Thu)", "days 2-8") as dates."""

        def one(m: re.Match[str]) -> str:
            return f"{self.date_of(int(m.group(1))):%a %d %b}"

        def span(m: re.Match[str]) -> str:
            a, b = self.date_of(int(m.group(1))), self.date_of(int(m.group(2)))
            return f"{a:%a %d %b} to {b:%a %d %b}"

        return _DAY.sub(one, _DAYS.sub(span, message))

    def _why_unavailable(self, v: Violation) -> str:
        why = self.unavailable.get((str(v.details.get("staff_id")), int(v.details.get("day", -1))))
        return f"{v.message}: {why}" if v.code == "roster.day_off" and why else v.message

    def _rest_after_previous(self, operator_id: str, first: str) -> list[Violation]:
        """The minimum rest between the day before the range and its first day (the domain's
        succession rule on those two days, dated)."""
        if first == self.line(operator_id)[0]:
            return []
        prev = self.previous.get(operator_id, OFF)
        return [
            replace(
                v,
                message=f"{operator_id}: shift {first} on {self.start:%a %d %b} may not follow "
                f"shift {prev} the day before (not enough rest)",
                details={**v.details, "day": 0},
            )
            for v in check_successions(operator_id, (prev, first), self.shift_kinds())
        ]

    def changed_from(self, before: RosterDto, after: RosterDto) -> list[CellChange]:
        """The edits that turn roster ``before`` into ``after`` (day by day, operator by
        operator), as cell changes of this snapshot's dates."""
        out: list[CellChange] = []
        for o in self.operators:
            old, new = before.lines.get(o.id), after.lines.get(o.id)
            if old is None or new is None:
                continue
            for d, (a, b) in enumerate(zip(old, new, strict=True)):
                if a != b:
                    out.append(CellChange(o.id, self.date_of(d), a, b))
        return out

    def with_changes(self, changes: Iterable[CellChange]) -> RosterSnapshot:
        """This snapshot with ``changes`` applied (what the grid shows before the answer)."""
        cells = dict(self.cells)
        for ch in changes:
            d = self.index_of(ch.day)
            old = cells.get((ch.operator_id, d), EMPTY)
            if ch.absent:
                cells[(ch.operator_id, d)] = replace(old, absent=True)
            elif ch.after == OFF and not old.locked:
                cells.pop((ch.operator_id, d), None)
            else:
                cells[(ch.operator_id, d)] = replace(old, shift=ch.after, absent=False)
        return replace(self, cells=cells)

    # -- the solver's problem ----------------------------------------------------------------
    def problem(
        self, *, reference: RosterDto | None = None, change_weight: int = 0
    ) -> RosterProblemDto:
        """The rostering problem of this range: locked cells and past days are kept as they are,
        absent days are excused (cannot be worked, end runs like the horizon's edge)."""
        staff = tuple(StaffDto(o.id, self.contract(o.id), o.skills, o.name) for o in self.operators)
        locks: list[LockDto] = []
        for o in self.operators:
            line = self.line(o.id)
            for d in range(self.days):
                c = self.cell(o.id, d)
                if c.absent:
                    continue  # excused: off, whatever it says
                if c.locked or c.started or d < self.first_open_day:
                    locks.append(LockDto(o.id, d, line[d]))
        kinds = self.shift_kinds()
        # the rest after the day before binds a first day the solver may change (a kept first
        # day stays as it is, like the past: an old breach must not make the problem infeasible)
        kept_first = {k.staff_id for k in locks if k.day == 0}
        previous = {o: s for o, s in self.previous.items() if s in kinds and o not in kept_first}
        return RosterProblemDto(
            horizon=self.days,
            shifts=tuple(kinds.values()),
            staff=staff,
            cover=self.cover,
            requests=self.requests,
            fairness=self.fairness,
            locks=tuple(locks),
            reference=reference,
            change_weight=change_weight,
            first_weekday=self.start.weekday(),
            name=f"roster {self.start.isoformat()} +{self.days}d",
            previous=previous,
        )
