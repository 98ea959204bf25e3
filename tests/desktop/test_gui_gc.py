"""Garbage collection runs on the GUI thread only (desktop/gui_gc.py)."""

from __future__ import annotations

import gc
import threading
from typing import Any

from desktop.gui_gc import (
    collect_on_gui_thread,
    is_collecting_on_gui_thread,
    stop_collecting_on_gui_thread,
)


class _Cycle:
    def __init__(self, seen: list[str]) -> None:
        self.me = self
        self.seen = seen

    def __del__(self) -> None:
        self.seen.append(threading.current_thread().name)


def test_cycles_are_freed_by_the_gui_thread_timer_not_by_workers(qtbot: Any) -> None:
    stop_collecting_on_gui_thread()  # automatic collection on, as in a program that starts
    assert gc.isenabled()
    collector = collect_on_gui_thread(interval_s=0.05)
    try:
        assert not gc.isenabled()  # turned over to the timer
        assert collect_on_gui_thread() is collector  # once per process
        assert is_collecting_on_gui_thread()
        seen: list[str] = []
        for _ in range(3):
            _Cycle(seen)

        def allocate_a_lot() -> None:  # would trigger an automatic collection here
            junk: list[list[int]] = [[] for _ in range(50_000)]
            del junk

        worker = threading.Thread(target=allocate_a_lot, name="worker")
        worker.start()
        worker.join()
        assert seen == []  # nothing was collected in the worker
        thresholds = collector.threshold
        collector.threshold = (0, 0, 0)  # the timer's next look collects every generation
        qtbot.waitUntil(lambda: len(seen) == 3, timeout=5000)
        collector.threshold = thresholds
        assert set(seen) == {"MainThread"}
        assert collector.timer.isActive()
    finally:
        stop_collecting_on_gui_thread()
        gc.disable()  # as the fixture left it
    assert not is_collecting_on_gui_thread()
