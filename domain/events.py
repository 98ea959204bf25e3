"""Change events: what the outbox stores and the change feed carries between seats.

A change event names what changed (topic + ids); a seat that receives one re-reads what it
shows. Allocation events also carry the state the call left (the allocation cards it wrote, the
versions and statuses of the operators, machines and work orders it touched, stock left), so a
seat whose cards are at the event's "before" versions applies them without a read
(services/allocation/board_events.py) and reads only what the payload cannot tell. ``seq`` is
assigned by the database in commit order, so a seat that
saw 41 and then 43 knows it missed 42 and reads it from the outbox.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Topic(enum.StrEnum):
    PLANT = "plant"
    OPERATOR = "operator"
    MACHINE = "machine"
    WORK_ORDER = "work_order"
    MATERIAL = "material"
    ALLOCATION = "allocation"
    SCHEDULE = "schedule"
    ROSTER = "roster"
    ROSTER_DRAFT = "roster_draft"  # a draft roster changed (the published one did not)
    ZONE = "zone"
    CAMERA = "camera"
    VISION = "vision"
    ALERT = "alert"
    ANALYTICS = "analytics"
    USER = "user"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Change:
    """A change recorded inside a unit of work, before it has a sequence number."""

    topic: Topic
    kind: str  # past tense: allocated, reassigned, zone_saved, ...
    ids: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """A committed change with its place in the global order."""

    seq: int
    at: datetime
    topic: Topic
    kind: str
    ids: tuple[str, ...]
    user: str
    seat: str
    request_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
