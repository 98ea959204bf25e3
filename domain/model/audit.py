"""The audit record: who changed what, where, when and why (seed 004: complete audit trail)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditRecord:
    at: datetime
    user: str
    seat: str
    action: str  # e.g. allocation.reassign, zone.save, user.create
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None
    source: str = "supervisor_ui"
    request_id: str | None = None
    id: int | None = None
