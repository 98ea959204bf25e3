"""Per-operator contracts and shift requests as plain data, checked and turned into the domain's
:class:`~domain.rules.rostering.Contract` and :class:`~domain.rules.rostering.ShiftRequest` of a
roster range. Pure: no database (the tests call it directly; :mod:`services.rostering.contracts`
reads and writes the rows).

Stored figures are per week (``max_shifts``, ``min/max_weekly_minutes``) or per four weeks
(``max_weekends_per_4_weeks``) and are scaled to the range's length the way
:meth:`RosterPolicy.contract` scales the site's: maxima round up (``ceil(n * days / 7)``), the
weekly minimum rounds down (``floor``), so a range of a few days never asks for more than the
contract does. A limit left blank (``None``) is the site's default from the roster policy.

Requests: ``unavailable`` (a hard rule: the day cannot be worked; weight unused) becomes a day
of :attr:`Contract.days_off`, like the contract's ``unavailable_weekdays``. ``on`` / ``off``
become weighted :class:`ShiftRequest` (the weight is paid when the wish is not granted). An
``off`` request for any shift (``shift_id`` ``""``) becomes one off-request per shift type with
the same weight: an operator works at most one shift a day, so at most one of them is paid. An
``on`` request for any shift ("I would like to work that day") is a wish about the day: not to
be :data:`~domain.rules.rostering.OFF`, paid when the day is left off.

Days that can no longer change (in the past, locked, clocked in, absent) bind the contract:
a fixed shift on a day that cannot be worked is left out of ``days_off``, and no limit is made
tighter than what the fixed days already hold (a new contract does not make last week's shifts
a rule the solver cannot meet: it would find no roster at all). The grid still blames a new
edit for each rule it breaks.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from domain.errors import ValidationError
from domain.rules.rostering import OFF, Contract, ShiftRequest, weekends
from services.rostering.policy import RosterPolicy

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_WEEKLY_MINUTES = 7 * 24 * 60
MAX_WEIGHT = 1000


class RequestKind(enum.StrEnum):
    ON = "on"  # wants to work the shift
    OFF = "off"  # does not want to work the shift (any shift: "")
    UNAVAILABLE = "unavailable"  # cannot work that day at all (hard)


@dataclass(frozen=True, slots=True)
class OperatorContractDto:
    """One operator's stored contract; ``None`` limits are the site's default. ``version`` 0:
    not stored (the operator works under the site's contract)."""

    operator_id: str
    max_shifts: Mapping[str, int] = field(default_factory=dict)  # shift id -> most per week
    min_weekly_minutes: int | None = None
    max_weekly_minutes: int | None = None
    min_consecutive_shifts: int | None = None
    max_consecutive_shifts: int | None = None
    min_consecutive_days_off: int | None = None
    max_weekends_per_4_weeks: int | None = None
    unavailable_weekdays: frozenset[int] = frozenset()  # 0 = Monday
    notes: str = ""
    version: int = 0
    updated_by: str | None = None
    updated_seat: str | None = None
    updated_at: datetime | None = None

    @property
    def stored(self) -> bool:
        return self.version > 0

    def is_default(self) -> bool:
        """Nothing set: the site's contract applies as it is."""
        return (
            not self.max_shifts
            and not self.unavailable_weekdays
            and all(getattr(self, name) is None for name in LIMITS)
        )

    def describe(self) -> str:
        """A short line for tooltips: what differs from the site's contract."""
        parts = [f"at most {n} {s} a week" for s, n in sorted(self.max_shifts.items())]
        labels = {
            "min_weekly_minutes": "at least {} min a week",
            "max_weekly_minutes": "at most {} min a week",
            "min_consecutive_shifts": "at least {} shifts in a row",
            "max_consecutive_shifts": "at most {} shifts in a row",
            "min_consecutive_days_off": "at least {} days off in a row",
            "max_weekends_per_4_weeks": "at most {} weekends in 4 weeks",
        }
        for name, text in labels.items():
            value = getattr(self, name)
            if value is not None:
                parts.append(text.format(value))
        if self.unavailable_weekdays:
            days = ", ".join(WEEKDAYS[d] + "s" for d in sorted(self.unavailable_weekdays))
            parts.append(f"never on {days}")
        return "; ".join(parts) or "the site's contract"


LIMITS = (
    "min_weekly_minutes",
    "max_weekly_minutes",
    "min_consecutive_shifts",
    "max_consecutive_shifts",
    "min_consecutive_days_off",
    "max_weekends_per_4_weeks",
)


@dataclass(frozen=True, slots=True)
class ShiftRequestDto:
    """One stored request of an operator for one day (``shift_id`` ``""``: any shift)."""

    operator_id: str
    day: date
    kind: RequestKind
    shift_id: str = ""
    weight: int = 1
    note: str = ""
    id: int | None = None
    created_by: str = ""
    created_at: datetime | None = None
    version: int = 1

    def describe(self) -> str:
        shift = self.shift_id or "any shift"
        if self.kind is RequestKind.UNAVAILABLE:
            text = "unavailable (cannot work this day)"
        elif self.kind is RequestKind.ON:
            what = f"shift {shift}" if self.shift_id else "to work (any shift)"
            text = f"requests {what} (weight {self.weight})"
        else:
            what = "a day off" if not self.shift_id else f"not to work {shift}"
            text = f"requests {what} (weight {self.weight})"
        return f"{text}: {self.note}" if self.note else text


# -- checking ------------------------------------------------------------------------------------


def contract_problems(
    contract: OperatorContractDto, shift_ids: Collection[str] | None = None
) -> list[tuple[str, str]]:
    """(field, problem) of every bad value (empty: the contract may be stored). ``shift_ids``:
    the known shift types (``None``: not checked)."""
    out: list[tuple[str, str]] = []
    for shift, n in sorted(contract.max_shifts.items()):
        if shift_ids is not None and shift not in shift_ids:
            known = ", ".join(sorted(shift_ids)) or "none"
            out.append(("max_shifts", f"{shift!r} is not a shift type (known: {known})"))
        elif not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 7:
            out.append(("max_shifts", f"at most {n} {shift} shifts a week: give 0 to 7"))
    bounds = {
        "min_weekly_minutes": (0, MAX_WEEKLY_MINUTES),
        "max_weekly_minutes": (0, MAX_WEEKLY_MINUTES),
        "min_consecutive_shifts": (1, 7),
        "max_consecutive_shifts": (1, 31),
        "min_consecutive_days_off": (1, 7),
        "max_weekends_per_4_weeks": (0, 4),
    }
    for name, (low, high) in bounds.items():
        value = getattr(contract, name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            out.append((name, f"{value!r} is not a whole number"))
        elif value < 0:
            out.append((name, f"{value} is negative"))
        elif not low <= value <= high:
            out.append((name, f"{value} is outside {low} to {high}"))
    for low_name, high_name, what in (
        ("min_weekly_minutes", "max_weekly_minutes", "weekly minutes"),
        ("min_consecutive_shifts", "max_consecutive_shifts", "shifts in a row"),
    ):
        low, high = getattr(contract, low_name), getattr(contract, high_name)
        if isinstance(low, int) and isinstance(high, int) and low > high:
            out.append((low_name, f"the minimum {what} ({low}) is above the maximum ({high})"))
    for d in sorted(contract.unavailable_weekdays):
        if not isinstance(d, int) or not 0 <= d <= 6:
            out.append(("unavailable_weekdays", f"{d!r} is not a weekday (0 = Monday to 6)"))
    return out


def validate_contract(
    contract: OperatorContractDto, shift_ids: Collection[str] | None = None
) -> None:
    problems = contract_problems(contract, shift_ids)
    if problems:
        name, text = problems[0]
        raise ValidationError(
            f"contract of {contract.operator_id}: {name.replace('_', ' ')}: {text}",
            field=name,
            problems=[f"{n}: {t}" for n, t in problems],
        )


def request_problems(
    request: ShiftRequestDto, shift_ids: Collection[str] | None = None
) -> list[tuple[str, str]]:
    """(field, problem) of every bad value of a request (empty: it may be stored)."""
    out: list[tuple[str, str]] = []
    if not isinstance(request.kind, RequestKind):
        out.append(("kind", f"{request.kind!r} is not on, off or unavailable"))
        return out
    if request.shift_id and shift_ids is not None and request.shift_id not in shift_ids:
        known = ", ".join(sorted(shift_ids)) or "none"
        out.append(("shift_id", f"{request.shift_id!r} is not a shift type (known: {known})"))
    if request.kind is RequestKind.UNAVAILABLE and request.shift_id:
        out.append(("shift_id", "unavailable means the whole day: leave the shift empty"))
    if not 0 <= request.weight <= MAX_WEIGHT:
        out.append(("weight", f"{request.weight} is outside 0 to {MAX_WEIGHT}"))
    return out


def validate_request(request: ShiftRequestDto, shift_ids: Collection[str] | None = None) -> None:
    problems = request_problems(request, shift_ids)
    if problems:
        name, text = problems[0]
        raise ValidationError(
            f"request of {request.operator_id} on {request.day:%a %d %b}: {text}",
            field=name,
            problems=[f"{n}: {t}" for n, t in problems],
        )


# -- into the domain ------------------------------------------------------------------------------


def to_contract(
    stored: OperatorContractDto | None,
    policy: RosterPolicy,
    start: date,
    days: int,
    requests: Iterable[ShiftRequestDto] = (),
    fixed_work: Mapping[int, str] | None = None,
    fixed_off: Collection[int] = (),
    minutes: Mapping[str, int] | None = None,
) -> Contract:
    """The domain contract of one operator over ``days`` days from ``start``: the site's
    (``policy``) with the stored limits over it, scaled to the range; days off from the
    unavailable weekdays and the ``unavailable`` requests in range.

    ``fixed_work`` (day index -> shift) and ``fixed_off`` are the days nobody can change any
    more (past, locked, clocked in, absent). A fixed shift is not made a day off, the weekly
    minimum is pro rata of the days that can still be worked, and no limit is tighter than
    what the fixed days already hold (a contract made today does not make last week's shifts
    a rule the roster cannot meet): the rules judge what can still change. ``minutes``: the
    length of each shift type (for the fixed minutes)."""
    fixed = dict(fixed_work or {})
    base = policy.contract(days)
    unavailable = {
        (r.day - start).days
        for r in requests
        if r.kind is RequestKind.UNAVAILABLE and start <= r.day < start + timedelta(days=days)
    }
    if stored is not None:
        unavailable |= {
            d for d in range(days) if (start.weekday() + d) % 7 in stored.unavailable_weekdays
        }
    days_off = frozenset(unavailable - set(fixed))
    contract = replace(base, days_off=days_off)
    if stored is not None:
        weeks = days / 7
        workable = days - len(days_off | set(fixed_off))
        contract = replace(
            contract,
            max_shifts={s: math.ceil(n * weeks) for s, n in stored.max_shifts.items()},
            min_total_minutes=(
                base.min_total_minutes
                if stored.min_weekly_minutes is None
                else math.floor(stored.min_weekly_minutes * max(0, workable) / 7)
            ),
            max_total_minutes=(
                base.max_total_minutes
                if stored.max_weekly_minutes is None
                else math.ceil(stored.max_weekly_minutes * weeks)
            ),
            min_consecutive_shifts=_or(stored.min_consecutive_shifts, base.min_consecutive_shifts),
            max_consecutive_shifts=(
                base.max_consecutive_shifts
                if stored.max_consecutive_shifts is None
                else stored.max_consecutive_shifts
            ),
            min_consecutive_days_off=_or(
                stored.min_consecutive_days_off, base.min_consecutive_days_off
            ),
            max_weekends=(
                base.max_weekends
                if stored.max_weekends_per_4_weeks is None
                else math.ceil(stored.max_weekends_per_4_weeks * days / 28)
            ),
        )
    if not fixed:
        return contract
    return _no_tighter_than_fixed(
        contract, days, fixed, set(fixed_off), minutes or {}, start.weekday()
    )


def _no_tighter_than_fixed(
    c: Contract,
    days: int,
    fixed: Mapping[int, str],
    fixed_off: set[int],
    minutes: Mapping[str, int],
    first_weekday: int,
) -> Contract:
    """``c`` with each limit widened to what the fixed days already hold."""
    counts: dict[str, int] = {}
    for s in fixed.values():
        counts[s] = counts.get(s, 0) + 1
    max_shifts = {s: max(n, counts.get(s, 0)) for s, n in c.max_shifts.items()}
    fixed_minutes = sum(minutes.get(s, 0) for s in fixed.values())
    worked_weekends = sum(1 for w in weekends(days, first_weekday) if any(d in fixed for d in w))
    line = ["W" if d in fixed else "O" if d in fixed_off else "?" for d in range(days)]
    longest, shortest = _fixed_runs(line)
    return replace(
        c,
        max_shifts=max_shifts,
        max_total_minutes=(
            None if c.max_total_minutes is None else max(c.max_total_minutes, fixed_minutes)
        ),
        max_consecutive_shifts=(
            None
            if c.max_consecutive_shifts is None
            else max(c.max_consecutive_shifts, longest.get("W", 0))
        ),
        max_weekends=None if c.max_weekends is None else max(c.max_weekends, worked_weekends),
        min_consecutive_shifts=min(c.min_consecutive_shifts, shortest.get("W", days)),
        min_consecutive_days_off=min(c.min_consecutive_days_off, shortest.get("O", days)),
    )


def _fixed_runs(line: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """The longest run of each fixed kind ("W" work, "O" off), and the shortest run that the
    fixed days close on both sides (between two fixed days of the other kind)."""
    longest: dict[str, int] = {}
    shortest: dict[str, int] = {}
    d = 0
    while d < len(line):
        kind = line[d]
        end = d
        while end + 1 < len(line) and line[end + 1] == kind:
            end += 1
        if kind != "?":
            n = end - d + 1
            longest[kind] = max(longest.get(kind, 0), n)
            other = "O" if kind == "W" else "W"
            if d > 0 and end + 1 < len(line) and line[d - 1] == other == line[end + 1]:
                shortest[kind] = min(shortest.get(kind, n), n)
        d = end + 1
    return longest, shortest


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def to_requests(
    requests: Iterable[ShiftRequestDto],
    start: date,
    days: int,
    operator_ids: Collection[str],
    shift_ids: Collection[str],
) -> tuple[ShiftRequest, ...]:
    """The weighted on/off requests of the range as the solver's (day = index from ``start``);
    requests of other operators, of days out of range and of unknown shifts are left out. An
    off request for any shift is one per shift type; an on request for any shift is a wish
    not to be off that day."""
    out: list[ShiftRequest] = []
    for r in requests:
        d = (r.day - start).days
        if not 0 <= d < days or r.operator_id not in operator_ids:
            continue
        if r.kind is RequestKind.UNAVAILABLE or (r.shift_id and r.shift_id not in shift_ids):
            continue
        if r.kind is RequestKind.ON:
            # any shift: does not want the day off
            shift, on = (r.shift_id, True) if r.shift_id else (OFF, False)
            out.append(ShiftRequest(r.operator_id, d, shift, r.weight, on=on))
        elif r.shift_id:
            out.append(ShiftRequest(r.operator_id, d, r.shift_id, r.weight, on=False))
        else:
            out += [
                ShiftRequest(r.operator_id, d, s, r.weight, on=False) for s in sorted(shift_ids)
            ]
    return tuple(out)


def unavailable_reasons(
    operator_id: str,
    stored: OperatorContractDto | None,
    requests: Iterable[ShiftRequestDto],
    start: date,
    days: int,
) -> dict[tuple[str, int], str]:
    """Why each day off of the operator's contract cannot be worked, for the grid's refusal."""
    out: dict[tuple[str, int], str] = {}
    if stored is not None:
        for d in range(days):
            weekday = (start.weekday() + d) % 7
            if weekday in stored.unavailable_weekdays:
                out[(operator_id, d)] = f"the contract says never on {WEEKDAYS[weekday]}s"
    for r in requests:
        d = (r.day - start).days
        if r.kind is RequestKind.UNAVAILABLE and 0 <= d < days:
            why = "marked unavailable" + (f" ({r.note})" if r.note else "")
            out[(operator_id, d)] = why
    return out


__all__ = [
    "LIMITS",
    "OperatorContractDto",
    "RequestKind",
    "ShiftRequestDto",
    "contract_problems",
    "request_problems",
    "to_contract",
    "to_requests",
    "unavailable_reasons",
    "validate_contract",
    "validate_request",
]
