"""Where the resources are: the checkout's resources/ folder or the installed bundle's."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    env = os.environ.get("TAKT_RESOURCES")
    if env:
        return Path(env)
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller one-folder bundle
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def resolve_source(source: str) -> str:
    """Camera sources may name a bundled clip as ``demo:<file>``; everything else is unchanged."""
    if source.startswith("demo:"):
        return str(resource_path("demo", source.removeprefix("demo:")))
    return source
