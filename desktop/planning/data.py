"""What the Gantt draws, laid out for fast lookups: rows (lines and their work centres), bars per
row sorted by start (found for a visible time range by bisection), calendar blocks per row, and
the maps a drag check needs (bars by work centre, by work order, linked work orders).

Times are float minutes from the plan's origin (``PlanView.plant.origin``), computed in UTC;
they are shown on the plant's clock (:meth:`ChartData.local`). No Qt here.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from domain.model.planning import ScheduleEntry
from services.scheduling.scenarios import PlanView

ROW_HEIGHT = 22
LINE_HEIGHT = 18


@dataclass(slots=True)
class Row:
    kind: str  # "line" or "centre"
    id: str  # line id or work centre id
    label: str
    top: int = 0
    height: int = ROW_HEIGHT


@dataclass(slots=True)
class BarItem:
    entry: ScheduleEntry
    start: float  # minutes from the origin
    end: float
    row: int  # index into ChartData.rows
    label: str  # work order number
    late: bool
    operation_id: str = ""
    work_order_id: str = ""
    pinned: bool = False
    hue: int = 0  # 0..359, from the work order id: the same colour on every seat

    def __post_init__(self) -> None:
        self.operation_id = self.entry.operation_id
        self.work_order_id = self.entry.work_order_id
        self.pinned = self.entry.pinned
        self.hue = hue_of(self.work_order_id)


def hue_of(key: str) -> int:
    h = 0
    for ch in key:
        h = (h * 131 + ord(ch)) % 360_000
    return (h * 37) % 360


@dataclass(slots=True)
class RowBars:
    bars: list[BarItem] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    longest: float = 0.0

    def sort(self) -> None:
        self.bars.sort(key=lambda b: (b.start, b.end))
        self.starts = [b.start for b in self.bars]
        self.longest = max((b.end - b.start for b in self.bars), default=0.0)

    def visible(self, t0: float, t1: float) -> list[BarItem]:
        """Bars overlapping ``[t0, t1]``: bisect on starts, back off by the longest bar."""
        lo = bisect.bisect_left(self.starts, t0 - self.longest)
        hi = bisect.bisect_right(self.starts, t1)
        return [b for b in self.bars[lo:hi] if b.end >= t0]


class ChartData:
    def __init__(self, view: PlanView | None = None) -> None:
        self.view = view
        self.origin: datetime = view.plant.origin if view is not None else datetime.now(UTC)
        self.tz: tzinfo = view.plant.tz if view is not None else UTC
        self.rows: list[Row] = []
        self.row_of_centre: dict[str, int] = {}
        self.row_bars: list[RowBars] = []
        self.calendar: list[list[tuple[float, float, str]]] = []
        self.bars: dict[str, BarItem] = {}
        self.by_order: dict[str, list[BarItem]] = defaultdict(list)
        self.linked: dict[str, set[str]] = defaultdict(set)
        self.height = 0
        self.t_min = 0.0
        self.t_max = 24 * 60.0
        if view is not None:
            self._build(view)

    def minutes(self, at: datetime) -> float:
        return (at - self.origin).total_seconds() / 60.0

    def at(self, minutes: float) -> datetime:
        return self.origin + timedelta(minutes=minutes)

    def local(self, at: datetime) -> datetime:
        """``at`` on the plant's clock (for labels; compute with the UTC times)."""
        return at.astimezone(self.tz)

    @property
    def zone(self) -> str:
        """The plant's time zone by name, e.g. ``Europe/Berlin``."""
        return str(getattr(self.tz, "key", None) or self.tz)

    def _build(self, view: PlanView) -> None:
        y = 0
        line = None
        for c in view.plant.work_centres:
            if c.line_id != line:
                line = c.line_id
                self.rows.append(Row("line", c.line_id, c.line_name, y, LINE_HEIGHT))
                y += LINE_HEIGHT
            self.row_of_centre[c.id] = len(self.rows)
            self.rows.append(Row("centre", c.id, c.name or c.id, y, ROW_HEIGHT))
            y += ROW_HEIGHT
        self.height = y
        self.row_bars = [RowBars() for _ in self.rows]
        self.calendar = [[] for _ in self.rows]
        for block in view.calendar:
            r = self.row_of_centre.get(block.work_centre_id)
            if r is not None:
                self.calendar[r].append(
                    (self.minutes(block.start), self.minutes(block.end), block.kind)
                )
        for e in view.entries:
            self.place(e)
        for rb in self.row_bars:
            rb.sort()
        for d in view.plant.problem.links:
            a = view.plant.problem.jobs[d.before[0]].id
            b = view.plant.problem.jobs[d.after[0]].id
            self.linked[a].add(b)
            self.linked[b].add(a)
        if self.bars:
            self.t_min = min(b.start for b in self.bars.values())
            self.t_max = max(b.end for b in self.bars.values())

    def place(self, e: ScheduleEntry) -> BarItem | None:
        """Add (or re-add) one entry's bar; rows must be re-sorted by the caller."""
        r = self.row_of_centre.get(e.work_centre_id)
        if r is None or self.view is None:
            return None
        wo = self.view.plant.work_orders.get(e.work_order_id)
        bar = BarItem(
            e,
            self.minutes(e.start),
            self.minutes(e.end),
            r,
            wo.number if wo else e.work_order_id,
            e.work_order_id in self.view.late,
        )
        self.bars[e.operation_id] = bar
        self.row_bars[r].bars.append(bar)
        self.by_order[e.work_order_id].append(bar)
        return bar

    def replace_entry(self, e: ScheduleEntry) -> None:
        """An entry changed (moved, pinned): put its bar where it is now."""
        old = self.bars.pop(e.operation_id, None)
        if old is not None:
            self.row_bars[old.row].bars.remove(old)
            self.by_order[old.work_order_id].remove(old)
            self.row_bars[old.row].sort()
        bar = self.place(e)
        if bar is not None:
            self.row_bars[bar.row].sort()

    def row_at(self, y: float) -> int | None:
        """The row at content height ``y`` (None: below the last)."""
        if y < 0 or not self.rows:
            return None
        tops = [r.top for r in self.rows]
        i = bisect.bisect_right(tops, y) - 1
        if i < 0:
            return None
        row = self.rows[i]
        return i if y < row.top + row.height else None

    def bar_at(self, row: int, t: float, slack: float = 0.0) -> BarItem | None:
        if not 0 <= row < len(self.row_bars):
            return None
        hits = self.row_bars[row].visible(t - slack, t + slack)
        return hits[-1] if hits else None

    def local_entries(
        self,
        work_centre_id: str,
        work_order_id: str,
        window: tuple[float, float] | None = None,
    ) -> list[ScheduleEntry]:
        """The entries a move of one of ``work_order_id``'s bars onto ``work_centre_id`` can
        interact with (what ``check_move`` would look at anyway): the work order's and linked
        work orders' bars, and the work centre's bars (only those within ``window``, minutes
        from the origin, when given: the caller makes it wide enough for changeovers)."""
        seen: dict[str, ScheduleEntry] = {}
        r = self.row_of_centre.get(work_centre_id)
        if r is not None:
            rb = self.row_bars[r]
            bars = rb.bars if window is None else rb.visible(window[0], window[1])
            for b in bars:
                seen[b.operation_id] = b.entry
        for wo in (work_order_id, *self.linked.get(work_order_id, ())):
            for b in self.by_order.get(wo, ()):
                seen[b.operation_id] = b.entry
        return list(seen.values())
