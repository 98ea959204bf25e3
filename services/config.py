"""Typed settings: where the database and the change feed are, and which seat this is.

Precedence: explicit arguments (CLI flags, the settings dialog) > environment variables
(TAKT_DATABASE_URL, TAKT_REDIS_URL, TAKT_SEAT, TAKT_USER) > the config file in the user config
directory > defaults (an SQLite file in the user data directory, the in-process feed, the host
name). ``TAKT_HOME`` moves every per-user directory under one folder (tests, portable installs).
"""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from services.errors import ConfigurationError

log = logging.getLogger(__name__)

APP_NAME = "takt"


@dataclass(frozen=True, slots=True)
class Paths:
    data: Path
    config: Path
    logs: Path
    cache: Path

    @classmethod
    def default(cls) -> Paths:
        home = os.environ.get("TAKT_HOME")
        if home:
            root = Path(home)
            return cls(root / "data", root / "config", root / "logs", root / "cache")
        import platformdirs

        return cls(
            Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )

    @property
    def config_file(self) -> Path:
        return self.config / "config.json"

    @property
    def default_database(self) -> Path:
        return self.data / "takt.db"


@dataclass(frozen=True, slots=True)
class Config:
    database_url: str
    redis_url: str | None
    seat: str
    user: str
    paths: Paths
    demo_on_first_start: bool = True

    @property
    def embedded(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def feed_name(self) -> str:
        return "redis" if self.redis_url else "in-process"

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def describe(self) -> dict[str, Any]:
        return {
            "database": redact_url(self.database_url),
            "feed": self.feed_name,
            "redis": redact_url(self.redis_url) if self.redis_url else None,
            "seat": self.seat,
            "user": self.user,
        }


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***: safe for logs, status bars and JSON."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    return f"{scheme}://{creds}@{host}"


def read_config_file(paths: Paths) -> dict[str, Any]:
    path = paths.config_file
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigurationError(f"the config file {path} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"the config file {path} must hold a JSON object")
    return data


def write_config_file(paths: Paths, values: dict[str, Any]) -> Path:
    """Save settings (never a password: those go to the OS keyring, see services/secrets.py)."""
    values = _keep_password_out(values)
    paths.config.mkdir(parents=True, exist_ok=True)
    current = read_config_file(paths)
    current.update({k: v for k, v in values.items()})
    tmp = paths.config_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(current, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(paths.config_file)
    return paths.config_file


def _keep_password_out(values: dict[str, Any]) -> dict[str, Any]:
    """A database URL with a password: the password goes to the keyring (or nowhere), never
    into the file."""
    url = values.get("database_url")
    if not url:
        return values
    from services.secrets import split_password, store_database_password

    bare, password = split_password(str(url))
    if password is None:
        return values
    result = store_database_password(bare, password)
    if not result.stored:
        log.warning("the database password was not saved: %s", result.message)
    return {**values, "database_url": bare}


def load_config(
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
    seat: str | None = None,
    user: str | None = None,
    paths: Paths | None = None,
) -> Config:
    paths = paths or Paths.default()
    file_values = read_config_file(paths)
    env = os.environ
    db = database_url or env.get("TAKT_DATABASE_URL") or file_values.get("database_url")
    if not db:
        db = f"sqlite:///{paths.default_database}"
    redis = redis_url or env.get("TAKT_REDIS_URL") or file_values.get("redis_url") or None
    seat_name = seat or env.get("TAKT_SEAT") or file_values.get("seat") or socket.gethostname()
    user_name = user or env.get("TAKT_USER") or file_values.get("user") or "admin"
    if not seat_name.strip():
        raise ConfigurationError("the seat name cannot be empty")
    return Config(
        database_url=str(db),
        redis_url=str(redis) if redis else None,
        seat=seat_name.strip()[:64],
        user=str(user_name),
        paths=paths,
    )


def config_as_dict(config: Config) -> dict[str, Any]:
    d = asdict(config)
    d["paths"] = {k: str(v) for k, v in d["paths"].items()}
    return d
