"""Camera leases: several vision workers share the cameras, one owner per camera.

A worker owns a camera while ``cameras.worker_id`` names it and ``cameras.last_seen_at`` (the
heartbeat) is younger than the lease time; it renews its leases every heartbeat. A worker that
dies stops renewing, its leases expire, and the others take the cameras over. Workers announce
themselves in the ``settings`` table (``vision.worker.<id>``: heartbeat, host, cameras) so a
new worker is counted before it owns anything: every worker aims at its fair share,
ceil(cameras / live workers), takes free or expired cameras up to it and hands back the ones
above it (after stopping them), so the cameras spread out when a worker joins.

Taking a camera is a conditional ``UPDATE ... WHERE worker_id IS NULL OR worker_id = me OR
last_seen_at < expiry``: on PostgreSQL the row lock makes exactly one worker win, on SQLite the
write transaction does. Lease times are judged on the database server's clock (PostgreSQL
``now()``), so workers on machines with skewed clocks agree; on SQLite all workers share one
machine and its clock. The lease columns are the workers' bookkeeping, not an edit of the
camera: they are written without bumping the camera's version (people's edits keep working).
"""

from __future__ import annotations

import logging
import math
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import Connection

from domain.auth import Actor
from domain.model.vision import CameraStatus
from services.bootstrap import App
from services.operations.site_settings import write_setting
from services.persistence.tables.system import settings
from services.persistence.tables.vision import cameras

log = logging.getLogger(__name__)

REGISTRY_PREFIX = "vision.worker."


@dataclass(frozen=True, slots=True)
class LeaseSettings:
    ttl_s: float = 15.0  # a lease not renewed for this long is free to take
    heartbeat_s: float = 5.0
    max_cameras: int | None = None  # at most this many cameras on this worker

    def __post_init__(self) -> None:
        if self.heartbeat_s <= 0 or self.ttl_s <= self.heartbeat_s:
            raise ValueError("the lease time must be longer than the heartbeat")


@dataclass(frozen=True, slots=True)
class LeaseRound:
    """The outcome of one renewal."""

    owned: tuple[str, ...]  # cameras this worker holds now (renewed or newly taken)
    taken: tuple[str, ...]  # newly taken (free, or expired: taken over)
    surplus: tuple[str, ...]  # held above the fair share: stop them, then release()
    lost: tuple[str, ...]  # held before, owned by somebody else now
    workers: int  # live workers, this one included
    at: datetime


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}"


def db_now(conn: Connection) -> datetime:
    """The lease clock: the PostgreSQL server's, or this machine's for SQLite."""
    if conn.dialect.name == "postgresql":
        value = conn.execute(select(func.now())).scalar_one()
        return as_utc(value)
    return datetime.now(UTC)


class CameraLeases:
    def __init__(
        self, app: App, actor: Actor, worker_id: str, settings_: LeaseSettings | None = None
    ) -> None:
        self.app = app
        self.actor = actor
        self.worker_id = worker_id[:64]
        self.settings = settings_ or LeaseSettings()
        self._owned: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{REGISTRY_PREFIX}{self.worker_id}"

    def renew(self) -> LeaseRound:
        """Heartbeat, renew, rebalance, take free or expired cameras: one transaction."""
        ttl = timedelta(seconds=self.settings.ttl_s)
        with self.app.uow(self.actor) as uow:
            conn = uow.conn
            now = db_now(conn)
            expiry = now - ttl
            live = self._live_workers(conn, now, expiry)
            rows = conn.execute(
                select(cameras.c.id, cameras.c.worker_id, cameras.c.last_seen_at)
                .where(cameras.c.status != CameraStatus.INACTIVE.value)
                .order_by(cameras.c.id)
            ).all()
            mine = [r.id for r in rows if r.worker_id == self.worker_id]
            if mine:
                conn.execute(
                    update(cameras)
                    .where(cameras.c.id.in_(mine), cameras.c.worker_id == self.worker_id)
                    .values(last_seen_at=now)
                )
            fair = math.ceil(len(rows) / max(1, len(live))) if rows else 0
            if self.settings.max_cameras is not None:
                fair = min(fair, self.settings.max_cameras)
            taken: list[str] = []
            for r in rows:
                if len(mine) >= fair:
                    break
                if r.worker_id == self.worker_id:
                    continue
                seen = as_utc(r.last_seen_at) if r.last_seen_at is not None else None
                if r.worker_id is not None and seen is not None and seen >= expiry:
                    continue  # somebody else's, alive
                won = conn.execute(
                    update(cameras)
                    .where(
                        cameras.c.id == r.id,
                        or_(
                            cameras.c.worker_id.is_(None),
                            cameras.c.worker_id == self.worker_id,
                            cameras.c.last_seen_at.is_(None),
                            cameras.c.last_seen_at < expiry,
                        ),
                    )
                    .values(worker_id=self.worker_id, last_seen_at=now)
                ).rowcount
                if won:
                    mine.append(r.id)
                    taken.append(r.id)
            surplus = sorted(mine)[fair:] if len(mine) > fair else []
            owned = tuple(sorted(mine))
            write_setting(
                conn,
                self.key,
                {
                    "heartbeat": now.isoformat(),
                    "host": socket.gethostname(),
                    "pid": os.getpid(),
                    "cameras": list(owned),
                },
                by=self.actor.user,
                at=now,
            )
            uow.commit()
        lost = tuple(c for c in self._owned if c not in owned)
        self._owned = owned
        for cid in taken:
            log.info("worker %s: took camera %s", self.worker_id, cid)
        for cid in lost:
            log.warning("worker %s: camera %s is owned by another worker now", self.worker_id, cid)
        return LeaseRound(owned, tuple(taken), tuple(surplus), lost, len(live), now)

    def _live_workers(self, conn: Connection, now: datetime, expiry: datetime) -> set[str]:
        """Workers whose registry heartbeat is fresh (this one included); drops long-dead ones."""
        live = {self.worker_id}
        dead: list[str] = []
        rows = conn.execute(
            select(settings.c.key, settings.c.value).where(
                settings.c.key.like(f"{REGISTRY_PREFIX}%")
            )
        ).all()
        for key, value in rows:
            worker = str(key)[len(REGISTRY_PREFIX) :]
            beat = value.get("heartbeat") if isinstance(value, dict) else None
            try:
                at = datetime.fromisoformat(beat) if isinstance(beat, str) else None
            except ValueError:
                at = None
            if at is not None and at >= expiry:
                live.add(worker)
            elif at is None or now - at > 20 * (now - expiry):
                dead.append(str(key))
        if dead:
            conn.execute(delete(settings).where(settings.c.key.in_(dead)))
        return live

    def release(self, camera_ids: Sequence[str]) -> int:
        """Hand cameras back (after stopping them) so other workers can take them."""
        if not camera_ids:
            return 0
        with self.app.uow(self.actor) as uow:
            n = uow.conn.execute(
                update(cameras)
                .where(cameras.c.id.in_(list(camera_ids)), cameras.c.worker_id == self.worker_id)
                .values(worker_id=None, last_seen_at=None)
            ).rowcount
            uow.commit()
        self._owned = tuple(c for c in self._owned if c not in camera_ids)
        log.info("worker %s: released %s", self.worker_id, ", ".join(camera_ids))
        return int(n or 0)

    def release_all(self) -> int:
        """A clean stop: every lease back, the registry entry gone."""
        with self.app.uow(self.actor) as uow:
            n = uow.conn.execute(
                update(cameras)
                .where(cameras.c.worker_id == self.worker_id)
                .values(worker_id=None, last_seen_at=None)
            ).rowcount
            uow.conn.execute(delete(settings).where(settings.c.key == self.key))
            uow.commit()
        self._owned = ()
        return int(n or 0)


def camera_owners(app: App) -> dict[str, tuple[str | None, datetime | None]]:
    """Camera id -> (worker id, last heartbeat): who runs which camera (for status views)."""
    with app.engine.connect().execution_options(read_only=True) as conn:
        rows = conn.execute(
            select(cameras.c.id, cameras.c.worker_id, cameras.c.last_seen_at).order_by(cameras.c.id)
        ).all()
    return {r.id: (r.worker_id, as_utc(r.last_seen_at) if r.last_seen_at else None) for r in rows}


def cameras_held_by_workers(app: App, ttl_s: float | None = None) -> frozenset[str]:
    """Cameras a live vision worker owns now (lease renewed within ``ttl_s``, judged on the
    database server's clock): a desktop's camera host shows them without recording them."""
    with app.engine.connect().execution_options(read_only=True) as conn:
        now = db_now(conn)
        rows = conn.execute(
            select(cameras.c.id, cameras.c.last_seen_at).where(cameras.c.worker_id.is_not(None))
        ).all()
    expiry = now - timedelta(seconds=LeaseSettings().ttl_s if ttl_s is None else ttl_s)
    return frozenset(
        r.id for r in rows if r.last_seen_at is not None and as_utc(r.last_seen_at) >= expiry
    )
