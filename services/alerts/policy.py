"""The site's alert policy (escalation delay, flap window) in the ``settings`` table, so every
seat and the ``takt alerts refresh`` job apply the same one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from domain.errors import ValidationError
from domain.rules.alerting import AlertPolicy
from services.operations.site_settings import read_settings, write_setting

POLICY_KEY = "alerts.policy"
DEFAULT = AlertPolicy()


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 60


def policy_to_setting(policy: AlertPolicy) -> dict[str, Any]:
    return {
        "escalate_after_minutes": _minutes(policy.escalate_after),
        "flap_window_minutes": _minutes(policy.flap_window),
        "auto_resolve": policy.auto_resolve,
    }


def policy_from_setting(value: object) -> AlertPolicy:
    """The stored policy; what is missing or unreadable keeps its default."""
    if not isinstance(value, dict):
        return DEFAULT
    escalate = DEFAULT.escalate_after
    if "escalate_after_minutes" in value:
        raw = value["escalate_after_minutes"]
        try:
            escalate = None if raw is None or float(raw) <= 0 else timedelta(minutes=float(raw))
        except (TypeError, ValueError):
            pass  # unreadable: the default
    flap = DEFAULT.flap_window
    raw_flap = value.get("flap_window_minutes")
    if isinstance(raw_flap, int | float) and raw_flap >= 0:
        flap = timedelta(minutes=float(raw_flap))
    auto = value.get("auto_resolve", DEFAULT.auto_resolve)
    return AlertPolicy(flap_window=flap, escalate_after=escalate, auto_resolve=bool(auto))


def read_site_policy(conn: Connection) -> AlertPolicy:
    return policy_from_setting(read_settings(conn, [POLICY_KEY]).get(POLICY_KEY))


def write_site_policy(conn: Connection, policy: AlertPolicy, *, by: str, at: datetime) -> None:
    if policy.flap_window < timedelta(0):
        raise ValidationError("the flap window cannot be negative")
    if policy.escalate_after is not None and policy.escalate_after <= timedelta(0):
        raise ValidationError("escalate after a positive number of minutes (or never)")
    write_setting(conn, POLICY_KEY, policy_to_setting(policy), by=by, at=at)
