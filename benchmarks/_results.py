"""Writes one benchmark's figures into its own section of benchmarks/RESULTS.md."""

from __future__ import annotations

import fcntl
import re
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = (
    "# Benchmark results\n\n"
    "Each section is written by the benchmark named in it, with the command and the date of the "
    "run. Figures are medians and ratios from one run on a shared 2-core machine without a GPU.\n"
)


def write_section(name: str, title: str, command: str, body: str) -> None:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = (
        f"{begin}\n## {title}\n\n"
        f"Command: `.venv/bin/python {command}` — run on {date.today().isoformat()}.\n\n"
        f"{body.rstrip()}\n{end}"
    )
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    # benchmarks may finish at the same time: read-modify-write under an exclusive lock
    with open(RESULTS.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
        if pattern.search(text):
            text = pattern.sub(lambda _m: block, text)
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
        RESULTS.write_text(text, encoding="utf-8")
