"""The first-run wizard: how this workstation works, where its data lives, who administers it.

Shown by ``takt run`` on a truly first start (no config file, no embedded database, no
TAKT_DATABASE_URL, no --database-url). Two ways through it:

- **Single workstation** (the default, one click: Finish): the embedded SQLite database in the
  user data folder, the demo plant on first start, the seat name.
- **Shared**: the PostgreSQL URL and its password (kept in the OS keyring, never in the config
  file), the Redis URL, a connection test, the schema created or upgraded with the migrations
  (a database made by a newer program is refused with a message saying so), then the first
  administrator with a password (or, on a database that has administrators already, the one to
  sign in as at this seat).

Every database step runs in the runner's worker threads; the wizard only shows results.
"""

from __future__ import annotations

import enum
import logging
import os
import socket
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.messages import describe
from desktop.runner import ServiceRunner
from services.config import Paths, redact_url, write_config_file
from services.operations.first_run import (
    DatabaseCheck,
    SchemaState,
    check_database,
    create_first_admin,
    prepare_schema,
)
from services.secrets import (
    keyring_available,
    split_password,
    store_database_password,
    with_password,
)

log = logging.getLogger(__name__)


class Mode(enum.StrEnum):
    SINGLE = "single"
    SHARED = "shared"


@dataclass(frozen=True)
class WizardOutcome:
    mode: Mode
    seat: str
    user: str
    database_url: str | None = None  # never with a password; None: the embedded default
    redis_url: str | None = None
    notes: list[str] = field(default_factory=list)


def needs_first_run(paths: Paths, database_url: str | None = None) -> bool:
    """A truly first start: nothing configured in the file, the environment or the command, and
    no embedded database yet (a seat that ran before this wizard existed keeps running)."""
    if database_url or os.environ.get("TAKT_DATABASE_URL"):
        return False
    return not paths.config_file.exists() and not paths.default_database.exists()


PAGE_MODE, PAGE_DATABASE, PAGE_ADMIN = 0, 1, 2


class ModePage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Welcome to Takt Control Room")
        self.setSubTitle("How does this workstation work? You can change this later in Settings.")
        self.single = QRadioButton("Single workstation: everything on this computer")
        self.single.setObjectName("mode_single")
        self.shared = QRadioButton("Shared: several seats on one PostgreSQL database and Redis")
        self.shared.setObjectName("mode_shared")
        self.single.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.single)
        group.addButton(self.shared)
        single_note = QLabel(
            "An embedded database in your user folder. The demo plant is loaded on the first "
            "start: users admin, lead, planner, super and viewer with the password 'takt'."
        )
        shared_note = QLabel(
            "For a control room with several workstations: every seat sees the others' changes "
            "live. You need the database's address and an account on it."
        )
        for note in (single_note, shared_note):
            note.setWordWrap(True)
            note.setIndent(24)
        self.seat = QLineEdit(socket.gethostname())
        self.seat.setObjectName("seat")
        self.seat.setMaxLength(64)
        self.seat.textChanged.connect(self.completeChanged)
        self.single.toggled.connect(self._on_mode_toggled)
        form = QFormLayout()
        form.addRow("Seat name (this workstation)", self.seat)
        lay = QVBoxLayout(self)
        lay.addWidget(self.single)
        lay.addWidget(single_note)
        lay.addWidget(self.shared)
        lay.addWidget(shared_note)
        lay.addSpacing(12)
        lay.addLayout(form)
        lay.addStretch(1)

    def mode(self) -> Mode:
        return Mode.SINGLE if self.single.isChecked() else Mode.SHARED

    def isComplete(self) -> bool:
        return bool(self.seat.text().strip())

    def nextId(self) -> int:
        return -1 if self.mode() is Mode.SINGLE else PAGE_DATABASE

    def _on_mode_toggled(self) -> None:
        self.setFinalPage(self.mode() is Mode.SINGLE)
        self.completeChanged.emit()


class DatabasePage(QWizardPage):
    def __init__(self, runner: ServiceRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.check: DatabaseCheck | None = None
        self._checked_for: tuple[str, str, str] | None = None
        self.setTitle("Shared database")
        self.setSubTitle(
            "The PostgreSQL database every seat of the site uses, and the Redis server that "
            "tells seats about each other's changes."
        )
        self.url = QLineEdit()
        self.url.setObjectName("database_url")
        self.url.setPlaceholderText("postgresql://takt@db-server:5432/takt")
        self.password = QLineEdit()
        self.password.setObjectName("database_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(
            "kept in the keyring" if keyring_available() else "not stored: no keyring here"
        )
        self.redis = QLineEdit()
        self.redis.setObjectName("redis_url")
        self.redis.setPlaceholderText("redis://db-server:6379/0")
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("test_connection")
        self.schema_button = QPushButton("Create the schema")
        self.schema_button.setObjectName("prepare_schema")
        self.schema_button.hide()
        self.result = QLabel()
        self.result.setObjectName("database_result")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for edit in (self.url, self.password, self.redis):
            edit.textChanged.connect(self._on_input_changed)
        self.url.editingFinished.connect(self._on_url_edited)
        self.test_button.clicked.connect(self._on_test_clicked)
        self.schema_button.clicked.connect(self._on_schema_clicked)
        form = QFormLayout()
        form.addRow("PostgreSQL URL", self.url)
        form.addRow("Password", self.password)
        form.addRow("Redis URL", self.redis)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.result)
        lay.addWidget(self.schema_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addStretch(1)

    # -- values --------------------------------------------------------------------------------
    def bare_url(self) -> str:
        return self.url.text().strip()

    def connect_url(self) -> str:
        """The URL with the typed password: for connecting only, never stored or shown."""
        return with_password(self.bare_url(), self.password.text() or None)

    def redis_url(self) -> str | None:
        return self.redis.text().strip() or None

    def _key(self) -> tuple[str, str, str]:
        return (self.bare_url(), self.password.text(), self.redis.text().strip())

    # -- Qt overrides --------------------------------------------------------------------------
    def isComplete(self) -> bool:
        return (
            self.check is not None
            and self._checked_for == self._key()
            and self.check.usable
            and self.check.report.redis_ok is not False
        )

    def nextId(self) -> int:
        return PAGE_ADMIN

    # -- slots ---------------------------------------------------------------------------------
    def _on_url_edited(self) -> None:
        """A URL pasted with its password: move the password into the masked field."""
        bare, password = split_password(self.url.text())
        if password is not None:
            self.url.setText(bare)
            self.password.setText(password)

    def _on_input_changed(self) -> None:
        if self.check is not None and self._checked_for != self._key():
            self.check = None
            self.schema_button.hide()
            self.result.setText("The settings changed: test the connection again.")
        self.completeChanged.emit()

    def _problem(self) -> str | None:
        url = self.bare_url()
        if not url:
            return "Enter the PostgreSQL URL."
        if not url.split("://", 1)[0].startswith("postgres"):
            return "A shared database is PostgreSQL: postgresql://USER@HOST:PORT/DATABASE"
        redis = self.redis_url()
        if redis and not redis.startswith(("redis://", "rediss://", "unix://")):
            return "The Redis URL looks like redis://HOST:6379/0"
        return None

    def _on_test_clicked(self) -> None:
        self._on_url_edited()
        problem = self._problem()
        if problem:
            self.result.setText(f"✗ {problem}")
            return
        self._busy("Testing the connection…")
        key = self._key()
        self.runner.query(
            check_database, self.connect_url(), self.redis_url(), owner=self
        ).on_success(lambda c: self._show_check(c, key)).on_failure(self._show_error).on_finished(
            self._idle
        )

    def _on_schema_clicked(self) -> None:
        self._busy("Creating or upgrading the schema…")
        key = self._key()
        self.runner.command(prepare_schema, self.connect_url(), owner=self).on_success(
            lambda c: self._show_check(c, key, upgraded=True)
        ).on_failure(self._show_error).on_finished(self._idle)

    def _show_check(
        self, check: DatabaseCheck, key: tuple[str, str, str], upgraded: bool = False
    ) -> None:
        if key != self._key():  # edited meanwhile: the result is about other settings
            return
        self.check = check
        self._checked_for = key
        text = check.message()
        if upgraded and check.usable:
            text = "✓ The schema was created or upgraded.\n" + text
        if check.reachable and self.redis_url() is None:
            text += (
                "\n! No Redis: seats will see each other's changes by polling the "
                "database every few seconds."
            )
        self.result.setText(text)
        if check.state in (SchemaState.EMPTY, SchemaState.OLDER):
            self.schema_button.setText(
                "Create the schema" if check.state is SchemaState.EMPTY else "Upgrade the schema"
            )
            self.schema_button.show()
        else:
            self.schema_button.hide()
        self.completeChanged.emit()

    def _show_error(self, error: BaseException) -> None:
        self.check = None
        self.result.setText(f"✗ {describe(error)}")
        self.completeChanged.emit()

    def _busy(self, text: str) -> None:
        self.result.setText(text)
        self.test_button.setEnabled(False)
        self.schema_button.setEnabled(False)

    def _idle(self) -> None:
        self.test_button.setEnabled(True)
        self.schema_button.setEnabled(True)


class AdminPage(QWizardPage):
    def __init__(self, runner: ServiceRunner, paths: Paths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.paths = paths
        self.applied: WizardOutcome | None = None
        self.setTitle("The first administrator")
        self.setFinalPage(True)
        self.note = QLabel()
        self.note.setObjectName("admin_note")
        self.note.setWordWrap(True)
        self.username = QLineEdit("admin")
        self.username.setObjectName("admin_user")
        self.password = QLineEdit()
        self.password.setObjectName("admin_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setObjectName("admin_confirm")
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.result = QLabel()
        self.result.setObjectName("admin_result")
        self.result.setWordWrap(True)
        for edit in (self.username, self.password, self.confirm):
            edit.textChanged.connect(self.completeChanged)
        form = QFormLayout()
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        form.addRow("Password again", self.confirm)
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addLayout(form)
        lay.addWidget(self.result)
        lay.addStretch(1)

    def _database(self) -> DatabasePage:
        page = self.wizard().page(PAGE_DATABASE)
        assert isinstance(page, DatabasePage)
        return page

    def _admins(self) -> tuple[str, ...]:
        check = self._database().check
        return check.admins if check is not None else ()

    def initializePage(self) -> None:
        admins = self._admins()
        if admins:
            self.setSubTitle("This database has administrators already.")
            self.note.setText(
                f"Administrators: {', '.join(admins)}. Sign in at this seat as one of them "
                "(leave the password empty), or create another administrator."
            )
            self.username.setText(admins[0])
        else:
            self.setSubTitle("Nobody can sign in to this database yet.")
            self.note.setText(
                "Create the administrator of this site: this user manages the other users and "
                "the site's settings. Choose a password only you know."
            )

    def creates_user(self) -> bool:
        return bool(self.password.text()) or not self._admins()

    def isComplete(self) -> bool:
        name = self.username.text().strip()
        if not name:
            return False
        if not self.creates_user():
            return name in self._admins()
        return bool(self.password.text()) and self.password.text() == self.confirm.text()

    def validatePage(self) -> bool:
        if self.applied is not None:
            return True
        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)
        db = self._database()
        seat = wizard.seat()
        username = self.username.text().strip()
        password = self.password.text() if self.creates_user() else None
        self.result.setText("Setting up…")
        wizard.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        wizard.button(QWizard.WizardButton.BackButton).setEnabled(False)
        self.runner.command(
            apply_shared,
            self.paths,
            db.connect_url(),
            db.redis_url(),
            seat,
            username,
            password,
            owner=self,
        ).on_success(self._on_applied).on_failure(self._on_failed)
        return False

    def _on_applied(self, outcome: WizardOutcome) -> None:
        self.applied = outcome
        self.result.setText("\n".join(outcome.notes))
        self.wizard().accept()

    def _on_failed(self, error: BaseException) -> None:
        self.result.setText(f"✗ {describe(error)}")
        wizard = self.wizard()
        wizard.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        wizard.button(QWizard.WizardButton.BackButton).setEnabled(True)


def apply_shared(
    paths: Paths,
    connect_url: str,
    redis_url: str | None,
    seat: str,
    username: str,
    admin_password: str | None,
) -> WizardOutcome:
    """Blocking (a worker thread): create the administrator if asked, keep the database password
    in the keyring, write the config file. The password never reaches the file or the log."""
    notes: list[str] = []
    if admin_password is not None:
        create_first_admin(connect_url, username, admin_password, seat=seat, paths=paths)
        notes.append(f"✓ administrator {username} created")
    bare, db_password = split_password(connect_url)
    if db_password:
        stored = store_database_password(bare, db_password)
        if stored.stored:
            notes.append(f"✓ database password {stored.message}")
        else:
            # This session still connects: libpq reads PGPASSWORD. The next start needs it again.
            os.environ["PGPASSWORD"] = db_password
            notes.append(
                f"! The database password was not saved: {stored.message}. Next time, start the "
                "program with PGPASSWORD set, or put the password in ~/.pgpass (libpq reads it)."
            )
    write_config_file(
        paths,
        {
            "database_url": bare,
            "redis_url": redis_url,
            "seat": seat,
            "user": username,
            "setup": Mode.SHARED.value,
        },
    )
    log.info("first-run wizard: shared database %s, seat %s", redact_url(bare), seat)
    return WizardOutcome(Mode.SHARED, seat, username, bare, redis_url, notes)


class FirstRunWizard(QWizard):
    def __init__(self, paths: Paths, runner: ServiceRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.runner = runner
        self.outcome: WizardOutcome | None = None
        self.setWindowTitle("Takt Control Room: first start")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(640, 460)
        self.mode_page = ModePage()
        self.database_page = DatabasePage(runner)
        self.admin_page = AdminPage(runner, paths)
        self.setPage(PAGE_MODE, self.mode_page)
        self.setPage(PAGE_DATABASE, self.database_page)
        self.setPage(PAGE_ADMIN, self.admin_page)
        self.setStartId(PAGE_MODE)
        self.mode_page.setFinalPage(True)

    def seat(self) -> str:
        return self.mode_page.seat.text().strip()

    def accept(self) -> None:
        if self.mode_page.mode() is Mode.SINGLE:
            seat = self.seat()
            write_config_file(self.paths, {"seat": seat, "setup": Mode.SINGLE.value})
            self.outcome = WizardOutcome(Mode.SINGLE, seat, "admin")
            log.info("first-run wizard: single workstation, seat %s", seat)
        else:
            if self.admin_page.applied is None:
                # Finish pressed: AdminPage.validatePage starts the work and calls accept again.
                super().accept()
                return
            self.outcome = self.admin_page.applied
        super().accept()


def run_first_run_wizard(paths: Paths, parent: QWidget | None = None) -> WizardOutcome | None:
    """Show the wizard (modal); None when it was cancelled (nothing was written)."""
    runner = ServiceRunner()
    try:
        wizard = FirstRunWizard(paths, runner, parent)
        wizard.exec()
        return wizard.outcome
    finally:
        runner.shutdown(wait=True)
