"""Absence prediction: a random forest on attendance history, per operator and shift.

Each row is one planned shift slot of one operator (an operator, a period, a weekday, a month,
a shift type) and the question is "absent or not". The features come only from the operator's
attendance records of *earlier* periods, plus the slot's calendar and the operator's profile:

* the past absence rate, the number of past records, the absences and records in the last
  ``recent`` periods, the periods since the last absence, the past absence rate on the same
  weekday;
* weekday, month and shift type of the slot;
* numeric profile attributes that a site knows in advance (distance to work, ...).

The reason of an absence is never a feature (it exists only once the absence happened), and no
record of the slot's own period or later enters its features, so training rows see exactly what
a forecast made before the period would have seen. ``period`` is any increasing ordinal: a day
number for daily attendance (``date.toordinal()``), a month number for monthly data.
"""

from __future__ import annotations

import bisect
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np

from domain.model.analytics import AbsenceForecast
from domain.model.people import Attendance
from services.analytics.metrics import FloatArray

log = logging.getLogger(__name__)

MISSING = -1.0


@dataclass(frozen=True, slots=True)
class AttendanceRecordDto:
    """One planned slot and whether the operator was absent."""

    operator_id: str
    period: int
    weekday: int  # 0 = Monday
    month: int
    shift_id: str | None = None
    absent: bool = False
    day: date | None = None


@dataclass(frozen=True, slots=True)
class ShiftSlotDto:
    """A future slot to predict."""

    operator_id: str
    period: int
    weekday: int
    month: int
    shift_id: str | None = None
    day: date | None = None


@dataclass(frozen=True, slots=True)
class AbsenceProbabilityDto:
    operator_id: str
    period: int
    shift_id: str | None
    probability: float
    day: date | None = None


@dataclass(frozen=True, slots=True)
class AbsenceSettings:
    recent: tuple[int, ...] = (30, 90)  # in periods: days for daily data
    trees: int = 300
    min_samples_leaf: int = 50  # chosen on UCI months 16-23, before scoring months 24-36
    max_features: float = 0.5
    class_weight: str | None = "balanced_subsample"
    random_state: int = 0
    name: str = "absence-rf"


def records_from_attendance(days: Sequence[Attendance]) -> list[AttendanceRecordDto]:
    """The domain's daily attendance as model records (period = the day's ordinal)."""
    return [
        AttendanceRecordDto(
            operator_id=a.operator_id,
            period=a.day.toordinal(),
            weekday=a.day.weekday(),
            month=a.day.month,
            shift_id=a.shift_id,
            absent=not a.present,
            day=a.day,
        )
        for a in days
    ]


class _History:
    """The attendance of one operator, sorted by period, with prefix sums for fast queries."""

    def __init__(self, records: Sequence[AttendanceRecordDto]) -> None:
        ordered = sorted(records, key=lambda r: r.period)
        self.periods = [r.period for r in ordered]
        self.absent = np.cumsum([0] + [int(r.absent) for r in ordered])
        self.absence_periods = [r.period for r in ordered if r.absent]
        by_weekday: dict[int, list[AttendanceRecordDto]] = defaultdict(list)
        for r in ordered:
            by_weekday[r.weekday].append(r)
        self.weekday_periods = {d: [r.period for r in rs] for d, rs in by_weekday.items()}
        self.weekday_absent = {
            d: np.cumsum([0] + [int(r.absent) for r in rs]) for d, rs in by_weekday.items()
        }

    def features(self, period: int, weekday: int, recent: tuple[int, ...]) -> list[float]:
        """Features from the records of periods strictly before ``period``."""
        n = bisect.bisect_left(self.periods, period)
        absences = float(self.absent[n])
        row = [float(n), absences / n if n else MISSING]
        for w in recent:
            start = bisect.bisect_left(self.periods, period - w)
            row += [float(self.absent[n] - self.absent[start]), float(n - start)]
        last = bisect.bisect_left(self.absence_periods, period)
        row.append(float(period - self.absence_periods[last - 1]) if last else MISSING)
        periods = self.weekday_periods.get(weekday, [])
        k = bisect.bisect_left(periods, period)
        row.append(float(self.weekday_absent[weekday][k]) / k if k else MISSING)
        return row


@dataclass(slots=True)
class AbsenceModel:
    settings: AbsenceSettings = field(default_factory=AbsenceSettings)
    profiles: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    _forest: Any = None
    _shifts: dict[str | None, int] = field(default_factory=dict)
    _profile_keys: tuple[str, ...] = ()

    def feature_names(self) -> list[str]:
        names = ["past_records", "past_rate"]
        for w in self.settings.recent:
            names += [f"absences_{w}", f"records_{w}"]
        names += ["since_last_absence", "weekday_rate", "weekday", "month", "shift"]
        return names + [f"profile_{k}" for k in self._profile_keys]

    def rows(
        self,
        slots: Sequence[ShiftSlotDto | AttendanceRecordDto],
        history: Sequence[AttendanceRecordDto],
    ) -> FloatArray:
        """The feature rows of ``slots``, each from the ``history`` before its period."""
        grouped: dict[str, list[AttendanceRecordDto]] = defaultdict(list)
        for r in history:
            grouped[r.operator_id].append(r)
        histories = {op: _History(rs) for op, rs in grouped.items()}
        empty = _History([])
        out = np.empty((len(slots), len(self.feature_names())))
        for i, slot in enumerate(slots):
            past = histories.get(slot.operator_id, empty)
            row = past.features(slot.period, slot.weekday, self.settings.recent)
            row += [
                float(slot.weekday),
                float(slot.month),
                float(self._shifts.get(slot.shift_id, -1)),
            ]
            profile = self.profiles.get(slot.operator_id, {})
            row += [float(profile.get(k, MISSING)) for k in self._profile_keys]
            out[i] = row
        return out

    def fit(self, records: Sequence[AttendanceRecordDto]) -> AbsenceModel:
        """Learn from past slots; each row's features use only the records before its period."""
        from sklearn.ensemble import RandomForestClassifier

        if len({r.absent for r in records}) < 2:
            raise ValueError("the attendance history needs both absences and attendances")
        shifts = sorted({r.shift_id for r in records}, key=lambda s: (s is None, s or ""))
        self._shifts = {s: i for i, s in enumerate(shifts)}
        self._profile_keys = tuple(sorted({k for p in self.profiles.values() for k in p}))
        features = self.rows(records, records)
        target = np.array([int(r.absent) for r in records])
        s = self.settings
        self._forest = RandomForestClassifier(
            n_estimators=s.trees,
            min_samples_leaf=s.min_samples_leaf,
            max_features=s.max_features,
            class_weight=s.class_weight,
            random_state=s.random_state,
            n_jobs=1,
        ).fit(features, target)
        log.info("absence model: %d rows, %d absences", len(records), int(target.sum()))
        return self

    def predict(
        self,
        slots: Sequence[ShiftSlotDto | AttendanceRecordDto],
        history: Sequence[AttendanceRecordDto],
    ) -> list[AbsenceProbabilityDto]:
        """Absence probability of each slot given the attendance ``history`` before it."""
        if self._forest is None:
            raise RuntimeError("fit the absence model first")
        if not slots:
            return []
        probabilities = self._forest.predict_proba(self.rows(slots, history))[:, 1]
        return [
            AbsenceProbabilityDto(s.operator_id, s.period, s.shift_id, float(p), s.day)
            for s, p in zip(slots, probabilities, strict=True)
        ]

    def to_absence_forecasts(
        self, predictions: Sequence[AbsenceProbabilityDto], created_at: datetime
    ) -> list[AbsenceForecast]:
        """Rows for ``absence_forecasts`` (dated slots only)."""
        return [
            AbsenceForecast(
                operator_id=p.operator_id,
                day=p.day,
                shift_id=p.shift_id,
                probability=p.probability,
                model=self.settings.name,
                created_at=created_at,
            )
            for p in predictions
            if p.day is not None
        ]
