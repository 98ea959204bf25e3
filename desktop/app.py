"""``takt run``: the Qt application around one seat's Session."""

from __future__ import annotations

import argparse
import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop.startup import Session
from desktop.theme import apply_theme
from services.cli.common import CliError
from services.config import load_config
from services.errors import ServiceError
from services.logs import configure_logging

log = logging.getLogger(__name__)


def run_gui(args: argparse.Namespace) -> int:
    try:
        config = load_config(
            database_url=args.database_url,
            redis_url=args.redis_url,
            seat=args.seat,
            user=getattr(args, "user", None),
        )
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    if getattr(args, "no_demo", False):
        from dataclasses import replace

        config = replace(config, demo_on_first_start=False)
    log_file = configure_logging(config.paths.logs, verbose=getattr(args, "verbose", False))
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qapp, QApplication)
    qapp.setApplicationName("Takt Control Room")
    qapp.setOrganizationName("Takt")
    apply_theme(qapp)
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
    return int(code)
