"""``takt db backup|restore`` (the embedded database) and ``takt ops retention|anonymise|policy``.

backup/restore join the ``db`` group through services/cli/db_commands.py (DB_ACTION_MODULES
calls :func:`register_db_actions`); the site's operating jobs form the ``ops`` group.
Run the jobs daily from cron or the Windows task scheduler, e.g. ``takt ops retention``.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain.auth import Actor, Role
from services.cli.common import CliError, emit, existing_file, positive_int
from services.cli.context import cli_actor, config_from_args, open_app
from services.errors import ServiceError

if TYPE_CHECKING:
    from services.bootstrap import App


def register_db_actions(
    db_sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: argparse.ArgumentParser
) -> None:
    bk = db_sub.add_parser(
        "backup",
        parents=[parents],
        help="copy the embedded database to FILE while the program may run (SQLite online backup)",
    )
    bk.add_argument("file", type=Path, metavar="FILE", help="the backup file to write")
    bk.add_argument("--force", action="store_true", help="replace FILE if it exists")
    bk.set_defaults(handler=_backup)
    rs = db_sub.add_parser(
        "restore",
        parents=[parents],
        help="replace the embedded database with a backup (close the program first)",
    )
    rs.add_argument("file", type=existing_file, metavar="FILE", help="a file from takt db backup")
    rs.add_argument(
        "--no-keep",
        action="store_true",
        help="do not keep a copy of the database being replaced (default: keep one next to it)",
    )
    rs.set_defaults(handler=_restore)


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: argparse.ArgumentParser
) -> None:
    ops = sub.add_parser("ops", help="operating jobs: retention, GDPR anonymisation, policy")
    ops_sub = ops.add_subparsers(dest="ops_command", metavar="ACTION", required=True)
    user_opt = argparse.ArgumentParser(add_help=False)
    user_opt.add_argument(
        "--user", default=None, help="run as this administrator (default: TAKT_USER or admin)"
    )
    user_opt.add_argument(
        "--dry-run", action="store_true", help="count what would change, change nothing"
    )
    user_opt.add_argument(
        "--save", action="store_true", help="store the given periods as the site's policy"
    )

    ret = ops_sub.add_parser(
        "retention",
        parents=[parents, user_opt],
        help=(
            "delete time logs (default after 90 days), system logs (30 days) and change-feed "
            "events (7 days)"
        ),
    )
    ret.add_argument("--time-logs-days", type=positive_int, default=None, metavar="DAYS")
    ret.add_argument("--system-logs-days", type=positive_int, default=None, metavar="DAYS")
    ret.add_argument(
        "--change-events-days",
        type=positive_int,
        default=None,
        metavar="DAYS",
        help="keep the change feed's events this long (seats offline longer reload)",
    )
    ret.set_defaults(handler=_retention)

    an = ops_sub.add_parser(
        "anonymise",
        parents=[parents, user_opt],
        help="anonymise operators inactive for longer than the period (GDPR; default 3 years)",
    )
    an.add_argument("--after-days", type=positive_int, default=None, metavar="DAYS")
    an.set_defaults(handler=_anonymise)

    pol = ops_sub.add_parser(
        "policy", parents=[parents], help="show the site's retention periods and last runs"
    )
    pol.set_defaults(handler=_policy)


# -- db backup / restore ------------------------------------------------------------------------


def _backup(args: argparse.Namespace) -> int:
    from services.operations.backup import backup_database

    config = config_from_args(args)
    try:
        report = backup_database(config.database_url, args.file, overwrite=args.force)
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    payload = {
        "database": str(report.database),
        "backup": str(report.backup.path),
        "bytes": report.backup.size_bytes,
        "schema_version": report.backup.schema_version,
        "seconds": round(report.seconds, 3),
    }
    emit(
        args,
        payload,
        f"backup written: {payload['backup']} ({_size(report.backup.size_bytes)}, "
        f"schema {report.backup.schema_version})",
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    from services.operations.backup import restore_database

    config = config_from_args(args)
    try:
        report = restore_database(config.database_url, args.file, keep_previous=not args.no_keep)
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    payload = {
        "database": str(report.database),
        "restored_from": str(report.restored_from.path),
        "schema_version": report.restored_from.schema_version,
        "previous_copy": str(report.previous_copy) if report.previous_copy else None,
        "needs_upgrade": report.needs_upgrade,
        "seconds": round(report.seconds, 3),
    }
    lines = [f"restored {payload['database']} from {payload['restored_from']}"]
    if report.previous_copy:
        lines.append(f"the replaced database was kept as {report.previous_copy}")
    if report.needs_upgrade:
        lines.append(
            "its schema is older than this program: it is upgraded at the next start "
            "(or now with `takt db upgrade`)"
        )
    emit(args, payload, "\n".join(lines))
    return 0


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


# -- ops ------------------------------------------------------------------------------------------


def _actor(app: App, args: argparse.Namespace) -> Actor:
    actor = cli_actor(app, args.user, hint=": pass --user an administrator")
    if actor.role is not Role.ADMIN:
        raise CliError(f"{actor.user} is {actor.role.value}: operating jobs need an administrator")
    return actor


def _retention(args: argparse.Namespace) -> int:
    from services.operations.retention import read_policy, run_retention, save_policy

    with open_app(args) as app:
        actor = _actor(app, args)
        policy = read_policy(app).with_changes(
            time_logs_days=args.time_logs_days,
            system_logs_days=args.system_logs_days,
            change_events_days=args.change_events_days,
        )
        if args.save and not args.dry_run:
            save_policy(app, actor, policy, reason="takt ops retention --save")
        report = run_retention(app, actor, policy=policy, dry_run=args.dry_run)
    payload: dict[str, Any] = {
        "dry_run": report.dry_run,
        "policy": asdict(report.policy),
        "time_logs_before": report.time_logs_before,
        "system_logs_before": report.system_logs_before,
        "time_logs_deleted": report.time_logs_deleted,
        "system_logs_deleted": report.system_logs_deleted,
        "change_events_before": report.change_events_before,
        "change_events_deleted": report.change_events_deleted,
    }
    verb = "would delete" if report.dry_run else "deleted"
    emit(
        args,
        payload,
        f"{verb} {report.time_logs_deleted} time log(s) older than {report.policy.time_logs_days}"
        f" days, {report.system_logs_deleted} system log(s) older than "
        f"{report.policy.system_logs_days} days and {report.change_events_deleted} change event(s)"
        f" older than {report.policy.change_events_days} days",
    )
    return 0


def _anonymise(args: argparse.Namespace) -> int:
    from services.operations.retention import anonymise_inactive, read_policy, save_policy

    with open_app(args) as app:
        actor = _actor(app, args)
        policy = read_policy(app).with_changes(anonymise_after_days=args.after_days)
        if args.save and not args.dry_run:
            save_policy(app, actor, policy, reason="takt ops anonymise --save")
        report = anonymise_inactive(
            app, actor, after_days=policy.anonymise_after_days, dry_run=args.dry_run
        )
    payload = {
        "dry_run": report.dry_run,
        "after_days": policy.anonymise_after_days,
        "inactive_before": report.inactive_before,
        "anonymised": report.anonymised,
        "undated": report.undated,
    }
    verb = "would anonymise" if report.dry_run else "anonymised"
    text = (
        f"{verb} {len(report.anonymised)} operator(s) inactive for more than "
        f"{policy.anonymise_after_days} days"
    )
    if report.undated:
        text += (
            f"; {len(report.undated)} inactive operator(s) have no date and were left "
            f"alone: {', '.join(report.undated)}"
        )
    emit(args, payload, text)
    return 0


def _policy(args: argparse.Namespace) -> int:
    from services.operations.retention import last_runs, read_policy

    with open_app(args) as app:
        policy = read_policy(app)
        runs = last_runs(app)
    payload = {"policy": asdict(policy), "last_runs": runs}
    lines = [
        f"time logs kept      {policy.time_logs_days} days",
        f"system logs kept    {policy.system_logs_days} days",
        f"change events kept  {policy.change_events_days} days",
        f"inactive operators  anonymised after {policy.anonymise_after_days} days",
    ]
    lines += [
        f"last {key}: {value.get('at', '?')}"
        for key, value in runs.items()
        if isinstance(value, dict)
    ]
    emit(args, payload, "\n".join(lines))
    return 0
