"""Alert snapshots on disk: one JPEG per raised alert, deleted after the retention period.

Files live under ``<user data dir>/snapshots/<YYYY-MM-DD>/`` (the day in UTC), so pruning
removes whole day folders. The alert's context holds the file's path; no video is stored.
"""

from __future__ import annotations

import logging
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SnapshotStore:
    def __init__(self, root: Path, retention_days: int) -> None:
        self.root = root
        self.retention_days = retention_days

    def save(self, data: bytes, *, camera_id: str, label: str, at: datetime) -> Path:
        """Write ``data`` and return its path (unique even for two alerts in one moment)."""
        folder = self.root / at.date().isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        stem = _SAFE.sub("_", f"{camera_id}_{label}_{at:%H%M%S_%f}")
        path = folder / f"{stem}.jpg"
        n = 1
        while path.exists():
            n += 1
            path = folder / f"{stem}_{n}.jpg"
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        return path

    def prune(self, now: datetime) -> int:
        """Delete the day folders older than the retention period; returns how many files."""
        if not self.root.is_dir():
            return 0
        oldest_kept: date = (now - timedelta(days=self.retention_days)).date()
        removed = 0
        for folder in self.root.iterdir():
            if not folder.is_dir() or not _DAY.match(folder.name):
                continue
            if date.fromisoformat(folder.name) >= oldest_kept:
                continue
            removed += sum(1 for f in folder.iterdir() if f.is_file())
            shutil.rmtree(folder, ignore_errors=True)
        if removed:
            log.info("snapshots: %d file(s) older than %d days deleted", removed,
                     self.retention_days)  # fmt: skip
        return removed
