"""What the analytics jobs share: the run summary they return, a stopwatch, the job lock."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from services.persistence.uow import UnitOfWork

# pg_advisory_xact_lock keys: two runs of one job on PostgreSQL take turns (no duplicate rows)
JOB_LOCK_KEYS = {
    "demand_forecast": 0x74616B01,
    "machine_anomaly": 0x74616B02,
    "absence_forecast": 0x74616B03,
}


@dataclass(frozen=True, slots=True)
class JobSummary:
    """What one run of an analytics job did (the CLI prints it; the audit row keeps it)."""

    job: str
    run_id: str
    model: str
    rows_written: int
    rows_replaced: int
    subjects: int  # products, machine metric series or operators that got predictions
    timings: dict[str, float] = field(default_factory=dict)  # seconds: read, fit, write
    notes: tuple[str, ...] = ()  # what was skipped and why
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "run_id": self.run_id,
            "model": self.model,
            "rows_written": self.rows_written,
            "rows_replaced": self.rows_replaced,
            "subjects": self.subjects,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "notes": list(self.notes),
            **self.details,
        }


def timings_text(timings: dict[str, float], digits: int = 2) -> str:
    """``"read 0.12s, fit 1.80s"``: the seconds per phase, for logs and the CLI."""
    return ", ".join(f"{k} {v:.{digits}f}s" for k, v in timings.items())


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]


class Stopwatch:
    """Seconds spent per phase: ``with watch.phase("fit"): ...``."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def lock_job(uow: UnitOfWork, job: str) -> None:
    """On PostgreSQL, wait for any other run of ``job`` to commit (a transaction-level lock)."""
    if uow.is_postgres:
        uow.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": JOB_LOCK_KEYS[job]})
