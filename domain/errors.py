"""The errors the domain raises. Each one carries enough to explain itself to a person.

Every error has a stable ``code`` (for programs and translations) and a human ``message``;
``details`` holds the facts behind the message (ids, limits, dates) for the UI to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class DomainError(Exception):
    """Base class of everything the domain refuses."""

    code: str = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = details

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    """A value that breaks an invariant of an entity (bad quantity, bad polygon, ...)."""

    code = "invalid"


class NotFound(DomainError):
    """An entity that does not exist (or is not visible to the caller)."""

    code = "not_found"

    def __init__(self, entity: str, entity_id: object) -> None:
        super().__init__(f"{entity} {entity_id} does not exist", entity=entity, entity_id=entity_id)
        self.entity = entity
        self.entity_id = entity_id


class PermissionDenied(DomainError):
    """The acting user's role does not allow the action."""

    code = "permission_denied"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: a stable code and a sentence a shift lead can read."""

    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class RuleViolation(DomainError):
    """One or more business rules forbid the change. ``violations`` lists every one of them."""

    code = "rule_violation"

    def __init__(self, violations: list[Violation] | tuple[Violation, ...]) -> None:
        if not violations:
            raise ValueError("RuleViolation needs at least one violation")
        self.violations = tuple(violations)
        text = "; ".join(v.message for v in self.violations)
        super().__init__(text, code=self.violations[0].code)


class ConcurrentEdit(DomainError):
    """A stale write: somebody else changed the thing since the caller read it."""

    code = "concurrent_edit"

    def __init__(
        self,
        entity: str,
        entity_id: object,
        *,
        changed_by: str | None = None,
        seat: str | None = None,
        at: datetime | None = None,
    ) -> None:
        who = changed_by or "another user"
        where = f" at {seat}" if seat else ""
        when = f" {at:%Y-%m-%d %H:%M:%S}" if at else ""
        super().__init__(
            f"{entity} {entity_id} was changed by {who}{where}{when}; reload and try again",
            entity=entity,
            entity_id=entity_id,
            changed_by=changed_by,
            seat=seat,
            at=at,
        )
        self.entity = entity
        self.entity_id = entity_id
        self.changed_by = changed_by
        self.seat = seat
        self.at = at


class SlotConflict(DomainError):
    """A resource would hold two overlapping active allocations (the database's last word)."""

    code = "slot_conflict"
