"""What the zone editor runs in worker threads: loading a camera (zones, a picture, link
targets, the camera-moved check) and saving its zones (with the reference frame as PNG)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from domain.auth import Actor
from services.zones import CameraZones, LinkTargets, SaveResult, ZoneDraft, ZoneService
from vision.alignment import AlignmentError, AlignmentResult, decode_image, encode_png

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Loaded:
    zones: CameraZones
    frame: np.ndarray | None  # the picture to draw on (live, a fresh still, or the reference)
    frame_origin: str  # "live", "still", "reference" or "none"
    note: str | None  # why there is no live picture
    targets: LinkTargets
    alignment: AlignmentResult | None  # live/still picture against the reference frame


def load_camera(service: ZoneService, camera_id: str, live: np.ndarray | None) -> Loaded:
    """Blocking (runs on the runner's query pool): never call it on the GUI thread."""
    zones = service.load(camera_id)
    targets = service.link_targets()
    frame, origin, note = live, "live", None
    if frame is None:
        try:
            frame, origin = service.snapshot(camera_id), "still"
        except Exception as exc:  # noqa: BLE001 - a camera that cannot be read: say why
            note = f"no picture from the camera ({exc})"
            frame, origin = None, "none"
    reference: np.ndarray | None = None
    if zones.reference_png is not None:
        try:
            reference = decode_image(zones.reference_png)
        except AlignmentError as exc:
            note = f"{note}; {exc}" if note else str(exc)
    if frame is None and reference is not None:
        frame, origin = reference, "reference"
    alignment = None
    if reference is not None and origin in ("live", "still") and frame is not None:
        from vision.alignment import estimate_alignment

        alignment = estimate_alignment(reference, frame)
    return Loaded(zones, frame, origin, note, targets, alignment)


def save_zones(
    service: ZoneService,
    actor: Actor,
    camera_id: str,
    drafts: list[ZoneDraft],
    *,
    expected: dict[str, int],
    reason: str,
    reference: np.ndarray | None,
    request_id: str,
) -> SaveResult:
    """The save, in the write lane: the reference frame is PNG-encoded there, not on the GUI
    thread (a large camera frame takes a while)."""
    png = encode_png(reference) if reference is not None else None
    return service.save(actor, camera_id, drafts, expected=expected, reason=reason,
                        reference_png=png, request_id=request_id)  # fmt: skip
