"""``takt vision analyze``: the vision pipeline headless on a file, folder or camera.

Prints a JSON summary (frames, analysed fps, per-zone entries/exits, dwell per visit,
active/idle seconds); ``--counts-out`` writes ``frame,person_count`` per frame and
``--tracks-out`` MOT rows ``frame,id,x,y,w,h,conf,-1,-1,-1`` (frames numbered from 0).
Heavy imports (OpenCV, onnxruntime, ultralytics) happen inside the handler.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from services.cli.common import CliError, emit, existing_file, positive_float, positive_int
from services.resources import resource_path

DEFAULT_PT = ("models", "yolov8n.pt")
DEFAULT_ONNX = ("models", "yolov8n-320.onnx")


def default_model() -> Path:
    """The bundled YOLOv8n: the torch model when ultralytics is installed, else the ONNX one."""
    has_torch = all(importlib.util.find_spec(m) is not None for m in ("ultralytics", "torch"))
    return resource_path(*(DEFAULT_PT if has_torch else DEFAULT_ONNX))


def _seconds(value: str) -> float:
    try:
        f = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if f < 0:
        raise argparse.ArgumentTypeError(f"{value} must not be negative")
    return f


def _confidence(value: str) -> float:
    f = positive_float(value)
    if f >= 1:
        raise argparse.ArgumentTypeError(f"{value} must be below 1")
    return f


def register(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    vision = sub.add_parser("vision", help="camera analytics: people, zones, active/idle time")
    vsub = vision.add_subparsers(dest="vision_command", metavar="ACTION", required=True)
    p = vsub.add_parser(
        "analyze",
        parents=[parents],
        help="run the vision pipeline headless on a video, image folder or camera",
        description=(
            "Detect and track people, follow them through the zones and measure active and "
            "idle time. Every frame of a file is analysed, as fast as the machine allows."
        ),
    )
    p.add_argument(
        "--source",
        required=True,
        help="video file (mp4, avi, gif), image folder, USB camera (usb:0) or rtsp/http URL",
    )
    p.add_argument(
        "--zones",
        required=True,
        type=existing_file,
        help='zones JSON: {"zones": [{"id", "name", "polygon": [[x, y], ...] (0..1), '
        '"min_workers", "max_workers"}]}',
    )
    p.add_argument(
        "--model",
        type=existing_file,
        default=None,
        help="detector weights: .pt (ultralytics) or .onnx (onnxruntime, no torch); "
        "default: the bundled YOLOv8n",
    )
    p.add_argument(
        "--imgsz",
        type=positive_int,
        default=None,
        help="inference image size (default 320; an ONNX export uses its own)",
    )
    p.add_argument(
        "--conf", type=_confidence, default=0.25, help="detection confidence (default 0.25)"
    )
    p.add_argument(
        "--tracker",
        choices=("ultralytics", "edgefirst"),
        default=None,
        help="ByteTrack implementation (default: ultralytics with .pt, edgefirst with .onnx)",
    )
    p.add_argument("--camera-id", default="CAM-01", help="camera id for the records")
    p.add_argument(
        "--debounce", type=_seconds, default=None, help="seconds inside before an entry (0.5)"
    )
    p.add_argument(
        "--grace", type=_seconds, default=None, help="seconds outside before an exit (1.0)"
    )
    p.add_argument(
        "--min-track", type=_seconds, default=None, help="ignore tracks shorter than this (0.6)"
    )
    p.add_argument(
        "--max-frames", type=positive_int, default=None, help="stop after N frames (cameras)"
    )
    p.add_argument(
        "--counts-out", type=Path, default=None, help="write frame,person_count per frame (CSV)"
    )
    p.add_argument(
        "--tracks-out", type=Path, default=None, help="write MOT rows frame,id,x,y,w,h,conf,..."
    )
    p.set_defaults(handler=_analyze)


def _open_out(stack: ExitStack, path: Path | None, what: str) -> IO[str] | None:
    if path is None:
        return None
    if path.exists() and path.is_dir():
        raise CliError(f"{what} {path}: is a folder")
    if not path.parent.exists():
        raise CliError(f"{what} {path}: the folder {path.parent} does not exist")
    try:
        return stack.enter_context(path.open("w", encoding="utf-8", newline=""))
    except OSError as exc:
        raise CliError(f"{what} {path}: {exc.strerror or exc}") from None


def _analyze(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from domain.errors import DomainError
    from domain.rules.zone_presence import PresenceRules
    from vision.analyzer import AnalyzerSettings
    from vision.detect import DetectorError
    from vision.factory import build_analyzer
    from vision.pipeline import analyze_source
    from vision.recorder import ObservationRecorder
    from vision.sources import SourceError, parse_source
    from vision.summary import summarise
    from vision.track import TrackerError
    from vision.types import FrameObservation
    from vision.zones import ZonesFileError, load_zones_file

    try:
        zones = load_zones_file(args.zones, camera_id=args.camera_id)
        spec = parse_source(args.source)
    except (ZonesFileError, SourceError) as exc:
        raise CliError(str(exc)) from None
    if spec.live and args.max_frames is None:
        raise CliError(f"{spec.describe()} is a live camera: give --max-frames N")
    for path, what in ((args.counts_out, "--counts-out"), (args.tracks_out, "--tracks-out")):
        if path is not None and not path.parent.exists():
            raise CliError(f"{what} {path}: the folder {path.parent} does not exist")
    model = args.model or default_model()
    if not model.is_file():
        raise CliError(f"{model}: the bundled model is missing; give --model PATH")
    rules = PresenceRules()
    try:
        rules = replace(
            rules,
            **{
                k: v
                for k, v in (
                    ("debounce_s", args.debounce),
                    ("grace_s", args.grace),
                    ("min_track_s", args.min_track),
                )
                if v is not None
            },
        )
        analyzer = build_analyzer(
            args.camera_id,
            zones,
            model=model,
            conf=args.conf,
            imgsz=args.imgsz,
            tracker=args.tracker,
            settings=AnalyzerSettings(presence=rules),
        )
    except (DetectorError, TrackerError, DomainError) as exc:
        raise CliError(str(exc)) from None
    recorder = ObservationRecorder(args.camera_id, zones)
    counts: list[int] = []
    with ExitStack() as stack:
        counts_fh = _open_out(stack, args.counts_out, "--counts-out")
        tracks_fh = _open_out(stack, args.tracks_out, "--tracks-out")
        counts_csv = csv.writer(counts_fh, lineterminator="\n") if counts_fh else None
        tracks_csv = csv.writer(tracks_fh, lineterminator="\n") if tracks_fh else None
        if counts_csv is not None:
            counts_csv.writerow(["frame", "person_count"])

        def write(obs: FrameObservation) -> None:
            counts.append(obs.person_count)
            if counts_csv is not None:
                counts_csv.writerow([obs.frame_index, obs.person_count])
            if tracks_csv is not None:
                for person in obs.persons:
                    x, y, w, h = person.box_xywh
                    tracks_csv.writerow(
                        [
                            obs.frame_index,
                            person.track_id,
                            f"{x:.1f}",
                            f"{y:.1f}",
                            f"{w:.1f}",
                            f"{h:.1f}",
                            f"{person.confidence:.3f}",
                            -1,
                            -1,
                            -1,
                        ]
                    )

        try:
            result = analyze_source(spec, analyzer, recorder, max_frames=args.max_frames,
                                    on_observation=write)  # fmt: skip
        except SourceError as exc:
            raise CliError(str(exc)) from None
    payload: dict[str, Any] = summarise(result, analyzer, recorder, counts, zones)
    payload["model"] = str(model)
    emit(args, payload, _text(payload))
    return 0


def _text(s: dict[str, Any]) -> str:
    lines = [
        f"{s['source']}: {s['frames']} frames ({s['duration_s']:.1f} s of video) analysed in "
        f"{s['wall_s']:.1f} s = {s['analysed_fps']:.1f} fps "
        f"[{s['backend']} imgsz {s['imgsz']}, {s['tracker']}]",
        f"people per frame: max {s['persons']['max']}, mean {s['persons']['mean']:.2f}; "
        f"tracks {s['persons']['tracks']} ({s['persons']['ignored_tracks']} too short, ignored)",
    ]
    for z in s["zones"]:
        dwell = ", ".join(f"{d:.1f}" for d in z["dwell_seconds"]) or "-"
        lines.append(
            f"  {z['id']} {z['name']}: {z['entries']} in / {z['exits']} out, "
            f"max {z['max_count']}, dwell [{dwell}] s, active {z['active_seconds']:.1f} s, "
            f"idle {z['idle_seconds']:.1f} s"
        )
    for a in s["alerts"]:
        lines.append(f"  alert at {a['at_s']:.1f} s: {a['message']}")
    return "\n".join(lines)
