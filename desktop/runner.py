"""ServiceRunner: database and solver work off the GUI thread, results back on it.

Commands (writes) go to a single-thread lane so one seat's changes stay in order; queries go to
a small pool. Each job's result or error comes back through a queued Qt signal, so callbacks run
on the GUI thread. ``force_sync()`` runs everything inline for tests that want no threads.

    runner.command(service.reassign, actor, cmd).on_success(self._moved).on_failure(self._show)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


class Job(Generic[T]):
    """A submitted piece of work; attach callbacks that run on the GUI thread."""

    def __init__(self, name: str, owner: QObject | None = None) -> None:
        self.name = name
        self._owner = owner
        self._success: list[Callable[[T], None]] = []
        self._failure: list[Callable[[BaseException], None]] = []
        self._finally: list[Callable[[], None]] = []
        self._settled: list[Callable[[], None]] = []  # the runner's own bookkeeping
        self.done = False
        self.result: T | None = None
        self.error: BaseException | None = None

    def on_success(self, fn: Callable[[T], None]) -> Job[T]:
        self._success.append(fn)
        if self.done and self.error is None:
            fn(self.result)  # type: ignore[arg-type]
        return self

    def on_failure(self, fn: Callable[[BaseException], None]) -> Job[T]:
        self._failure.append(fn)
        if self.done and self.error is not None:
            fn(self.error)
        return self

    def on_finished(self, fn: Callable[[], None]) -> Job[T]:
        self._finally.append(fn)
        if self.done:
            fn()
        return self

    def _on_settled(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` when the job ends, even when its owner is gone (unlike on_finished)."""
        self._settled.append(fn)

    def _owner_gone(self) -> bool:
        return self._owner is not None and not shiboken6.isValid(self._owner)

    def _complete(self, result: Any, error: BaseException | None) -> None:
        self.done = True
        self.result = result
        self.error = error
        try:
            if self._owner_gone():
                return  # the widget that asked is gone: nobody to tell
            if error is None:
                for fn in self._success:
                    fn(result)
            else:
                if not self._failure:
                    log.error("job %s failed: %s", self.name, error, exc_info=error)
                for fn2 in self._failure:
                    fn2(error)
        finally:
            try:
                if not self._owner_gone():
                    for fn3 in self._finally:
                        fn3()
            finally:
                for fn4 in self._settled:
                    fn4()


class _Bridge(QObject):
    finished = Signal(object, object, object)  # job, result, error

    @Slot(object, object, object)
    def deliver(self, job: Job[Any], result: Any, error: BaseException | None) -> None:
        job._complete(result, error)


class ServiceRunner(QObject):
    """Owns the worker threads; create one per main window and ``shutdown()`` it on close."""

    busy_changed = Signal(int)  # number of jobs in flight (for a progress indication)

    def __init__(self, parent: QObject | None = None, *, query_workers: int = 2) -> None:
        super().__init__(parent)
        self._write = ThreadPoolExecutor(max_workers=1, thread_name_prefix="takt-write")
        self._read = ThreadPoolExecutor(max_workers=query_workers, thread_name_prefix="takt-read")
        self._bridge = _Bridge()
        self._bridge.finished.connect(self._bridge.deliver)
        self._sync = False
        self._in_flight = 0
        self._lock = threading.Lock()
        self._closed = False

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def command(
        self,
        fn: Callable[..., T],
        *args: Any,
        name: str = "",
        owner: QObject | None = None,
        **kwargs: Any,
    ) -> Job[T]:
        """A write: runs on the single write lane, in submission order. Callbacks are skipped
        when ``owner`` (the widget that asked) no longer exists."""
        label = name or getattr(fn, "__name__", "command")
        return self._submit(self._write, fn, args, kwargs, label, owner)

    def query(
        self,
        fn: Callable[..., T],
        *args: Any,
        name: str = "",
        owner: QObject | None = None,
        **kwargs: Any,
    ) -> Job[T]:
        """A read or a long computation (solver, model fit): runs on the query pool."""
        label = name or getattr(fn, "__name__", "query")
        return self._submit(self._read, fn, args, kwargs, label, owner)

    def _submit(
        self,
        pool: ThreadPoolExecutor,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        name: str,
        owner: QObject | None = None,
    ) -> Job[T]:
        job: Job[T] = Job(name, owner)
        if self._closed:
            job._complete(None, RuntimeError("the program is shutting down"))
            return job
        self._set_in_flight(+1)

        def work() -> None:
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to on_failure on the GUI thread
                self._bridge.finished.emit(job, None, exc)
            else:
                self._bridge.finished.emit(job, result, None)

        job._on_settled(lambda: self._set_in_flight(-1))
        if self._sync:
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to on_failure
                job._complete(None, exc)
            else:
                job._complete(result, None)
            return job
        pool.submit(work)
        return job

    def _set_in_flight(self, delta: int) -> None:
        with self._lock:
            self._in_flight += delta
            n = self._in_flight
        self.busy_changed.emit(n)

    @contextmanager
    def force_sync(self) -> Iterator[None]:
        """Run jobs inline on the calling thread (tests)."""
        old = self._sync
        self._sync = True
        try:
            yield
        finally:
            self._sync = old

    def shutdown(self, wait: bool = True) -> None:
        self._closed = True
        self._write.shutdown(wait=wait, cancel_futures=True)
        self._read.shutdown(wait=wait, cancel_futures=True)
