"""What goes into and comes out of the analytics engine: frozen DTOs, no numpy inside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.model.analytics import DemandForecast


@dataclass(frozen=True, slots=True)
class SeriesDto:
    """A regular time series: ``values[i]`` belongs to ``start + i * step_days`` when dated.

    M4 series carry no dates (``start`` is None); plant demand history does, and then the
    forecaster adds calendar features of the forecast dates.
    """

    id: str
    values: tuple[float, ...]
    start: date | None = None
    step_days: int = 7

    def __post_init__(self) -> None:
        if self.step_days < 1:
            raise ValueError("series steps are at least one day apart")

    def date_at(self, index: int) -> date | None:
        if self.start is None:
            return None
        return self.start + timedelta(days=index * self.step_days)

    def head(self, length: int) -> SeriesDto:
        """The first ``length`` values (the history at an earlier forecast origin)."""
        return SeriesDto(self.id, self.values[:length], self.start, self.step_days)


@dataclass(frozen=True, slots=True)
class ForecastDto:
    """A forecast of one series: point values and, when asked for, a central interval."""

    series_id: str
    model: str
    point: tuple[float, ...]
    lower: tuple[float, ...] | None = None
    upper: tuple[float, ...] | None = None
    level: float | None = None  # e.g. 0.8 for the 10 %..90 % quantile band
    days: tuple[date, ...] | None = None

    @property
    def horizon(self) -> int:
        return len(self.point)

    def to_demand_forecasts(self, product_id: str, created_at: datetime) -> list[DemandForecast]:
        """Rows for ``demand_forecasts`` (needs a dated series)."""
        if self.days is None:
            raise ValueError(f"forecast of {self.series_id} has no dates to store")
        return [
            DemandForecast(
                product_id=product_id,
                day=day,
                quantity=self.point[i],
                lower=self.lower[i] if self.lower is not None else None,
                upper=self.upper[i] if self.upper is not None else None,
                model=self.model,
                created_at=created_at,
            )
            for i, day in enumerate(self.days)
        ]


@dataclass(frozen=True, slots=True)
class AccuracyDto:
    """Average accuracy of one method over a set of series (M4 style)."""

    method: str
    series: int
    smape: float
    mase: float
    owa: float | None  # relative to Naive2 on the same series


@dataclass(frozen=True, slots=True)
class BacktestDto:
    """A backtest: the model next to Naive2 (and the seasonal naive baseline)."""

    horizon: int
    season: int
    origins: int  # forecast origins per series (1 = the M4 hold-out)
    model: AccuracyDto
    naive2: AccuracyDto
    seasonal_naive: AccuracyDto
    interval_coverage: float | None = None  # share of actuals inside the band, when computed
    excluded_series: int = 0  # series with a constant history (infinite MASE)
