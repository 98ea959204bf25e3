"""History and predictions that analytics reads and writes (seed 000)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class DemandPoint:
    product_id: str
    day: date
    quantity: float


@dataclass(frozen=True, slots=True)
class DemandForecast:
    product_id: str
    day: date
    quantity: float
    lower: float | None
    upper: float | None
    model: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AnomalyPrediction:
    machine_id: str
    at: datetime
    metric: str
    score: float
    is_anomaly: bool
    model: str


@dataclass(frozen=True, slots=True)
class AbsenceForecast:
    operator_id: str
    day: date
    shift_id: str | None
    probability: float
    model: str
    created_at: datetime
