"""``takt vision analyze``, ``takt vision policy`` and ``takt vision-worker``.

``analyze`` runs the vision pipeline headless on a file, folder or camera and prints a JSON
summary (frames, analysed fps, per-zone entries/exits, dwell per visit, active/idle seconds);
``--counts-out`` writes ``frame,person_count`` per frame and ``--tracks-out`` MOT rows
``frame,id,x,y,w,h,conf,-1,-1,-1`` (frames numbered from 0). ``policy`` shows or sets the
site's privacy settings. ``vision-worker`` analyses the cameras of the database in this
process, sharing them with the other workers through leases (services/vision/worker.py).
Heavy imports (OpenCV, onnxruntime, ultralytics) happen inside the handlers.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from services.cli.common import CliError, emit, existing_file, positive_float, positive_int
from services.vision.models import DEFAULT_ONNX, DEFAULT_PT, default_model

__all__ = ["DEFAULT_ONNX", "DEFAULT_PT", "default_model", "register"]

if TYPE_CHECKING:
    import threading

log = logging.getLogger(__name__)


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
    _register_policy(vsub, parents)
    _register_worker(sub, parents)


def _on_off(value: str) -> bool:
    v = value.strip().lower()
    if v in ("on", "yes", "true", "1"):
        return True
    if v in ("off", "no", "false", "0"):
        return False
    raise argparse.ArgumentTypeError(f"{value!r}: say on or off")


def _register_policy(vsub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = vsub.add_parser(
        "policy",
        parents=[parents],
        help="show or set the site's camera privacy settings (blur, alert snapshots)",
        description=(
            "Per-person figures are pseudonymous (track ids) and no video is stored. These "
            "settings apply to every seat and worker of the site; changing them needs an "
            "administrator."
        ),
    )
    p.add_argument(
        "--blur",
        type=_on_off,
        default=None,
        metavar="on|off",
        help="pixelate people in shown frames and in alert snapshots",
    )
    p.add_argument(
        "--snapshots",
        type=_on_off,
        default=None,
        metavar="on|off",
        help="keep the frame an alert was raised on (JPEG)",
    )
    p.add_argument(
        "--snapshot-days",
        type=positive_int,
        default=None,
        metavar="DAYS",
        help="delete alert snapshots after this many days",
    )
    p.add_argument("--user", default=None, help="administrator who changes it (default: admin)")
    p.set_defaults(handler=_policy)


def _register_worker(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "vision-worker",
        parents=[parents],
        help="analyse the database's cameras in this process (several workers share them)",
        description=(
            "Runs the vision pipeline for cameras configured in the database, writes time "
            "logs, sessions, index records and zone alerts, and publishes observations on the "
            "change feed. Several workers share the cameras: each camera has one owner (a "
            "lease renewed every heartbeat); when a worker dies its cameras are taken over "
            "after the lease time. Ctrl+C stops cleanly and hands the cameras back."
        ),
    )
    p.add_argument(
        "--worker-id", default=None, help="name of this worker (default: host name and process id)"
    )
    p.add_argument(
        "--model",
        type=existing_file,
        default=None,
        help="detector weights .pt or .onnx (default: the bundled YOLOv8n)",
    )
    p.add_argument(
        "--imgsz",
        type=positive_int,
        default=320,
        help="inference size of a .pt model (default 320)",
    )
    p.add_argument(
        "--blur",
        action="store_true",
        help="pixelate people in alert snapshots (also the site policy's option)",
    )
    p.add_argument(
        "--max-cameras",
        type=positive_int,
        default=None,
        help="never run more cameras than this here",
    )
    p.add_argument(
        "--lease-ttl",
        type=positive_float,
        default=15.0,
        metavar="SECONDS",
        help="a camera whose owner was silent this long is taken over (15)",
    )
    p.add_argument(
        "--heartbeat",
        type=positive_float,
        default=5.0,
        metavar="SECONDS",
        help="how often the leases are renewed (5)",
    )
    p.add_argument(
        "--log-interval",
        type=positive_float,
        default=60.0,
        metavar="SECONDS",
        help="longest time-log slice of a visit (60)",
    )
    p.add_argument(
        "--run-for",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds (default: until Ctrl+C)",
    )
    p.set_defaults(handler=_worker)


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
            result = analyze_source(
                spec, analyzer, recorder, max_frames=args.max_frames, on_observation=write
            )
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


def _policy(args: argparse.Namespace) -> int:
    from domain.auth import Permission
    from domain.errors import NotFound
    from services.cli.context import open_app
    from services.vision.policy import read_policy, save_policy

    changes = {
        "blur_people": args.blur,
        "snapshots": args.snapshots,
        "snapshot_retention_days": args.snapshot_days,
    }
    with open_app(args) as app:
        policy = read_policy(app.engine)
        if any(v is not None for v in changes.values()):
            name = args.user or app.config.user
            try:
                actor = app.actor(name, source="cli")
            except NotFound:
                raise CliError(f"there is no active user {name!r}: pass --user") from None
            if not actor.can(Permission.OPERATE_SYSTEM):
                raise CliError(
                    f"{name} is {actor.role.value}: the privacy settings need an administrator"
                )
            policy = policy.with_changes(**changes)
            save_policy(app, actor, policy, reason="takt vision policy")
        snapshots = app.config.paths.data / "snapshots"
    payload = {
        "blur_people": policy.blur_people,
        "snapshots": policy.snapshots,
        "snapshot_retention_days": policy.snapshot_retention_days,
        "snapshot_folder": str(snapshots),
        "identities": "pseudonymous (track ids); no video is stored",
    }
    text = (
        f"blur people: {'on' if policy.blur_people else 'off'}; alert snapshots: "
        f"{'on' if policy.snapshots else 'off'}, kept {policy.snapshot_retention_days} days in "
        f"{snapshots}; per-person figures are pseudonymous (track ids), no video is stored"
    )
    emit(args, payload, text)
    return 0


def _worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    stop = threading.Event()
    restore: list[tuple[signal.Signals, Any]] = []
    if threading.current_thread() is threading.main_thread():
        # first, before the heavy imports: a Ctrl+C from now on stops cleanly
        for sig in (signal.SIGINT, signal.SIGTERM):
            restore.append((sig, signal.signal(sig, lambda *_: stop.set())))
    try:
        return _run_worker(args, stop)
    finally:
        for sig, handler in restore:
            signal.signal(sig, handler)


def _run_worker(args: argparse.Namespace, stop: threading.Event) -> int:
    import threading

    from services.cli.context import open_app
    from services.vision.leases import LeaseSettings, default_worker_id
    from services.vision.store import StoreSettings
    from services.vision.worker import VisionWorker

    if args.heartbeat >= args.lease_ttl:
        raise CliError("--heartbeat must be shorter than --lease-ttl")
    model = args.model or default_model()
    if not model.is_file():
        raise CliError(f"{model}: the bundled model is missing; give --model PATH")
    worker_id = args.worker_id or default_worker_id()
    timer = threading.Timer(args.run_for, stop.set) if args.run_for else None
    try:
        with open_app(args) as app:
            worker = VisionWorker(
                app,
                worker_id,
                lease=LeaseSettings(
                    ttl_s=args.lease_ttl, heartbeat_s=args.heartbeat, max_cameras=args.max_cameras
                ),
                model_path=model,
                imgsz=args.imgsz,
                blur=args.blur,
                store_settings=StoreSettings(log_interval_s=args.log_interval),
            )
            sys.stderr.write(
                f"takt vision-worker: {worker_id} on {app.config.describe()['database']} "
                f"({app.config.feed_name} feed); Ctrl+C stops\n"
            )
            sys.stderr.flush()
            if timer is not None:
                timer.daemon = True
                timer.start()
            report = worker.run(stop)
    finally:
        if timer is not None:
            timer.cancel()
    payload = report.as_dict()
    rec = payload["records"] or {}
    text = (
        f"worker {worker_id}: {payload['rounds']} lease rounds in {payload['seconds']} s; "
        f"took {', '.join(payload['taken']) or 'no camera'}; cameras at exit: "
        f"{', '.join(payload['owned_at_exit']) or 'none'}; wrote {rec.get('time_logs', 0)} "
        f"time logs, {rec.get('sessions_opened', 0)} sessions, "
        f"{rec.get('alerts_raised', 0)} alerts"
    )
    if payload["error"]:
        text += f"\nerror: {payload['error']}"
    emit(args, payload, text)
    return 0 if not payload["error"] else 1
