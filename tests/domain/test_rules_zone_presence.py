"""Zone presence rules: debounce, grace, minimum track length, active/idle attribution."""

from __future__ import annotations

import pytest

from domain.errors import ValidationError
from domain.rules.zone_presence import (
    PresenceEventKind,
    PresenceRules,
    TrackSample,
    ZonePresence,
)

IN = TrackSample(frozenset({"A"}), active=True)
IN_IDLE = TrackSample(frozenset({"A"}), active=False)
OUT = TrackSample(frozenset(), active=True)
FPS = 10.0


def run(presence: ZonePresence, timeline: list[TrackSample | None], track: int = 1) -> list:
    """Feed one sample per frame at 10 fps (None: the track is not seen); all events."""
    events = []
    for i, s in enumerate(timeline):
        events += presence.update(i / FPS, {} if s is None else {track: s})
    return events


def kinds(events: list) -> list[tuple[str, str]]:
    return [(e.kind.value, e.zone_id) for e in events]


def test_entry_needs_the_debounce_and_is_dated_from_the_first_inside_sample() -> None:
    p = ZonePresence(["A"], PresenceRules(debounce_s=0.5, grace_s=1.0, min_track_s=0.0))
    events = run(p, [OUT, OUT, IN, IN, IN, IN, IN])  # inside from t=0.2
    assert kinds(events) == [], "0.4 s inside is shorter than the 0.5 s debounce"
    events = p.update(0.7, {1: IN})
    assert kinds(events) == [("entered", "A")]
    assert events[0].at == pytest.approx(0.2)
    assert events[0].reported_at == pytest.approx(0.7)
    assert p.counts() == {"A": 1}


def test_a_flicker_shorter_than_the_debounce_is_no_entry() -> None:
    p = ZonePresence(["A"], PresenceRules(debounce_s=0.5, grace_s=0.5, min_track_s=0.0))
    events = run(p, [IN, IN, OUT, IN, IN, OUT] * 3)
    assert events == []
    assert p.counts() == {"A": 0}


def test_an_excursion_shorter_than_the_grace_does_not_split_the_visit() -> None:
    p = ZonePresence(["A"], PresenceRules(debounce_s=0.0, grace_s=1.0, min_track_s=0.0))
    timeline = [IN] * 10 + [OUT] * 5 + [IN] * 10 + [OUT] * 12  # 0.5 s out, then leaves
    events = run(p, timeline)
    assert kinds(events) == [("entered", "A"), ("exited", "A")]
    exit_event = events[-1]
    assert exit_event.at == pytest.approx(2.5)  # the first outside sample after the stay
    assert exit_event.dwell_s == pytest.approx(2.5)
    assert exit_event.reported_at == pytest.approx(3.5)  # after the 1 s grace
    assert len(p.visits) == 1


def test_an_unseen_track_counts_until_the_grace_runs_out() -> None:
    p = ZonePresence(["A"], PresenceRules(debounce_s=0.0, grace_s=1.0, min_track_s=0.0))
    run(p, [IN] * 5)
    for i in range(5, 14):  # occluded for 0.9 s
        assert p.update(i / FPS, {}) == []
        assert p.counts() == {"A": 1}
    events = p.update(1.5, {})
    assert kinds(events) == [("exited", "A")]
    assert events[0].at == pytest.approx(0.5)
    assert p.counts() == {"A": 0}


def test_tracks_shorter_than_the_minimum_are_ignored() -> None:
    p = ZonePresence(["A"], PresenceRules(debounce_s=0.0, grace_s=0.3, min_track_s=0.6))
    events = run(p, [IN] * 4 + [None] * 6)  # lives 0.3 s at an image edge, then vanishes
    assert events == []
    assert p.counts() == {"A": 0}
    assert p.visits == []
    assert p.ignored_tracks == 1


def test_events_held_back_until_the_track_is_long_enough_keep_their_times() -> None:
    p = ZonePresence(["A"], PresenceRules(debounce_s=0.0, grace_s=1.0, min_track_s=0.6))
    early = run(p, [IN] * 6)  # t = 0 .. 0.5: not confirmed yet
    assert early == []
    assert p.counts() == {"A": 0}, "an unconfirmed track is not counted"
    events = p.update(0.6, {1: IN})
    assert kinds(events) == [("entered", "A")]
    assert events[0].at == pytest.approx(0.0)
    assert p.counts() == {"A": 1}


def test_active_and_idle_seconds_add_up_to_the_dwell() -> None:
    p = ZonePresence(["A"], PresenceRules(debounce_s=0.3, grace_s=0.5, min_track_s=0.0))
    timeline = [IN] * 8 + [IN_IDLE] * 12 + [OUT] * 8
    events = run(p, timeline)
    exit_event = next(e for e in events if e.kind is PresenceEventKind.EXITED)
    assert exit_event.dwell_s == pytest.approx(2.0)
    assert exit_event.active_s == pytest.approx(0.8)
    assert exit_event.idle_s == pytest.approx(1.2)
    assert exit_event.active_s + exit_event.idle_s == pytest.approx(exit_event.dwell_s)


def test_open_visits_report_committed_seconds() -> None:
    p = ZonePresence(["A"], PresenceRules(debounce_s=0.2, grace_s=0.5, min_track_s=0.0))
    run(p, [IN_IDLE] * 11)
    (visit,) = p.open_visits()
    assert visit.exited_at is None
    assert visit.idle_s == pytest.approx(1.0)
    assert visit.active_s == 0.0


def test_finish_closes_open_visits_as_not_completed() -> None:
    p = ZonePresence(["A", "B"], PresenceRules(debounce_s=0.0, grace_s=1.0, min_track_s=0.0))
    run(p, [IN] * 10)
    events = p.finish()
    assert kinds(events) == [("exited", "A")]
    assert events[0].completed is False
    assert events[0].dwell_s == pytest.approx(0.9)
    assert p.counts() == {"A": 0, "B": 0}


def test_two_zones_and_two_tracks_are_independent() -> None:
    p = ZonePresence(["A", "B"], PresenceRules(debounce_s=0.0, grace_s=0.2, min_track_s=0.0))
    both = TrackSample(frozenset({"A", "B"}), active=True)
    only_b = TrackSample(frozenset({"B"}), active=False)
    for i in range(10):
        p.update(i / FPS, {1: both, 2: only_b})
    assert p.counts() == {"A": 1, "B": 2}
    assert p.members("B") == frozenset({1, 2})
    assert p.zones_of(1) == ("A", "B")


def test_a_long_gap_is_not_attributed() -> None:
    p = ZonePresence(
        ["A"], PresenceRules(debounce_s=0.0, grace_s=100.0, min_track_s=0.0, max_gap_s=1.0)
    )
    p.update(0.0, {1: IN})
    p.update(0.5, {1: IN})
    p.update(10.0, {1: IN})  # the stream stalled for 9.5 s
    (visit,) = p.open_visits()
    assert visit.active_s == pytest.approx(0.5)


def test_time_cannot_go_back() -> None:
    p = ZonePresence(["A"])
    p.update(1.0, {1: IN})
    with pytest.raises(ValidationError):
        p.update(0.5, {1: IN})


def test_negative_rules_are_refused() -> None:
    with pytest.raises(ValidationError):
        PresenceRules(debounce_s=-1.0)
