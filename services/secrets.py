"""Secrets (the database password, camera credentials) in the operating system's keyring.

Windows Credential Manager, the macOS Keychain, or the Secret Service / KWallet on a Linux
desktop, through ``keyring``. Where none exists (a headless Linux box: keyring falls back to its
"fail" backend) a secret is NOT stored anywhere and the caller is told so, so that it can say
what to do instead (PGPASSWORD or ~/.pgpass for PostgreSQL, which libpq reads itself). A secret
is never written to config.json, never logged and never shown: URLs go through
:func:`strip_password` before they are stored and :func:`services.config.redact_url` before
they are shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)

SERVICE = "takt-control-room"


@dataclass(frozen=True, slots=True)
class StoreResult:
    stored: bool
    message: str  # one sentence for the user (never the secret)


def _keyring() -> Any | None:
    """The usable keyring backend, or None when this machine has none."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - a broken keyring config must not stop the program
        log.warning("no keyring: %s", type(exc).__name__)
        return None
    if isinstance(backend, fail.Keyring):
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


def keyring_available() -> bool:
    return _keyring() is not None


def keyring_name() -> str | None:
    backend = _keyring()
    if backend is None:
        return None
    name = getattr(backend, "name", None)
    return str(name) if name else type(backend).__name__


def set_secret(key: str, secret: str) -> StoreResult:
    backend = _keyring()
    if backend is None:
        return StoreResult(
            False,
            "this computer has no keyring (password store), so the secret was not saved",
        )
    try:
        backend.set_password(SERVICE, key, secret)
    except Exception as exc:  # noqa: BLE001 - keyring backends raise their own types
        log.warning("the keyring refused to store %s: %s", key, type(exc).__name__)
        return StoreResult(False, f"the keyring refused to store the secret ({type(exc).__name__})")
    log.info("secret %s stored in the keyring", key)
    return StoreResult(True, f"saved in the keyring ({keyring_name()})")


def get_secret(key: str) -> str | None:
    backend = _keyring()
    if backend is None:
        return None
    try:
        value = backend.get_password(SERVICE, key)
    except Exception as exc:  # noqa: BLE001 - a locked or broken keyring: behave as if absent
        log.warning("the keyring could not be read for %s: %s", key, type(exc).__name__)
        return None
    return None if value is None else str(value)


def delete_secret(key: str) -> bool:
    backend = _keyring()
    if backend is None:
        return False
    try:
        backend.delete_password(SERVICE, key)
    except Exception:  # noqa: BLE001 - absent already, or the backend cannot delete
        return False
    return True


# -- database URLs ----------------------------------------------------------------------------


def _parse(url: str) -> URL | None:
    try:
        return make_url(url.strip())
    except (ArgumentError, ValueError):
        return None


def database_key(url: str | URL) -> str | None:
    """The keyring entry of a server database URL: ``database:USER@HOST:PORT/DB``."""
    parsed = _parse(url) if isinstance(url, str) else url
    if parsed is None or parsed.get_backend_name() == "sqlite" or not parsed.username:
        return None
    port = parsed.port or 5432
    return f"database:{parsed.username}@{parsed.host or 'localhost'}:{port}/{parsed.database or ''}"


def split_password(url: str) -> tuple[str, str | None]:
    """The URL without its password, and the password (None when it had none)."""
    parsed = _parse(url)
    if parsed is None or parsed.password is None:
        return url.strip(), None
    # URL.set() treats None as "unchanged"; URL is a NamedTuple, so _replace drops it.
    bare = parsed._replace(password=None).render_as_string(hide_password=False)
    return bare, str(parsed.password)


def with_password(url: str, password: str | None) -> str:
    """The URL with ``password`` put in (for a connection test; never stored or shown)."""
    if not password:
        return url
    parsed = _parse(url)
    if parsed is None:
        return url
    return parsed.set(password=password).render_as_string(hide_password=False)


def store_database_password(url: str, password: str) -> StoreResult:
    key = database_key(url)
    if key is None:
        return StoreResult(False, "this database needs no password")
    return set_secret(key, password)


def database_password(url: str | URL) -> str | None:
    key = database_key(url)
    return get_secret(key) if key else None


def fill_database_password(url: URL) -> URL:
    """Used by the engine factory: a server URL without a password gets the stored one."""
    if url.password is not None or url.get_backend_name() == "sqlite" or not url.username:
        return url
    password = database_password(url)
    return url if password is None else url.set(password=password)


# -- camera credentials -----------------------------------------------------------------------


def camera_key(credential_ref: str) -> str:
    """The keyring entry of a camera's credentials (cameras.credential_ref names it)."""
    return f"camera:{credential_ref}"


def store_camera_credentials(credential_ref: str, username: str, password: str) -> StoreResult:
    return set_secret(camera_key(credential_ref), f"{username}\n{password}")


def camera_credentials(credential_ref: str) -> tuple[str, str] | None:
    value = get_secret(camera_key(credential_ref))
    if value is None or "\n" not in value:
        return None
    username, password = value.split("\n", 1)
    return username, password
