"""The camera wall: tiles in a layout (1, 2x2, 3x3, custom), saved per seat.

One QTimer pulls the newest frame of every visible tile at display rate (it only peeks at the
one-slot holders the analysis threads fill; nothing is queued), and the cameras' health twice
a second. Double-clicking a tile maximises it (again: back to the wall); a tile can open in a
window of its own, for a second monitor, and comes back when that window closes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.cameras.feeds import FeedSource
from desktop.cameras.tile import CameraTile

log = logging.getLogger(__name__)

PRESETS: dict[str, tuple[int, int]] = {"1": (1, 1), "2x2": (2, 2), "3x3": (3, 3)}
CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class WallLayout:
    name: str  # "1", "2x2", "3x3" or "custom"
    rows: int
    cols: int
    order: tuple[str, ...] = ()  # camera ids in cell order (custom); others follow

    @property
    def cells(self) -> int:
        return self.rows * self.cols


class DetachedTile(QWidget):
    """A tile in a top-level window of its own (drag it to another monitor)."""

    closed = Signal(str)

    def __init__(self, tile: CameraTile) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.tile = tile
        self.setWindowTitle(f"{tile.title} — Takt camera")
        self.setObjectName(f"camera_window_{tile.camera_id}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(tile)
        self.resize(800, 480)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit(self.tile.camera_id)
        super().closeEvent(event)


class CameraWall(QWidget):
    layout_changed = Signal(object)  # WallLayout

    def __init__(
        self,
        settings: QSettings,
        seat: str,
        *,
        show_video: bool = True,
        poll_ms: int = 15,
        health_ms: int = 500,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.seat = seat
        self.show_video = show_video
        self.source: FeedSource | None = None
        self.tiles: dict[str, CameraTile] = {}
        self.windows: dict[str, DetachedTile] = {}
        self.maximised: str | None = None
        self.page = 0
        self.layout_spec = self._load_layout()

        self.layout_box = QComboBox()
        for name in (*PRESETS, CUSTOM):
            self.layout_box.addItem("Custom…" if name == CUSTOM else name, name)
        self.layout_box.setCurrentIndex(self.layout_box.findData(self.layout_spec.name))
        self.layout_box.activated.connect(self._on_layout_box_activated)
        self.prev_button = QPushButton("◀")
        self.next_button = QPushButton("▶")
        self.prev_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.status = QLabel("")
        self.start_button = QPushButton("Start cameras")
        self.start_button.hide()
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Layout:"))
        bar.addWidget(self.layout_box)
        bar.addWidget(self.prev_button)
        bar.addWidget(self.next_button)
        bar.addWidget(self.start_button)
        bar.addWidget(self.status, 1)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addLayout(bar)
        outer.addWidget(self.grid_host, 1)

        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self._tick)
        self._health_every = max(1, health_ms // max(poll_ms, 1))
        self._ticks = 0
        self._arrange()

    # -- settings per seat ---------------------------------------------------------------------
    def _key(self, what: str) -> str:
        return f"cameras/{self.seat}/{what}"

    def _load_layout(self) -> WallLayout:
        s = self.settings
        name = str(s.value(self._key("layout"), "2x2"))
        order = tuple(x for x in str(s.value(self._key("order"), "") or "").split(",") if x)
        if name == CUSTOM:
            rows = _int(s.value(self._key("rows"), 2), 2)
            cols = _int(s.value(self._key("cols"), 2), 2)
            return WallLayout(CUSTOM, rows, cols, order)
        rows, cols = PRESETS.get(name, PRESETS["2x2"])
        return WallLayout(name if name in PRESETS else "2x2", rows, cols, order)

    def _save_layout(self) -> None:
        s, spec = self.settings, self.layout_spec
        s.setValue(self._key("layout"), spec.name)
        s.setValue(self._key("rows"), spec.rows)
        s.setValue(self._key("cols"), spec.cols)
        s.setValue(self._key("order"), ",".join(spec.order))
        s.setValue(self._key("detached"), ",".join(self.windows))
        for cid, window in self.windows.items():
            s.setValue(self._key(f"window/{cid}"), window.saveGeometry())
        s.sync()

    def set_layout(
        self, name: str, rows: int | None = None, cols: int | None = None,
        order: tuple[str, ...] | None = None,
    ) -> None:  # fmt: skip
        if name in PRESETS:
            r, c = PRESETS[name]
        else:
            name = CUSTOM
            r = max(1, min(6, rows or self.layout_spec.rows))
            c = max(1, min(6, cols or self.layout_spec.cols))
        spec = WallLayout(name, r, c, order if order is not None else self.layout_spec.order)
        self.layout_spec = spec
        self.layout_box.setCurrentIndex(self.layout_box.findData(name))
        self.maximised = None
        self.page = 0
        self._save_layout()
        self._arrange()
        self.layout_changed.emit(spec)

    def _on_layout_box_activated(self, index: int) -> None:
        name = str(self.layout_box.itemData(index))
        if name != CUSTOM:
            self.set_layout(name)
            return
        from desktop.cameras.layout_dialog import CustomLayoutDialog

        names = {cid: t.title for cid, t in self.tiles.items()}
        dialog = CustomLayoutDialog(self.layout_spec, self.ordered_ids(), names, self)
        if dialog.exec():
            rows, cols, order = dialog.result_layout()
            self.set_layout(CUSTOM, rows, cols, order)
        else:
            self.layout_box.setCurrentIndex(self.layout_box.findData(self.layout_spec.name))

    # -- feeds -------------------------------------------------------------------------------
    def set_source(self, source: FeedSource | None, message: str = "") -> None:
        """Show the cameras of ``source`` (None: no cameras running, with ``message``)."""
        self.source = source
        ids = source.camera_ids() if source is not None else []
        for cid in [c for c in self.tiles if c not in ids]:
            self._drop_tile(cid)
        assert source is not None or not ids
        for cid in ids:
            feed = source.camera(cid)  # type: ignore[union-attr]
            tile = self.tiles.get(cid)
            if tile is None:
                tile = CameraTile(feed, show_video=self.show_video)
                tile.maximise_requested.connect(self.toggle_maximise)
                tile.detach_requested.connect(self.detach)
                tile.attach_requested.connect(self.attach)
                tile.synced = cid in self._synced_ids()
                tile.synced_changed.connect(self._on_tile_synced)
                self.tiles[cid] = tile
            elif tile.feed is not feed:
                tile.set_feed(feed)
        self.status.setText(message or (f"{len(ids)} camera(s)" if ids else "no cameras"))
        self._arrange()
        for cid in str(self.settings.value(self._key("detached"), "") or "").split(","):
            if cid in self.tiles and cid not in self.windows:
                self.detach(cid)

    def _synced_ids(self) -> set[str]:
        return {c for c in str(self.settings.value(self._key("synced"), "") or "").split(",") if c}

    def _on_tile_synced(self, camera_id: str, synced: bool) -> None:
        ids = self._synced_ids() - {camera_id} | ({camera_id} if synced else set())
        self.settings.setValue(self._key("synced"), ",".join(sorted(ids)))

    def _drop_tile(self, cid: str) -> None:
        window = self.windows.pop(cid, None)
        tile = self.tiles.pop(cid)
        if window is not None:
            window.closed.disconnect()
            window.close()
            window.deleteLater()
        tile.setParent(None)
        tile.deleteLater()
        if self.maximised == cid:
            self.maximised = None

    def ordered_ids(self) -> list[str]:
        ids = list(self.tiles)
        first = [c for c in self.layout_spec.order if c in self.tiles]
        return first + [c for c in ids if c not in first]

    def visible_ids(self) -> list[str]:
        """Cameras in the wall's cells now (maximised: that one), detached ones excluded."""
        docked = [c for c in self.ordered_ids() if c not in self.windows]
        if self.maximised in docked:
            return [self.maximised]
        n = self.layout_spec.cells
        return docked[self.page * n : (self.page + 1) * n]

    def pages(self) -> int:
        docked = [c for c in self.tiles if c not in self.windows]
        n = self.layout_spec.cells
        return max(1, -(-len(docked) // n))

    def show_page(self, page: int) -> None:
        self.page = max(0, min(page, self.pages() - 1))
        self._arrange()

    def _arrange(self) -> None:
        while self.grid.count():
            self.grid.takeAt(0)
        for r in range(6):
            self.grid.setRowStretch(r, 0)
            self.grid.setColumnStretch(r, 0)
        shown = self.visible_ids()
        for cid, tile in self.tiles.items():
            if cid in self.windows:
                continue
            tile.maximised = cid == self.maximised
            if cid not in shown:
                tile.hide()
        if self.maximised in shown:
            self.grid.addWidget(self.tiles[self.maximised], 0, 0)
            self.grid.setRowStretch(0, 1)
            self.grid.setColumnStretch(0, 1)
        else:
            spec = self.layout_spec
            for i, cid in enumerate(shown):
                self.grid.addWidget(self.tiles[cid], i // spec.cols, i % spec.cols)
            for r in range(spec.rows):
                self.grid.setRowStretch(r, 1)
            for c in range(spec.cols):
                self.grid.setColumnStretch(c, 1)
        for cid in shown:
            self.tiles[cid].setParent(self.grid_host)
            self.tiles[cid].smooth = len(shown) == 1  # bilinear only for a tile on its own
            self.tiles[cid].show()
        many = self.pages() > 1 and self.maximised is None
        self.prev_button.setVisible(many)
        self.next_button.setVisible(many)
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.pages() - 1)

    # -- maximise and detach -------------------------------------------------------------------
    def toggle_maximise(self, camera_id: str) -> None:
        if camera_id in self.windows:
            return
        self.maximised = None if self.maximised == camera_id else camera_id
        self._arrange()

    def detach(self, camera_id: str) -> None:
        tile = self.tiles.get(camera_id)
        if tile is None or camera_id in self.windows:
            return
        if self.maximised == camera_id:
            self.maximised = None
        self.grid.removeWidget(tile)
        tile.detached = True
        tile.maximised = False
        tile.smooth = True
        window = DetachedTile(tile)
        geometry = self.settings.value(self._key(f"window/{camera_id}"))
        if isinstance(geometry, QByteArray | bytes):
            window.restoreGeometry(QByteArray(geometry))
        window.closed.connect(self.attach)
        self.windows[camera_id] = window
        window.show()
        self._save_layout()
        self._arrange()

    def attach(self, camera_id: str) -> None:
        window = self.windows.pop(camera_id, None)
        if window is None:
            return
        self.settings.setValue(self._key(f"window/{camera_id}"), window.saveGeometry())
        tile = window.tile
        tile.detached = False
        tile.setParent(self.grid_host)
        window.closed.disconnect()
        window.close()
        window.deleteLater()
        self._save_layout()
        self._arrange()

    def close_windows(self) -> None:
        """Close the detached windows (the program is closing); they reopen next time."""
        self._save_layout()
        for window in list(self.windows.values()):
            window.closed.disconnect()
            window.close()

    # -- the display timer ---------------------------------------------------------------------
    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        self._ticks += 1
        health = self._ticks % self._health_every == 0
        for tile in self.tiles.values():
            if not tile.isVisible():
                continue
            tile.pull()
            if health:
                tile.refresh_health()


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default
