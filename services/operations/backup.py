"""Backup and restore of the embedded SQLite database with SQLite's online backup API.

A backup is a consistent snapshot taken while the program may be writing (WAL: readers do not
block writers); it is written next to the target and renamed into place, switched to a
self-contained rollback journal and checked with ``PRAGMA quick_check``. A restore refuses a
file that is not a Takt database, a damaged one, and one whose schema is newer than the program;
it keeps a copy of the database it replaces unless told not to. PostgreSQL is backed up with the
server's own tools (pg_dump), not here.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from services.errors import ConfigurationError, SchemaMismatch, ServiceError
from services.persistence import migrate
from services.persistence.engine import normalise_url

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 5.0


class BackupError(ServiceError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    size_bytes: int
    schema_version: str | None
    schema_state: str  # "current", "older", "newer", "empty"


@dataclass(frozen=True, slots=True)
class BackupReport:
    database: Path
    backup: BackupInfo
    seconds: float


@dataclass(frozen=True, slots=True)
class RestoreReport:
    database: Path
    restored_from: BackupInfo
    previous_copy: Path | None
    seconds: float

    @property
    def needs_upgrade(self) -> bool:
        return self.restored_from.schema_state in ("older", "empty")


def sqlite_file(database_url: str) -> Path:
    """The file of an embedded database URL; anything else is refused with the way to go."""
    url = normalise_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise ConfigurationError(
            "backup and restore work on the embedded SQLite database; back up a PostgreSQL "
            "database with the server's tools (pg_dump / pg_restore)"
        )
    if url.database in (None, "", ":memory:"):
        raise ConfigurationError("an in-memory database cannot be backed up")
    return Path(str(url.database)).expanduser().resolve()


def _schema_state(revision: str | None) -> str:
    if revision is None:
        return "empty"
    if revision not in migrate.known_revisions():
        return "newer"
    return "current" if revision == migrate.head_revision() else "older"


def inspect_file(path: Path) -> BackupInfo:
    """What a database file holds, refusing anything that is not an intact Takt database."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"{path}: {exc.strerror or exc}") from exc
    if magic != SQLITE_MAGIC:
        raise BackupError(f"{path} is not an SQLite database")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise BackupError(f"{path} is damaged (quick_check: {check[0] if check else '?'})")
        has_version = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if not has_version:
            raise BackupError(f"{path} is an SQLite database but not a Takt Control Room one")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a database: {exc}") from exc
    finally:
        conn.close()
    revision = str(row[0]) if row else None
    return BackupInfo(path, path.stat().st_size, revision, _schema_state(revision))


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    # One step (pages=-1): a single read transaction, so the copy is one consistent snapshot.
    source.backup(target, pages=-1)


def backup_database(database_url: str, target: Path, *, overwrite: bool = False) -> BackupReport:
    """Copy the embedded database to ``target`` while it may be in use."""
    started = time.perf_counter()
    db = sqlite_file(database_url)
    target = target.expanduser().resolve()
    if not db.exists():
        raise BackupError(f"there is no database at {db} to back up")
    if target == db:
        raise BackupError("the backup file cannot be the database itself")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists already (use --force to replace it)")
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create {target.parent}: {exc.strerror or exc}") from exc
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(str(db), timeout=BUSY_TIMEOUT_S)
    try:
        dest = sqlite3.connect(str(partial))
        try:
            _copy(source, dest)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            dest.commit()
        finally:
            dest.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the backup of {db} failed: {exc}") from exc
    finally:
        source.close()
    try:
        info = inspect_file(partial)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    info = BackupInfo(target, info.size_bytes, info.schema_version, info.schema_state)
    log.info("backup of %s written to %s (%d bytes)", db, target, info.size_bytes)
    return BackupReport(db, info, time.perf_counter() - started)


def restore_database(
    database_url: str, source: Path, *, keep_previous: bool = True
) -> RestoreReport:
    """Replace the embedded database with a backup. Close the program on this computer first:
    a database in use is refused (it stays as it was)."""
    started = time.perf_counter()
    db = sqlite_file(database_url)
    source = source.expanduser().resolve()
    if source == db:
        raise BackupError("the backup file is the database itself")
    info = inspect_file(source)
    if info.schema_state == "newer":
        raise SchemaMismatch(
            f"the backup's schema ({info.schema_version}) is newer than this program "
            f"({migrate.head_revision()}): restore it with the newer Takt Control Room",
            current=info.schema_version,
            expected=migrate.head_revision(),
            newer=True,
        )
    db.parent.mkdir(parents=True, exist_ok=True)
    previous: Path | None = None
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    try:
        dest = sqlite3.connect(str(db), timeout=BUSY_TIMEOUT_S)
        try:
            if keep_previous and db.exists() and db.stat().st_size > 0:
                stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
                previous = db.with_name(f"{db.name}.before-restore-{stamp}")
                keep = sqlite3.connect(str(previous))
                try:
                    _copy(dest, keep)
                    keep.execute("PRAGMA journal_mode=DELETE")
                finally:
                    keep.close()
            # Fails with "database is locked" while another process holds the database.
            dest.execute("BEGIN EXCLUSIVE")
            dest.execute("COMMIT")
            _copy(src, dest)
        finally:
            dest.close()
    except sqlite3.OperationalError as exc:
        if previous is not None:  # nothing was replaced: no copy to keep
            previous.unlink(missing_ok=True)
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(
                f"{db} is in use: close Takt Control Room (and takt commands) on this computer, "
                "then restore again"
            ) from exc
        raise BackupError(f"the restore into {db} failed: {exc}") from exc
    except sqlite3.Error as exc:
        if previous is not None:
            previous.unlink(missing_ok=True)
        raise BackupError(f"the restore into {db} failed: {exc}") from exc
    finally:
        src.close()
    log.info("database %s restored from %s (schema %s)", db, source, info.schema_version)
    return RestoreReport(db, info, previous, time.perf_counter() - started)
