"""Change events to and from JSON (the Redis payload and the outbox rows)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.events import ChangeEvent, Topic


def event_to_dict(e: ChangeEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at.isoformat(),
        "topic": e.topic.value,
        "kind": e.kind,
        "ids": list(e.ids),
        "user": e.user,
        "seat": e.seat,
        "request_id": e.request_id,
        "data": e.data,
    }


def event_from_dict(d: Mapping[str, Any]) -> ChangeEvent:
    at = d["at"]
    return ChangeEvent(
        seq=int(d["seq"]),
        at=at if isinstance(at, datetime) else datetime.fromisoformat(at),
        topic=Topic(d["topic"]),
        kind=str(d["kind"]),
        ids=tuple(str(i) for i in d.get("ids") or ()),
        user=str(d["user"]),
        seat=str(d["seat"]),
        request_id=d.get("request_id"),
        data=dict(d.get("data") or {}),
    )


def encode(e: ChangeEvent) -> str:
    return json.dumps(event_to_dict(e), separators=(",", ":"), default=str)


def decode(raw: str | bytes) -> ChangeEvent:
    return event_from_dict(json.loads(raw))
