"""Observations into the database, in batches: the write side of camera analytics.

:class:`VisionStore` collects what every camera's :class:`CameraRecording` gathered and writes
it every ``flush_interval_s`` in ONE transaction for all cameras (never one per frame), from
its own writer thread, so a slow database never slows the analysis:

- time logs (per track, zone and interval), work sessions (inserted at entry, closed at exit),
  index records of the day schedule (deltas added to the (day, index) rows);
- zone alerts with de-duplication by ``dedup_key`` and a JPEG snapshot (``zone_alerts``);
- change events: ``Topic.ALERT`` per raised or repeated alert, and ``Topic.VISION`` summaries
  (head count per zone, health) per camera at most every ``summary_interval_s``.

When the database is unreachable the batch is kept (up to ``max_pending`` time logs) and
written with the next one. Per-person records are pseudonymous: ``operator_id`` stays empty.
Housekeeping, at most hourly: snapshots past their retention are deleted, and the site's
time-log retention (``services.operations.retention``) runs once a day.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from domain.auth import Actor, Role
from domain.events import Change, Topic
from domain.model.alerts import Alert
from domain.model.vision import (
    Camera,
    DaySchedule,
    TimeLog,
    WorkSession,
    Zone,
)
from services.bootstrap import App
from services.errors import DatabaseUnavailable
from services.persistence.mapping import EntityMapper
from services.persistence.tables.vision import cameras, time_logs, work_sessions, zones
from services.vision.catalogue import read_schedules
from services.vision.index_book import IndexBook, index_deltas
from services.vision.policy import VisionPolicy, read_policy
from services.vision.recording import Batch, CameraRecording, HealthProbe, PendingAlert, Summary
from services.vision.sessions import interrupt_stale_sessions, write_sessions
from services.vision.snapshots import SnapshotStore
from services.vision.zone_alerts import Outcome, record_zone_alert
from vision.snapshot import encode_jpeg

log = logging.getLogger(__name__)

TIME_LOG = EntityMapper(TimeLog, time_logs)
SESSION = EntityMapper(WorkSession, work_sessions)


@dataclass(frozen=True, slots=True)
class StoreSettings:
    flush_interval_s: float = 2.0
    summary_interval_s: float = 5.0
    log_interval_s: float = 60.0  # longest time log (a visit is cut into slices this long)
    max_pending: int = 50_000  # time logs kept while the database is unreachable
    housekeeping_s: float = 3600.0
    run_retention: bool = True  # the site's time-log retention, once a day


@dataclass(slots=True)
class StoreTotals:
    time_logs: int = 0
    sessions_opened: int = 0
    sessions_closed: int = 0
    index_rows: int = 0
    alerts_raised: int = 0
    alerts_repeated: int = 0
    summaries: int = 0
    flushes: int = 0
    failed_flushes: int = 0
    dropped_time_logs: int = 0


@dataclass(frozen=True, slots=True)
class FlushReport:
    time_logs: int = 0
    sessions_opened: int = 0
    sessions_closed: int = 0
    index_rows: int = 0
    alerts_raised: int = 0
    alerts_repeated: int = 0
    summaries: int = 0
    failed: str | None = None


def _alert_data(alert: Alert) -> dict[str, Any]:
    return {
        "alert_type": alert.alert_type.value,
        "severity": alert.severity.value,
        "zone_id": alert.zone_id,
        "camera_id": alert.camera_id,
        "occurrences": alert.occurrences,
    }


def _summary_key(s: Summary) -> Any:
    return (
        s.persons,
        tuple((c.zone_id, c.count) for c in s.counts),
        s.health.connected if s.health else None,
        s.health.last_error if s.health else None,
    )


def writer_actor(seat: str) -> Actor:
    """Observations are the system's records, not a person's edits."""
    return Actor(user="system", role=Role.ADMIN, seat=seat, source="vision")


@dataclass(slots=True)
class _SummaryState:
    last_sent: float = float("-inf")
    last_key: Any = None
    records: int = 0  # time logs and sessions written since the last summary


@dataclass(slots=True)
class _Schedules:
    tz: tzinfo = field(default_factory=lambda: ZoneInfo("UTC"))
    days: dict[date, DaySchedule | None] = field(default_factory=dict)
    loaded_at: float = float("-inf")


class VisionStore:
    def __init__(
        self,
        app: App,
        *,
        seat: str | None = None,
        policy: VisionPolicy | None = None,
        settings: StoreSettings | None = None,
        blur: bool = False,
    ) -> None:
        self.app = app
        self.actor = writer_actor(seat or app.config.seat)
        self.settings = settings or StoreSettings()
        self.policy = policy or read_policy(app.engine)
        self.blur = blur or self.policy.blur_people
        self.snapshots = SnapshotStore(
            app.config.paths.data / "snapshots", self.policy.snapshot_retention_days
        )
        self.totals = StoreTotals()
        self._lock = threading.Lock()  # recordings list, schedules
        self._flush_lock = threading.Lock()  # one flush at a time
        self._recordings: list[CameraRecording] = []
        self._pending = Batch()
        self._known_sessions: set[str] = set()  # open sessions already inserted
        self._summary: dict[str, _SummaryState] = {}
        self._latest: dict[str, Summary] = {}  # newest summary per camera
        self._schedules = _Schedules()
        self._book = IndexBook()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_housekeeping = float("-inf")

    # -- cameras ---------------------------------------------------------------------------

    def open_camera(
        self, camera: Camera, zones_: Sequence[Zone], health: HealthProbe | None = None
    ) -> CameraRecording:
        """A recording for a new run of ``camera``; sessions a dead run left open are closed."""
        self._refresh_schedules(force=True)
        with self._lock:
            live_runs = {r.run_id for r in self._recordings if r.camera.id == camera.id}
        with self.app.uow(self.actor) as uow:
            interrupt_stale_sessions(uow.conn, camera.id, live_runs)
            uow.commit()
        run_id = f"{int(time.time() * 1000):x}{secrets.token_hex(2)}"
        rec = CameraRecording(
            camera,
            zones_,
            run_id=run_id,
            log_interval_s=self.settings.log_interval_s,
            schedule_for=self.schedule_for,
            health=health,
        )
        with self._lock:
            self._recordings.append(rec)
        return rec

    def schedule_for(self, at: datetime) -> DaySchedule | None:
        """The day schedule of ``at`` (plant time zone); never waits for the database."""
        sch = self._schedules
        day = at.astimezone(sch.tz).date()
        return sch.days.get(day)

    def set_policy(self, policy: VisionPolicy) -> None:
        self.policy = policy
        self.snapshots.retention_days = policy.snapshot_retention_days

    # -- the writer thread -----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="vision-store", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the writer thread after a last flush of everything gathered."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.flush(final=True)

    def _run(self) -> None:
        while not self._stop.wait(self.settings.flush_interval_s):
            try:
                self.flush()
                self.housekeeping()
            except Exception:  # the writer must survive anything one batch does
                log.exception("vision store: writing observations failed")

    # -- flushing --------------------------------------------------------------------------

    def _collect(self) -> tuple[Batch, set[str]]:
        """Drain every recording; returns the batch and the cameras whose run ended."""
        with self._lock:
            recordings = list(self._recordings)
        batch = self._pending
        self._pending = Batch()
        finished: list[CameraRecording] = []
        for rec in recordings:
            was_closed = rec.closed
            part = rec.drain()
            summary = part.summaries.pop(rec.camera.id, None)
            if summary is not None:
                health = rec.health() if rec.health is not None else None
                self._latest[rec.camera.id] = Summary(
                    summary.camera_id, summary.at, summary.persons, summary.counts, health
                )
            batch.merge(part)
            cut = rec.take_cut_alerts()
            if cut:
                log.warning("%s: %d alert(s) dropped (too many at once)", rec.camera.id, cut)
            if was_closed:
                finished.append(rec)
        if finished:
            with self._lock:
                self._recordings = [r for r in self._recordings if r not in finished]
        return batch, {r.camera.id for r in finished}

    def _due_summaries(self, force: set[str], final: bool) -> dict[str, Summary]:
        """Summaries to publish now: at most one per camera per ``summary_interval_s``, and
        only when the head counts or health changed or records were written since."""
        now = time.monotonic()
        due: dict[str, Summary] = {}
        for cid, s in self._latest.items():
            st = self._summary.setdefault(cid, _SummaryState())
            if cid not in force and not final:
                if now - st.last_sent < self.settings.summary_interval_s:
                    continue
                if _summary_key(s) == st.last_key and not st.records:
                    continue
            due[cid] = s
        return due

    def flush(self, *, final: bool = False) -> FlushReport:
        """Write everything gathered so far in one transaction (the writer thread does this
        every ``flush_interval_s``; tests and ``stop()`` call it directly)."""
        with self._flush_lock:
            batch, finished = self._collect()
            due = self._due_summaries(finished, final)
            if batch.empty() and not due:
                return FlushReport()
            self._refresh_schedules()
            try:
                report = self._write(batch, due)
            except DatabaseUnavailable as exc:
                self.totals.failed_flushes += 1
                self._keep_for_later(batch)
                log.warning("vision store: the database is unavailable (%s); will retry", exc)
                return FlushReport(failed=str(exc))
            except Exception as exc:
                self.totals.failed_flushes += 1
                self.totals.dropped_time_logs += len(batch.time_logs)
                log.exception("vision store: a batch could not be written and was dropped")
                return FlushReport(failed=f"{type(exc).__name__}: {exc}")
            for cid in finished:
                self._latest.pop(cid, None)
            self._count(report)
            return report

    def _keep_for_later(self, batch: Batch) -> None:
        batch.merge(self._pending)
        self._pending = batch
        overflow = len(batch.time_logs) - self.settings.max_pending
        if overflow > 0:
            del batch.time_logs[:overflow]
            self.totals.dropped_time_logs += overflow
            log.warning("vision store: %d old time log(s) dropped while waiting", overflow)

    def _count(self, r: FlushReport) -> None:
        t = self.totals
        t.flushes += 1
        t.time_logs += r.time_logs
        t.sessions_opened += r.sessions_opened
        t.sessions_closed += r.sessions_closed
        t.index_rows += r.index_rows
        t.alerts_raised += r.alerts_raised
        t.alerts_repeated += r.alerts_repeated
        t.summaries += r.summaries

    def _write(self, batch: Batch, due: dict[str, Summary]) -> FlushReport:
        with self.app.uow(self.actor) as uow:
            conn = uow.conn
            cam_ids = {t.camera_id for _, t in batch.time_logs}
            cam_ids |= {s.camera_id for s in batch.sessions.values()}
            cam_ids |= {a.camera_id for a in batch.alerts} | set(due)
            live_cams = set(
                conn.execute(select(cameras.c.id).where(cameras.c.id.in_(cam_ids))).scalars()
            )
            live_zones = set(
                conn.execute(select(zones.c.id).where(zones.c.camera_id.in_(live_cams))).scalars()
            )
            # time logs: a zone deleted meanwhile leaves the log without a zone
            logs = [(run, t) for run, t in batch.time_logs if t.camera_id in live_cams]
            rows = []
            for _, t in logs:
                row = TIME_LOG.to_row(t)
                if row["zone_id"] not in live_zones:
                    row["zone_id"] = None
                row["operator_id"] = None  # pseudonymous: no identity is linked to a track
                rows.append(row)
            if rows:
                conn.execute(insert(time_logs), rows)
            opened, closed, new_known = write_sessions(
                uow.conn, batch.sessions, self._known_sessions, live_cams, live_zones
            )
            deltas = index_deltas(logs, self._schedules.tz)
            days = {d for d, _ in deltas}
            schedules = {d: s for d, s in self._schedules.days.items() if d in days and s}
            written = self._book.book(conn, deltas, schedules)
            for cid in live_cams:
                st = self._summary.setdefault(cid, _SummaryState())
                st.records += sum(1 for _, t in logs if t.camera_id == cid)
            for cid, s in due.items():
                if cid in live_cams:
                    uow.record(Change(Topic.VISION, "observed", (cid,), self._summary_data(s)))
            uow.commit()
        self._known_sessions = new_known
        self._book.confirm(deltas)
        now = time.monotonic()
        for cid, s in due.items():
            st = self._summary.setdefault(cid, _SummaryState())
            st.last_sent = now
            st.records = 0
            st.last_key = _summary_key(s)
        raised, repeated = self._write_alerts(batch.alerts)
        return FlushReport(
            time_logs=len(rows),
            sessions_opened=opened,
            sessions_closed=closed,
            index_rows=len(written),
            alerts_raised=raised,
            alerts_repeated=repeated,
            summaries=sum(1 for c in due if c in live_cams),
        )

    def _write_alerts(self, pending: list[PendingAlert]) -> tuple[int, int]:
        """One short transaction per alert, after the records: an alert that cannot be
        written (a person edited it at that moment, its zone was deleted) loses only itself;
        when the database is away the rest wait for the next flush."""
        raised = repeated = 0
        for i, item in enumerate(pending):
            try:
                with self.app.uow(self.actor) as uow:
                    outcome, alert = record_zone_alert(uow, item, self.save_snapshot)
                    if alert is not None:
                        uow.record(Change(Topic.ALERT, outcome.value, (str(alert.id),),
                                          _alert_data(alert)))  # fmt: skip
                    uow.commit()
            except DatabaseUnavailable as exc:  # the records are in: only the alerts wait
                self._pending.alerts.extend(pending[i:])
                log.warning("vision store: %d alert(s) wait for the database: %s",
                            len(pending) - i, exc)  # fmt: skip
                break
            except Exception:
                log.exception("%s: alert in zone %s not written", item.camera_id,
                              item.alert.zone_id)  # fmt: skip
                continue
            if outcome is Outcome.RAISED:
                raised += 1
            elif outcome is Outcome.REPEATED:
                repeated += 1
        return raised, repeated

    def _summary_data(self, s: Summary) -> dict[str, Any]:
        h = s.health
        return {
            "at": s.at.isoformat(),
            "persons": s.persons,
            "zones": {c.zone_id: {"count": c.count, "staffing": c.staffing} for c in s.counts},
            "connected": h.connected if h else None,
            "analysed_fps": round(h.analysed_fps, 2) if h and h.analysed_fps else None,
            "dropped_frames": h.dropped_frames if h else None,
            "error": h.last_error if h else None,
        }

    def save_snapshot(self, pending: PendingAlert, label: str) -> Any:
        if not self.policy.snapshots or pending.image is None:
            return None
        data = encode_jpeg(pending.image, blur_boxes=pending.boxes if self.blur else ())
        zone = pending.alert.zone_id
        return self.snapshots.save(data, camera_id=pending.camera_id, label=f"{label}_{zone}",
                                   at=pending.at)  # fmt: skip

    # -- reading helpers -------------------------------------------------------------------

    def _refresh_schedules(self, *, force: bool = False) -> None:
        sch = self._schedules
        if not force and time.monotonic() - sch.loaded_at < 60.0:
            return
        now = self.app.clock.now()
        try:
            tz, _ = read_schedules(self.app.engine, [])
            today = now.astimezone(tz).date()
            days = [today - timedelta(days=1), today, today + timedelta(days=1)]
            tz, found = read_schedules(self.app.engine, days)
        except DatabaseUnavailable as exc:
            log.warning("vision store: day schedules not read: %s", exc)
            return
        with self._lock:
            self._schedules = _Schedules(tz, {d: found.get(d) for d in days}, time.monotonic())

    def housekeeping(self, *, force: bool = False) -> None:
        """Prune old snapshots and run the daily time-log retention (hourly at most)."""
        now = time.monotonic()
        if not force and now - self._last_housekeeping < self.settings.housekeeping_s:
            return
        self._last_housekeeping = now
        try:
            self.snapshots.prune(self.app.clock.now())
        except OSError as exc:
            log.warning("snapshots not pruned: %s", exc)
        if self.settings.run_retention:
            self._daily_retention()

    def _daily_retention(self) -> None:
        from services.operations.retention import LAST_RETENTION, last_runs, run_retention

        last = last_runs(self.app).get(LAST_RETENTION)
        when = None
        if isinstance(last, dict) and isinstance(last.get("at"), str):
            try:
                when = datetime.fromisoformat(last["at"])
            except ValueError:
                when = None
        if when is not None and self.app.clock.now() - when < timedelta(days=1):
            return
        report = run_retention(self.app, self.actor)
        log.info("time-log retention: %d deleted (older than %s)", report.time_logs_deleted,
                 report.time_logs_before.isoformat())  # fmt: skip
