"""Zone alerts: staffing episodes and idle thresholds raise one alert each."""

from __future__ import annotations

from domain.model.alerts import AlertType
from domain.model.vision import Zone
from domain.rules.zone_alerts import ZoneAlertWatch

SQUARE = ((0.1, 0.1), (0.5, 0.1), (0.5, 0.5), (0.1, 0.5))


def zone(**kw: object) -> Zone:
    base: dict[str, object] = {
        "id": "Z1",
        "camera_id": "C",
        "name": "Station 1",
        "polygon": SQUARE,
        "min_workers": 1,
        "max_workers": 2,
        "alert_on_empty": True,
        "idle_threshold_s": 60,
    }
    base.update(kw)
    return Zone(**base)  # type: ignore[arg-type]


def test_an_empty_zone_alerts_once_after_the_hold() -> None:
    watch = ZoneAlertWatch([zone()], hold_s=5.0)
    raised = []
    for t in range(12):
        raised += watch.update(float(t), {"Z1": frozenset()}, {})
    assert [a.alert_type for a in raised] == [AlertType.ZONE_EMPTY]
    assert raised[0].at == 5.0


def test_a_new_episode_alerts_again() -> None:
    watch = ZoneAlertWatch([zone()], hold_s=1.0)
    raised = []
    for t, members in enumerate([(), (), (1,), (1,), (), (), ()]):
        raised += watch.update(float(t), {"Z1": frozenset(members)}, {})
    assert [a.at for a in raised] == [1.0, 5.0]


def test_overflow_alerts_and_ok_does_not() -> None:
    watch = ZoneAlertWatch([zone()], hold_s=0.0)
    assert watch.update(0.0, {"Z1": frozenset({1, 2})}, {}) == []
    raised = watch.update(1.0, {"Z1": frozenset({1, 2, 3})}, {})
    assert [a.alert_type for a in raised] == [AlertType.ZONE_OVERFLOW]
    assert raised[0].count == 3


def test_zones_without_empty_alerts_stay_quiet() -> None:
    watch = ZoneAlertWatch([zone(alert_on_empty=False)], hold_s=0.0)
    assert watch.update(10.0, {"Z1": frozenset()}, {}) == []


def test_idle_threshold_alerts_once_per_idle_spell() -> None:
    watch = ZoneAlertWatch([zone(idle_threshold_s=30)], hold_s=0.0)
    raised = []
    for t in range(0, 100, 10):
        raised += watch.update(float(t), {"Z1": frozenset({7})}, {7: 0.0})
    idle = [a for a in raised if a.alert_type is AlertType.IDLE_THRESHOLD]
    assert [(a.track_id, a.at) for a in idle] == [(7, 30.0)]
    later = watch.update(200.0, {"Z1": frozenset({7})}, {7: 150.0})
    assert [a.alert_type for a in later] == [AlertType.IDLE_THRESHOLD]
