"""``takt run``: the Qt application around one seat's Session."""

from __future__ import annotations

import argparse
import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from desktop.crash import CrashReporter
from desktop.gui_gc import collect_on_gui_thread
from desktop.startup import Session
from desktop.theme import apply_theme
from desktop.wizard import needs_first_run, run_first_run_wizard
from services.cli.common import CliError
from services.config import Paths, load_config
from services.errors import ServiceError
from services.logs import configure_logging
from services.resources import resource_path

log = logging.getLogger(__name__)


def run_gui(args: argparse.Namespace) -> int:
    # issue 7: logging, the QApplication and the crash dialog come first, then the first-run
    # wizard on a truly first start (never in --offscreen or --quit-after smoke runs).
    paths = Paths.default()
    log_file = configure_logging(paths.logs, verbose=getattr(args, "verbose", False))
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qapp, QApplication)
    qapp.setApplicationName("Takt Control Room")
    qapp.setOrganizationName("Takt")
    qapp.setWindowIcon(QIcon(str(resource_path("icons", "takt.png"))))
    apply_theme(qapp)
    collect_on_gui_thread()  # never in a worker thread: see desktop/gui_gc.py
    crash_reporter = CrashReporter(log_file).install()
    smoke = getattr(args, "offscreen", False) or args.quit_after
    first_start = not smoke and needs_first_run(paths, args.database_url)
    if first_start and run_first_run_wizard(paths) is None:
        log.info("first-run wizard cancelled: nothing configured")
        crash_reporter.uninstall()
        return 1
    try:
        config = load_config(
            database_url=args.database_url,
            redis_url=args.redis_url,
            seat=args.seat,
            user=getattr(args, "user", None),
            paths=paths,
        )
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    if getattr(args, "no_demo", False):
        from dataclasses import replace

        config = replace(config, demo_on_first_start=False)
    session = Session(config)
    session.start(show_progress=not getattr(args, "offscreen", False))
    if args.quit_after:
        QTimer.singleShot(int(args.quit_after * 1000), qapp.quit)
    log.info(
        "takt run: seat %s, database %s, log %s",
        config.seat,
        config.describe()["database"],
        log_file,
    )
    code = qapp.exec()
    session.shutdown()
    crash_reporter.uninstall()
    return int(code)
