"""The upgrade path, on SQLite and on PostgreSQL, with data in the database:

- a database made with the first schema is migrated to the current one and keeps its data;
- a newer program (simulated: this program's migrations plus one more revision that rebuilds the
  operators table) migrates an older database without losing rows or constraints;
- an older program refuses a database a newer one has migrated: at start-up, in
  ``takt db upgrade``, and in the GUI's start (a message, nothing changed).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from services.bootstrap import bootstrap
from services.config import Paths, load_config
from services.errors import SchemaMismatch
from services.persistence import migrate
from services.persistence.engine import make_engine
from services.users import UserService
from tests.services.operations.test_first_run import empty_database

NEXT = "9001_next_for_test"


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without any schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old' / 'takt.db'}"
    else:
        yield from empty_database(request.getfixturevalue("pg_admin_url"))


def _paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "d", tmp_path / "c", tmp_path / "l", tmp_path / "k")


def first_revision() -> str:
    script = ScriptDirectory.from_config(migrate._alembic_config())
    bases = script.get_bases()
    assert len(bases) == 1, f"the migrations have several bases: {bases}"
    return bases[0]


# The first schema's rows, written as plain SQL in that schema's columns (not through today's
# tables, which later migrations may change).
FIRST_SCHEMA_ROWS = [
    "INSERT INTO organisations (id, name) VALUES ('ORG-1', 'Old Works')",
    "INSERT INTO plants (id, organisation_id, name, timezone) "
    "VALUES ('PLANT-1', 'ORG-1', 'Plant 1', 'Europe/Berlin')",
    "INSERT INTO lines (id, plant_id, name) VALUES ('L1', 'PLANT-1', 'Line 1')",
    "INSERT INTO operators (id, employee_id, first_name, last_name, line_id, status, active, "
    "anonymised, version) VALUES ('OP-1', 'E1', 'Ada', 'Lovelace', 'L1', 'available', TRUE, "
    "FALSE, 3)",
    "INSERT INTO operators (id, employee_id, first_name, last_name, status, active, anonymised, "
    "version) VALUES ('OP-2', 'E2', 'Grace', 'Hopper', 'offline', FALSE, FALSE, 1)",
    "INSERT INTO users (username, display_name, role, password_hash, active, version) "
    "VALUES ('admin', 'Administrator', 'admin', :hash, TRUE, 1)",
    "INSERT INTO settings (key, value) VALUES ('retention.time_logs_days', '60')",
]


def _write_first_schema_data(engine: Engine) -> None:
    from services.passwords import hash_password

    with engine.begin() as conn:
        for sql in FIRST_SCHEMA_ROWS:
            conn.execute(
                text(sql), {"hash": hash_password("old-password")} if ":hash" in sql else {}
            )
        conn.execute(
            text(
                "INSERT INTO operator_skills (operator_id, skill_code, skill_name, proficiency) "
                "VALUES ('OP-1', 'PRESS', 'Press operation', 4)"
            )
        )


def test_a_first_schema_database_with_data_is_upgraded_to_the_current_one(
    empty_url: str, tmp_path: Path
) -> None:
    engine = make_engine(empty_url, create=True)
    try:
        first = first_revision()
        migrate.upgrade(engine, first)
        assert migrate.current_revision(engine) == first
        _write_first_schema_data(engine)
    finally:
        engine.dispose()

    # the current program starts on it (the embedded start and `takt db upgrade` do this)
    config = load_config(database_url=empty_url, paths=_paths(tmp_path))
    app = bootstrap(config, upgrade=True)
    try:
        assert migrate.schema_status(app.engine).up_to_date
        with app.uow(app.actor("admin")) as uow:
            ops = {o.id: o for o in uow.repos.operators.list()}
        assert sorted(ops) == ["OP-1", "OP-2"]
        assert ops["OP-1"].name == "Ada Lovelace"
        assert ops["OP-1"].version == 3
        assert [s.skill_code for s in ops["OP-1"].skills] == ["PRESS"]
        assert not ops["OP-2"].active
        assert UserService(app).authenticate("admin", "old-password").role.value == "admin"
        from services.operations.retention import read_policy

        assert read_policy(app).time_logs_days == 60
    finally:
        app.close()


# -- a newer program ---------------------------------------------------------------------------

NEXT_REVISION = '''"""test only: the next schema, which rebuilds the operators table"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "{next}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite rebuilds the table (copy, drop, rename): the hard case for the rows that
    # reference operators (operator_skills ON DELETE CASCADE, allocations, time logs).
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("operators", recreate="always" if sqlite else "auto") as batch:
        batch.add_column(sa.Column("badge_no", sa.String(32), nullable=True))
    op.execute("UPDATE operators SET badge_no = 'B-' || employee_id")


def downgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("badge_no")
'''


@pytest.fixture
def newer_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Point the migrations at a copy with one more revision; undo() is the current program."""
    copy = tmp_path / "newer-migrations"
    shutil.copytree(migrate.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    head = migrate.head_revision()
    (copy / "versions" / f"{NEXT}.py").write_text(
        NEXT_REVISION.format(next=NEXT, head=head), encoding="utf-8"
    )
    monkeypatch.setattr(migrate, "MIGRATIONS", copy)
    assert migrate.head_revision() == NEXT
    yield monkeypatch
    monkeypatch.undo()


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_a_newer_program_migrates_and_an_older_one_then_refuses(
    db_url: str, make_app: Any, newer_program: Any, tmp_path: Path, capsys: Any
) -> None:
    from tests.services.persistence.helpers import seed_minimal

    # an "older" database: the current schema with data in it (made before the patch took hold)
    old = bootstrap(load_config(database_url=db_url, paths=_paths(tmp_path)), check_schema=False)
    try:
        seed_minimal(old)
    finally:
        old.close()
    engine = make_engine(db_url, create=False)
    try:
        skills_before = _rows(engine, "SELECT operator_id, skill_code FROM operator_skills")
        assert len(skills_before) == 3

        # the newer program refuses to run on the older schema until it is upgraded...
        with pytest.raises(SchemaMismatch) as older:
            migrate.require_current(engine)
        assert not older.value.newer
        assert "takt db upgrade" in str(older.value)
        # ...and upgrades it
        status = migrate.upgrade(engine)
        assert status.current == NEXT
        assert status.up_to_date
        assert _rows(engine, "SELECT id, badge_no FROM operators ORDER BY id") == [
            ("OP-0001", "B-E1"),
            ("OP-0002", "B-E2"),
            ("OP-0003", "B-E3"),
        ]
        assert _rows(engine, "SELECT operator_id, skill_code FROM operator_skills") == (
            skills_before
        )
        # constraints survived the rebuild: a skill of an unknown operator is still refused
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO operator_skills (operator_id, skill_code, skill_name, "
                    "proficiency) VALUES ('OP-NOBODY', 'X', 'X', 1)"
                )
            )
    finally:
        engine.dispose()

    # the current program, which does not know NEXT, refuses the database everywhere
    newer_program.undo()
    assert migrate.head_revision() != NEXT
    config = load_config(database_url=db_url, paths=_paths(tmp_path))
    with pytest.raises(SchemaMismatch) as refused:
        bootstrap(config)
    assert refused.value.newer
    assert "newer than this program" in str(refused.value)
    with pytest.raises(SchemaMismatch):
        bootstrap(config, upgrade=True)  # an upgrade must not touch it either

    from services.cli.main import run

    assert run(["db", "upgrade", "--database-url", db_url]) == 2
    err = capsys.readouterr().err
    assert "install the newer Takt Control Room" in err
    assert err.count("\n") == 1

    from desktop.messages import describe
    from desktop.startup import prepare

    with pytest.raises(SchemaMismatch) as gui:
        prepare(config)  # what the GUI runs in its start-up thread
    assert "newer" in describe(gui.value)

    engine = make_engine(db_url, create=False)
    try:
        assert migrate.current_revision(engine) == NEXT  # nothing was changed
        assert len(_rows(engine, "SELECT id FROM operators")) == 3
    finally:
        engine.dispose()
