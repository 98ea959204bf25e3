"""Rotating log files in the user log directory; the console gets warnings only."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_NAME = "takt.log"


def configure_logging(log_dir: Path, *, verbose: bool = False) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_NAME
    root = logging.getLogger()
    if any(getattr(h, "_takt", False) for h in root.handlers):
        return path
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    file_handler._takt = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    return path
