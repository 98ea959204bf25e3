"""Qt fixtures: a seat's desktop context on a temporary database, and leak checks."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from desktop.change_hub import ChangeHub
from desktop.context import DesktopContext
from desktop.runner import ServiceRunner


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread(qapp: Any) -> Iterator[None]:
    """As the program does (desktop/gui_gc.py): no automatic collection in worker threads
    while a Qt test runs (freeing an earlier test's widgets there deadlocked a run); what the
    test leaves is collected here, on the GUI thread, and the other tests run as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    gc.collect()
    if was_enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def _no_leaked_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """A Qt test must stop every worker thread it started (runner, feed subscriber)."""
    before = {t.ident for t in threading.enumerate()}
    yield
    deadline = time.monotonic() + 5
    while True:
        leaked = [
            t
            for t in threading.enumerate()
            if t.ident not in before and t.is_alive() and not t.name.startswith("pydevd")
        ]
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not leaked, f"threads left running: {[t.name for t in leaked]}"


@pytest.fixture
def make_ctx(tmp_path: Path, qtbot: Any) -> Iterator[Callable[..., DesktopContext]]:
    made: list[tuple[DesktopContext, Any]] = []

    def _make(app: Any, actor: Any = None, *, subscribe: bool = True) -> DesktopContext:
        runner = ServiceRunner()
        hub = ChangeHub(debounce_ms=20)
        errors: list[BaseException] = []
        ctx = DesktopContext(
            app=app,
            runner=runner,
            hub=hub,
            actor=actor or app.actor(),
            settings=QSettings(
                str(tmp_path / f"desktop-{len(made)}.ini"), QSettings.Format.IniFormat
            ),
            report_error=errors.append,
        )
        ctx.errors = errors  # type: ignore[attr-defined]
        sub = (
            app.subscribe(hub.post, on_status=hub.post_status, poll_interval=0.5)
            if subscribe
            else None
        )
        made.append((ctx, sub))
        return ctx

    yield _make
    for ctx, sub in made:
        if sub is not None:
            sub.stop()
        ctx.hub.stop()
        ctx.runner.shutdown(wait=True)
