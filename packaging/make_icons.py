"""Render the application icon (resources/icons/takt.svg) into the raster files installers need:
resources/icons/takt.png (256 px: the window icon, the .deb's hicolor icon) and
packaging/windows/takt.ico (16..256 px: the Windows executables and the installer).

Run it after changing the SVG (the outputs are committed, so Windows builds need no Qt tools):
    .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

TOP = Path(__file__).resolve().parents[1]
SVG = TOP / "resources" / "icons" / "takt.svg"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 1
    png = TOP / "resources" / "icons" / "takt.png"
    ico = TOP / "packaging" / "windows" / "takt.ico"
    ok = render(renderer, 256).save(str(png), "PNG")
    # Qt's ICO writer stores one image per file; the 256 px image is what Windows scales from.
    ok = render(renderer, 256).save(str(ico), "ICO") and ok
    print(f"wrote {png} and {ico}" if ok else "writing the icons failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
