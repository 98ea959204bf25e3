"""Change events: what a unit of work records and the feed carries."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from domain.events import Change, ChangeEvent, Topic


def test_change_defaults_to_no_ids_and_its_own_empty_data() -> None:
    a = Change(Topic.ALLOCATION, "allocated")
    b = Change(Topic.ALLOCATION, "allocated")
    assert a.ids == ()
    assert a.data == {}
    assert a.data is not b.data


def test_changes_and_events_are_immutable() -> None:
    change = Change(Topic.ZONE, "zone_saved", ("z1",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.kind = "other"  # type: ignore[misc]
    event = ChangeEvent(
        seq=42,
        at=datetime(2025, 3, 3, 8, tzinfo=UTC),
        topic=Topic.ZONE,
        kind="zone_saved",
        ids=("z1",),
        user="lead",
        seat="seat-1",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.seq = 43  # type: ignore[misc]
    assert event.request_id is None


def test_topics_are_their_wire_names() -> None:
    assert Topic("work_order") is Topic.WORK_ORDER
    assert str(Topic.ALLOCATION) == "allocation"
    assert len({t.value for t in Topic}) == len(Topic)
