"""Keyrings for tests: an in-memory one (a desktop with a password store) and none at all (a
headless Linux box). Tests never touch the machine's real keyring through these."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class RefusingKeyring(MemoryKeyring):
    """A keyring that exists but refuses to store (locked, or no D-Bus session)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError("the collection is locked")


def _use(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> Iterator[KeyringBackend]:
    yield from _use(MemoryKeyring())


@pytest.fixture
def no_keyring() -> Iterator[KeyringBackend]:
    from keyring.backends.fail import Keyring as FailKeyring

    yield from _use(FailKeyring())


@pytest.fixture
def refusing_keyring() -> Iterator[KeyringBackend]:
    yield from _use(RefusingKeyring())
