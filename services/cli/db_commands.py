"""``takt db upgrade``, ``takt db status`` and ``takt info``."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from services.cli.common import CliError, emit
from services.cli.context import config_from_args, open_app
from services.config import redact_url
from services.errors import ServiceError

# Feature modules that add actions to `takt db` with register_db_actions(db_sub, parents).
DB_ACTION_MODULES: tuple[str, ...] = ("services.operations.cli",)  # backup, restore


def register(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="create, upgrade and inspect the database")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser(
        "upgrade",
        parents=[parents],
        help="create the schema or migrate it to this program's version",
    )
    up.set_defaults(handler=_upgrade)
    st = db_sub.add_parser("status", parents=[parents], help="show the schema version")
    st.set_defaults(handler=_status)
    for name in DB_ACTION_MODULES:  # more `takt db` actions from feature modules
        importlib.import_module(name).register_db_actions(db_sub, parents)

    info = sub.add_parser(
        "info", parents=[parents], help="what database this seat uses and what it holds"
    )
    info.set_defaults(handler=_info)


def _upgrade(args: argparse.Namespace) -> int:
    from services.persistence import migrate

    with open_app(args, upgrade=True) as app:
        status = migrate.schema_status(app.engine)
        payload = {
            "database": redact_url(app.config.database_url),
            "schema_version": status.current,
            "up_to_date": status.up_to_date,
        }
    emit(args, payload, f"schema at {status.current} (up to date) in {payload['database']}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from services.persistence import migrate
    from services.persistence.engine import check_connection, make_engine

    config = config_from_args(args)
    try:
        engine = make_engine(config.database_url, create=False)
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    try:
        server = check_connection(engine)
        status = migrate.schema_status(engine)
    finally:
        engine.dispose()
    payload: dict[str, Any] = {
        "database": redact_url(config.database_url),
        "server": server,
        "schema_version": status.current,
        "program_schema_version": status.head,
        "up_to_date": status.up_to_date,
    }
    emit(
        args,
        payload,
        f"{payload['database']} ({server}): schema {status.current or 'empty'}, "
        f"program {status.head}",
    )
    return 0


def _info(args: argparse.Namespace) -> int:
    from services.persistence import migrate
    from services.queries.counts import plant_counts

    with open_app(args, check_schema=False) as app:
        status = migrate.schema_status(app.engine)
        counts = plant_counts(app.engine) if status.up_to_date else {}
        payload = {
            "database": redact_url(app.config.database_url),
            "schema_version": status.current,
            "feed": app.config.feed_name,
            "seat": app.config.seat,
            "counts": counts,
        }
    lines = [
        f"database: {payload['database']}",
        f"schema:   {payload['schema_version'] or 'empty (run takt db upgrade)'}",
        f"feed:     {payload['feed']}",
        f"seat:     {payload['seat']}",
    ]
    lines += [f"  {k:<20} {v}" for k, v in counts.items()]
    emit(args, payload, "\n".join(lines))
    return 0
