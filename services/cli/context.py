"""Turning the common CLI options into configuration and a service stack, with clear errors."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from services.cli.common import CliError
from services.config import Config, load_config
from services.errors import ServiceError

# the service stack (SQLAlchemy, Alembic) loads when a command runs, not for --help
if TYPE_CHECKING:
    from domain.auth import Actor
    from services.bootstrap import App


def config_from_args(args: argparse.Namespace) -> Config:
    try:
        return load_config(
            database_url=getattr(args, "database_url", None),
            redis_url=getattr(args, "redis_url", None),
            seat=getattr(args, "seat", None),
        )
    except ServiceError as exc:
        raise CliError(str(exc)) from exc


@contextmanager
def open_app(
    args: argparse.Namespace, *, upgrade: bool = False, check_schema: bool = True
) -> Iterator[App]:
    from services.bootstrap import bootstrap

    config = config_from_args(args)
    try:
        app = bootstrap(config, upgrade=upgrade, check_schema=check_schema)
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    try:
        yield app
    finally:
        app.close()


def cli_actor(
    app: App, name: str | None, *, source: str = "cli", hint: str = " (pass --user)"
) -> Actor:
    """The acting user of a command (``name``, else the configured user), or one clear line:
    "there is no active user 'x'" followed by ``hint``."""
    from domain.errors import NotFound

    user = name or app.config.user
    try:
        return app.actor(user, source=source)
    except NotFound:
        raise CliError(f"there is no active user {user!r}{hint}") from None
