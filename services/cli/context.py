"""Turning the common CLI options into configuration and a service stack, with clear errors."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from services.bootstrap import App, bootstrap
from services.cli.common import CliError
from services.config import Config, load_config
from services.errors import ServiceError


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
    config = config_from_args(args)
    try:
        app = bootstrap(config, upgrade=upgrade, check_schema=check_schema)
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    try:
        yield app
    finally:
        app.close()
