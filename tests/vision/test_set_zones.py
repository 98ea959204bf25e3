"""Zones replaced while a camera runs (FrameAnalyzer.set_zones): visits in zones that stay go
on, visits in removed zones close after the grace period, new zones count from the next frame."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from domain.model.vision import Zone
from domain.rules.zone_presence import PresenceEventKind, PresenceRules
from vision.analyzer import AnalyzerSettings, FrameAnalyzer
from vision.detect import Detections
from vision.track import make_tracker

LEFT = Zone("L", "CAM", "Left", ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)))
LEFT_BIGGER = Zone("L", "CAM", "Left", ((0.0, 0.0), (0.6, 0.0), (0.6, 1.0), (0.0, 1.0)))
WHOLE = Zone("W", "CAM", "Whole", ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)))
AT = datetime(2026, 11, 16, 9, tzinfo=UTC)


class StandingPerson:
    """A detector that always sees one person in the left half."""

    backend = "fake"
    imgsz = 320
    conf = 0.25
    path = Path("fake")

    def detect(self, frame: np.ndarray) -> Detections:
        return Detections(
            np.array([[100.0, 50.0, 160.0, 250.0]], np.float32), np.array([0.9], np.float32)
        )


def run(analyzer: FrameAnalyzer, start: int, end: int) -> list[tuple[str, str, int]]:
    frame = np.zeros((270, 480, 3), np.uint8)
    out = []
    for i in range(start, end):
        t = i / 10
        obs = analyzer.analyse(frame, t=t, at=AT + timedelta(seconds=t), frame_index=i)
        out += [(e.kind.value, e.zone_id, i) for e in obs.events]
    return out


def analyzer() -> FrameAnalyzer:
    rules = PresenceRules(debounce_s=0.3, grace_s=0.5, min_track_s=0.3)
    return FrameAnalyzer(
        "CAM", [LEFT], StandingPerson(), make_tracker("edgefirst"), AnalyzerSettings(rules)
    )


def test_a_removed_zone_closes_its_visit_and_a_new_zone_starts_counting() -> None:
    a = analyzer()
    events = run(a, 0, 10)
    assert [(k, z) for k, z, _ in events] == [("entered", "L")]
    a.set_zones([WHOLE])  # from another thread in the host: applied on the next frame
    events = run(a, 10, 30)
    kinds = [(k, z) for k, z, _ in events]
    assert ("entered", "W") in kinds
    exits = [e for e in events if e[:2] == ("exited", "L")]
    assert len(exits) == 1, "the removed zone's visit is closed, once"
    assert exits[0][2] >= 15, "after the grace period (0.5 s), like any exit"
    assert a.retiring_zones == ()
    assert a.presence.zone_ids == ("W",)
    finished = a.finish()
    assert [(e.kind, e.zone_id) for e in finished] == [(PresenceEventKind.EXITED, "W")]


def test_a_zone_that_stays_keeps_its_visit() -> None:
    a = analyzer()
    run(a, 0, 10)
    a.set_zones([LEFT_BIGGER, WHOLE])
    events = run(a, 10, 30)
    assert ("exited", "L") not in [(k, z) for k, z, _ in events]
    (visit,) = [v for v in a.presence.open_visits() if v.zone_id == "L"]
    assert visit.entered_at == 0.0, "same id, new polygon: the visit goes on"
    obs = a.analyse(np.zeros((270, 480, 3), np.uint8), t=3.0, at=AT, frame_index=30)
    assert [c.zone_id for c in obs.counts] == ["L", "W"]
    assert [c.count for c in obs.counts] == [1, 1]


def test_inactive_zones_are_dropped() -> None:
    a = analyzer()
    run(a, 0, 10)
    off = Zone("L", "CAM", "Left", LEFT.polygon, active=False)
    a.set_zones([off])
    events = run(a, 10, 30)
    assert [(k, z) for k, z, _ in events] == [("exited", "L")]
    assert a.geometry.ids == ()
