"""The program's version, read from the installed package metadata (one source: pyproject.toml)."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("takt-control-room")
except metadata.PackageNotFoundError:  # running from a bundle without metadata
    __version__ = "0.1.0"
