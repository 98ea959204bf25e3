"""``takt --self-test``: the installed program checks itself and exits 0 when everything works.

Opens the main window offscreen on a throwaway embedded database (with the demo plant), waits for
the plant browser to fill, and reports what it checked. The camera check joins when the camera
wall is built.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence


def run_self_test(argv: Sequence[str] = ()) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="takt-self-test-")
    os.environ["TAKT_HOME"] = home
    for var in ("TAKT_DATABASE_URL", "TAKT_REDIS_URL"):
        os.environ.pop(var, None)
    checks: dict[str, object] = {}
    started = time.perf_counter()
    try:
        from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
        from PySide6.QtWidgets import QApplication

        from desktop.startup import Session
        from services.config import load_config

        qapp = QApplication.instance() or QApplication(["takt-self-test"])
        config = load_config()
        session = Session(config)
        session.start(show_progress=False)
        deadline = time.monotonic() + 120
        loop = QEventLoop()
        while time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 100)
            window = session.window
            if window is not None and all(t.model.rowCount() for t in window.browser.tables):
                break
            time.sleep(0.02)
        window = session.window
        if window is None:
            raise RuntimeError("the main window did not open within 120 s")
        checks["main_window"] = window.windowTitle()
        checks["plant_browser_rows"] = {
            t.spec.title: t.model.rowCount() for t in window.browser.tables
        }
        if not all(t.model.rowCount() for t in window.browser.tables):
            raise RuntimeError("the plant browser stayed empty")
        checks["database"] = config.describe()["database"]
        QTimer.singleShot(0, loop.quit)
        window.close()
        session.shutdown()
        del qapp
        ok = True
    except Exception as exc:  # noqa: BLE001 - the self-test reports every failure
        checks["error"] = f"{type(exc).__name__}: {exc}"
        ok = False
    checks["seconds"] = round(time.perf_counter() - started, 1)
    checks["ok"] = ok
    sys.stdout.write(json.dumps(checks) + "\n")
    return 0 if ok else 1
