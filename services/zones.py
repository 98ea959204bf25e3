"""Zone calibration: a camera's zones read, checked and saved, templates, the reference frame.

The zone editor works on :class:`ZoneDraft` values (normalised 0..1 coordinates, the editor
shows pixels) and saves a camera's whole set at once with :meth:`ZoneService.save`:

- the actor needs ``Permission.CALIBRATE_ZONES`` and must say why (the audit row keeps it);
- the save is refused with :class:`ConcurrentEdit` when somebody changed the camera's zones
  since the editor loaded them (``expected``: the versions it saw), naming who, where, when;
- new zones get ids, changed zones a new version, zones left out are deactivated (their time
  logs and sessions stay), each with an audit row (before / after / reason);
- one ``Change(Topic.ZONE, "zones_saved", zone ids, {"camera_id": ...})`` tells the other seats
  and the running pipelines, which pick the zones up without a restart;
- the reference frame taken at calibration goes to ``cameras.reference_frame`` as PNG, so a
  moved camera can be told later (:meth:`ZoneService.check_alignment`, vision/alignment.py).

Templates (seed 003 ``zone_templates``) keep a camera's zones without ids or links, to apply to
another camera.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import select, update

from domain.auth import Actor, Permission
from domain.errors import ConcurrentEdit, DomainError, ValidationError
from domain.events import Change, ChangeEvent, Topic
from domain.model.vision import Camera, Zone, ZoneTemplate, ZoneType, validate_polygon
from services.bootstrap import App
from services.persistence.repositories import Repositories
from services.persistence.tables import plant as plant_tables
from services.persistence.tables import vision as vision_tables
from services.persistence.uow import UnitOfWork
from vision.alignment import (
    AlignmentError,
    AlignmentResult,
    AlignmentStatus,
    decode_image,
    estimate_alignment,
)

log = logging.getLogger(__name__)

Point = tuple[float, float]
DIGITS = 5  # normalised coordinates are stored rounded to 1/100,000 of the frame

# what a template keeps of a zone (no id, no camera, no work centre: those belong to a site)
TEMPLATE_FIELDS = (
    "name",
    "polygon",
    "zone_type",
    "colour",
    "min_workers",
    "max_workers",
    "alert_on_empty",
    "alert_on_overflow",
    "idle_threshold_s",
    "station",
)


@dataclass(frozen=True, slots=True)
class ZoneDraft:
    """A zone as the editor holds it: normalised polygon and properties; ``id`` None = new."""

    name: str
    polygon: tuple[Point, ...]
    zone_type: ZoneType = ZoneType.WORK_AREA
    colour: str = "#00FF00"
    min_workers: int = 1
    max_workers: int = 3
    alert_on_empty: bool = False
    alert_on_overflow: bool = True
    idle_threshold_s: int = 120
    work_centre_id: str | None = None
    station: str | None = None
    id: str | None = None
    version: int | None = None  # the version the editor loaded (None for a new zone)

    @staticmethod
    def from_zone(z: Zone) -> ZoneDraft:
        return ZoneDraft(
            name=z.name,
            polygon=tuple(z.polygon),
            zone_type=z.zone_type,
            colour=z.colour,
            min_workers=z.min_workers,
            max_workers=z.max_workers,
            alert_on_empty=z.alert_on_empty,
            alert_on_overflow=z.alert_on_overflow,
            idle_threshold_s=z.idle_threshold_s,
            work_centre_id=z.work_centre_id,
            station=z.station,
            id=z.id,
            version=z.version,
        )

    def rounded(self) -> ZoneDraft:
        poly = tuple((round(float(x), DIGITS), round(float(y), DIGITS)) for x, y in self.polygon)
        return replace(self, polygon=poly)

    def to_zone(self, camera_id: str, zone_id: str | None = None) -> Zone:
        """The domain entity (validates everything; raises ValidationError)."""
        return Zone(
            id=zone_id or self.id or "new",
            camera_id=camera_id,
            name=self.name.strip(),
            polygon=self.polygon,
            zone_type=self.zone_type,
            colour=self.colour.upper(),
            min_workers=self.min_workers,
            max_workers=self.max_workers,
            alert_on_empty=self.alert_on_empty,
            alert_on_overflow=self.alert_on_overflow,
            idle_threshold_s=self.idle_threshold_s,
            work_centre_id=self.work_centre_id or None,
            station=(self.station or "").strip() or None,
        )

    def template_entry(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k in TEMPLATE_FIELDS}
        d["polygon"] = [[x, y] for x, y in self.polygon]
        d["zone_type"] = self.zone_type.value
        return d

    @staticmethod
    def from_template_entry(d: Mapping[str, Any]) -> ZoneDraft:
        kwargs: dict[str, Any] = {k: d[k] for k in TEMPLATE_FIELDS if k in d}
        kwargs["polygon"] = tuple((float(x), float(y)) for x, y in d["polygon"])
        if "zone_type" in kwargs:
            kwargs["zone_type"] = ZoneType(kwargs["zone_type"])
        return ZoneDraft(**kwargs)


@dataclass(frozen=True, slots=True)
class ZoneIssue:
    """One validation message of the editor; errors block a save, warnings do not."""

    level: str  # "error" or "warning"
    index: int  # position of the draft in the list
    code: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.level == "error"


MIN_OVERLAP_SHARE = 0.01  # shared area / the smaller zone's area below which zones only touch
_GRID = 256


def shared_area(a: Sequence[Point], b: Sequence[Point]) -> float:
    """The share of the smaller polygon's area that the other covers (sampled on a grid)."""
    from vision.zones import points_in_polygon

    xs = (np.arange(_GRID) + 0.5) / _GRID
    grid = np.stack(np.meshgrid(xs, xs), axis=-1).reshape(-1, 2)
    in_a = points_in_polygon(grid, np.asarray(a, dtype=np.float64))
    in_b = points_in_polygon(grid, np.asarray(b, dtype=np.float64))
    smaller = min(int(in_a.sum()), int(in_b.sum()))
    return float((in_a & in_b).sum()) / smaller if smaller else 0.0


def check_drafts(drafts: Sequence[ZoneDraft], camera_id: str = "camera") -> list[ZoneIssue]:
    """What is wrong with a set of zones: the domain rules as messages a person can act on.

    Errors: fewer than 3 vertices, crossing edges, vertices outside the frame, bad properties.
    Warnings: zones that overlap (a person there counts in both; zones that only touch along
    an edge, as on tape lines, are not warned about), two zones with one name.
    """
    issues: list[ZoneIssue] = []
    shapes: dict[int, Zone] = {}  # zones with a usable polygon (for the overlap warning)
    for i, d in enumerate(drafts):
        label = f"zone {d.name.strip() or str(i + 1)!r}"
        try:
            polygon = validate_polygon(d.polygon, name=label)
        except ValidationError as exc:
            issues.append(ZoneIssue("error", i, exc.code, exc.message))
            continue
        shapes[i] = Zone(f"#{i}", camera_id, d.name.strip() or f"zone {i + 1}", polygon)
        try:
            d.to_zone(camera_id, zone_id=f"#{i}")
        except ValidationError as exc:
            issues.append(ZoneIssue("error", i, exc.code, exc.message))
    for i, zone in shapes.items():
        later = [z for j, z in shapes.items() if j > i]
        for other in zone.overlapping(later):
            share = shared_area(zone.polygon, other.polygon)
            if share < MIN_OVERLAP_SHARE:
                continue  # they touch along tape lines: not worth a warning
            issues.append(
                ZoneIssue(
                    "warning",
                    i,
                    "zone_overlap",
                    f"zone {zone.name!r} overlaps zone {other.name!r} ({share:.0%} of the "
                    "smaller one): a person standing there is counted in both",
                )
            )
    seen: dict[str, int] = {}
    for i, d in enumerate(drafts):
        key = d.name.strip().casefold()
        if key and key in seen:
            issues.append(
                ZoneIssue("warning", i, "zone_duplicate_name", f"two zones are named {d.name!r}")
            )
        seen.setdefault(key, i)
    return sorted(issues, key=lambda s: (s.index, s.level != "error"))


@dataclass(frozen=True, slots=True)
class CameraSummary:
    id: str
    name: str
    source: str
    location: str | None
    status: str
    width: int | None
    height: int | None
    fps: float | None
    loop: bool
    version: int
    has_reference: bool
    calibration: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def of(c: Camera) -> CameraSummary:
        return CameraSummary(
            c.id,
            c.name,
            c.source,
            c.location,
            c.status.value,
            c.width,
            c.height,
            c.fps,
            c.loop,
            c.version,
            c.reference_frame is not None,
            dict(c.calibration or {}),
        )


@dataclass(frozen=True, slots=True)
class CameraZones:
    """What the editor loads for one camera."""

    camera: CameraSummary
    zones: tuple[ZoneDraft, ...]
    reference_png: bytes | None

    @property
    def versions(self) -> dict[str, int]:
        return {z.id: z.version for z in self.zones if z.id and z.version is not None}


@dataclass(frozen=True, slots=True)
class LinkTargets:
    work_centres: tuple[tuple[str, str], ...]  # (id, name)
    stations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TemplateSummary:
    id: int
    name: str
    description: str | None
    zone_count: int
    created_by: str | None


@dataclass(frozen=True, slots=True)
class SaveResult:
    camera_id: str
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reference_saved: bool = False
    zones: tuple[ZoneDraft, ...] = ()  # the camera's zones after the save, with versions
    events: tuple[ChangeEvent, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.reference_saved)


def _audit_view(z: Zone) -> dict[str, Any]:
    return {
        "name": z.name,
        "polygon": [[x, y] for x, y in z.polygon],
        "zone_type": z.zone_type.value,
        "colour": z.colour,
        "min_workers": z.min_workers,
        "max_workers": z.max_workers,
        "alert_on_empty": z.alert_on_empty,
        "alert_on_overflow": z.alert_on_overflow,
        "idle_threshold_s": z.idle_threshold_s,
        "work_centre_id": z.work_centre_id,
        "station": z.station,
        "active": z.active,
    }


def _active_zones(repos: Repositories, camera_id: str) -> list[Zone]:
    z = vision_tables.zones
    return repos.zones.list(
        z.c.camera_id == camera_id, z.c.active.is_(True), order_by=[z.c.name, z.c.id]
    )


def _require_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError("say why the zones change (the audit log keeps the reason)")
    return text


class ZoneService:
    """Reads and writes of zone calibration; every method opens its own transaction."""

    def __init__(self, app: App) -> None:
        self.app = app

    # -- reads -----------------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[Repositories]:
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            yield Repositories(conn)

    def cameras(self) -> list[CameraSummary]:
        with self._read() as repos:
            return [CameraSummary.of(c) for c in repos.cameras.list()]

    def camera(self, camera_id: str) -> Camera:
        """The camera entity (source, size, reference frame)."""
        with self._read() as repos:
            return repos.cameras.require(camera_id)

    def load(self, camera_id: str) -> CameraZones:
        """The camera's active zones (in a stable order) and its reference frame."""
        with self._read() as repos:
            camera = repos.cameras.require(camera_id)
            zones = _active_zones(repos, camera_id)
        return CameraZones(
            CameraSummary.of(camera),
            tuple(ZoneDraft.from_zone(z) for z in zones),
            camera.reference_frame,
        )

    def link_targets(self) -> LinkTargets:
        wc, m = plant_tables.work_centres, plant_tables.machines
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            centres = conn.execute(
                select(wc.c.id, wc.c.name).where(wc.c.active.is_(True)).order_by(wc.c.id)
            ).all()
            machines = conn.execute(select(m.c.name).order_by(m.c.name)).scalars().all()
            used = conn.execute(
                select(vision_tables.zones.c.station)
                .where(vision_tables.zones.c.station.is_not(None))
                .distinct()
            ).scalars()
            stations = sorted({*machines, *used})
        return LinkTargets(tuple((r.id, r.name) for r in centres), tuple(stations))

    def templates(self) -> list[TemplateSummary]:
        t = vision_tables.zone_templates
        with self.app.engine.connect().execution_options(read_only=True) as conn:
            rows = conn.execute(select(t).order_by(t.c.name)).mappings().all()
        return [
            TemplateSummary(
                int(r["id"]), r["name"], r["description"], len(r["zones"]), r["created_by"]
            )
            for r in rows
        ]

    def template_drafts(self, template_id: int) -> tuple[ZoneDraft, ...]:
        with self._read() as repos:
            tpl = repos.zone_templates.require(template_id)
        return tuple(ZoneDraft.from_template_entry(d) for d in tpl.zones)

    # -- writes ----------------------------------------------------------------------------
    def save(
        self,
        actor: Actor,
        camera_id: str,
        drafts: Sequence[ZoneDraft],
        *,
        expected: Mapping[str, int],
        reason: str,
        reference_png: bytes | None = None,
        request_id: str | None = None,
    ) -> SaveResult:
        """Replace the camera's zones with ``drafts``; ``expected``: zone id -> version seen."""
        actor.require(Permission.CALIBRATE_ZONES)
        why = _require_reason(reason)
        with self.app.uow(actor, request_id=request_id) as uow:
            result = self._save_in(uow, camera_id, drafts, expected, why, reference_png)
            events = uow.commit()
        return replace(result, events=tuple(events))

    def save_template(
        self,
        actor: Actor,
        camera_id: str,
        name: str,
        *,
        reason: str,
        description: str | None = None,
    ) -> int:
        """The camera's current zones as a new template; returns its id."""
        actor.require(Permission.CALIBRATE_ZONES)
        why = _require_reason(reason)
        with self.app.uow(actor) as uow:
            camera = uow.repos.cameras.require(camera_id)
            zones = _active_zones(uow.repos, camera_id)
            if not zones:
                raise ValidationError(f"camera {camera.name} has no zones to keep as a template")
            tpl = ZoneTemplate(
                name=name.strip(),
                zones=[ZoneDraft.from_zone(z).template_entry() for z in zones],
                description=(description or "").strip() or None,
                camera_type=str(camera.calibration.get("camera_type") or "") or None,
                created_by=actor.user,
                created_at=uow.now,
            )
            if uow.repos.zone_templates.count(vision_tables.zone_templates.c.name == tpl.name):
                raise ValidationError(f"a zone template named {tpl.name!r} exists already")
            uow.repos.zone_templates.add(tpl)
            assert tpl.id is not None
            uow.audit(
                "zone_template.create",
                "zone_template",
                tpl.id,
                None,
                {"name": tpl.name, "camera_id": camera_id, "zones": len(tpl.zones)},
                why,
            )
            uow.record(
                Change(
                    Topic.ZONE,
                    "template_saved",
                    (str(tpl.id),),
                    {"template_id": tpl.id, "camera_id": camera_id},
                )
            )
            uow.commit()
        return tpl.id

    def apply_template(
        self,
        actor: Actor,
        template_id: int,
        camera_id: str,
        *,
        expected: Mapping[str, int],
        reason: str,
        replace_existing: bool = True,
    ) -> SaveResult:
        """The template's zones on ``camera_id`` (new ids); existing zones replaced or kept."""
        actor.require(Permission.CALIBRATE_ZONES)
        why = _require_reason(reason)
        with self.app.uow(actor) as uow:
            tpl = uow.repos.zone_templates.require(template_id)
            current = _active_zones(uow.repos, camera_id)
            kept = [] if replace_existing else [ZoneDraft.from_zone(z) for z in current]
            drafts = kept + [ZoneDraft.from_template_entry(d) for d in tpl.zones]
            result = self._save_in(
                uow, camera_id, drafts, expected, f"template {tpl.name!r}: {why}", None
            )
            events = uow.commit()
        return replace(result, events=tuple(events))

    def delete_template(self, actor: Actor, template_id: int, *, reason: str) -> None:
        actor.require(Permission.CALIBRATE_ZONES)
        why = _require_reason(reason)
        with self.app.uow(actor) as uow:
            tpl = uow.repos.zone_templates.require(template_id)
            uow.repos.zone_templates.delete(template_id)
            uow.audit(
                "zone_template.delete", "zone_template", template_id, {"name": tpl.name}, None, why
            )
            uow.record(Change(Topic.ZONE, "template_deleted", (str(template_id),)))
            uow.commit()

    def snapshot(self, camera_id: str, *, timeout_s: float = 5.0) -> np.ndarray:
        """One frame from the camera's source (for the editor when the camera is not running);
        raises SourceError with one line when the source cannot be read."""
        from services.vision.sources import camera_source
        from vision.sources import SourceError, open_reader, parse_source

        camera = self.camera(camera_id)
        reader = open_reader(
            parse_source(camera_source(camera)),
            open_timeout_s=timeout_s,
            read_timeout_s=timeout_s,
        )
        try:
            frame = reader.read()
        finally:
            reader.close()
        if frame is None:
            raise SourceError(f"{camera.name}: the camera gave no picture")
        return frame

    # -- camera moved ------------------------------------------------------------------------
    def check_alignment(self, camera_id: str, live_frame: np.ndarray) -> AlignmentResult:
        """Compare a live frame with the camera's reference frame (UNKNOWN without one)."""
        camera = self.camera(camera_id)
        if camera.reference_frame is None:
            return AlignmentResult(
                AlignmentStatus.UNKNOWN,
                None,
                0.0,
                0.0,
                0,
                0,
                f"{camera.name} has no reference frame yet: save its zones with a reference frame",
            )
        return estimate_alignment(decode_image(camera.reference_frame), live_frame)

    # -- internals -------------------------------------------------------------------------
    def _save_in(
        self,
        uow: UnitOfWork,
        camera_id: str,
        drafts: Sequence[ZoneDraft],
        expected: Mapping[str, int],
        why: str,
        reference_png: bytes | None,
    ) -> SaveResult:
        repo = uow.repos.zones
        camera = uow.repos.cameras.require(camera_id, lock=True)
        drafts = [d.rounded() for d in drafts]
        errors = [i for i in check_drafts(drafts, camera_id) if i.is_error]
        if errors:
            raise ValidationError(errors[0].message, code=errors[0].code, issues=len(errors))
        z = vision_tables.zones
        stored = {zn.id: zn for zn in repo.list(z.c.camera_id == camera_id)}
        active = {k: v for k, v in stored.items() if v.active}
        # somebody saved this camera's zones since the editor loaded them: refuse, name them
        for zid in sorted(set(active) | set(expected)):
            seen = expected.get(zid)
            now = active.get(zid)
            if now is None or seen is None or now.version != seen:
                raise self._stale(uow, zid, now or stored.get(zid))
        now_at, user = uow.now, uow.actor.user
        created: list[str] = []
        updated: list[str] = []
        removed: list[str] = []
        kept_ids: set[str] = set()
        for d in drafts:
            if d.id is not None and d.id not in active:
                raise ValidationError(f"zone {d.id} does not belong to camera {camera_id}")
            if d.id is None:
                zone = d.to_zone(camera_id, self._new_id(uow, camera_id, created))
                zone.updated_by, zone.updated_at = user, now_at
                repo.add(zone)
                uow.audit("zone.create", "zone", zone.id, None, _audit_view(zone), why)
                created.append(zone.id)
                kept_ids.add(zone.id)
                continue
            old = active[d.id]
            kept_ids.add(d.id)
            new = d.to_zone(camera_id)
            new.version, new.active = old.version, True
            new.updated_by, new.updated_at = user, now_at
            if _audit_view(new) == _audit_view(old):
                continue
            repo.update(new)
            uow.audit("zone.update", "zone", d.id, _audit_view(old), _audit_view(new), why)
            updated.append(d.id)
        for zid, old in active.items():
            if zid in kept_ids:
                continue
            before = _audit_view(old)
            old.active, old.updated_by, old.updated_at = False, user, now_at
            repo.update(old)
            uow.audit("zone.deactivate", "zone", zid, before, {"active": False}, why)
            removed.append(zid)
        touched = created + updated + removed
        if touched:
            uow.conn.execute(
                update(z).where(z.c.id.in_(touched)).values(updated_seat=uow.actor.seat)
            )
        saved_reference = False
        if reference_png is not None:
            self._store_reference(uow, camera, reference_png, why)
            saved_reference = True
        if touched:
            uow.record(
                Change(
                    Topic.ZONE,
                    "zones_saved",
                    tuple(touched),
                    {
                        "camera_id": camera_id,
                        "created": created,
                        "updated": updated,
                        "removed": removed,
                    },
                )
            )
        after = _active_zones(uow.repos, camera_id)
        log.info(
            "%s saved the zones of %s: %d new, %d changed, %d removed (%s)",
            user,
            camera_id,
            len(created),
            len(updated),
            len(removed),
            why,
        )
        return SaveResult(
            camera_id,
            tuple(created),
            tuple(updated),
            tuple(removed),
            saved_reference,
            tuple(ZoneDraft.from_zone(zn) for zn in after),
        )

    @staticmethod
    def _stale(uow: UnitOfWork, zone_id: str, zone: Zone | None) -> DomainError:
        err = uow.repos.zones.stale(zone_id)
        if err.details.get("changed_by") is None and zone is not None:
            return ConcurrentEdit("zone", zone_id, changed_by=zone.updated_by, at=zone.updated_at)
        return err

    @staticmethod
    def _new_id(uow: UnitOfWork, camera_id: str, taken: Sequence[str]) -> str:
        prefix = f"{camera_id[:24]}-Z"
        z = vision_tables.zones
        existing = set(
            uow.conn.execute(select(z.c.id).where(z.c.id.like(f"{prefix}%"))).scalars().all()
        ) | set(taken)
        n = 1
        while f"{prefix}{n:02d}" in existing:
            n += 1
        return f"{prefix}{n:02d}"

    @staticmethod
    def _store_reference(uow: UnitOfWork, camera: Camera, png: bytes, why: str) -> None:
        try:
            frame = decode_image(png)  # refuse bytes that are not an image before storing them
        except AlignmentError:
            raise ValidationError("the reference frame is not a readable image") from None
        h, w = frame.shape[:2]
        before = {
            "reference_at": camera.calibration.get("reference_at"),
            "reference_by": camera.calibration.get("reference_by"),
        }
        camera.reference_frame = png
        camera.calibration = {
            **(camera.calibration or {}),
            "reference_at": uow.now.isoformat(),
            "reference_by": uow.actor.user,
            "reference_size": [w, h],
        }
        if camera.width is None or camera.height is None:
            camera.width, camera.height = w, h
        uow.repos.cameras.update(camera)
        after = {k: camera.calibration[k] for k in ("reference_at", "reference_by")}
        uow.audit("camera.reference_frame", "camera", camera.id, before, after, why)
        uow.record(Change(Topic.CAMERA, "reference_saved", (camera.id,), {"size": [w, h]}))
