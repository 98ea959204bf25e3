"""Screenshots of the main window for the README: one PNG per feature dock.

    .venv/bin/python packaging/dev/screenshots.py [--out resources/screenshots] [--wait 8]

Runs the program on a throwaway embedded database with the demo plant (offscreen, unless
QT_QPA_PLATFORM says otherwise), shows each dock alone in turn, lets it load for ``--wait``
seconds and saves ``<dock name>.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _pump(seconds: float) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    parser.add_argument("--wait", type=float, default=8.0, help="seconds each dock gets to load")
    parser.add_argument("--only", nargs="*", default=None, help="dock names to shoot")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["TAKT_HOME"] = tempfile.mkdtemp(prefix="takt-shots-")
    for var in ("TAKT_DATABASE_URL", "TAKT_REDIS_URL"):
        os.environ.pop(var, None)
    os.environ.setdefault("TAKT_SEAT", "control-room-1")

    from PySide6.QtWidgets import QApplication

    from desktop.startup import Session
    from desktop.theme import apply_theme
    from services.config import load_config

    qapp = QApplication.instance() or QApplication(["takt-screenshots"])
    apply_theme(qapp)  # type: ignore[arg-type]  # instance() is typed as QCoreApplication
    session = Session(load_config())
    session.start(show_progress=False)
    deadline = time.monotonic() + 180
    while session.window is None and time.monotonic() < deadline:
        _pump(0.2)
    window = session.window
    if window is None:
        print("the main window did not open", file=sys.stderr)
        return 1
    window.resize(1600, 1000)
    window.show()
    _pump(args.wait)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, dock in window.docks.items():
        if args.only is not None and name not in args.only:
            continue
        for other in window.docks.values():  # the dock alone fills the window
            other.setVisible(other is dock)
        dock.raise_()
        _pump(args.wait)
        path = args.out / f"{name}.png"
        window.grab().save(str(path))
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    window.close()
    session.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
