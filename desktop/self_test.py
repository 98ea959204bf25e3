"""``takt --self-test``: the installed program checks itself and exits 0 when everything works.

Opens the main window offscreen on a throwaway embedded database (with the demo plant), waits for
the plant browser to fill, runs the demo camera for a few frames through the torch-free detector
(the ONNX model on onnxruntime, as installers ship it), and reports what it checked.
"""

from __future__ import annotations

import json
import os
import shutil
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
    errors: list[str] = []
    previous_hook = sys.excepthook
    started = time.perf_counter()
    try:
        from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
        from PySide6.QtWidgets import QApplication

        from desktop.startup import Session
        from services.config import load_config

        qapp = QApplication.instance() or QApplication(["takt-self-test"])
        config = load_config()
        session = Session(config)
        # Fail fast with the real error: a start-up failure would otherwise open a modal
        # message box, and an exception in a slot would leave the window missing until the
        # deadline.
        session.failed.disconnect(session._on_failed)
        session.failed.connect(lambda exc: errors.append(f"{type(exc).__name__}: {exc}"))
        sys.excepthook = lambda t, v, tb: errors.append(f"{t.__name__}: {v}")
        session.start(show_progress=False)
        deadline = time.monotonic() + 120
        loop = QEventLoop()
        while time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 100)
            if errors:
                raise RuntimeError(f"the program failed to start: {errors[0]}")
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
        checks["camera"] = _demo_camera_check()
        checks["libraries"] = _library_check()
        ok = True
    except Exception as exc:  # noqa: BLE001 - the self-test reports every failure
        checks["error"] = f"{type(exc).__name__}: {exc}"
        ok = False
    finally:
        sys.excepthook = previous_hook
        shutil.rmtree(home, ignore_errors=True)
    checks["seconds"] = round(time.perf_counter() - started, 1)
    checks["ok"] = ok
    sys.stdout.write(json.dumps(checks) + "\n")
    return 0 if ok else 1


CAMERA_FRAMES = 8


def _demo_camera_check() -> dict[str, object]:
    """Decode a few frames of the demo clip and run the ONNX detector and tracker on them."""
    from services.resources import resolve_source, resource_path
    from vision.factory import build_analyzer
    from vision.pipeline import analyze_source
    from vision.types import FrameObservation
    from vision.zones import load_zones_file

    model = resource_path("models", "yolov8n-320.onnx")
    zones = load_zones_file(resource_path("demo", "zones.json"), camera_id="SELF-TEST")
    analyzer = build_analyzer("SELF-TEST", zones, model=model, threads=1)
    seen: list[FrameObservation] = []
    result = analyze_source(
        resolve_source("demo:worker-zone-detection.gif"),
        analyzer,
        max_frames=CAMERA_FRAMES,
        on_observation=seen.append,
    )
    persons = [o.person_count for o in seen]
    if result.frames < CAMERA_FRAMES:
        raise RuntimeError(f"the demo camera gave {result.frames} of {CAMERA_FRAMES} frames")
    if not any(persons):
        raise RuntimeError("the detector found nobody in the demo clip")
    return {
        "model": model.name,
        "frames": result.frames,
        "persons_per_frame": persons,
        "zones": len(zones),
        "torch_loaded": "torch" in sys.modules,
    }


def _library_check() -> dict[str, str]:
    """Use the libraries features import only when first used (the solver, machine learning),
    so a bundle that lacks one of their dependencies fails here, not in a planner's hands."""
    import numpy as np
    from ortools.sat.python import cp_model
    from sklearn.ensemble import IsolationForest

    model = cp_model.CpModel()
    x = model.new_int_var(0, 10, "x")
    y = model.new_int_var(0, 10, "y")
    model.add(x + y == 7)
    model.maximize(x - y)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    if solver.solve(model) != cp_model.OPTIMAL or solver.value(x) != 7:
        raise RuntimeError("the CP-SAT solver gave a wrong answer")
    points = np.random.default_rng(7).normal(size=(64, 2))
    forest = IsolationForest(n_estimators=10, random_state=7).fit(points)
    if forest.predict(np.array([[40.0, 40.0]]))[0] != -1:
        raise RuntimeError("scikit-learn's isolation forest missed an obvious outlier")
    import ortools
    import sklearn

    return {
        "ortools": str(getattr(ortools, "__version__", "?")),
        "scikit-learn": str(getattr(sklearn, "__version__", "?")),
    }
