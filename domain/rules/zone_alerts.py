"""When a zone's head count or a worker's idleness becomes an alert (issue 8).

Pure rules on top of :class:`domain.rules.zone_presence.ZonePresence`: a zone whose count stays
below ``min_workers`` (or above ``max_workers``) for ``hold_s`` seconds raises one alert for
the episode, and so does a worker idle in a zone for longer than the zone's
``idle_threshold_s``. Times are seconds on the stream's clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.model.alerts import AlertType
from domain.model.vision import Zone


@dataclass(frozen=True, slots=True)
class ZoneAlertEvent:
    alert_type: AlertType
    zone_id: str
    at: float
    message: str
    track_id: int | None = None
    count: int | None = None


@dataclass(slots=True)
class _Episode:
    status: str
    since: float
    raised: bool = False


class ZoneAlertWatch:
    """Staffing (empty / understaffed / overflow) and idle-threshold alerts, once per episode."""

    def __init__(self, zones: Sequence[Zone], *, hold_s: float = 5.0) -> None:
        self.zones = {z.id: z for z in zones}
        self.hold_s = hold_s
        self._episodes: dict[str, _Episode] = {}
        self._idle_alerted: set[tuple[str, int, float]] = set()

    def update(
        self,
        t: float,
        members: Mapping[str, frozenset[int]],
        idle_since: Mapping[int, float],
    ) -> list[ZoneAlertEvent]:
        """``members``: tracks counted per zone; ``idle_since``: idle tracks and since when."""
        out: list[ZoneAlertEvent] = []
        for zone_id, zone in self.zones.items():
            inside = members.get(zone_id, frozenset())
            out.extend(self._staffing(t, zone, len(inside)))
            for track_id in sorted(inside):
                since = idle_since.get(track_id)
                if since is None or t - since < zone.idle_threshold_s:
                    continue
                key = (zone_id, track_id, since)
                if key in self._idle_alerted:
                    continue
                self._idle_alerted.add(key)
                out.append(
                    ZoneAlertEvent(
                        AlertType.IDLE_THRESHOLD,
                        zone_id,
                        t,
                        f"track {track_id} idle in {zone.name} for {t - since:.0f} s "
                        f"(threshold {zone.idle_threshold_s} s)",
                        track_id=track_id,
                    )
                )
        return out

    def _staffing(self, t: float, zone: Zone, count: int) -> list[ZoneAlertEvent]:
        status = zone.staffing(count)
        ep = self._episodes.get(zone.id)
        if ep is None or ep.status != status:
            ep = self._episodes[zone.id] = _Episode(status, t)
        if ep.raised or status == "ok" or t - ep.since < self.hold_s:
            return []
        if status in ("empty", "understaffed") and zone.alert_on_empty:
            ep.raised = True
            word = "empty" if status == "empty" else f"understaffed ({count} of {zone.min_workers})"
            return [
                ZoneAlertEvent(
                    AlertType.ZONE_EMPTY, zone.id, t, f"{zone.name} is {word}", count=count
                )
            ]
        if status == "overflow" and zone.alert_on_overflow:
            ep.raised = True
            return [
                ZoneAlertEvent(
                    AlertType.ZONE_OVERFLOW,
                    zone.id,
                    t,
                    f"{zone.name} has {count} workers (max {zone.max_workers})",
                    count=count,
                )
            ]
        return []
