"""``takt report handover --out FILE.pdf``: the shift handover report without opening a window.

The report's content comes from services (``services.dashboard.handover``); the PDF is printed
with Qt's QTextDocument, so the command lives with the desktop and is added to the ``takt``
parser by ``desktop.entry``. Qt loads only when the command runs (offscreen, no display needed).
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path

from services.cli.common import CliError, emit


def _aware_time(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO date and time") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def register(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    report = sub.add_parser("report", help="printable reports (PDF)")
    kinds = report.add_subparsers(dest="report", metavar="REPORT", parser_class=type(report))
    p = kinds.add_parser(
        "handover",
        parents=[parents],
        help="the shift handover report of the running shift as a PDF",
    )
    p.add_argument("--out", required=True, type=Path, metavar="FILE.pdf", help="where to write")
    p.add_argument("--user", default=None, help="who hands over (default: TAKT_USER or admin)")
    p.add_argument(
        "--at",
        type=_aware_time,
        default=None,
        metavar="TIME",
        help="report as of this moment (ISO, UTC unless given; default: now)",
    )
    p.set_defaults(handler=_handover)
    report.set_defaults(handler=lambda args: report.print_help() or 2)


def _handover(args: argparse.Namespace) -> int:
    from services.cli.context import open_app
    from services.dashboard.handover import read_handover

    folder = args.out.parent
    if not folder.is_dir():
        raise CliError(f"{folder}: no such folder")
    with open_app(args) as app:
        actor = app.actor(args.user)
        report = read_handover(app, actor, args.at)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from desktop.dashboard.handover_pdf import write_handover_pdf

    qt = QGuiApplication.instance() or QGuiApplication([])
    try:
        written = write_handover_pdf(report, args.out)
    except OSError as exc:
        raise CliError(f"{args.out}: {exc}") from exc
    finally:
        del qt
    payload = {
        "path": str(written),
        "bytes": written.stat().st_size,
        "shift": report.shift,
        "start": report.window.start,
        "end": report.window.end,
        "alerts": len(report.alerts),
        "allocations": len(report.allocations),
        "open_items": len(report.open_items),
    }
    emit(args, payload, f"wrote {written} ({report.shift}, {payload['bytes']:,} bytes)")
    return 0
