"""Labour rules of a shift roster, and the penalty of a roster, as pure functions.

A roster line is one operator's plan over the horizon: a sequence with one shift id per day,
or ``OFF`` (the empty string) for a day off. Day 0 of a horizon is a ``first_weekday`` (0 is a
Monday); a weekend is a Saturday and the Sunday after it, worked if either day is worked.

Runs of working days or of days off that touch the start or the end of the horizon are exempt
from the minimum-length rules (the days beyond the horizon are unknown), and so are runs that
touch an *excused* day (an absence: sickness, leave), which is a day off that nobody planned.

Every check returns a list of :class:`~domain.errors.Violation` (empty when the rule holds),
so a roster-grid edit can be checked before it is applied (:func:`violations_introduced`) and the
solver's output can be verified by an independent checker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from domain.errors import ValidationError, Violation

OFF = ""
"""The roster cell of a day off."""

SATURDAY = 5
SUNDAY = 6
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class ShiftKind:
    """What the rules need of a shift type: its length and the shifts that may not follow it
    on the next day (minimum rest)."""

    id: str
    minutes: int
    forbidden_next: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.id:
            raise ValidationError("a shift type needs an id")
        if not 0 < self.minutes <= 24 * 60:
            raise ValidationError(f"shift {self.id} must last between 1 minute and 24 hours")


@dataclass(frozen=True, slots=True)
class Contract:
    """The labour rules of one operator over one horizon. ``None`` means "no limit".

    ``max_shifts`` maps a shift id to the most shifts of that type (absent: no limit; 0: never);
    ``days_off`` are days that cannot be worked; ``excused_days`` are recorded absences: they
    cannot be worked either, they end runs like the horizon's edge does, and a weekend is not
    counted as worked because of them.
    """

    max_shifts: Mapping[str, int] = field(default_factory=dict)
    min_total_minutes: int = 0
    max_total_minutes: int | None = None
    min_consecutive_shifts: int = 1
    max_consecutive_shifts: int | None = None
    min_consecutive_days_off: int = 1
    max_weekends: int | None = None
    days_off: frozenset[int] = frozenset()
    excused_days: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if any(v < 0 for v in self.max_shifts.values()):
            raise ValidationError("a maximum number of shifts cannot be negative")
        if self.min_total_minutes < 0:
            raise ValidationError("minimum total minutes cannot be negative")
        if self.max_total_minutes is not None and self.max_total_minutes < 0:
            raise ValidationError("maximum total minutes cannot be negative")
        if self.min_consecutive_shifts < 1 or self.min_consecutive_days_off < 1:
            raise ValidationError("a minimum run length is at least 1 day")
        if self.max_consecutive_shifts is not None and self.max_consecutive_shifts < 1:
            raise ValidationError("a maximum run of shifts is at least 1 day")
        if self.max_weekends is not None and self.max_weekends < 0:
            raise ValidationError("maximum weekends cannot be negative")

    def unavailable(self, day: int) -> bool:
        return day in self.days_off or day in self.excused_days


@dataclass(frozen=True, slots=True)
class ShiftRequest:
    """A wish of an operator with a weight: ``on`` = wants ``shift`` on ``day``, otherwise
    does not want it. The weight is paid when the wish is not granted. ``shift`` may be
    :data:`OFF`: wanting the day off (``on``), or not wanting it, i.e. wanting to work that
    day, whichever shift (not ``on``)."""

    staff_id: str
    day: int
    shift: str
    weight: int
    on: bool = True

    @property
    def wants_work(self) -> bool:
        """Whether the wish is to work (a shift, or any shift), not to be off."""
        return self.on if self.shift != OFF else not self.on

    def granted(self, cell: str) -> bool:
        """Whether a roster cell (a shift id, or :data:`OFF`) grants the wish."""
        return (cell == self.shift) == self.on


@dataclass(frozen=True, slots=True)
class CoverRequirement:
    """How many operators a shift needs on a day (holding ``skill`` if one is given), with the
    weight of each missing and of each extra operator."""

    day: int
    shift: str
    requirement: int
    under_weight: int
    over_weight: int
    skill: str | None = None


@dataclass(frozen=True, slots=True)
class Run:
    """A maximal run of working days (``working``) or days off, ``length`` days from ``start``."""

    start: int
    length: int
    working: bool

    @property
    def end(self) -> int:
        """Last day of the run (inclusive)."""
        return self.start + self.length - 1


@dataclass(frozen=True, slots=True)
class Penalty:
    """The benchmark's penalty of a roster, by kind."""

    shift_on_requests: int = 0
    shift_off_requests: int = 0
    under_cover: int = 0
    over_cover: int = 0

    @property
    def requests(self) -> int:
        return self.shift_on_requests + self.shift_off_requests

    @property
    def cover(self) -> int:
        return self.under_cover + self.over_cover

    @property
    def total(self) -> int:
        return self.requests + self.cover


def day_label(day: int, first_weekday: int = 0) -> str:
    """``"day 5 (Sat)"``: the day index with its weekday, for messages."""
    return f"day {day} ({_DAY_NAMES[(first_weekday + day) % 7]})"


def _days(first: int, last: int, first_weekday: int) -> str:
    if first == last:
        return day_label(first, first_weekday)
    return f"days {first}-{last}"


def runs(line: Sequence[str]) -> list[Run]:
    """The maximal runs of working days and of days off, in order."""
    out: list[Run] = []
    start = 0
    for day in range(1, len(line) + 1):
        if day == len(line) or (line[day] != OFF) != (line[start] != OFF):
            out.append(Run(start, day - start, line[start] != OFF))
            start = day
    return out


def _exempt(run: Run, horizon: int, excused: frozenset[int]) -> bool:
    """A run whose true length is unknown or not planned: it touches an edge or an absence."""
    if run.start == 0 or run.end == horizon - 1:
        return True
    if not excused:
        return False
    return any(d in excused for d in range(run.start - 1, run.end + 2))


def weekends(horizon: int, first_weekday: int = 0) -> list[tuple[int, ...]]:
    """The days of each weekend that falls (at least partly) in the horizon, in order."""
    out: list[tuple[int, ...]] = []
    current: list[int] = []
    for day in range(horizon):
        weekday = (first_weekday + day) % 7
        if weekday == SATURDAY:
            current = [day]
        elif weekday == SUNDAY:
            current.append(day)
            out.append(tuple(current))
            current = []
    if current:
        out.append(tuple(current))
    return out


def weekends_worked(
    line: Sequence[str], first_weekday: int = 0, excused: Iterable[int] = ()
) -> list[tuple[int, ...]]:
    """The weekends in which at least one day is worked (excused days are never worked)."""
    skip = set(excused)
    return [
        days
        for days in weekends(len(line), first_weekday)
        if any(line[d] != OFF and d not in skip for d in days)
    ]


# --- the rules, one function each ------------------------------------------------------------


def check_known_shifts(
    staff_id: str, line: Sequence[str], shifts: Mapping[str, ShiftKind], first_weekday: int = 0
) -> list[Violation]:
    return [
        Violation(
            "roster.unknown_shift",
            f"{staff_id}: {day_label(d, first_weekday)} has an unknown shift {s!r}",
            {"staff_id": staff_id, "day": d, "shift": s},
        )
        for d, s in enumerate(line)
        if s != OFF and s not in shifts
    ]


def check_days_off(
    staff_id: str, line: Sequence[str], contract: Contract, first_weekday: int = 0
) -> list[Violation]:
    out: list[Violation] = []
    for d, s in enumerate(line):
        if s == OFF:
            continue
        if d in contract.excused_days:
            out.append(
                Violation(
                    "roster.absent",
                    f"{staff_id} is absent on {day_label(d, first_weekday)} "
                    f"and cannot work shift {s}",
                    {"staff_id": staff_id, "day": d, "shift": s},
                )
            )
        elif d in contract.days_off:
            out.append(
                Violation(
                    "roster.day_off",
                    f"{staff_id} cannot work on {day_label(d, first_weekday)} (day off)",
                    {"staff_id": staff_id, "day": d, "shift": s},
                )
            )
    return out


def check_max_shifts(staff_id: str, line: Sequence[str], contract: Contract) -> list[Violation]:
    out: list[Violation] = []
    for shift, limit in sorted(contract.max_shifts.items()):
        n = sum(1 for s in line if s == shift)
        if n > limit:
            message = (
                f"{staff_id} may not work shift {shift}"
                if limit == 0
                else f"{staff_id} works {n} {shift} shifts; at most {limit} allowed"
            )
            out.append(
                Violation(
                    "roster.max_shifts",
                    message,
                    {"staff_id": staff_id, "shift": shift, "count": n, "limit": limit},
                )
            )
    return out


def total_minutes(line: Sequence[str], shifts: Mapping[str, ShiftKind]) -> int:
    return sum(shifts[s].minutes for s in line if s != OFF and s in shifts)


def check_total_minutes(
    staff_id: str, line: Sequence[str], contract: Contract, shifts: Mapping[str, ShiftKind]
) -> list[Violation]:
    minutes = total_minutes(line, shifts)
    details = {"staff_id": staff_id, "minutes": minutes}
    if contract.max_total_minutes is not None and minutes > contract.max_total_minutes:
        limit = contract.max_total_minutes
        return [
            Violation(
                "roster.max_total_minutes",
                f"{staff_id} works {minutes} minutes; at most {limit} allowed",
                {**details, "limit": limit},
            )
        ]
    if minutes < contract.min_total_minutes:
        limit = contract.min_total_minutes
        return [
            Violation(
                "roster.min_total_minutes",
                f"{staff_id} works {minutes} minutes; at least {limit} required",
                {**details, "limit": limit},
            )
        ]
    return []


def check_consecutive_shifts(
    staff_id: str, line: Sequence[str], contract: Contract, first_weekday: int = 0
) -> list[Violation]:
    out: list[Violation] = []
    horizon = len(line)
    for run in runs(line):
        if not run.working:
            continue
        where = _days(run.start, run.end, first_weekday)
        details = {"staff_id": staff_id, "start": run.start, "length": run.length}
        top = contract.max_consecutive_shifts
        if top is not None and run.length > top:
            out.append(
                Violation(
                    "roster.max_consecutive_shifts",
                    f"{staff_id} works {run.length} days in a row ({where}); at most {top} allowed",
                    {**details, "limit": top},
                )
            )
        low = contract.min_consecutive_shifts
        if run.length < low and not _exempt(run, horizon, contract.excused_days):
            out.append(
                Violation(
                    "roster.min_consecutive_shifts",
                    f"{staff_id} works only {run.length} day(s) in a row ({where}); "
                    f"at least {low} required",
                    {**details, "limit": low},
                )
            )
    return out


def check_consecutive_days_off(
    staff_id: str, line: Sequence[str], contract: Contract, first_weekday: int = 0
) -> list[Violation]:
    out: list[Violation] = []
    horizon = len(line)
    low = contract.min_consecutive_days_off
    for run in runs(line):
        if run.working or run.length >= low or _exempt(run, horizon, contract.excused_days):
            continue
        where = _days(run.start, run.end, first_weekday)
        out.append(
            Violation(
                "roster.min_consecutive_days_off",
                f"{staff_id} has only {run.length} day(s) off in a row ({where}); "
                f"at least {low} required",
                {"staff_id": staff_id, "start": run.start, "length": run.length, "limit": low},
            )
        )
    return out


def check_weekends(
    staff_id: str, line: Sequence[str], contract: Contract, first_weekday: int = 0
) -> list[Violation]:
    limit = contract.max_weekends
    if limit is None:
        return []
    worked = weekends_worked(line, first_weekday, contract.excused_days)
    if len(worked) <= limit:
        return []
    return [
        Violation(
            "roster.max_weekends",
            f"{staff_id} works {len(worked)} weekends; at most {limit} allowed",
            {"staff_id": staff_id, "count": len(worked), "limit": limit},
        )
    ]


def check_successions(
    staff_id: str,
    line: Sequence[str],
    shifts: Mapping[str, ShiftKind],
    first_weekday: int = 0,
    previous: str = OFF,
) -> list[Violation]:
    """Forbidden successions (minimum rest) within the line and, when ``previous`` is the shift
    worked the day before day 0, between that shift and day 0."""
    out: list[Violation] = []
    before = shifts.get(previous) if previous != OFF else None
    if line and before is not None and line[0] in before.forbidden_next:
        out.append(
            Violation(
                "roster.forbidden_succession",
                f"{staff_id}: shift {line[0]} on {day_label(0, first_weekday)} may not follow "
                f"shift {previous} the day before (not enough rest)",
                {"staff_id": staff_id, "day": 0, "shift": line[0], "previous": previous},
            )
        )
    for d in range(len(line) - 1):
        a, b = line[d], line[d + 1]
        if a == OFF or b == OFF or a not in shifts:
            continue
        if b in shifts[a].forbidden_next:
            out.append(
                Violation(
                    "roster.forbidden_succession",
                    f"{staff_id}: shift {b} on {day_label(d + 1, first_weekday)} may not follow "
                    f"shift {a} (not enough rest)",
                    {"staff_id": staff_id, "day": d + 1, "shift": b, "previous": a},
                )
            )
    return out


def check_line(
    staff_id: str,
    line: Sequence[str],
    contract: Contract,
    shifts: Mapping[str, ShiftKind],
    first_weekday: int = 0,
    previous: str = OFF,
) -> list[Violation]:
    """Every hard rule on one operator's line, in a stable order. ``previous`` is the shift the
    operator worked the day before day 0 (``OFF`` if none or unknown): its minimum rest holds."""
    known = check_known_shifts(staff_id, line, shifts, first_weekday)
    if known:
        return known
    return [
        *check_days_off(staff_id, line, contract, first_weekday),
        *check_max_shifts(staff_id, line, contract),
        *check_total_minutes(staff_id, line, contract, shifts),
        *check_consecutive_shifts(staff_id, line, contract, first_weekday),
        *check_consecutive_days_off(staff_id, line, contract, first_weekday),
        *check_weekends(staff_id, line, contract, first_weekday),
        *check_successions(staff_id, line, shifts, first_weekday, previous),
    ]


def violations_introduced(
    staff_id: str,
    before: Sequence[str],
    after: Sequence[str],
    contract: Contract,
    shifts: Mapping[str, ShiftKind],
    first_weekday: int = 0,
    previous: str = OFF,
) -> list[Violation]:
    """The violations an edit from ``before`` to ``after`` would add (those already there are
    not blamed on the edit): what the roster grid shows before it applies a change."""
    old = {
        (v.code, v.message)
        for v in check_line(staff_id, before, contract, shifts, first_weekday, previous)
    }
    return [
        v
        for v in check_line(staff_id, after, contract, shifts, first_weekday, previous)
        if (v.code, v.message) not in old
    ]


# --- the penalty -------------------------------------------------------------------------------


def request_penalty(
    lines: Mapping[str, Sequence[str]], requests: Iterable[ShiftRequest]
) -> Penalty:
    """Weights of the shift-on requests not granted and the shift-off requests not granted
    (a wish to work that day, any shift, counts as shift-on; a wish for the day off as
    shift-off).

    A request for an operator without a line counts as not granted / granted as if the operator
    were off every day.
    """
    on = off = 0
    for r in requests:
        line = lines.get(r.staff_id, ())
        if r.granted(line[r.day] if 0 <= r.day < len(line) else OFF):
            continue
        if r.wants_work:
            on += r.weight
        else:
            off += r.weight
    return Penalty(shift_on_requests=on, shift_off_requests=off)


def cover_count(
    lines: Mapping[str, Sequence[str]],
    day: int,
    shift: str,
    skill: str | None = None,
    skills: Mapping[str, frozenset[str]] | None = None,
) -> int:
    """How many operators work ``shift`` on ``day`` (holding ``skill`` if one is given)."""
    n = 0
    for staff_id, line in lines.items():
        if (
            day < len(line)
            and line[day] == shift
            and (skill is None or (skills is not None and skill in skills.get(staff_id, ())))
        ):
            n += 1
    return n


def cover_penalty(
    lines: Mapping[str, Sequence[str]],
    cover: Iterable[CoverRequirement],
    skills: Mapping[str, frozenset[str]] | None = None,
) -> Penalty:
    under = over = 0
    for c in cover:
        n = cover_count(lines, c.day, c.shift, c.skill, skills)
        under += c.under_weight * max(0, c.requirement - n)
        over += c.over_weight * max(0, n - c.requirement)
    return Penalty(under_cover=under, over_cover=over)


def roster_penalty(
    lines: Mapping[str, Sequence[str]],
    requests: Iterable[ShiftRequest],
    cover: Iterable[CoverRequirement],
    skills: Mapping[str, frozenset[str]] | None = None,
) -> Penalty:
    """The benchmark's objective: weighted requests not granted plus weighted under/over-cover."""
    r = request_penalty(lines, requests)
    c = cover_penalty(lines, cover, skills)
    return Penalty(r.shift_on_requests, r.shift_off_requests, c.under_cover, c.over_cover)
