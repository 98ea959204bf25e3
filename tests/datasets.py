"""Where the shared public data sets live (../shared/data next to the checkout by default)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    env = os.environ.get("TAKT_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """Path of a shared data file; the test is skipped (with the reason shown) if it is absent."""
    path = shared_data_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data set not found: {path} (set TAKT_SHARED_DATA)")
    return path
