"""Turning errors into sentences for people: rule violations, stale writes, unreachable servers."""

from __future__ import annotations

import logging

from domain.errors import ConcurrentEdit, DomainError, RuleViolation
from services.errors import ServiceError

log = logging.getLogger(__name__)


def describe(error: BaseException) -> str:
    """One or a few lines a person can act on; unexpected errors point to the log file."""
    if isinstance(error, RuleViolation):
        if len(error.violations) == 1:
            return error.violations[0].message
        return "\n".join(f"• {v.message}" for v in error.violations)
    if isinstance(error, ConcurrentEdit):
        return error.message
    if isinstance(error, DomainError | ServiceError):
        return error.message
    if isinstance(error, OSError) and error.filename:  # a file not written or read: which, why
        log.warning("file error", exc_info=error)
        return f"{error.strerror or 'failed'}: {error.filename}"
    log.error("unexpected error", exc_info=error)
    return f"Unexpected error: {type(error).__name__}: {error} (details are in the log file)"
