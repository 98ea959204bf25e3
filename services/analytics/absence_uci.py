"""The UCI "Absenteeism at work" records as attendance history, and the model's evaluation.

The file lists absences (36 employees of a courier company, July 2007 to July 2010; 34 of them
in the 737 rows that carry a month) with the month and weekday but not the day; its rows are in
time order, so the month number since the start (0..36) is recovered from where the month
changes. Attendance slots are then rebuilt as
one per employee, month and working weekday (Monday..Friday): a slot is *absent* when the
employee has a record there with more than zero hours. The employees' attributes (distance,
age, ...) form their profile.

What is not used, on purpose: "Reason for absence" (only known once the absence happened),
"Disciplinary failure" and the hours (attributes of the event), and the company's monthly
"Work load" and "Hit target" (known only at the month's end). The evaluation is
chronological: the model learns from the first ``train_periods`` months (each slot's features
from the months before it) and predicts the later months, one month ahead each.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.analytics.absence_model import (
    AbsenceModel,
    AbsenceSettings,
    AttendanceRecordDto,
)
from services.analytics.series_csv import DataFormatError

ID = "ID"
MONTH = "Month of absence"
WEEKDAY = "Day of the week"
HOURS = "Absenteeism time in hours"
REASON = "Reason for absence"
PROFILE_COLUMNS = (
    "Transportation expense",
    "Distance from Residence to Work",
    "Service time",
    "Age",
    "Education",
    "Son",
    "Social drinker",
    "Social smoker",
    "Pet",
    "Weight",
    "Height",
    "Body mass index",
)
NOT_FEATURES = (REASON, "Disciplinary failure", HOURS, "Work load Average/day", "Hit target")
REQUIRED = (ID, MONTH, WEEKDAY, HOURS, *PROFILE_COLUMNS)
START_MONTH = 7  # the records start in July 2007
UCI_RECENT = (1, 3, 6)  # history windows in months


@dataclass(frozen=True, slots=True)
class UciAbsences:
    records: list[AttendanceRecordDto]
    profiles: dict[str, dict[str, float]]
    periods: int
    dropped_rows: int  # rows without a month (the file's last three)


@dataclass(frozen=True, slots=True)
class AbsenceEvaluationDto:
    model: str
    auc: float
    baseline_auc: float  # the employee's past absence rate as the score
    train_slots: int
    test_slots: int
    test_absences: int
    train_periods: int
    test_periods: int
    features: tuple[str, ...]


def read_uci(path: Path) -> UciAbsences:
    """Rebuild attendance slots from the UCI file (comma- or semicolon-separated)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataFormatError(f"{path.name}: not a UTF-8 text file") from None
    lines = text.splitlines()
    if not lines:
        raise DataFormatError(f"{path.name}: the file is empty")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DataFormatError(f"{path.name}: row 1: missing columns {', '.join(missing)}")
    reader.fieldnames = header
    events: list[tuple[str, int, int, float]] = []
    profiles: dict[str, dict[str, float]] = {}
    dropped = 0
    period, previous_month = -1, None
    for number, row in enumerate(reader, start=2):

        def value(column: str, row: dict[str, str] = row, number: int = number) -> float:
            cell = (row.get(column) or "").strip()
            try:
                number_value = float(cell)
            except ValueError:
                raise DataFormatError(
                    f"{path.name}: row {number}, column {column!r}: {cell[:30]!r} is not a number"
                ) from None
            if not math.isfinite(number_value):
                raise DataFormatError(f"{path.name}: row {number}, column {column!r}: not finite")
            return number_value

        employee = str(int(value(ID)))
        month = int(value(MONTH))
        weekday = int(value(WEEKDAY))
        hours = value(HOURS)
        if month == 0:
            dropped += 1
            continue
        if not 1 <= month <= 12 or not 2 <= weekday <= 6:
            raise DataFormatError(f"{path.name}: row {number}: month {month}, weekday {weekday}")
        if month != previous_month:
            period += 1
            previous_month = month
        profiles.setdefault(employee, {c: value(c) for c in PROFILE_COLUMNS})
        events.append((employee, period, weekday - 2, hours))
    if not events:
        raise DataFormatError(f"{path.name}: no absence records")
    periods = period + 1
    absent = {(e, p, d) for e, p, d, h in events if h > 0}
    records = [
        AttendanceRecordDto(
            operator_id=employee,
            period=p,
            weekday=d,
            month=(START_MONTH - 1 + p) % 12 + 1,
            absent=(employee, p, d) in absent,
        )
        for employee in sorted(profiles, key=int)
        for p in range(periods)
        for d in range(5)
    ]
    return UciAbsences(records, profiles, periods, dropped)


def evaluate_uci(
    path: Path, train_periods: int = 24, settings: AbsenceSettings | None = None
) -> AbsenceEvaluationDto:
    """AUC of the absence model on the months after ``train_periods`` (one month ahead)."""
    from sklearn.metrics import roc_auc_score

    data = read_uci(path)
    if not 1 <= train_periods < data.periods:
        raise ValueError(f"train on 1..{data.periods - 1} months, not {train_periods}")
    s = settings or AbsenceSettings(recent=UCI_RECENT)
    train = [r for r in data.records if r.period < train_periods]
    test = [r for r in data.records if r.period >= train_periods]
    model = AbsenceModel(settings=s, profiles=data.profiles).fit(train)
    predicted = model.predict(test, data.records)  # features see only months before each slot
    truth = np.array([int(r.absent) for r in test])
    scores = np.array([p.probability for p in predicted])
    rows = model.rows(test, data.records)
    past_rate = rows[:, model.feature_names().index("past_rate")]
    return AbsenceEvaluationDto(
        model=s.name,
        auc=float(roc_auc_score(truth, scores)),
        baseline_auc=float(roc_auc_score(truth, past_rate)),
        train_slots=len(train),
        test_slots=len(test),
        test_absences=int(truth.sum()),
        train_periods=train_periods,
        test_periods=data.periods - train_periods,
        features=tuple(model.feature_names()),
    )
