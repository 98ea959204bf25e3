"""``python -m desktop``: the same as the ``takt`` command (no arguments: open the window)."""

from __future__ import annotations

import sys

from desktop.entry import gui_main, main

if __name__ == "__main__":
    if len(sys.argv) > 1:
        main()
    else:
        gui_main()
