"""What the dashboard shows, as frozen data: built off the GUI thread, drawn on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

METRICS: dict[str, str] = {
    "temperature_c": "Temperature (°C)",
    "vibration": "Vibration (mm/s)",
    "utilisation": "Utilisation",
    "power_kwh": "Power (kWh)",
    "cycle_time_s": "Cycle time (s)",
    "units_produced": "Units produced",
}


@dataclass(frozen=True, slots=True)
class Window:
    """The time span a snapshot covers: [start, end); ``tz`` is the plant's time zone, in
    which its days (and shifts) begin and end and its times are shown."""

    start: datetime
    end: datetime
    tz: tzinfo = UTC

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a dashboard window needs timezone-aware times")
        if self.end <= self.start:
            raise ValueError("a dashboard window must end after it starts")

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def zone(self) -> str:
        """The zone's name, e.g. ``Europe/Berlin`` (for labels)."""
        return str(getattr(self.tz, "key", None) or self.tz)

    def local(self, at: datetime) -> datetime:
        """``at`` on the plant's clock."""
        return at.astimezone(self.tz)

    def utc_offset(self) -> int:
        """Seconds the plant's clock is ahead of UTC at the window's end (for chart axes)."""
        offset = self.end.astimezone(self.tz).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    @property
    def first_day(self) -> date:
        """The plant's day the window starts on."""
        return self.start.astimezone(self.tz).date()

    @property
    def last_day(self) -> date:
        """The plant's day the window ends on (its last instant's day)."""
        return (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The instants the plant's ``day`` starts and ends (in UTC; 23 or 25 hours long on the
        days the clocks change)."""
        start = datetime.combine(day, datetime.min.time(), tzinfo=self.tz)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=self.tz)
        return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Kpi:
    """One KPI card. ``value`` is a fraction (shown as %) or None for "no data"."""

    key: str
    label: str
    value: float | None
    detail: str  # how it was obtained, e.g. "412 of 500 planned units"

    @property
    def text(self) -> str:
        return "no data" if self.value is None else f"{self.value * 100:.1f} %"


@dataclass(frozen=True, slots=True)
class OeeRow:
    """OEE of one machine or one line (``scope``) over the window; None factors: no data."""

    scope: str  # "machine" | "line" | "plant"
    id: str
    name: str
    line_id: str | None
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None
    units: int
    planned_hours: float


@dataclass(frozen=True, slots=True)
class AnomalyMarker:
    at: datetime
    metric: str
    score: float
    value: float | None  # the metric's value at (or just before) ``at``, to place the marker
    model: str


@dataclass(frozen=True, slots=True)
class MetricSeries:
    machine_id: str
    metric: str
    points: tuple[tuple[datetime, float], ...]
    anomalies: tuple[AnomalyMarker, ...]


@dataclass(frozen=True, slots=True)
class ForecastPoint:
    day: date
    quantity: float
    lower: float | None
    upper: float | None


@dataclass(frozen=True, slots=True)
class DemandSeries:
    product_id: str
    history: tuple[tuple[date, float], ...]
    forecast: tuple[ForecastPoint, ...]
    model: str | None  # the model of the stored forecast shown, None without one
    forecast_created_at: datetime | None


@dataclass(frozen=True, slots=True)
class Heatmap:
    """Mean utilisation (0..1) of each machine (rows) in each hour (columns); None: no sample."""

    machines: tuple[tuple[str, str], ...]  # (id, name)
    hours: tuple[datetime, ...]  # the start of each column's hour
    values: tuple[tuple[float | None, ...], ...]


@dataclass(frozen=True, slots=True)
class IndexRow:
    """Planned versus actual for one index of the day."""

    number: int
    scheduled_start: datetime
    scheduled_end: datetime
    actual_start: datetime | None
    actual_end: datetime | None
    active_s: float
    idle_s: float
    productivity: float | None
    completion: str | None
    source: str  # "index_records" | "time_logs" | "schedule" (planned only, nothing recorded)


@dataclass(frozen=True, slots=True)
class DashboardSnapshot:
    window: Window
    read_at: datetime
    kpis: tuple[Kpi, ...]
    oee: tuple[OeeRow, ...]  # plant, then lines, then machines
    machines: tuple[tuple[str, str], ...]  # (id, name) for the machine picker
    products: tuple[tuple[str, str], ...]  # (id, name) for the product picker
    metric: MetricSeries | None
    demand: DemandSeries | None
    heatmap: Heatmap
    index_day: date | None
    indices: tuple[IndexRow, ...]
    notes: tuple[str, ...]  # what has no data, in words

    def kpi(self, key: str) -> Kpi:
        for k in self.kpis:
            if k.key == key:
                return k
        raise KeyError(key)
