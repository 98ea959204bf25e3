"""Reading the outbox: the source of truth a seat catches up from, by sequence number."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from domain.events import ChangeEvent
from services.messaging.codec import event_from_dict
from services.persistence.tables.system import change_events


def latest_seq(engine: Engine) -> int:
    with engine.connect().execution_options(read_only=True) as conn:
        value = conn.execute(select(func.max(change_events.c.seq))).scalar()
    return int(value or 0)


def events_after(engine: Engine, seq: int, limit: int = 5000) -> list[ChangeEvent]:
    """Committed events with a sequence number above ``seq``, oldest first."""
    t = change_events
    with engine.connect().execution_options(read_only=True) as conn:
        rows = conn.execute(
            select(t).where(t.c.seq > seq).order_by(t.c.seq).limit(limit)
        ).mappings()
        return [event_from_dict(dict(r)) for r in rows]
