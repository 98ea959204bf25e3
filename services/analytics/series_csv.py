"""Readers of the time-series files the CLI takes: the M4 layout and ``timestamp,value`` rows.

Both raise :class:`DataFormatError` with the row and column of the first problem, so the CLI
can print one clear line instead of a traceback.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from services.analytics.dtos import SeriesDto


class DataFormatError(ValueError):
    """A file that does not have the expected layout (message names the row and column)."""


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            yield from enumerate(csv.reader(handle), start=1)
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path.name}: not a UTF-8 text file ({exc.reason})") from None
    except csv.Error as exc:
        raise DataFormatError(f"{path.name}: not a CSV file ({exc})") from None


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataFormatError(f"{where}: {text[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise DataFormatError(f"{where}: {text[:40]!r} is not a finite number")
    return value


def read_m4(path: Path) -> list[SeriesDto]:
    """Series in the M4 layout: a header row, then ``id, v1, v2, ...`` (empty cells pad rows).

    Values must be contiguous: an empty cell followed by a value is an error.
    """
    series: list[SeriesDto] = []
    seen: set[str] = set()
    for number, row in _rows(path):
        if number == 1:
            if not row or not row[0].strip():
                raise DataFormatError(f"{path.name}: row 1: the header row is missing")
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        series_id = row[0].strip()
        if not series_id:
            raise DataFormatError(f"{path.name}: row {number}, column 1: the series id is empty")
        if series_id in seen:
            raise DataFormatError(f"{path.name}: row {number}: series {series_id} appears twice")
        seen.add(series_id)
        cells = [cell.strip() for cell in row[1:]]
        while cells and not cells[-1]:
            cells.pop()
        values: list[float] = []
        for column, cell in enumerate(cells, start=2):
            where = f"{path.name}: row {number}, column {column}"
            if not cell:
                raise DataFormatError(f"{where}: empty cell inside the series")
            values.append(_number(cell, where))
        if not values:
            raise DataFormatError(f"{path.name}: row {number}: series {series_id} has no values")
        series.append(SeriesDto(series_id, tuple(values)))
    if not series:
        raise DataFormatError(f"{path.name}: no series found")
    return series


def _timestamp(text: str, where: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise DataFormatError(f"{where}: {text[:40]!r} is not a timestamp") from None


def read_timestamped(path: Path) -> tuple[list[datetime], list[float]]:
    """``timestamp,value`` rows (a header row first), in the file's (arrival) order.

    Real sensor logs repeat or step back now and then (the NAB machine log repeats an hour);
    a live detector sees points in arrival order, so the order is kept as it is: see
    :func:`out_of_order` to report such steps.
    """
    times: list[datetime] = []
    values: list[float] = []
    for number, row in _rows(path):
        if number == 1:
            header = [cell.strip().lower() for cell in row]
            if header[:2] != ["timestamp", "value"]:
                raise DataFormatError(
                    f"{path.name}: row 1: expected the header 'timestamp,value', got {row[:2]}"
                )
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < 2:
            raise DataFormatError(f"{path.name}: row {number}: expected 2 columns, got {len(row)}")
        at = _timestamp(row[0].strip(), f"{path.name}: row {number}, column 1")
        value = _number(row[1].strip(), f"{path.name}: row {number}, column 2")
        times.append(at)
        values.append(value)
    if not values:
        raise DataFormatError(f"{path.name}: no rows found")
    return times, values


def out_of_order(times: list[datetime]) -> int:
    """How many timestamps are not after the one before them."""
    return sum(1 for a, b in itertools.pairwise(times) if b <= a)
