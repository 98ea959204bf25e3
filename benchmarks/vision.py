"""Vision benchmark: the whole pipeline against the bare model + tracker, and 4 cameras at once.

    .venv/bin/python benchmarks/vision.py [--backend both|pt|onnx] [--imgsz 320] [--repeats 5]
                                          [--cameras 4] [--seconds 20] [--no-write]

1. **Bare**: the detector and the tracker on frames decoded beforehand (decoding excluded),
   the same clip and image size.
2. **Pipeline**: ``analyze_source`` on the file: decode (in its thread) + detect + track +
   zones + motion + presence rules + recording, every frame. Recording is the production
   path: the camera's recording (time logs, sessions, index records, alerts) and the
   database store (services/vision/store.py) writing them into an SQLite database in
   batches from its writer thread; the run ends when the last batch is committed. The
   same pipeline with its records kept in memory only is run too: the store's own cost.
   The ratio pipeline / bare is the figure of issue 8 (target: at least 0.90). Runs alternate
   (bare, pipeline, bare, ...) and medians are reported, since other work shares the machine.
3. **N cameras**: the demo clip played as N looping cameras at its 16.7 fps: (a) the camera
   host (services/vision/host.py: one shared model, records stored), N bare live pipelines
   (b) sharing one model one frame at a time, (c) sharing one ONNX session running frames
   at once, (d) with one model each; analysed fps per camera, frames skipped and frames per
   CPU-second. They decide how the host shares its model.
4. Person-count precision/recall against the hand-labelled counts.

Figures go to stdout and into the ``vision`` section of benchmarks/RESULTS.md, next to the
reference values of ../shared/data/vision/MANIFEST.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ["YOLO_OFFLINE"] = "1"
os.environ.setdefault("YOLO_VERBOSE", "False")

SHARED = Path(os.environ.get("TAKT_SHARED_DATA", REPO.parent / "shared" / "data")) / "vision"
MODELS = {
    "pt": REPO / "resources" / "models" / "yolov8n.pt",
    "onnx": REPO / "resources" / "models" / "yolov8n-320.onnx",
}
DEMO_CLIP = REPO / "resources/demo/worker-zone-detection.gif"
ZONES = REPO / "resources/demo/zones.json"
REFERENCE = (
    "MANIFEST (2 cores, no GPU): model + tracker, decoding excluded: yolov8n + ByteTrack "
    "about 14 fps at imgsz 640 and 26-47 fps at 320; the ONNX export at 320 on onnxruntime "
    "alone about 25-30 fps; person-count precision/recall 0.98-1.00 / 0.95-1.00."
)


def decode_all(path: Path) -> list[Any]:
    import cv2

    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def bare_fps(
    detector: Any, tracker_kind: str, frames: list[Any], fps: float
) -> tuple[float, float]:
    """(wall-clock fps, CPU-time fps) of detector + tracker on decoded frames."""
    from vision.track import make_tracker

    tracker = make_tracker(tracker_kind)
    t0, c0 = time.perf_counter(), time.process_time()
    for i, frame in enumerate(frames):
        tracker.update(detector.detect(frame), frame, i / fps)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return len(frames) / wall, len(frames) / cpu


class BenchDatabase:
    """A temporary SQLite database with the benchmark's cameras, zones and today's schedule,
    on a clock set to 09:00 today (inside the work day: index records are booked)."""

    def __init__(self, cameras: int = 4) -> None:
        import tempfile
        from datetime import UTC, datetime
        from datetime import time as dtime

        from domain.auth import Actor, Role
        from domain.model.vision import BreakWindow, Camera, DaySchedule
        from services.bootstrap import bootstrap
        from services.clock import FixedClock
        from services.config import Paths, load_config
        from vision.zones import load_zones_file

        self.root = Path(tempfile.mkdtemp(prefix="takt-bench-vision-"))
        paths = Paths(*(self.root / n for n in ("data", "config", "logs", "cache")))
        self.start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
        config = load_config(database_url=f"sqlite:///{self.root / 'bench.db'}", paths=paths)
        self.app = bootstrap(config, upgrade=True, clock=FixedClock(self.start))
        self.actor = Actor("admin", Role.ADMIN, "bench")
        self.camera_ids = ["BENCH"] + [f"CAM-{i + 1}" for i in range(cameras)]
        with self.app.uow(self.actor) as uow:
            for cid in self.camera_ids:
                uow.repos.cameras.add(Camera(cid, cid, str(DEMO_CLIP), loop=True))
                uow.repos.zones.add_many(
                    replace(z, id=f"{cid}-{z.id}") for z in load_zones_file(ZONES, camera_id=cid)
                )
            uow.repos.day_schedules.add(
                DaySchedule(self.start.date(), dtime(8), dtime(17),
                            (BreakWindow(dtime(10), 15), BreakWindow(dtime(15), 15)), 11)
            )  # fmt: skip
            uow.commit()

    def zones(self, camera_id: str) -> list[Any]:
        from domain.model.vision import Zone
        from services.vision.catalogue import read_setups

        (setup,) = read_setups(self.app.engine, [camera_id])
        zones: list[Zone] = list(setup.zones)
        return zones

    def close(self) -> None:
        import shutil

        self.app.close()
        shutil.rmtree(self.root, ignore_errors=True)


def memory_run(detector: Any, clip: Path) -> tuple[float, float]:
    """The same pipeline with the records kept in memory only (no database): (wall fps,
    CPU fps). Against :func:`pipeline_run` it isolates what the database store costs."""
    from vision.factory import build_analyzer
    from vision.pipeline import analyze_source
    from vision.recorder import ObservationRecorder
    from vision.zones import load_zones_file

    zones = load_zones_file(ZONES, camera_id="BENCH")
    analyzer = build_analyzer("BENCH", zones, detector=detector)
    recorder = ObservationRecorder("BENCH", zones)
    c0 = time.process_time()
    result = analyze_source(str(clip), analyzer, recorder)
    return result.analysed_fps, result.frames / (time.process_time() - c0)


def pipeline_run(
    detector: Any, clip: Path, db: BenchDatabase
) -> tuple[float, float, list[int], dict[str, int]]:
    """(wall-clock fps, CPU-time fps of the whole process, person count per frame, records):
    decode + analysis + the recording stored in the database, until the last commit."""
    from domain.model.vision import Camera
    from services.vision.store import VisionStore
    from vision.factory import build_analyzer
    from vision.pipeline import analyze_source

    zones = db.zones("BENCH")
    analyzer = build_analyzer("BENCH", zones, detector=detector)
    store = VisionStore(db.app, seat="bench")
    counts: list[int] = []
    last: list[Any] = []

    def observe(obs: Any) -> None:
        recording.observe(obs)
        counts.append(obs.person_count)
        last[:] = [obs]

    c0, t0 = time.process_time(), time.perf_counter()
    recording = store.open_camera(Camera("BENCH", "BENCH", str(clip)), zones)
    store.start()
    result = analyze_source(str(clip), analyzer, on_observation=observe, start_at=db.start)
    if last and result.closing_events:  # the visits the end of the file closes
        recording.observe(replace(last[0], persons=(), events=result.closing_events,
                                  alerts=(), open_visits=()))  # fmt: skip
    recording.close()
    store.stop()  # the last batch is committed here
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    t = store.totals
    records = {"time_logs": t.time_logs, "sessions": t.sessions_opened, "flushes": t.flushes}
    return result.frames / wall, result.frames / cpu, counts, records


def precision_recall(counts: list[int], gt_csv: Path) -> tuple[float, float] | None:
    if not gt_csv.exists():
        return None
    with gt_csv.open(newline="") as fh:
        gt = {int(r["frame"]): int(r["person_count"]) for r in csv.DictReader(fh)
              if r["ambiguous"].strip() != "1"}  # fmt: skip
    hits = sum(min(counts[f], g) for f, g in gt.items() if f < len(counts))
    predicted = sum(counts[f] for f in gt if f < len(counts))
    return hits / max(predicted, 1), hits / max(sum(gt.values()), 1)


def _measure(healths: Any, seconds: float) -> dict[str, Any]:
    time.sleep(2.0)  # warm-up: let every camera reach its pace
    start = healths()
    t0, c0 = time.monotonic(), time.process_time()
    time.sleep(seconds)
    end = healths()
    span, cpu = time.monotonic() - t0, time.process_time() - c0
    pairs = list(zip(start, end, strict=True))
    per_cam = [(b.frames_analysed - a.frames_analysed) / span for a, b in pairs]
    read = sum(b.frames_read - a.frames_read for a, b in pairs)
    analysed = sum(b.frames_analysed - a.frames_analysed for a, b in pairs)
    return {
        "cameras": len(pairs),
        "per_camera_fps": per_cam,
        "total_fps": sum(per_cam),
        "source_fps_total": read / span,
        "skipped_share": 1 - analysed / read if read else 0.0,
        "frames_per_cpu_s": analysed / cpu if cpu > 0 else 0.0,
    }


def cameras_on_host(detector: Any, db: BenchDatabase, n: int, seconds: float) -> dict[str, Any]:
    """The camera host: one shared model, observations stored in the database."""
    from services.vision.host import CameraHost

    ids = db.camera_ids[1 : n + 1]
    host = CameraHost(db.app, db.actor, detector=detector, camera_ids=ids)
    host.start()
    host.wait_ready(60)
    try:
        out = _measure(lambda: [host.camera(c).health() for c in ids], seconds)
    finally:
        host.stop()
    assert host.store is not None
    out["time_logs"] = host.store.totals.time_logs
    out["sessions"] = host.store.totals.sessions_opened
    return out


def cameras_at_once(
    detector: Any, n: int, seconds: float, *, model: Path | None = None, serial: bool = True
) -> dict[str, Any]:
    """N bare live pipelines: sharing ``detector`` (one frame at a time, or ONNX frames at
    once with ``serial=False``), or each loading ``model`` for itself."""
    from vision.detect import SharedDetector, load_detector
    from vision.factory import build_analyzer
    from vision.pipeline import LivePipeline
    from vision.zones import load_zones_file

    shared = SharedDetector(detector, serial=serial)
    zones = load_zones_file(ZONES)
    pipes = []
    for i in range(n):
        size = detector.imgsz if model is not None and model.suffix == ".pt" else None
        own = shared if model is None else load_detector(model, imgsz=size)
        analyzer = build_analyzer(f"CAM-{i + 1}", zones, detector=own)
        pipes.append(LivePipeline(analyzer, str(DEMO_CLIP), loop=True))
    for p in pipes:
        p.start()
    try:
        return _measure(lambda: [p.health() for p in pipes], seconds)
    finally:
        for p in pipes:
            p.stop()


def run_backend(
    backend: str, imgsz: int, repeats: int, cams: int, seconds: float
) -> dict[str, Any]:
    from vision.detect import load_detector
    from vision.track import default_tracker_for, make_tracker

    detector = load_detector(MODELS[backend], imgsz=imgsz if backend == "pt" else None)
    kind = default_tracker_for(detector.backend)
    clip = SHARED / "clips" / "worker-zone-detection.gif"
    clip = clip if clip.exists() else DEMO_CLIP
    frames = decode_all(clip)
    fps_src = 16.667
    bare_fps(detector, kind, frames[:5], fps_src)  # warm-up (first inference is slow)
    bare, pipe, ratios, bare_cpu, pipe_cpu, cpu_ratios = [], [], [], [], [], []
    counts: list[int] = []
    records: dict[str, int] = {}
    db = BenchDatabase(cams)
    mem, mem_cpu = [], []
    for _ in range(repeats):
        b, bc = bare_fps(detector, kind, frames, fps_src)
        m, mc = memory_run(detector, clip)
        p, pc, counts, records = pipeline_run(detector, clip, db)
        mem.append(m)
        mem_cpu.append(mc)
        bare.append(b)
        pipe.append(p)
        ratios.append(p / b)
        bare_cpu.append(bc)
        pipe_cpu.append(pc)
        cpu_ratios.append(pc / bc)
    pr = {}
    pr["worker-zone-detection"] = precision_recall(
        counts, SHARED / "gt" / "worker-zone-detection_counts.csv"
    )
    classroom = SHARED / "clips" / "classroom.gif"
    if classroom.exists():
        _, _, c_counts, _ = pipeline_run(detector, classroom, db)
        pr["classroom"] = precision_recall(c_counts, SHARED / "gt" / "classroom_counts.csv")
    multi: dict[str, Any] = {}
    if cams > 0:
        multi["host"] = cameras_on_host(detector, db, cams, seconds)
        multi["shared"] = cameras_at_once(detector, cams, seconds)
        if detector.backend == "onnxruntime":
            multi["concurrent"] = cameras_at_once(detector, cams, seconds, serial=False)
        multi["separate"] = cameras_at_once(detector, cams, seconds, model=MODELS[backend])
    db.close()
    return {
        "backend": backend,
        "model": MODELS[backend].name,
        "tracker": make_tracker(kind).name,
        "imgsz": detector.imgsz,
        "frames": len(frames),
        "bare": bare,
        "pipeline": pipe,
        "ratios": ratios,
        "bare_cpu": bare_cpu,
        "pipeline_cpu": pipe_cpu,
        "cpu_ratios": cpu_ratios,
        "memory": mem,
        "memory_cpu": mem_cpu,
        "pr": pr,
        "multi": multi,
        "records": records,
    }


def fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} (min {min(values):.1f}, max {max(values):.1f})"


def report(
    results: list[dict[str, Any]],
    args: argparse.Namespace,
    load: tuple[float, ...],
    load_end: tuple[float, ...],
) -> str:
    lines = [
        f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; load average at start {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f}, at the end {load_end[0]:.1f} (other work shared the machine: "
        "wall-clock figures are noisy).",
        f"Clip: worker-zone-detection.gif, 480x270, {results[0]['frames']} frames; "
        f"{args.repeats} alternating runs of each, median (min, max).",
        "",
        "Wall clock (throughput under the machine's load at the time):",
        "",
        "| model | tracker | imgsz | bare model+tracker fps | pipeline, records in memory | "
        "whole pipeline, records stored | ratio stored / bare | "
        "precision / recall (worker; classroom) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        pr = "; ".join(f"{p[0]:.2f} / {p[1]:.2f}" if p else "n/a" for p in r["pr"].values())
        lines.append(
            f"| {r['model']} | {r['tracker']} | {r['imgsz']} | {fmt(r['bare'])} | "
            f"{fmt(r['memory'])} | {fmt(r['pipeline'])} | "
            f"{statistics.median(r['ratios']):.2f} | {pr} |"
        )
    lines += [
        "",
        "CPU time (frames per CPU-second of the whole process, decoding thread included in the "
        "pipeline: the work each path costs, much less sensitive to other load):",
        "",
        "| model | bare fps per CPU-s | pipeline, records in memory | "
        "whole pipeline, records stored | ratio stored / bare | ratio stored / in memory |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        store_cost = statistics.median(
            pc / mc for pc, mc in zip(r["pipeline_cpu"], r["memory_cpu"], strict=True)
        )
        lines.append(
            f"| {r['model']} | {fmt(r['bare_cpu'])} | {fmt(r['memory_cpu'])} | "
            f"{fmt(r['pipeline_cpu'])} | {statistics.median(r['cpu_ratios']):.2f} | "
            f"{store_cost:.2f} |"
        )
    lines.append("")
    for r in results:
        rec = r["records"]
        lines.append(
            f"- Recording per pipeline run ({r['model']}): {rec.get('time_logs', 0)} time logs "
            f"and {rec.get('sessions', 0)} sessions committed in {rec.get('flushes', 0)} "
            "batches (the store's 2 s writer thread plus the final commit, inside the timing)."
        )
    lines += [
        "",
        f"{args.cameras} cameras at once (each camera the demo clip looping at 16.7 fps, "
        f"{args.seconds:.0f} s after a 2 s warm-up):",
        "",
        "| model | setup | analysed fps in total | per camera | delivered fps | skipped | "
        "analysed frames per CPU-s |",
        "|---|---|---|---|---|---|---|",
    ]
    labels = {
        "host": "camera host (its shared model: ONNX frames at once, .pt one at a time), "
        "records stored",
        "shared": "bare live pipelines, one shared model (one frame at a time)",
        "concurrent": "bare live pipelines, one shared ONNX session, frames at once",
        "separate": "bare live pipelines, one model per camera",
    }
    for r in results:
        for key, label in labels.items():
            m = r["multi"].get(key)
            if not m:
                continue
            per = ", ".join(f"{v:.1f}" for v in m["per_camera_fps"])
            lines.append(
                f"| {r['model']} | {label} | {m['total_fps']:.1f} | {per} | "
                f"{m['source_fps_total']:.1f} | {100 * m['skipped_share']:.0f} % | "
                f"{m['frames_per_cpu_s']:.1f} |"
            )
    lines += ["", f"Reference: {REFERENCE}"]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--backend", choices=("both", "pt", "onnx"), default="both")
    ap.add_argument("--imgsz", type=int, default=320, help="image size of the .pt model")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cameras", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20.0, help="duration of the N-camera run")
    ap.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = ap.parse_args()
    load = os.getloadavg()
    backends = ["pt", "onnx"] if args.backend == "both" else [args.backend]
    results = []
    for b in backends:
        print(f"running {b} ...", flush=True)
        results.append(run_backend(b, args.imgsz, args.repeats, args.cameras, args.seconds))
    text = report(results, args, load, os.getloadavg())
    print(text)
    if not args.no_write:
        from benchmarks._results import RESULTS, write_section

        command = "benchmarks/vision.py" + "".join(" " + a for a in sys.argv[1:])
        write_section("vision", "Vision pipeline (issue 8)", command, text)
        print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
