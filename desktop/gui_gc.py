"""Python's cyclic garbage collection on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate when a threshold is crossed.
When that is a worker (a database read, a solver run) and the garbage holds Qt objects (a closed
dock's widgets), their C++ destructors run there, take Qt's internal locks and call back into
Python: with the GUI thread holding the interpreter lock and waiting for one of those Qt locks,
both wait forever. A test run hung exactly so. Collecting only on the GUI thread, on a timer
with the interpreter's own thresholds, removes the case (pyqtgraph's GarbageCollector, which
does this, is what we use).
"""

from __future__ import annotations

import gc

from pyqtgraph.util.garbage_collector import GarbageCollector

_collector: GarbageCollector | None = None


def collect_on_gui_thread(interval_s: float = 1.0) -> GarbageCollector:
    """Turn automatic collection off and collect from a GUI-thread timer instead (once per
    process; call it on the GUI thread after the QApplication exists)."""
    global _collector
    if _collector is None:
        _collector = GarbageCollector(interval=interval_s)
    return _collector


def is_collecting_on_gui_thread() -> bool:
    return _collector is not None and not gc.isenabled()


def stop_collecting_on_gui_thread() -> None:
    """Automatic collection back on (a test that turned it over to the timer)."""
    global _collector
    if _collector is not None:
        _collector.timer.stop()
        _collector = None
    gc.enable()
