"""Zones and their polygons, zone templates, work sessions, day schedules and index records."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from domain.errors import ValidationError
from domain.model.vision import (
    BreakWindow,
    Camera,
    DaySchedule,
    IndexRecord,
    SessionStatus,
    WorkSession,
    Zone,
    ZoneTemplate,
    validate_polygon,
)
from domain.rules.geometry import Point

SQUARE: list[Point] = [(0.1, 0.1), (0.5, 0.1), (0.5, 0.5), (0.1, 0.5)]
DAY = date(2025, 3, 3)


def zone(**kw: object) -> Zone:
    base: dict[str, object] = {
        "id": "z1",
        "camera_id": "cam1",
        "name": "Press",
        "polygon": SQUARE,
        "min_workers": 2,
        "max_workers": 3,
    }
    base.update(kw)
    return Zone(**base)  # type: ignore[arg-type]


def wall(hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2025, 3, 3, hour, minute, second, micro)


# -- validate_polygon -----------------------------------------------------------------------


def test_a_valid_polygon_comes_back_as_a_tuple_of_float_pairs() -> None:
    pts = validate_polygon([(0, 0), (1, 0), (1, 1)])
    assert pts == ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0))
    assert all(isinstance(c, float) for p in pts for c in p)


def test_a_concave_polygon_is_fine() -> None:
    validate_polygon([(0.1, 0.1), (0.9, 0.1), (0.9, 0.5), (0.5, 0.5), (0.5, 0.9), (0.1, 0.9)])


@pytest.mark.parametrize(
    ("points", "code", "message"),
    [
        pytest.param([], "polygon_too_few_vertices", r"^bay needs at least 3 vertices, it has 0$"),
        pytest.param(
            [(0.1, 0.1), (0.2, 0.2)],
            "polygon_too_few_vertices",
            r"^bay needs at least 3 vertices, it has 2$",
            id="two vertices",
        ),
        pytest.param(
            [(0.1, 0.1), (1.2, 0.1), (0.5, 0.5)],
            "polygon_outside_frame",
            r"^bay: vertex 2 \(1.200, 0.100\) lies outside the frame$",
            id="x beyond 1",
        ),
        pytest.param(
            [(0.1, 0.1), (0.5, 0.1), (0.5, -0.01)],
            "polygon_outside_frame",
            r"vertex 3 \(0.500, -0.010\) lies outside the frame",
            id="negative y",
        ),
        pytest.param(
            [(0.1, 0.1), (0.5, 0.1), (0.5, 0.1), (0.5, 0.5)],
            "polygon_duplicate",
            r"^bay has two vertices on the same spot$",
            id="repeated vertex",
        ),
        pytest.param(
            [(0.1, 0.1), (0.5, 0.1), (0.5, 0.5), (0.1, 0.1)],
            "polygon_duplicate",
            r"two vertices on the same spot",
            id="closed ring repeats the first vertex",
        ),
        pytest.param(
            [(0.1, 0.1), (0.5, 0.5), (0.5, 0.1), (0.1, 0.5)],
            "polygon_self_intersection",
            r"^bay crosses itself \(edge 1 crosses edge 3\)$",
            id="bow tie",
        ),
        pytest.param(
            [(0.1, 0.1), (0.3, 0.3), (0.6, 0.6)],
            "polygon_no_area",
            r"^bay has no area$",
            id="collinear",
        ),
        pytest.param(
            [(0.1, 0.1), (0.9, 0.1), (0.1, 0.1000001)],
            "polygon_no_area",
            r"^bay has no area$",
            id="sliver",
        ),
    ],
)
def test_validate_polygon_refuses(points: list[Point], code: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as e:
        validate_polygon(points, name="bay")
    assert e.value.code == code


def test_the_frame_edges_themselves_are_inside() -> None:
    validate_polygon([(0, 0), (1, 0), (1, 1), (0, 1)])


# -- zones ----------------------------------------------------------------------------------


def test_zone_validates_its_polygon_naming_the_zone() -> None:
    with pytest.raises(ValidationError, match=r"^zone 'Press' needs at least 3 vertices"):
        zone(polygon=[(0.1, 0.1), (0.2, 0.2)])


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"name": ""}, "zone name cannot be empty"),
        ({"colour": "green"}, r"zone colour must look like #RRGGBB, got 'green'"),
        ({"colour": "#00FF0"}, r"got '#00FF0'"),
        ({"min_workers": -1}, "worker limits cannot be negative"),
        ({"min_workers": 0, "max_workers": -1}, "worker limits cannot be negative"),
        ({"min_workers": 4, "max_workers": 3}, r"max workers \(3\) is below min workers \(4\)"),
        ({"idle_threshold_s": 0}, "the idle threshold must be positive"),
    ],
)
def test_zone_invariants(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        zone(**kw)


def test_zone_keeps_a_normalised_polygon() -> None:
    z = zone(polygon=[[0, 0], [1, 0], [1, 1]], colour="#a1B2c3")
    assert z.polygon == ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0))


@pytest.mark.parametrize(
    ("count", "state"),
    [(0, "empty"), (1, "understaffed"), (2, "ok"), (3, "ok"), (4, "overflow"), (10, "overflow")],
)
def test_staffing(count: int, state: str) -> None:
    assert zone(min_workers=2, max_workers=3).staffing(count) == state


def test_staffing_of_a_zone_that_may_be_empty() -> None:
    z = zone(min_workers=0, max_workers=1)
    assert z.staffing(0) == "ok"
    assert z.staffing(1) == "ok"
    assert z.staffing(2) == "overflow"


def test_overlapping_lists_active_zones_on_the_same_camera_only() -> None:
    me = zone(id="z1")
    overlaps = zone(id="z2", polygon=[(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)])
    apart = zone(id="z3", polygon=[(0.6, 0.6), (0.9, 0.6), (0.9, 0.9), (0.6, 0.9)])
    other_camera = zone(id="z4", camera_id="cam2")
    inactive = zone(id="z5", active=False)
    inside = zone(id="z6", polygon=[(0.2, 0.2), (0.3, 0.2), (0.3, 0.3)])
    found = me.overlapping([me, overlaps, apart, other_camera, inactive, inside])
    assert [z.id for z in found] == ["z2", "z6"]


def test_camera_needs_a_name_and_a_source() -> None:
    Camera("c1", "Line 1", "usb:0")
    with pytest.raises(ValidationError, match="camera name cannot be empty"):
        Camera("c1", "", "usb:0")
    with pytest.raises(ValidationError, match="camera source cannot be empty"):
        Camera("c1", "Line 1", " ")


# -- zone templates -------------------------------------------------------------------------


def test_zone_template_accepts_valid_zones() -> None:
    t = ZoneTemplate("Two benches", [{"name": "A", "polygon": SQUARE}])
    assert t.zones[0]["name"] == "A"


def test_zone_template_needs_a_name_and_a_zone() -> None:
    with pytest.raises(ValidationError, match="template name cannot be empty"):
        ZoneTemplate("", [{"name": "A", "polygon": SQUARE}])
    with pytest.raises(ValidationError, match="a zone template needs at least one zone"):
        ZoneTemplate("Empty", [])


def test_zone_template_names_the_zone_with_a_bad_polygon() -> None:
    bad = [(0.1, 0.1), (0.5, 0.5), (0.5, 0.1), (0.1, 0.5)]
    with pytest.raises(ValidationError, match=r"^template zone 'B' crosses itself"):
        ZoneTemplate("Benches", [{"name": "A", "polygon": SQUARE}, {"name": "B", "polygon": bad}])


def test_zone_template_refuses_a_zone_without_a_polygon() -> None:
    with pytest.raises(ValidationError, match=r"^template zone 'B' has no polygon$"):
        ZoneTemplate("Benches", [{"name": "A", "polygon": SQUARE}, {"name": "B"}])


# -- work sessions --------------------------------------------------------------------------


def test_session_dwell_is_known_once_closed() -> None:
    s = WorkSession("s1", "cam1", "z1", 4, entry_time=wall(8))
    assert s.dwell_seconds is None
    assert s.exit_time is None
    s.close(wall(8, 2, 30))
    assert s.status is SessionStatus.COMPLETED
    assert s.dwell_seconds == 150.0


def test_a_new_session_is_active() -> None:
    assert WorkSession("s1", "cam1", "z1", 4, entry_time=wall(8)).status is SessionStatus.ACTIVE


def test_session_closed_by_a_lost_track_is_interrupted() -> None:
    s = WorkSession("s1", "cam1", "z1", 4, entry_time=wall(8))
    s.close(wall(8), interrupted=True)
    assert s.status is SessionStatus.INTERRUPTED
    assert s.dwell_seconds == 0.0


def test_session_cannot_end_before_it_starts() -> None:
    s = WorkSession("s1", "cam1", "z1", 4, entry_time=wall(8))
    with pytest.raises(ValidationError, match="a session cannot end before it starts"):
        s.close(wall(7, 59))
    assert s.exit_time is None


# -- day schedules and index slots ----------------------------------------------------------


def standard_day(**kw: object) -> DaySchedule:
    base: dict[str, object] = {
        "day": DAY,
        "work_start": time(8),
        "work_end": time(17),
        "breaks": (BreakWindow(time(10), 15), BreakWindow(time(15), 15)),
        "indices": 11,
    }
    base.update(kw)
    return DaySchedule(**base)  # type: ignore[arg-type]


def test_working_segments_skip_the_breaks() -> None:
    assert standard_day().working_segments() == [
        (wall(8), wall(10)),
        (wall(10, 15), wall(15)),
        (wall(15, 15), wall(17)),
    ]


def test_working_segments_with_unsorted_and_overlapping_breaks() -> None:
    day = standard_day(breaks=(BreakWindow(time(12, 10), 20), BreakWindow(time(12), 15)))
    # 12:00-12:15 and 12:10-12:30 merge into one pause 12:00-12:30
    assert day.working_segments() == [(wall(8), wall(12)), (wall(12, 30), wall(17))]


def test_a_break_at_the_start_of_the_day_moves_the_start() -> None:
    day = standard_day(breaks=(BreakWindow(time(8), 30),))
    assert day.working_segments() == [(wall(8, 30), wall(17))]


def test_eleven_equal_slots_of_working_time() -> None:
    # 08:00-17:00 is 540 min; minus two 15-min breaks = 510 min; 510 / 11 = 46.3636 min
    # = 2781.818 s per slot.
    slots = standard_day().index_slots()
    assert [s.number for s in slots] == list(range(1, 12))
    for s in slots:
        assert s.working_seconds == pytest.approx(510 * 60 / 11, abs=1e-5)
    assert sum(s.working_seconds for s in slots) == pytest.approx(510 * 60, abs=1e-4)
    assert slots[0].start == wall(8)
    assert slots[0].end == wall(8, 46, 21, 818182)  # 08:00 + 46 min 21.818 s
    assert slots[-1].end == wall(17)


def test_slots_spanning_a_break_have_two_segments() -> None:
    slots = standard_day().index_slots()
    two = [s.number for s in slots if len(s.segments) == 2]
    assert two == [3, 9]
    # slot 3 covers working minutes 92.73..139.09; 120 working minutes lie before 10:00
    assert slots[2].segments == (
        (wall(9, 32, 43, 636364), wall(10)),
        (wall(10, 15), wall(10, 34, 5, 454545)),
    )
    # slot 9 covers working minutes 370.91..417.27; 405 working minutes lie before 15:00
    assert slots[8].segments == (
        (wall(14, 25, 54, 545455), wall(15)),
        (wall(15, 15), wall(15, 27, 16, 363636)),
    )


def test_slots_tile_the_working_time_without_gaps() -> None:
    day = standard_day()
    pieces = [seg for s in day.index_slots() for seg in s.segments]
    merged: list[tuple[datetime, datetime]] = []
    for a, b in pieces:
        if merged and merged[-1][1] == a:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    assert merged == day.working_segments()


@pytest.mark.parametrize(
    ("at", "index"),
    [
        (wall(8), 1),
        (wall(8, 46), 1),
        (wall(8, 46, 22), 2),
        (wall(9, 59, 59), 3),
        (wall(10), None),  # break
        (wall(10, 14, 59), None),  # break
        (wall(10, 15), 3),  # the rest of slot 3 after the break
        (wall(10, 34, 6), 4),
        (wall(15, 20), 9),
        (wall(16, 59, 59), 11),
        (wall(17), None),  # the day ends
        (wall(7, 59), None),
    ],
)
def test_index_at(at: datetime, index: int | None) -> None:
    assert standard_day().index_at(at) == index


def test_one_index_without_breaks_is_the_whole_day() -> None:
    day = standard_day(breaks=(), indices=1)
    (slot,) = day.index_slots()
    assert slot.segments == ((wall(8), wall(17)),)
    assert slot.contains(wall(8))
    assert not slot.contains(wall(17))


def test_slots_carry_the_time_zone() -> None:
    day = standard_day(tz=UTC)
    assert day.index_slots()[0].start == datetime(2025, 3, 3, 8, tzinfo=UTC)
    assert day.index_at(datetime(2025, 3, 3, 9, tzinfo=UTC)) == 2


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"indices": 0}, "a day has at least one index"),
        ({"work_end": time(8)}, "the work day must end after it starts"),
        ({"work_end": time(7)}, "the work day must end after it starts"),
        (
            {"breaks": (BreakWindow(time(7, 50), 15),)},
            "the break at 07:50 lies outside the work day",
        ),
        (
            {"breaks": (BreakWindow(time(16, 50), 15),)},
            "the break at 16:50 lies outside the work day",
        ),
    ],
)
def test_day_schedule_invariants(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        standard_day(**kw)


# -- index records --------------------------------------------------------------------------


def test_index_record_productivity() -> None:
    rec = IndexRecord(DAY, 1, wall(8), wall(8, 46))
    assert rec.productivity is None  # nothing observed yet
    rec.add("z1", 300, 100)
    rec.add("z2", 150, 50)
    rec.add("z1", 0, 0)
    assert rec.zone_metrics == {
        "z1": {"active": 300.0, "idle": 100.0},
        "z2": {"active": 150.0, "idle": 50.0},
    }
    assert (rec.active_seconds, rec.idle_seconds) == (450.0, 150.0)
    assert rec.productivity == pytest.approx(0.75)


def test_index_record_all_idle_is_zero_not_none() -> None:
    rec = IndexRecord(DAY, 2, wall(9), wall(10))
    rec.add("z1", 0, 60)
    assert rec.productivity == 0.0
