"""The absence model: features from earlier periods only, no answer in the features."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from domain.model.people import Attendance
from services.analytics.absence_model import (
    AbsenceModel,
    AbsenceSettings,
    AttendanceRecordDto,
    ShiftSlotDto,
    records_from_attendance,
)
from services.analytics.absence_uci import REASON, evaluate_uci, read_uci
from services.analytics.series_csv import DataFormatError
from tests.datasets import shared_data

SMALL = AbsenceSettings(recent=(2, 5), trees=40, min_samples_leaf=5)


def history(operators: int = 6, periods: int = 40, seed: int = 0) -> list[AttendanceRecordDto]:
    """Operator k is absent with probability 0.05 * k, more on Mondays."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(operators):
        for p in range(periods):
            weekday = p % 5
            rate = 0.05 * k + (0.15 if weekday == 0 else 0.0)
            out.append(
                AttendanceRecordDto(f"op{k}", p, weekday, p // 20 + 1, "early", rng.random() < rate)
            )
    return out


def test_features_come_only_from_earlier_periods() -> None:
    records = history()
    model = AbsenceModel(settings=SMALL)
    model.fit(records)
    slots = [r for r in records if r.period == 25]
    before = model.rows(slots, records)
    # flip every record of period 25 and later: the slots' own answers and the future
    flipped = [
        AttendanceRecordDto(r.operator_id, r.period, r.weekday, r.month, r.shift_id, not r.absent)
        if r.period >= 25
        else r
        for r in records
    ]
    np.testing.assert_array_equal(model.rows(slots, flipped), before)
    # while a change in the past does change them
    past = [
        AttendanceRecordDto(r.operator_id, r.period, r.weekday, r.month, r.shift_id, not r.absent)
        if r.period == 24
        else r
        for r in records
    ]
    assert not np.array_equal(model.rows(slots, past), before)


def test_history_features_by_hand() -> None:
    records = [
        AttendanceRecordDto("a", 1, 0, 1, absent=True),
        AttendanceRecordDto("a", 2, 1, 1, absent=False),
        AttendanceRecordDto("a", 6, 0, 1, absent=True),
        AttendanceRecordDto("a", 8, 1, 1, absent=False),
        AttendanceRecordDto("b", 1, 0, 1, absent=False),
    ]
    model = AbsenceModel(settings=AbsenceSettings(recent=(3,), trees=5)).fit(records)
    names = model.feature_names()
    row = dict(zip(names, model.rows([ShiftSlotDto("a", 8, 0, 2)], records)[0], strict=True))
    assert row["past_records"] == 3  # periods 1, 2, 6
    assert row["past_rate"] == pytest.approx(2 / 3)
    assert row["absences_3"] == 1  # period 6 is within 3 periods of 8
    assert row["records_3"] == 1
    assert row["since_last_absence"] == 2
    assert row["weekday_rate"] == 1.0  # both earlier Mondays absent
    new = dict(zip(names, model.rows([ShiftSlotDto("c", 8, 0, 2)], records)[0], strict=True))
    assert new["past_records"] == 0
    assert new["past_rate"] == -1.0  # unknown operator: missing marker


def test_frequent_absentees_get_higher_probabilities() -> None:
    records = history(periods=60)
    model = AbsenceModel(settings=SMALL).fit(records)
    slots = [ShiftSlotDto(f"op{k}", 60, 2, 3, "early", day=date(2025, 3, 5)) for k in range(6)]
    predicted = model.predict(slots, records)
    assert predicted[5].probability > predicted[0].probability
    rows = model.to_absence_forecasts(predicted, datetime(2025, 3, 1, tzinfo=UTC))
    assert [r.operator_id for r in rows] == [f"op{k}" for k in range(6)]
    assert all(0.0 <= r.probability <= 1.0 for r in rows)


def test_records_from_domain_attendance() -> None:
    day = date(2025, 3, 3)  # a Monday
    days = [
        Attendance("op1", day, "early", present=False, absence_reason="sick"),
        Attendance("op1", day + timedelta(days=1), "early", present=True, hours_worked=8),
    ]
    records = records_from_attendance(days)
    assert [r.absent for r in records] == [True, False]
    assert records[0].weekday == 0
    assert records[1].period - records[0].period == 1
    assert not hasattr(records[0], "absence_reason")  # the reason never reaches the model


def test_uci_slots_and_no_leaking_columns() -> None:
    path = shared_data("absence", "Absenteeism_at_work.csv")
    data = read_uci(path)
    assert data.periods == 37  # July 2007 .. July 2010
    assert data.dropped_rows == 3
    assert len(data.profiles) == 34  # 2 of the 36 employees appear only in the month-0 rows
    assert len(data.records) == 34 * 37 * 5
    assert sum(r.absent for r in data.records) > 500
    assert all(REASON not in p for p in data.profiles.values())


def test_uci_auc_does_not_depend_on_the_reason_column(tmp_path: Path) -> None:
    path = shared_data("absence", "Absenteeism_at_work.csv")
    settings = AbsenceSettings(recent=(1, 3), trees=25)
    first = evaluate_uci(path, settings=settings)
    rows = list(csv.reader(path.open()))
    column = rows[0].index(REASON)
    for row in rows[1:]:
        row[column] = "0"  # destroy the reason: the result must not move
    copy = tmp_path / "no_reason.csv"
    with copy.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    second = evaluate_uci(copy, settings=settings)
    assert second.auc == first.auc
    assert 0.5 < first.auc <= 1.0
    assert first.test_periods == 13
    assert not any("reason" in f.lower() for f in first.features)


def test_uci_reader_refuses_malformed_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("ID,Month of absence\n1,7\n")
    with pytest.raises(DataFormatError, match="missing columns"):
        read_uci(bad)
