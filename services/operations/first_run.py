"""The database side of the first-run wizard (desktop/wizard.py), run in worker threads:
check a shared database, create or upgrade its schema, create the first administrator.

URLs handed to these functions may carry a password (typed into the wizard); it is used for the
connection only: every message goes through redact_url, nothing is logged with it.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from domain.auth import Actor, Role
from domain.errors import ValidationError
from services.bootstrap import bootstrap
from services.config import Config, Paths, redact_url
from services.connection_test import ConnectionReport, probe_connection
from services.persistence import migrate
from services.persistence.engine import make_engine
from services.persistence.tables.system import users
from services.users import UserService

log = logging.getLogger(__name__)

SETUP_SOURCE = "first_run_wizard"


class SchemaState(enum.StrEnum):
    EMPTY = "empty"  # a new database: the schema will be created
    OLDER = "older"  # made by an older program: it will be upgraded
    CURRENT = "current"
    NEWER = "newer"  # made by a newer program: this one must not touch it


@dataclass(frozen=True)
class DatabaseCheck:
    report: ConnectionReport
    state: SchemaState | None  # None: the database could not be reached
    schema: str | None
    head: str
    admins: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)

    @property
    def reachable(self) -> bool:
        return self.report.ok

    @property
    def usable(self) -> bool:
        """Connected, and the schema is this program's (nothing left to do)."""
        return self.reachable and self.state is SchemaState.CURRENT

    def message(self) -> str:
        lines = self.report.lines()
        if not self.report.database_ok:
            return "\n".join(lines)
        lines = [ln for ln in lines if "schema" not in ln]
        if self.state is SchemaState.NEWER:
            lines.append(
                f"✗ This database was set up by a newer Takt Control Room (schema {self.schema}; "
                f"this program knows up to {self.head}). Install the newer version on this "
                "workstation; nothing was changed in the database."
            )
        elif self.state is SchemaState.EMPTY:
            lines.append("! The database is empty: create the schema to use it.")
        elif self.state is SchemaState.OLDER:
            lines.append(
                f"! The schema is {self.schema}, this program needs {self.head}: upgrade it "
                "(every seat of the site then needs this version)."
            )
        else:
            lines.append(f"✓ schema {self.schema} is current")
            if self.admins:
                lines.append(f"✓ administrators: {', '.join(self.admins)}")
        return "\n".join(lines)


def _state(schema: str | None, head: str) -> SchemaState:
    if schema is None:
        return SchemaState.EMPTY
    if schema == head:
        return SchemaState.CURRENT
    if schema not in migrate.known_revisions():
        return SchemaState.NEWER
    return SchemaState.OLDER


def admins_of(database_url: str) -> tuple[str, ...]:
    engine = make_engine(database_url, create=False)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(users.c.username)
                .where(users.c.role == Role.ADMIN.value, users.c.active.is_(True))
                .order_by(users.c.username)
            )
            return tuple(r.username for r in rows)
    finally:
        engine.dispose()


def check_database(database_url: str, redis_url: str | None = None) -> DatabaseCheck:
    """Connect to the database (and Redis), and say what the schema needs."""
    report = probe_connection(database_url, redis_url)
    head = migrate.head_revision()
    if not report.database_ok:
        return DatabaseCheck(report, None, None, head)
    state = _state(report.schema, head)
    admins = admins_of(database_url) if state is SchemaState.CURRENT else ()
    return DatabaseCheck(report, state, report.schema, head, admins)


def prepare_schema(database_url: str) -> DatabaseCheck:
    """Create or upgrade the schema with the migrations; a newer schema is refused untouched."""
    engine = make_engine(database_url, create=False)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    log.info("schema of %s created or upgraded by the first-run wizard", redact_url(database_url))
    return check_database(database_url)


def create_first_admin(
    database_url: str,
    username: str,
    password: str,
    *,
    seat: str,
    paths: Paths,
    display_name: str | None = None,
) -> str:
    """Create an administrator (the wizard's first user). Refuses a name that exists."""
    config = Config(
        database_url=database_url,
        redis_url=None,
        seat=seat,
        user=username,
        paths=paths,
        demo_on_first_start=False,
    )
    app = bootstrap(config)
    try:
        setup = Actor("setup", Role.ADMIN, seat, source=SETUP_SOURCE)
        service = UserService(app)
        name = username.strip()
        with app.engine.connect() as conn:
            exists = conn.execute(select(users.c.username).where(users.c.username == name)).first()
        if exists:
            raise ValidationError(
                f"the user {name} exists already: choose another name, or leave the "
                "administrator fields empty to sign in as an existing user"
            )
        service.create_user(setup, name, display_name or name, Role.ADMIN, password)
    finally:
        app.close()
    log.info("first administrator %s created at seat %s", name, seat)
    return name
