"""Scheduling scenarios (release) and schedule entries (overlap)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import RuleViolation, ValidationError
from domain.model.planning import ScenarioStatus, ScheduleEntry, SchedulingScenario

T0 = datetime(2025, 3, 3, tzinfo=UTC)


def t(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 3, hour, minute, tzinfo=UTC)


def scenario(**kw: object) -> SchedulingScenario:
    base: dict[str, object] = {"id": "s1", "name": "Week 10", "created_by": "pia", "created_at": T0}
    base.update(kw)
    return SchedulingScenario(**base)  # type: ignore[arg-type]


def entry(start: datetime, end: datetime, wc: str = "wc1", op: str = "op1") -> ScheduleEntry:
    return ScheduleEntry("s1", op, "wo1", wc, start, end)


def test_scenario_needs_a_name() -> None:
    with pytest.raises(ValidationError, match="scenario name cannot be empty"):
        scenario(name="")


@pytest.mark.parametrize("status", [ScenarioStatus.DRAFT, ScenarioStatus.OPTIMISED])
def test_draft_or_optimised_scenario_can_be_released(status: ScenarioStatus) -> None:
    s = scenario(status=status)
    s.release("pia", t(9))
    assert s.status is ScenarioStatus.RELEASED
    assert (s.released_by, s.released_at) == ("pia", t(9))


@pytest.mark.parametrize("status", [ScenarioStatus.RELEASED, ScenarioStatus.ARCHIVED])
def test_released_or_archived_scenario_cannot_be_released(status: ScenarioStatus) -> None:
    s = scenario(status=status)
    with pytest.raises(RuleViolation, match=rf"^scenario Week 10 is already {status.value}$") as e:
        s.release("pia", t(9))
    assert e.value.code == "scenario_status"
    assert s.status is status
    assert s.released_by is None


@pytest.mark.parametrize("end_hour", [8, 7])
def test_entry_must_end_after_it_starts(end_hour: int) -> None:
    with pytest.raises(ValidationError, match="operation op1 must end after it starts"):
        entry(t(8), t(end_hour))


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        pytest.param(entry(t(9), t(11), op="op2"), True, id="overlaps the end"),
        pytest.param(entry(t(7), t(8, 1), op="op2"), True, id="overlaps the start"),
        pytest.param(entry(t(8, 30), t(9), op="op2"), True, id="inside"),
        pytest.param(entry(t(7), t(12), op="op2"), True, id="covers"),
        pytest.param(entry(t(10), t(11), op="op2"), False, id="starts when it ends"),
        pytest.param(entry(t(6), t(8), op="op2"), False, id="ends when it starts"),
        pytest.param(entry(t(9), t(11), wc="wc2", op="op2"), False, id="other work centre"),
    ],
)
def test_entries_overlap_on_the_same_work_centre_only(other: ScheduleEntry, expected: bool) -> None:
    mine = entry(t(8), t(10))
    assert mine.overlaps(other) is expected
    assert other.overlaps(mine) is expected
