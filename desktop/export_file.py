"""Writing export files off the GUI thread, and why one could not be written as an OSError
naming the file (for ``describe``).

Qt's writers (QImage.save, QPainter.begin on a QPdfWriter) say only that they failed; opening
the file for appending gives the system's reason (no such folder, permission denied)."""

from __future__ import annotations

import errno
from pathlib import Path

from PySide6.QtGui import QImage


def unwritable(path: str | Path) -> OSError:
    """The error to raise after a Qt writer refused ``path``."""
    target = Path(path)
    try:
        with target.open("ab"):
            pass
    except OSError as exc:
        return exc
    return OSError(errno.EIO, "could not be written", str(target))


def save_png(image: QImage, path: str | Path) -> Path:
    """Write ``image`` (a grab made on the GUI thread) as a PNG, the suffix made ``.png`` (it
    picks the format); QImage needs no GUI thread, so this runs in a runner query."""
    target = Path(path)
    if target.suffix.lower() != ".png":
        target = target.with_suffix(".png")
    if not image.save(str(target)):
        raise unwritable(target)
    return target
