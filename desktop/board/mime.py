"""What a dragged card carries: its key and the version the seat saw (never the whole card)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QMimeData

MIME_TYPE = "application/x-takt-board-card"


@dataclass(frozen=True, slots=True)
class CardDrag:
    key: str  # "operator:OP-0001", "work_order:WO-00151"
    version: int
    seat: str = ""


def encode(drag: CardDrag) -> QMimeData:
    data = QMimeData()
    payload = json.dumps({"key": drag.key, "version": drag.version, "seat": drag.seat})
    data.setData(MIME_TYPE, QByteArray(payload.encode("utf-8")))
    data.setText(drag.key)
    return data


def decode(data: QMimeData | None) -> CardDrag | None:
    if data is None or not data.hasFormat(MIME_TYPE):
        return None
    try:
        raw = json.loads(bytes(data.data(MIME_TYPE).data()).decode("utf-8"))
        return CardDrag(str(raw["key"]), int(raw["version"]), str(raw.get("seat", "")))
    except (ValueError, KeyError, TypeError):
        return None
