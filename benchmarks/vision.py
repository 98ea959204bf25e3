"""Vision benchmark: the whole pipeline against the bare model + tracker, and 4 cameras at once.

    .venv/bin/python benchmarks/vision.py [--backend both|pt|onnx] [--imgsz 320] [--repeats 5]
                                          [--cameras 4] [--seconds 20] [--no-write]

1. **Bare**: the detector and the tracker on frames decoded beforehand (decoding excluded),
   the same clip and image size.
2. **Pipeline**: ``analyze_source`` on the file: decode (in its thread) + detect + track +
   zones + motion + presence rules + recorder, every frame.
   The ratio pipeline / bare is the figure of issue 8 (target: at least 0.90). Runs alternate
   (bare, pipeline, bare, ...) and medians are reported, since other work shares the machine.
3. **N cameras**: N live pipelines on the demo clip played as looping cameras at its 16.7 fps,
   sharing one loaded model; analysed fps per camera and frames skipped.
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


def pipeline_run(detector: Any, clip: Path) -> tuple[float, float, list[int]]:
    """(wall-clock fps, CPU-time fps of the whole process, person count per frame)."""
    from vision.factory import build_analyzer
    from vision.pipeline import analyze_source
    from vision.recorder import ObservationRecorder
    from vision.zones import load_zones_file

    zones = load_zones_file(ZONES)
    analyzer = build_analyzer("BENCH", zones, detector=detector)
    recorder = ObservationRecorder("BENCH", zones)
    counts: list[int] = []
    c0 = time.process_time()
    result = analyze_source(
        str(clip), analyzer, recorder, on_observation=lambda o: counts.append(o.person_count)
    )
    cpu = time.process_time() - c0
    return result.analysed_fps, result.frames / cpu, counts


def precision_recall(counts: list[int], gt_csv: Path) -> tuple[float, float] | None:
    if not gt_csv.exists():
        return None
    with gt_csv.open(newline="") as fh:
        gt = {int(r["frame"]): int(r["person_count"]) for r in csv.DictReader(fh)
              if r["ambiguous"].strip() != "1"}  # fmt: skip
    hits = sum(min(counts[f], g) for f, g in gt.items() if f < len(counts))
    predicted = sum(counts[f] for f in gt if f < len(counts))
    return hits / max(predicted, 1), hits / max(sum(gt.values()), 1)


def cameras_at_once(detector: Any, n: int, seconds: float) -> dict[str, Any]:
    from vision.detect import SharedDetector
    from vision.factory import build_analyzer
    from vision.pipeline import LivePipeline
    from vision.zones import load_zones_file

    shared = SharedDetector(detector)
    zones = load_zones_file(ZONES)
    pipes = []
    for i in range(n):
        analyzer = build_analyzer(f"CAM-{i + 1}", zones, detector=shared)
        pipes.append(LivePipeline(analyzer, str(DEMO_CLIP), loop=True))
    for p in pipes:
        p.start()
    time.sleep(2.0)  # warm-up: let every camera reach its pace
    start = [p.health() for p in pipes]
    t0 = time.monotonic()
    time.sleep(seconds)
    end = [p.health() for p in pipes]
    span = time.monotonic() - t0
    for p in pipes:
        p.stop()
    per_cam = [
        (b.frames_analysed - a.frames_analysed) / span for a, b in zip(start, end, strict=True)
    ]
    read = sum(b.frames_read - a.frames_read for a, b in zip(start, end, strict=True))
    analysed = sum(b.frames_analysed - a.frames_analysed for a, b in zip(start, end, strict=True))
    return {
        "cameras": n,
        "per_camera_fps": per_cam,
        "total_fps": sum(per_cam),
        "source_fps_total": read / span,
        "skipped_share": 1 - analysed / read if read else 0.0,
    }


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
    for _ in range(repeats):
        b, bc = bare_fps(detector, kind, frames, fps_src)
        p, pc, counts = pipeline_run(detector, clip)
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
        _, _, c_counts = pipeline_run(detector, classroom)
        pr["classroom"] = precision_recall(c_counts, SHARED / "gt" / "classroom_counts.csv")
    multi = cameras_at_once(detector, cams, seconds) if cams > 0 else None
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
        "pr": pr,
        "multi": multi,
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
        "| model | tracker | imgsz | bare model+tracker fps | whole pipeline fps | ratio | "
        "precision / recall (worker; classroom) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        pr = "; ".join(f"{p[0]:.2f} / {p[1]:.2f}" if p else "n/a" for p in r["pr"].values())
        lines.append(
            f"| {r['model']} | {r['tracker']} | {r['imgsz']} | {fmt(r['bare'])} | "
            f"{fmt(r['pipeline'])} | {statistics.median(r['ratios']):.2f} | {pr} |"
        )
    lines += [
        "",
        "CPU time (frames per CPU-second of the whole process, decoding thread included in the "
        "pipeline: the work each path costs, much less sensitive to other load):",
        "",
        "| model | bare fps per CPU-s | pipeline fps per CPU-s | ratio |",
        "|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['model']} | {fmt(r['bare_cpu'])} | {fmt(r['pipeline_cpu'])} | "
            f"{statistics.median(r['cpu_ratios']):.2f} |"
        )
    lines.append("")
    for r in results:
        m = r["multi"]
        if not m:
            continue
        per = ", ".join(f"{v:.1f}" for v in m["per_camera_fps"])
        lines.append(
            f"- {m['cameras']} cameras at once ({r['model']}, one shared model, each camera a "
            f"looping 16.7 fps clip, {args.seconds:.0f} s): analysed {m['total_fps']:.1f} fps "
            f"in total (per camera {per}); the cameras delivered {m['source_fps_total']:.1f} "
            f"fps, {100 * m['skipped_share']:.0f} % skipped to stay real-time."
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
