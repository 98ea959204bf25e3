"""Starting a seat: connect, create or check the schema, load the demo plant on first start,
then open the main window. The database work runs in a worker thread; the GUI shows progress and
turns any failure into a message with a way to fix it (the settings dialog)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from desktop.change_hub import ChangeHub
from desktop.context import DesktopContext
from desktop.main_window import MainWindow
from desktop.messages import describe
from desktop.runner import ServiceRunner
from desktop.settings_dialog import SettingsDialog
from domain.auth import Actor, Role, User
from services.bootstrap import App, bootstrap
from services.config import Config, load_config
from services.messaging.feed import ChangeSubscriber
from services.messaging.outbox import latest_seq

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    app: App
    actor: Actor
    demo_loaded: bool = False
    notes: list[str] = field(default_factory=list)
    # the outbox's last sequence number once the seat was ready, read before any screen reads
    # its first state: the feed delivers every change after it, so a change another seat
    # commits between a screen's first read and the subscription's start is not missed
    feed_from: int | None = None


def prepare(config: Config, progress: Any = None) -> Prepared:
    """Blocking: runs in a worker thread, never on the GUI thread."""
    say = progress or (lambda text: None)
    say(f"Connecting to {config.describe()['database']}…")
    app = bootstrap(config, upgrade=config.embedded, create=config.embedded)
    try:
        demo_loaded = False
        if config.embedded and config.demo_on_first_start:
            from services.demo.loader import is_empty, load_demo

            if is_empty(app):
                say("Loading the demo plant (first start)…")
                load_demo(app, progress=lambda stage, n: say(f"Loading the demo plant: {stage}"))
                demo_loaded = True
        say("Signing in…")
        actor = _resolve_actor(app, config)
        return Prepared(app, actor, demo_loaded, feed_from=latest_seq(app.engine))
    except BaseException:
        app.close()
        raise


def _resolve_actor(app: App, config: Config) -> Actor:
    from domain.errors import NotFound

    try:
        return app.actor(config.user)
    except NotFound:
        if not config.embedded:
            raise
    # A single-seat installation without users yet: its operator is its administrator.
    admin = Actor("system", Role.ADMIN, config.seat, source="automated_system")
    with app.uow(admin) as uow:
        if uow.repos.users.get(config.user) is None:
            uow.repos.users.add(User(config.user, config.user, Role.ADMIN))
            uow.audit(
                "user.create",
                "user",
                config.user,
                None,
                {"role": "admin"},
                reason="first start of a single-seat installation",
            )
            uow.commit()
    return app.actor(config.user)


class Session(QObject):
    """One running seat: owns the service stack, the runner, the hub, the feed and the window."""

    status = Signal(str)
    ready = Signal(object)
    failed = Signal(object)

    def __init__(self, config: Config, *, settings: QSettings | None = None) -> None:
        super().__init__()
        self.config = config
        self.settings = settings or QSettings(
            str(config.paths.config / "desktop.ini"), QSettings.Format.IniFormat
        )
        self.prepared: Prepared | None = None
        self.runner: ServiceRunner | None = None
        self.hub: ChangeHub | None = None
        self.subscriber: ChangeSubscriber | None = None
        self.window: MainWindow | None = None
        self._progress: QProgressDialog | None = None
        self.ready.connect(self._on_ready)
        self.failed.connect(self._on_failed)

    def start(self, *, show_progress: bool = True) -> None:
        if show_progress:
            self._progress = QProgressDialog("Starting Takt Control Room…", "", 0, 0)
            self._progress.setCancelButton(None)
            self._progress.setWindowModality(Qt.WindowModality.ApplicationModal)
            self._progress.setMinimumDuration(300)
            self.status.connect(self._progress.setLabelText)

        def work() -> None:
            try:
                prepared = prepare(self.config, self.status.emit)
            except BaseException as exc:  # noqa: BLE001 - shown to the user by _on_failed
                self.failed.emit(exc)
            else:
                self.ready.emit(prepared)

        threading.Thread(target=work, name="takt-startup", daemon=True).start()

    @Slot(object)
    def _on_ready(self, prepared: Prepared) -> None:
        if self._progress is not None:
            self._progress.close()
        self.prepared = prepared
        self.runner = ServiceRunner()
        self.hub = ChangeHub()
        ctx = DesktopContext(
            app=prepared.app,
            runner=self.runner,
            hub=self.hub,
            actor=prepared.actor,
            settings=self.settings,
            report_error=lambda e: self.window.report_error(e) if self.window else None,
        )
        self.window = MainWindow(ctx)
        self.subscriber = prepared.app.subscribe(
            self.hub.post, start_after=prepared.feed_from, on_status=self.hub.post_status
        )
        self.window.show()
        if prepared.demo_loaded:
            self.window.show_message(
                "The demo plant was loaded. Users admin, lead, planner, super and viewer "
                "have the password 'takt'.",
                20000,
            )

    @Slot(object)
    def _on_failed(self, error: BaseException) -> None:
        if self._progress is not None:
            self._progress.close()
        log.error("start-up failed: %s", error, exc_info=error)
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "Takt Control Room cannot start",
            describe(error),
            QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close,
        )
        settings_button = box.addButton("Settings…", QMessageBox.ButtonRole.ActionRole)
        box.exec()
        if box.clickedButton() is settings_button:
            runner = ServiceRunner()
            SettingsDialog(self.config, runner).exec()
            runner.shutdown(wait=False)
            self.config = load_config(paths=self.config.paths)
            self.start()
        elif box.clickedButton() == box.button(QMessageBox.StandardButton.Retry):
            self.start()
        else:
            QApplication.exit(2)

    def shutdown(self) -> None:
        if self.window is not None:
            self.window.save_layout()
        if self.subscriber is not None:
            self.subscriber.stop()
        if self.hub is not None:
            self.hub.stop()
        if self.runner is not None:
            self.runner.shutdown(wait=True)
        if self.prepared is not None:
            self.prepared.app.close()
