"""Small helpers of the CSV import tests: write a file, count a table's rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count(app: Any, table: Any) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
