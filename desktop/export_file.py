"""Why an export file could not be written, as an OSError naming the file (for ``describe``).

Qt's writers (QImage.save, QPainter.begin on a QPdfWriter) say only that they failed; opening
the file for appending gives the system's reason (no such folder, permission denied)."""

from __future__ import annotations

import errno
from pathlib import Path


def unwritable(path: str | Path) -> OSError:
    """The error to raise after a Qt writer refused ``path``."""
    target = Path(path)
    try:
        with target.open("ab"):
            pass
    except OSError as exc:
        return exc
    return OSError(errno.EIO, "could not be written", str(target))
