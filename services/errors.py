"""Errors of the service layer that are not business rules: configuration and infrastructure.

Each has a message that names the problem and what to do, for the CLI's one-line errors and the
GUI's message boxes.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: an operation could not be carried out for a reason outside the domain."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(ServiceError):
    """A setting is malformed (a database URL with an unknown scheme, a bad seat name...)."""


class DatabaseUnavailable(ServiceError):
    """The database cannot be reached or refuses us (host down, wrong password, no such db)."""


class SchemaMismatch(ServiceError):
    """The database schema is older than the program (upgrade it) or newer (upgrade the program)."""

    def __init__(self, message: str, *, current: str | None, expected: str, newer: bool) -> None:
        super().__init__(message)
        self.current = current
        self.expected = expected
        self.newer = newer


class FeedUnavailable(ServiceError):
    """The shared change feed (Redis) cannot be reached."""
