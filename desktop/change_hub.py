"""ChangeHub: committed change events from the feed, debounced, delivered on the GUI thread.

The feed subscriber thread calls ``post(events)``; the hub collects bursts for ``debounce_ms``
and emits ``changed(events)`` once. Screens check the topics they show, skip their own requests
(``request_id``) when they already applied the result, and re-query only what changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from domain.events import ChangeEvent, Topic


class ChangeHub(QObject):
    changed = Signal(object)  # list[ChangeEvent], in sequence order
    feed_status = Signal(str)
    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None, *, debounce_ms: int = 60) -> None:
        super().__init__(parent)
        self._pending: dict[int, ChangeEvent] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._flush)
        self._posted.connect(self._on_posted)
        self.last_seq = 0

    def post(self, events: Iterable[ChangeEvent]) -> None:
        """Thread-safe: called by the feed subscriber thread."""
        self._posted.emit(list(events))

    def post_status(self, status: str) -> None:
        self.feed_status.emit(status)

    @Slot(object)
    def _on_posted(self, events: list[ChangeEvent]) -> None:
        for e in events:
            self._pending[e.seq] = e
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _flush(self) -> None:
        if not self._pending:
            return
        events = [self._pending[k] for k in sorted(self._pending)]
        self._pending.clear()
        self.last_seq = max(self.last_seq, events[-1].seq)
        self.changed.emit(events)

    def stop(self) -> None:
        self._timer.stop()


def touches(events: Iterable[ChangeEvent], *topics: Topic) -> bool:
    wanted = set(topics)
    return any(e.topic in wanted for e in events)


def ids_of(events: Iterable[ChangeEvent], topic: Topic) -> set[str]:
    return {i for e in events if e.topic is topic for i in e.ids}
