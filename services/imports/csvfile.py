"""Reading a CSV file for import, with a clear sentence for every way a file can be malformed.

The file must be UTF-8 (a byte-order mark is fine), comma-separated, with a header row naming
the columns. Header names are matched without regard to case, spaces or dashes
("Employee ID" is ``employee_id``). Row numbers are the file's line numbers as a spreadsheet shows
them: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from services.errors import ServiceError

_OTHER_DELIMITERS = (";", "\t", "|")
_DELIMITER_NAMES = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
MAX_BYTES = 200 * 1024 * 1024


class CsvFormatError(ServiceError):
    """The file cannot be read as the expected CSV at all (nothing about single rows)."""


@dataclass(frozen=True, slots=True)
class CsvRow:
    number: int  # the row number a spreadsheet shows (the header is row 1)
    values: dict[str, str]  # column -> text (stripped); missing columns are absent
    width: int  # how many values the line had


@dataclass(frozen=True, slots=True)
class CsvTable:
    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]


def normalise(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise CsvFormatError(
            f"{name} is not a text file (it holds binary data): export the sheet as CSV"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvFormatError(
            f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}): save it "
            "as UTF-8 (in Excel: 'CSV UTF-8 (comma delimited)')"
        ) from None


def read_table(
    path: Path, known: Sequence[str], required: Sequence[str], *, data: bytes | None = None
) -> CsvTable:
    """The header and rows of ``path``; ``known`` are the columns the kind understands."""
    name = path.name
    if data is None:
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CsvFormatError(f"{name} is larger than {MAX_BYTES // 2**20} MB")
            data = path.read_bytes()
        except OSError as exc:
            raise CsvFormatError(f"cannot read {path}: {exc.strerror or exc}") from None
    text = decode(data, name)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise CsvFormatError(f"{name} is empty: the first line must name the columns")
    try:
        parsed = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as exc:
        raise CsvFormatError(f"{name} is not valid CSV: {exc}") from None
    # csv.reader numbers records, not lines: find the header record (the first non-empty)
    records = [(i, r) for i, r in enumerate(parsed) if any(v.strip() for v in r)]
    header = records[0][1]
    columns = tuple(normalise(h) for h in header)
    _check_header(name, lines[first], columns, known, required)
    rows: list[CsvRow] = []
    line_of = _record_lines(text)
    for index, record in records[1:]:
        values = {
            col: v.strip() for col, v in zip(columns, record, strict=False) if v.strip() != ""
        }
        rows.append(CsvRow(line_of[index], values, len(record)))
    if not rows:
        raise CsvFormatError(f"{name} has a header but no rows")
    return CsvTable(columns, tuple(rows))


def _record_lines(text: str) -> list[int]:
    """The line number (1-based) each CSV record starts on (quoted values may span lines)."""
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text), strict=True)
    line = 1
    while True:
        starts.append(line)
        try:
            next(reader)
        except StopIteration:
            break
        line = reader.line_num + 1
    return starts


def _check_header(
    name: str,
    line: str,
    columns: Sequence[str],
    known: Sequence[str],
    required: Sequence[str],
) -> None:
    expected = ", ".join(known)
    if len(columns) == 1 and columns[0] not in known:
        counts = {d: line.count(d) for d in _OTHER_DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        if counts[best]:
            raise CsvFormatError(
                f"{name} is separated by {_DELIMITER_NAMES[best]}, not commas: save it as "
                f"comma-separated CSV (columns: {expected})"
            )
    if not any(c in known for c in columns):
        raise CsvFormatError(
            f"{name} has no header row: the first line must name the columns ({expected}); "
            f"it reads {line.strip()[:80]!r}"
        )
    seen: set[str] = set()
    for c in columns:
        if c in seen:
            raise CsvFormatError(f"{name} names the column {c!r} twice")
        seen.add(c)
    unknown = [c for c in columns if c not in known]
    if "" in unknown:
        raise CsvFormatError(f"{name} has a column without a name in its header")
    if unknown:
        hints = []
        for c in unknown:
            close = difflib.get_close_matches(c, known, n=1)
            hints.append(f"{c!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise CsvFormatError(
            f"{name} has unknown column(s) {', '.join(hints)}; the columns are: {expected}"
        )
    missing = [c for c in required if c not in columns]
    if missing:
        raise CsvFormatError(f"{name} lacks the required column(s): {', '.join(missing)}")
