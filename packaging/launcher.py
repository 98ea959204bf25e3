"""The frozen program's entry script (PyInstaller): one script, two executables.

``takt-gui`` (windowed; on Windows no console) opens the control room unless told otherwise;
``takt`` (console) is the full command line, including ``takt --self-test`` and ``takt run``.
"""

from __future__ import annotations

import os
import sys

from desktop.entry import gui_main, main

if __name__ == "__main__":
    name = os.path.basename(sys.executable).lower()
    if name.startswith("takt-gui"):
        gui_main()
    else:
        main()
