"""The site's privacy settings for camera analytics, in the database's ``settings`` table.

Every seat and worker of a site applies the same rules, so they are not in a seat's config:

- ``blur_people``: people are pixelated in displayed frames and in saved snapshots;
- ``snapshots``: an alert keeps the frame it was raised on (JPEG, nothing else is stored);
- ``snapshot_retention_days``: snapshots older than this are deleted.

Per-person figures are always pseudonymous (track ids); no identity is linked to a track.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.engine import Connection, Engine

from domain.auth import Actor, Permission
from domain.errors import ValidationError
from domain.events import Change, Topic
from services.bootstrap import App
from services.operations.site_settings import read_settings, write_setting

log = logging.getLogger(__name__)

KEYS = {
    "blur_people": "vision.blur_people",
    "snapshots": "vision.snapshots",
    "snapshot_retention_days": "vision.snapshot_retention_days",
}
POLICY_ID = "vision"  # the id of its change events (Topic.SYSTEM, "settings_changed")


@dataclass(frozen=True, slots=True)
class VisionPolicy:
    blur_people: bool = False
    snapshots: bool = True
    snapshot_retention_days: int = 14

    def __post_init__(self) -> None:
        days = self.snapshot_retention_days
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValidationError("snapshot retention must be a whole number of days ≥ 1")

    def with_changes(self, **changes: Any) -> VisionPolicy:
        values = asdict(self)
        values.update({k: v for k, v in changes.items() if v is not None})
        return VisionPolicy(**values)


def read_policy(source: Engine | Connection) -> VisionPolicy:
    if isinstance(source, Engine):
        with source.connect().execution_options(read_only=True) as conn:
            return read_policy(conn)
    stored = read_settings(source, list(KEYS.values()))
    values: dict[str, Any] = {}
    for name, key in KEYS.items():
        if key not in stored:
            continue
        raw = stored[key]
        if name == "snapshot_retention_days":
            if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1:
                values[name] = raw
            else:
                log.warning("setting %s has an unusable value %r; using the default", key, raw)
        elif isinstance(raw, bool):
            values[name] = raw
        else:
            log.warning("setting %s has an unusable value %r; using the default", key, raw)
    return VisionPolicy(**values)


def save_policy(app: App, actor: Actor, policy: VisionPolicy, reason: str | None = None) -> None:
    """Store the policy (administrators: Permission.OPERATE_SYSTEM), audited, announced."""
    actor.require(Permission.OPERATE_SYSTEM)
    before = read_policy(app.engine)
    with app.uow(actor) as uow:
        now = uow.now
        for name, key in KEYS.items():
            write_setting(uow.conn, key, getattr(policy, name), by=actor.user, at=now)
        uow.audit("settings.vision", "settings", POLICY_ID, asdict(before), asdict(policy), reason)
        uow.record(Change(Topic.SYSTEM, "settings_changed", (POLICY_ID,), asdict(policy)))
        uow.commit()
    log.info("vision policy saved by %s: %s", actor.user, asdict(policy))
