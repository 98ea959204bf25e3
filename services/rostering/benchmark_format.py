"""Reader of the Curtois & Qu "Shift Scheduling Benchmark" text format (schedulingbenchmarks.org).

Sections, each a header line then comma-separated rows (``#`` starts a comment line):
``SECTION_HORIZON`` (days), ``SECTION_SHIFTS`` (id, minutes, forbidden next shifts ``a|b``),
``SECTION_STAFF`` (id, max shifts per type ``a=3|b=0``, max and min total minutes, max and min
consecutive shifts, min consecutive days off, max weekends), ``SECTION_DAYS_OFF`` (id, days...),
``SECTION_SHIFT_ON_REQUESTS`` / ``SECTION_SHIFT_OFF_REQUESTS`` (id, day, shift, weight) and
``SECTION_COVER`` (day, shift, requirement, under weight, over weight). Day 0 is a Monday.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from domain.errors import ValidationError
from domain.rules.rostering import Contract, CoverRequirement, ShiftKind, ShiftRequest
from services.rostering.problem import RosterProblemDto, StaffDto

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
_REQUIRED = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF")


class InstanceFormatError(ValidationError):
    """The text is not a valid instance; the message names the line."""

    code = "roster_instance_format"


Row = tuple[int, list[str]]  # line number, fields


def _split(text: str, source: str) -> dict[str, list[Row]]:
    sections: dict[str, list[Row]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise InstanceFormatError(f"{source} line {number}: unknown section {line}")
            if line in sections:
                raise InstanceFormatError(f"{source} line {number}: {line} appears twice")
            current = line
            sections[current] = []
            continue
        if current is None:
            raise InstanceFormatError(f"{source} line {number}: data before the first section")
        sections[current].append((number, [f.strip() for f in line.split(",")]))
    missing = [s for s in _REQUIRED if s not in sections]
    if missing:
        raise InstanceFormatError(f"{source}: no {missing[0]} section")
    return sections


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, number: int, message: str) -> InstanceFormatError:
        return InstanceFormatError(f"{self.source} line {number}: {message}", line=number)

    def integer(self, number: int, value: str, what: str, low: int = 0) -> int:
        try:
            i = int(value)
        except ValueError:
            raise self.fail(number, f"{what} must be a whole number, got {value!r}") from None
        if i < low:
            raise self.fail(number, f"{what} must be at least {low}, got {i}")
        return i

    def fields(self, row: Row, count: int, what: str, at_least: bool = False) -> list[str]:
        number, values = row
        ok = len(values) >= count if at_least else len(values) == count
        if not ok:
            raise self.fail(number, f"a {what} row has {count} fields, got {len(values)}")
        return values


def parse_instance(text: str, name: str = "instance") -> RosterProblemDto:
    """Parse the text of an instance; :class:`InstanceFormatError` names the offending line."""
    sections = _split(text, name)
    rd = _Reader(name)

    horizon_rows = sections["SECTION_HORIZON"]
    if len(horizon_rows) != 1 or len(horizon_rows[0][1]) != 1:
        raise InstanceFormatError(f"{name}: SECTION_HORIZON must hold one number")
    horizon = rd.integer(horizon_rows[0][0], horizon_rows[0][1][0], "the horizon", low=1)

    def day(number: int, value: str) -> int:
        d = rd.integer(number, value, "a day")
        if d >= horizon:
            raise rd.fail(number, f"day {d} is outside the horizon of {horizon} days")
        return d

    raw_shifts: list[tuple[int, str, int, list[str]]] = []
    for row in sections["SECTION_SHIFTS"]:
        sid, minutes, after = rd.fields(row, 3, "shift")
        if not sid:
            raise rd.fail(row[0], "a shift needs an id")
        length = rd.integer(row[0], minutes, "a shift length", low=1)
        raw_shifts.append((row[0], sid, length, [f for f in after.split("|") if f]))
    shift_ids = {s[1] for s in raw_shifts}

    def shift(number: int, value: str) -> str:
        if value not in shift_ids:
            raise rd.fail(number, f"unknown shift {value!r}")
        return value

    shifts = []
    for number, sid, length, forbidden in raw_shifts:
        if length > 24 * 60:
            raise rd.fail(number, f"shift {sid} lasts more than 24 hours")
        shifts.append(ShiftKind(sid, length, frozenset(shift(number, f) for f in forbidden)))

    days_off: dict[str, set[int]] = defaultdict(set)
    staff_rows = sections["SECTION_STAFF"]
    staff_ids = {r[1][0] for r in staff_rows}
    for number, values in sections.get("SECTION_DAYS_OFF", []):
        if values[0] not in staff_ids:
            raise rd.fail(number, f"unknown staff id {values[0]!r}")
        days_off[values[0]].update(day(number, v) for v in values[1:] if v)

    staff = []
    for row in staff_rows:
        number = row[0]
        sid, limits, max_min, min_min, max_cons, min_cons, min_off, max_wk = rd.fields(
            row, 8, "staff"
        )
        max_shifts: dict[str, int] = {}
        for item in filter(None, limits.split("|")):
            key, sep, value = item.partition("=")
            if not sep:
                raise rd.fail(number, f"max shifts must look like D=14, got {item!r}")
            max_shifts[shift(number, key)] = rd.integer(number, value, "a max shifts value")
        if not sid:
            raise rd.fail(number, "a staff row needs an id")
        contract = Contract(
            max_shifts=max_shifts,
            max_total_minutes=rd.integer(number, max_min, "max total minutes"),
            min_total_minutes=rd.integer(number, min_min, "min total minutes"),
            max_consecutive_shifts=rd.integer(number, max_cons, "max consecutive shifts", 1),
            min_consecutive_shifts=rd.integer(number, min_cons, "min consecutive shifts", 1),
            min_consecutive_days_off=rd.integer(number, min_off, "min consecutive days off", 1),
            max_weekends=rd.integer(number, max_wk, "max weekends"),
            days_off=frozenset(days_off.get(sid, ())),
        )
        staff.append(StaffDto(sid, contract))

    def requests(section: str, on: bool) -> list[ShiftRequest]:
        out = []
        for row in sections.get(section, []):
            sid, d, s, w = rd.fields(row, 4, "request")
            if sid not in staff_ids:
                raise rd.fail(row[0], f"unknown staff id {sid!r}")
            out.append(
                ShiftRequest(
                    sid, day(row[0], d), shift(row[0], s), rd.integer(row[0], w, "a weight"), on
                )
            )
        return out

    cover = []
    for row in sections.get("SECTION_COVER", []):
        d, s, req, under, over = rd.fields(row, 5, "cover")
        n = row[0]
        cover.append(
            CoverRequirement(
                day(n, d),
                shift(n, s),
                rd.integer(n, req, "a requirement"),
                rd.integer(n, under, "an under-cover weight"),
                rd.integer(n, over, "an over-cover weight"),
            )
        )

    try:
        return RosterProblemDto(
            horizon=horizon,
            shifts=tuple(shifts),
            staff=tuple(staff),
            requests=tuple(
                requests("SECTION_SHIFT_ON_REQUESTS", True)
                + requests("SECTION_SHIFT_OFF_REQUESTS", False)
            ),
            cover=tuple(cover),
            name=name,
        )
    except ValidationError as exc:
        raise InstanceFormatError(f"{name}: {exc.message}") from exc


def load_instance(path: str | Path) -> RosterProblemDto:
    """Read an instance file (its stem names the problem)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InstanceFormatError(f"{p.name}: not a text file") from None
    return parse_instance(text, p.stem)
