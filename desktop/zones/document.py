"""The zones being edited for one camera, and the undoable edits on them.

The document holds :class:`services.zones.ZoneDraft` values (immutable, normalised 0..1
coordinates) under local keys (a new zone has no id until it is saved). Every edit is a
QUndoCommand that swaps whole drafts, so undo and redo are exact; the scene and the panels
follow the document's signals and never change it behind the undo stack's back, except for
the live preview while the mouse drags (the command pushed on release then holds the edit).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from services.zones import ZoneDraft


class ZoneDocument(QObject):
    zone_added = Signal(int)
    zone_removed = Signal(int)
    zone_changed = Signal(int)
    reset = Signal()
    edited = Signal()  # any of the above

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.camera_id: str | None = None
        self.width = 640
        self.height = 360
        self._zones: dict[int, ZoneDraft] = {}
        self._next = 1
        self.versions: dict[str, int] = {}  # what the editor loaded (stale-save check)

    # -- reading -----------------------------------------------------------------------------
    def keys(self) -> list[int]:
        return list(self._zones)

    def get(self, key: int) -> ZoneDraft:
        return self._zones[key]

    def __iter__(self) -> Iterator[int]:
        return iter(list(self._zones))

    def __contains__(self, key: object) -> bool:
        return key in self._zones

    def __len__(self) -> int:
        return len(self._zones)

    def drafts(self) -> list[ZoneDraft]:
        return list(self._zones.values())

    def index_of(self, key: int) -> int:
        return list(self._zones).index(key)

    def key_at(self, index: int) -> int:
        return list(self._zones)[index]

    def pixels(self, key: int) -> list[tuple[float, float]]:
        return [(x * self.width, y * self.height) for x, y in self._zones[key].polygon]

    def normalise(self, points: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
        return tuple((x / self.width, y / self.height) for x, y in points)

    def new_key(self) -> int:
        key = self._next
        self._next += 1
        return key

    # -- changing (the undo commands call these) ---------------------------------------------
    def load(self, camera_id: str, width: int, height: int, drafts: Sequence[ZoneDraft]) -> None:
        self.camera_id = camera_id
        self.width, self.height = max(1, width), max(1, height)
        self._zones = {}
        for d in drafts:
            self._zones[self.new_key()] = d
        self.versions = {d.id: d.version for d in drafts if d.id and d.version is not None}
        self.reset.emit()
        self.edited.emit()

    def insert(self, key: int, draft: ZoneDraft, index: int | None = None) -> None:
        items = list(self._zones.items())
        pos = len(items) if index is None else max(0, min(index, len(items)))
        items.insert(pos, (key, draft))
        self._zones = dict(items)
        self.zone_added.emit(key)
        self.edited.emit()

    def remove(self, key: int) -> tuple[int, ZoneDraft]:
        index = self.index_of(key)
        draft = self._zones.pop(key)
        self.zone_removed.emit(key)
        self.edited.emit()
        return index, draft

    def replace(self, key: int, draft: ZoneDraft) -> None:
        if self._zones.get(key) == draft:
            return
        self._zones[key] = draft
        self.zone_changed.emit(key)
        self.edited.emit()

    def replace_all(self, items: Sequence[tuple[int, ZoneDraft]]) -> None:
        self._zones = dict(items)
        self.reset.emit()
        self.edited.emit()

    def items(self) -> list[tuple[int, ZoneDraft]]:
        return list(self._zones.items())


class AddZone(QUndoCommand):
    def __init__(self, doc: ZoneDocument, key: int, draft: ZoneDraft) -> None:
        super().__init__(f"Draw zone {draft.name!r}")
        self.doc, self.key, self.draft = doc, key, draft

    def redo(self) -> None:
        self.doc.insert(self.key, self.draft)

    def undo(self) -> None:
        self.doc.remove(self.key)


class RemoveZone(QUndoCommand):
    def __init__(self, doc: ZoneDocument, key: int) -> None:
        super().__init__(f"Delete zone {doc.get(key).name!r}")
        self.doc, self.key = doc, key
        self.index = doc.index_of(key)
        self.draft = doc.get(key)

    def redo(self) -> None:
        self.index, self.draft = self.doc.remove(self.key)

    def undo(self) -> None:
        self.doc.insert(self.key, self.draft, self.index)


class ChangeZone(QUndoCommand):
    """Any edit of one zone: a vertex moved, inserted or deleted, the polygon moved, a
    property changed. ``before``/``after`` are whole drafts."""

    def __init__(
        self, doc: ZoneDocument, key: int, before: ZoneDraft, after: ZoneDraft, text: str
    ) -> None:
        super().__init__(text)
        self.doc, self.key, self.before, self.after = doc, key, before, after

    def redo(self) -> None:
        self.doc.replace(self.key, self.after)

    def undo(self) -> None:
        self.doc.replace(self.key, self.before)


class ReplaceZones(QUndoCommand):
    """The whole set at once: a template applied, zones moved with the camera."""

    def __init__(
        self, doc: ZoneDocument, after: Sequence[tuple[int, ZoneDraft]], text: str
    ) -> None:
        super().__init__(text)
        self.doc = doc
        self.before = doc.items()
        self.after = list(after)

    def redo(self) -> None:
        self.doc.replace_all(self.after)

    def undo(self) -> None:
        self.doc.replace_all(self.before)
