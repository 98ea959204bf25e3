"""Retention jobs and GDPR anonymisation, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from domain.auth import Actor, Role
from domain.errors import PermissionDenied, ValidationError
from services.operations.retention import (
    RetentionPolicy,
    anonymise_inactive,
    last_runs,
    read_policy,
    run_retention,
    save_policy,
)
from services.persistence.tables.people import operators
from services.persistence.tables.system import audit_log, change_events, system_logs
from services.persistence.tables.vision import cameras, time_logs
from tests.conftest import NOW
from tests.services.persistence.helpers import ADMIN, seed_minimal

VIEWER = Actor("viewer", Role.VIEWER, "seat-3")


def _count(app: Any, table: Any) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _logs(app: Any, ages_days: list[float]) -> None:
    with app.engine.begin() as conn:
        if not conn.execute(select(cameras.c.id)).first():
            conn.execute(insert(cameras).values(id="CAM-1", name="Cam", source="demo:x.gif"))
        for i, age in enumerate(ages_days):
            at = NOW - timedelta(days=age)
            conn.execute(insert(time_logs).values(at=at, camera_id="CAM-1", track_id=i))
            conn.execute(
                insert(system_logs).values(at=at, level="INFO", component="test", message=f"{i}")
            )


@pytest.fixture
def app(db_url: str, make_app: Any) -> Any:
    app = make_app(db_url)
    seed_minimal(app)
    return app


def test_defaults_are_the_seeds_periods(app: Any) -> None:
    assert read_policy(app) == RetentionPolicy(90, 30, 3 * 365)


def test_retention_deletes_only_what_is_older_than_each_period(app: Any) -> None:
    _logs(app, [1, 29, 31, 89, 91, 400])
    dry = run_retention(app, ADMIN, dry_run=True)
    assert (dry.time_logs_deleted, dry.system_logs_deleted) == (2, 4)
    assert _count(app, time_logs) == 6  # a dry run changes nothing
    report = run_retention(app, ADMIN, batch=1)  # one row per transaction: the loop must go on
    assert (report.time_logs_deleted, report.system_logs_deleted) == (2, 4)
    with app.engine.connect() as conn:
        kept_tl = sorted(r.track_id for r in conn.execute(select(time_logs.c.track_id)))
        kept_sl = sorted(r.message for r in conn.execute(select(system_logs.c.message)))
    assert kept_tl == [0, 1, 2, 3]  # 1, 29, 31, 89 days old
    assert kept_sl == ["0", "1"]  # 1, 29 days old
    assert last_runs(app)["retention.last_run"]["time_logs_deleted"] == 2
    with app.engine.connect() as conn:
        audit = conn.execute(
            select(audit_log.c.action, audit_log.c.user).where(
                audit_log.c.action == "retention.run"
            )
        ).all()
        events = conn.execute(
            select(change_events.c.kind).where(change_events.c.topic == "system")
        ).all()
    assert [tuple(a) for a in audit] == [("retention.run", "admin")]
    assert [e.kind for e in events] == ["retention_run"]


def _events(app: Any, ages_days: list[float]) -> list[int]:
    seqs = []
    with app.engine.begin() as conn:
        for age in ages_days:
            row = conn.execute(
                insert(change_events)
                .values(
                    at=NOW - timedelta(days=age),
                    topic="plant",
                    kind="test",
                    ids=[],
                    data={},
                    user="t",
                    seat="s",
                )
                .returning(change_events.c.seq)
            )
            seqs.append(int(row.scalar_one()))
    return seqs


def test_change_events_older_than_their_period_go_but_the_newest_stays(app: Any) -> None:
    with app.engine.begin() as conn:
        conn.execute(change_events.delete())
    old, recent, newest_but_old = _events(app, [30, 1, 20])
    report = run_retention(app, ADMIN, policy=RetentionPolicy(change_events_days=7))
    assert report.change_events_deleted == 1
    with app.engine.connect() as conn:
        left = [r.seq for r in conn.execute(select(change_events.c.seq))]
    # the newest row keeps the sequence going even when it is old; the run adds its own event
    assert old not in left
    assert {recent, newest_but_old} <= set(left)


def test_the_sites_policy_is_stored_and_used(app: Any) -> None:
    _logs(app, [10, 20, 40])
    save_policy(app, ADMIN, RetentionPolicy(time_logs_days=15, system_logs_days=5))
    assert read_policy(app).time_logs_days == 15
    save_policy(app, ADMIN, read_policy(app).with_changes(system_logs_days=35))  # an update
    assert read_policy(app) == RetentionPolicy(15, 35, 3 * 365)
    report = run_retention(app, ADMIN)
    assert (report.time_logs_deleted, report.system_logs_deleted) == (2, 1)


def test_bad_periods_and_non_admins_are_refused(app: Any) -> None:
    with pytest.raises(ValidationError):
        RetentionPolicy(time_logs_days=0)
    with pytest.raises(PermissionDenied):
        run_retention(app, VIEWER)
    with pytest.raises(PermissionDenied):
        save_policy(app, VIEWER, RetentionPolicy())
    with pytest.raises(PermissionDenied):
        anonymise_inactive(app, VIEWER)


def _set_operator(app: Any, op_id: str, **values: Any) -> None:
    with app.engine.begin() as conn:
        conn.execute(operators.update().where(operators.c.id == op_id).values(**values))


def test_inactive_operators_are_anonymised_after_the_period(app: Any) -> None:
    years = timedelta(days=365)
    _set_operator(
        app, "OP-0001", active=False, updated_at=NOW - 4 * years, email="a@b.c", phone="123"
    )
    _set_operator(app, "OP-0002", active=False, updated_at=NOW - 1 * years)
    _set_operator(app, "OP-0003", active=False, updated_at=None, status_updated_at=None)
    dry = anonymise_inactive(app, ADMIN, dry_run=True)
    assert (dry.anonymised, dry.undated) == (["OP-0001"], ["OP-0003"])
    report = anonymise_inactive(app, ADMIN)
    assert report.anonymised == ["OP-0001"]
    assert report.undated == ["OP-0003"]
    with app.uow(ADMIN) as uow:
        gone = uow.repos.operators.require("OP-0001")
        kept = uow.repos.operators.require("OP-0002")
    assert (gone.first_name, gone.last_name, gone.email, gone.phone) == (
        "REDACTED",
        "REDACTED",
        None,
        None,
    )
    assert gone.anonymised
    assert gone.skills
    assert kept.first_name == "First2"
    assert not kept.anonymised
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.entity_id, audit_log.c.before, audit_log.c.after).where(
                audit_log.c.action == "operator.anonymise"
            )
        ).all()
        kinds = conn.execute(
            select(change_events.c.kind, change_events.c.ids).where(
                change_events.c.topic == "operator"
            )
        ).all()
    assert [r.entity_id for r in rows] == ["OP-0001"]
    assert "First1" not in repr(rows)  # the audit trail does not keep the name it erased
    assert [(k.kind, k.ids) for k in kinds] == [("anonymised", ["OP-0001"])]
    # a second run finds nothing more to do
    assert anonymise_inactive(app, ADMIN).anonymised == []


def test_the_anonymisation_period_can_be_shortened(app: Any) -> None:
    _set_operator(app, "OP-0002", active=False, updated_at=NOW - timedelta(days=40))
    assert anonymise_inactive(app, ADMIN).anonymised == []
    assert anonymise_inactive(app, ADMIN, after_days=30).anonymised == ["OP-0002"]
