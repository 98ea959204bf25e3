"""What the installer bundle leaves out (packaging/takt.spec ``excludes``) must not be needed:
every feature dock is imported, with those modules made unimportable, in a fresh interpreter.
This catches in seconds what the installer check would only find after a build of minutes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import importlib, importlib.abc, sys
blocked = {blocked!r}

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in blocked):
            raise ModuleNotFoundError(f"No module named {{name!r}} (left out of the bundle)")
        return None

sys.meta_path.insert(0, Block())
import desktop.main_window as mw
for name in mw.FEATURE_DOCKS + ("desktop.self_test", "desktop.entry"):
    importlib.import_module(name)
print("ok")
"""


def excluded_modules() -> list[str]:
    tree = ast.parse((ROOT / "packaging" / "takt.spec").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "excludes" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, list)
            return [str(v) for v in value]
    raise AssertionError("packaging/takt.spec has no excludes list")


def test_the_spec_excludes_something() -> None:
    assert "torch" in excluded_modules()


def test_every_feature_dock_imports_without_what_the_bundle_leaves_out() -> None:
    code = CHECK.format(blocked=excluded_modules())
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")
