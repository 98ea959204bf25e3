"""Retention jobs: delete time logs after 90 days and system logs after 30 days (seed 003), and
anonymise operators who have been inactive for 3 years (GDPR, seed 002 section 12.2).

The periods are the site's, stored in the ``settings`` table (``takt ops retention --save``),
with the seeds' values as defaults. Deletion runs in batches, each its own short transaction,
so seats keep writing while a large backlog is removed. Every run leaves an audit row and a
``system`` change event; anonymisation writes one audit row per operator, without any name.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select

from domain.auth import Actor, Permission
from domain.errors import ValidationError
from domain.events import Change, Topic
from services.bootstrap import App
from services.operations.site_settings import read_settings, write_setting
from services.persistence.tables.people import operators
from services.persistence.tables.system import change_events, system_logs
from services.persistence.tables.vision import time_logs

log = logging.getLogger(__name__)

KEYS = {
    "time_logs_days": "retention.time_logs_days",
    "system_logs_days": "retention.system_logs_days",
    "change_events_days": "retention.change_events_days",
    "anonymise_after_days": "gdpr.anonymise_inactive_after_days",
}
LAST_RETENTION = "retention.last_run"
LAST_ANONYMISATION = "gdpr.last_run"
DELETE_BATCH = 5000


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    time_logs_days: int = 90
    system_logs_days: int = 30
    anonymise_after_days: int = 3 * 365
    # The change feed's outbox: seats catch up from it after a reconnect; the audit log, not
    # this table, is the history. Camera summaries alone add ~17,000 rows per camera and day.
    change_events_days: int = 7

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, int) or value < 1:
                raise ValidationError(f"{name.replace('_', ' ')} must be a whole number ≥ 1")

    def with_changes(self, **changes: int | None) -> RetentionPolicy:
        values = asdict(self)
        values.update({k: v for k, v in changes.items() if v is not None})
        return RetentionPolicy(**values)


@dataclass(frozen=True, slots=True)
class RetentionReport:
    policy: RetentionPolicy
    time_logs_before: datetime
    system_logs_before: datetime
    time_logs_deleted: int
    system_logs_deleted: int
    dry_run: bool
    change_events_before: datetime | None = None
    change_events_deleted: int = 0


@dataclass(frozen=True, slots=True)
class AnonymisationReport:
    inactive_before: datetime
    anonymised: list[str] = field(default_factory=list)
    undated: list[str] = field(default_factory=list)  # inactive, but no date says since when
    dry_run: bool = False


def read_policy(app: App) -> RetentionPolicy:
    with app.engine.connect().execution_options(read_only=True) as conn:
        stored = read_settings(conn, list(KEYS.values()))
    values: dict[str, Any] = {}
    for name, key in KEYS.items():
        if key in stored:
            try:
                values[name] = int(stored[key])
            except (TypeError, ValueError):
                log.warning("setting %s has an unusable value; using the default", key)
    return RetentionPolicy(**values)


def last_runs(app: App) -> dict[str, Any]:
    with app.engine.connect().execution_options(read_only=True) as conn:
        return read_settings(conn, [LAST_RETENTION, LAST_ANONYMISATION])


def save_policy(app: App, actor: Actor, policy: RetentionPolicy, reason: str | None = None) -> None:
    actor.require(Permission.OPERATE_SYSTEM)
    before = read_policy(app)
    with app.uow(actor) as uow:
        now = uow.now
        for name, key in KEYS.items():
            write_setting(uow.conn, key, getattr(policy, name), by=actor.user, at=now)
        uow.audit(
            "settings.retention", "settings", "retention", asdict(before), asdict(policy), reason
        )
        uow.record(Change(Topic.SYSTEM, "settings_changed", ("retention",), asdict(policy)))
        uow.commit()
    log.info("retention policy saved by %s: %s", actor.user, asdict(policy))


def _older(table: Table, before: datetime, keep_newest: bool) -> ColumnElement[bool]:
    key = next(iter(table.primary_key.columns))
    cond: ColumnElement[bool] = table.c.at < before
    if keep_newest:
        newest = select(func.max(key)).scalar_subquery()
        cond = and_(cond, key < newest)
    return cond


def _delete_older(
    app: App,
    actor: Actor,
    table: Table,
    before: datetime,
    batch: int,
    *,
    keep_newest: bool = False,
) -> int:
    """Delete rows with ``at < before`` in batches; returns how many went."""
    key = next(iter(table.primary_key.columns))
    total = 0
    while True:
        with app.uow(actor) as uow:
            ids = (
                select(key)
                .where(_older(table, before, keep_newest))
                .order_by(key)
                .limit(batch)
                .scalar_subquery()
            )
            deleted = uow.conn.execute(delete(table).where(key.in_(ids))).rowcount or 0
            uow.commit()
        total += deleted
        if deleted < batch:
            return total


def _count_older(app: App, table: Table, before: datetime, *, keep_newest: bool = False) -> int:
    with app.engine.connect().execution_options(read_only=True) as conn:
        stmt = select(func.count()).select_from(table).where(_older(table, before, keep_newest))
        return int(conn.execute(stmt).scalar_one())


def run_retention(
    app: App,
    actor: Actor,
    *,
    policy: RetentionPolicy | None = None,
    dry_run: bool = False,
    batch: int = DELETE_BATCH,
) -> RetentionReport:
    """Delete time logs, system logs and change-feed events older than the policy's periods
    (or count them). The newest change event is always kept, so sequence numbers never restart."""
    actor.require(Permission.OPERATE_SYSTEM)
    policy = policy or read_policy(app)
    now = app.clock.now()
    tl_before = now - timedelta(days=policy.time_logs_days)
    sl_before = now - timedelta(days=policy.system_logs_days)
    ce_before = now - timedelta(days=policy.change_events_days)
    if dry_run:
        return RetentionReport(
            policy,
            tl_before,
            sl_before,
            _count_older(app, time_logs, tl_before),
            _count_older(app, system_logs, sl_before),
            dry_run=True,
            change_events_before=ce_before,
            change_events_deleted=_count_older(app, change_events, ce_before, keep_newest=True),
        )
    tl = _delete_older(app, actor, time_logs, tl_before, batch)
    sl = _delete_older(app, actor, system_logs, sl_before, batch)
    ce = _delete_older(app, actor, change_events, ce_before, batch, keep_newest=True)
    summary = {
        "at": now.isoformat(),
        "by": actor.user,
        "time_logs_deleted": tl,
        "system_logs_deleted": sl,
        "change_events_deleted": ce,
        "time_logs_before": tl_before.isoformat(),
        "system_logs_before": sl_before.isoformat(),
        "change_events_before": ce_before.isoformat(),
    }
    with app.uow(actor) as uow:
        write_setting(uow.conn, LAST_RETENTION, summary, by=actor.user, at=now)
        uow.audit(
            "retention.run",
            "settings",
            "retention",
            None,
            summary,
            f"time logs > {policy.time_logs_days} d, system logs > {policy.system_logs_days} d,"
            f" change events > {policy.change_events_days} d",
        )
        uow.record(Change(Topic.SYSTEM, "retention_run", ("retention",), summary))
        uow.commit()
    log.info("retention: %d time logs, %d system logs and %d change events deleted", tl, sl, ce)
    return RetentionReport(
        policy,
        tl_before,
        sl_before,
        tl,
        sl,
        dry_run=False,
        change_events_before=ce_before,
        change_events_deleted=ce,
    )


def anonymise_inactive(
    app: App,
    actor: Actor,
    *,
    after_days: int | None = None,
    dry_run: bool = False,
) -> AnonymisationReport:
    """Anonymise operators inactive for longer than ``after_days`` (default: the policy's).

    Inactive since = the row's last change (``updated_at``), else its last status change. An
    inactive operator with neither date is left alone and listed as undated: nobody can say
    the period has passed.
    """
    actor.require(Permission.OPERATE_SYSTEM)
    days = after_days if after_days is not None else read_policy(app).anonymise_after_days
    if days < 1:
        raise ValidationError("the anonymisation period must be at least 1 day")
    now = app.clock.now()
    before = now - timedelta(days=days)
    since = func.coalesce(operators.c.updated_at, operators.c.status_updated_at)
    candidates = and_(operators.c.active.is_(False), operators.c.anonymised.is_(False))
    with app.engine.connect().execution_options(read_only=True) as conn:
        due = [
            r.id
            for r in conn.execute(
                select(operators.c.id).where(candidates, since < before).order_by(operators.c.id)
            )
        ]
        undated = [
            r.id
            for r in conn.execute(
                select(operators.c.id)
                .where(candidates, or_(since.is_(None)))
                .order_by(operators.c.id)
            )
        ]
    report = AnonymisationReport(before, due, undated, dry_run)
    if dry_run or not due:
        return report
    with app.uow(actor) as uow:
        done: list[str] = []
        for op_id in due:
            op = uow.repos.operators.require(op_id, lock=True)
            if op.active or op.anonymised:  # changed since the selection
                continue
            op.anonymise()
            op.updated_by, op.updated_seat, op.updated_at = actor.user, actor.seat, now
            uow.repos.operators.update(op)
            uow.audit(
                "operator.anonymise",
                "operator",
                op_id,
                {"anonymised": False},
                {"anonymised": True},
                f"GDPR: inactive for more than {days} days",
            )
            done.append(op_id)
        summary = {
            "at": now.isoformat(),
            "by": actor.user,
            "anonymised": len(done),
            "inactive_before": before.isoformat(),
        }
        write_setting(uow.conn, LAST_ANONYMISATION, summary, by=actor.user, at=now)
        if done:
            uow.record(Change(Topic.OPERATOR, "anonymised", tuple(done)))
        uow.commit()
    log.info("GDPR: %d inactive operator(s) anonymised", len(done))
    return AnonymisationReport(before, done, undated, dry_run=False)
