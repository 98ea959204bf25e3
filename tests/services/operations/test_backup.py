"""Backup and restore of the embedded database (SQLite online backup API)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from services.errors import ConfigurationError, SchemaMismatch
from services.operations import backup as backup_mod
from services.operations.backup import BackupError, backup_database, inspect_file, restore_database
from services.persistence import migrate


def _file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _operators(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM operators ORDER BY id")]
    finally:
        conn.close()


def _add_operator(conn: sqlite3.Connection, op_id: str) -> None:
    conn.execute(
        "INSERT INTO operators (id, employee_id, first_name, last_name, status, active, "
        "anonymised, version) VALUES (?, ?, 'A', 'B', 'available', 1, 0, 1)",
        (op_id, f"E-{op_id}"),
    )


@pytest.fixture
def db(sqlite_url: str) -> Path:
    path = _file(sqlite_url)
    conn = sqlite3.connect(path)
    _add_operator(conn, "OP-1")
    conn.commit()
    conn.close()
    return path


def test_backup_is_a_consistent_snapshot_while_another_writer_is_busy(
    db: Path, tmp_path: Path
) -> None:
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    _add_operator(writer, "OP-2")  # not committed while the backup runs
    try:
        report = backup_database(f"sqlite:///{db}", tmp_path / "b" / "takt-backup.db")
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert report.backup.path.exists()
    assert not report.backup.path.with_name("takt-backup.db.partial").exists()
    assert report.backup.schema_version == migrate.head_revision()
    assert report.backup.schema_state == "current"
    assert _operators(report.backup.path) == ["OP-1"]
    assert _operators(db) == ["OP-1", "OP-2"]
    # one self-contained file: rollback journal, no -wal beside it
    conn = sqlite3.connect(report.backup.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_backup_refuses_to_overwrite_unless_forced(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "b.db"
    target.write_text("keep me")
    with pytest.raises(BackupError, match="exists already"):
        backup_database(f"sqlite:///{db}", target)
    assert target.read_text() == "keep me"
    backup_database(f"sqlite:///{db}", target, overwrite=True)
    assert _operators(target) == ["OP-1"]


def test_backup_and_restore_refuse_postgresql_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="pg_dump"):
        backup_database("postgresql://takt@db/takt", tmp_path / "x.db")
    with pytest.raises(BackupError, match="no database"):
        backup_database(f"sqlite:///{tmp_path / 'absent.db'}", tmp_path / "x.db")


def test_restore_brings_back_the_backup_and_keeps_the_replaced_database(
    db: Path, tmp_path: Path
) -> None:
    saved = backup_database(f"sqlite:///{db}", tmp_path / "b.db").backup.path
    conn = sqlite3.connect(db)
    _add_operator(conn, "OP-LATER")
    conn.commit()
    conn.close()
    report = restore_database(f"sqlite:///{db}", saved)
    assert _operators(db) == ["OP-1"]
    assert report.previous_copy is not None
    assert _operators(report.previous_copy) == ["OP-1", "OP-LATER"]
    assert not report.needs_upgrade


def test_restore_into_a_fresh_installation(db: Path, tmp_path: Path) -> None:
    saved = backup_database(f"sqlite:///{db}", tmp_path / "b.db").backup.path
    fresh = tmp_path / "new" / "takt.db"
    report = restore_database(f"sqlite:///{fresh}", saved)
    assert report.previous_copy is None
    assert _operators(fresh) == ["OP-1"]


def test_restore_refuses_files_that_are_not_takt_databases(db: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="not an SQLite database"):
        restore_database(f"sqlite:///{db}", junk)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE x (a INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(BackupError, match="not a Takt Control Room one"):
        restore_database(f"sqlite:///{db}", other)
    assert _operators(db) == ["OP-1"]


def test_restore_refuses_a_backup_from_a_newer_program(db: Path, tmp_path: Path) -> None:
    newer = backup_database(f"sqlite:///{db}", tmp_path / "newer.db").backup.path
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    assert inspect_file(newer).schema_state == "newer"
    with pytest.raises(SchemaMismatch, match="newer") as info:
        restore_database(f"sqlite:///{db}", newer)
    assert info.value.newer
    assert _operators(db) == ["OP-1"]


def test_restore_refuses_a_database_in_use(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_mod, "BUSY_TIMEOUT_S", 0.2)
    saved = backup_database(f"sqlite:///{db}", tmp_path / "b.db").backup.path
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    _add_operator(holder, "OP-BUSY")
    try:
        with pytest.raises(BackupError, match="in use"):
            restore_database(f"sqlite:///{db}", saved)
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert _operators(db) == ["OP-1", "OP-BUSY"]
    assert not list(db.parent.glob("*.before-restore-*"))  # nothing replaced, no copy kept
