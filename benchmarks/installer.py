"""Installer figures: build time and size of the PyInstaller bundle and of the .deb, the
bundle's largest parts, its self-test, and what the torch-free path leaves out.

    .venv/bin/python benchmarks/installer.py            # builds (packaging/build.sh), measures
    .venv/bin/python benchmarks/installer.py --no-build # measures dist/ as last built

Writes the ``installer`` section of benchmarks/RESULTS.md. There is no published reference for
these figures; STACK-NOTES.md's note (a PySide6 + pyqtgraph + SQLAlchemy bundle: 45-75 s, 231-324
MB) is the nearest comparison, for a much smaller program.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOP))

from benchmarks._results import write_section  # noqa: E402


def du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="measure dist/ as it is")
    parser.add_argument("--dist", type=Path, default=TOP / "dist")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    cpu_s: float | None = None
    if not args.no_build:
        env = dict(os.environ, TAKT_DIST=str(args.dist))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(["bash", str(TOP / "packaging" / "build.sh")], check=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = json.loads((args.dist / "build-summary.json").read_text(encoding="utf-8"))
    bundle = Path(summary["bundle"])
    internal = bundle / "_internal"
    parts = sorted(((du(p), p.name) for p in internal.iterdir()), reverse=True)[:12]

    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, TAKT_HOME=home, QT_QPA_PLATFORM="offscreen")
        started = time.perf_counter()
        out = subprocess.run(
            [str(bundle / "takt"), "--self-test"], capture_output=True, text=True, env=env
        )
        self_test_wall = time.perf_counter() - started
    verdict = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {}

    site = TOP / ".venv" / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    site = site / "site-packages"
    torch_path = sum(du(site / name) for name in ("torch", "torchvision", "ultralytics"))

    lines = [
        f"Version {summary['version']}, {summary['cpus']} CPUs, load average at the start "
        f"{summary['load_at_start']} (other builds and tests were running: times are noisy).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| bundle build (PyInstaller, one folder) | {summary['bundle_seconds']:.0f} s |",
        f"| bundle size (`dist/takt`) | {mb(summary['bundle_bytes'])} in "
        f"{summary['bundle_files']:,} files |",
        f"| .deb build (copy + `dpkg-deb -Zzstd`) | {summary['deb_seconds']:.0f} s |",
        f"| CPU time of the whole build (user + sys; independent of the load) | "
        f"{f'{cpu_s:.0f} s' if cpu_s is not None else 'not measured (--no-build)'} |",
        f"| .deb size | {mb(summary['deb_bytes'])} |",
        f"| bundle self-test (wall, incl. demo load and 8 camera frames) | {self_test_wall:.1f} s "
        f"({'ok' if verdict.get('ok') else 'FAILED: ' + str(verdict.get('error'))}) |",
        f"| left out by the torch-free path (torch + torchvision + ultralytics in .venv) | "
        f"{mb(torch_path)} |",
        "",
        "Largest parts of the bundle (`_internal/`):",
        "",
        "| part | size |",
        "|---|---|",
    ]
    lines += [f"| {name} | {mb(size)} |" for size, name in parts]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        write_section("installer", "Installers: bundle and .deb", "benchmarks/installer.py", body)
    return 0 if verdict.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
