"""The shift handover report as a PDF: the report's data laid out as HTML, printed with
QTextDocument onto a QPdfWriter (A4, portrait)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from services.dashboard.handover import HandoverReport


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f} %"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], empty: str) -> str:
    body = ["<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows]
    if not body:
        return f"<p><i>{escape(empty)}</i></p>"
    head = "".join(f"<th align='left'>{escape(h)}</th>" for h in header)
    return (
        "<table border='1' cellspacing='0' cellpadding='3' width='100%'>"
        f"<tr style='background:#dddddd'>{head}</tr>{''.join(body)}</table>"
    )


def handover_html(r: HandoverReport) -> str:
    w = r.window

    def _t(v: datetime | None) -> str:  # times on the plant's clock
        return "—" if v is None else f"{w.local(v):%d %b %H:%M}"

    parts = [
        f"<h1>Shift handover: {escape(r.plant)}</h1>",
        f"<p><b>Shift:</b> {escape(r.shift)}, {_t(w.start)} – {_t(w.end)} ({w.zone})<br/>"
        f"<b>Prepared by</b> {escape(r.generated_by)} at seat {escape(r.seat)}, "
        f"{_t(r.generated_at)}</p>",
        "<h2>Performance</h2>",
        _table(
            ("KPI", "value", "how"),
            ((k.label, k.text, k.detail) for k in r.kpis),
            "no figures",
        ),
        _table(
            ("scope", "OEE", "availability", "performance", "quality", "units"),
            (
                (o.name, _pct(o.oee), _pct(o.availability), _pct(o.performance),
                 _pct(o.quality), f"{o.units:,}")
                for o in r.oee
            ),
            "No machine samples in the shift.",
        ),
        "<h2>Allocations</h2>",
        _table(
            ("work order", "operator", "machine", "status", "since", "by", "released", "why"),
            (
                (a.work_order, a.operator, a.machine, a.status, _t(a.allocated_at),
                 a.allocated_by, _t(a.released_at), a.release_reason or "")
                for a in r.allocations
            ),
            "No allocations made, held or released during the shift.",
        ),
        "<h2>Alerts and how they were handled</h2>",
        _table(
            ("raised", "severity", "alert", "state", "handled"),
            (
                (_t(a.raised_at), a.severity,
                 a.message + (f" (×{a.occurrences})" if a.occurrences > 1 else ""),
                 a.state, a.handled)
                for a in r.alerts
            ),
            "No alerts.",
        ),
        "<h2>Idle hotspots</h2>",
        _table(
            ("zone", "idle", "active", "idle share"),
            (
                (h.zone, f"{h.idle_s / 60:,.0f} min", f"{h.active_s / 60:,.0f} min",
                 _pct(h.idle_share))
                for h in r.hotspots
            ),
            "No camera time logs in the shift.",
        ),
        "<h2>Absences</h2>",
        _table(
            ("operator", "day", "shift", "reason"),
            ((a.operator, a.day, a.shift_id or "", a.reason) for a in r.absences),
            "No absences recorded.",
        ),
        "<h2>Open items for the next shift</h2>",
    ]  # fmt: skip
    if r.open_items:
        parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in r.open_items) + "</ul>")
    else:
        parts.append("<p><i>Nothing open.</i></p>")
    if r.truncated:
        parts.append("<p><small>Shortened: " + escape("; ".join(r.truncated)) + "</small></p>")
    return (
        "<html><body style='font-family: sans-serif; font-size: 9pt'>"
        + "".join(parts)
        + ("</body></html>")
    )


def write_handover_pdf(report: HandoverReport, path: str | Path) -> Path:
    """Print the report to ``path`` (A4); returns the path written."""
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        target = target.with_suffix(".pdf")
    writer = QPdfWriter(str(target))
    writer.setTitle(f"Shift handover {report.plant} {report.window.start:%Y-%m-%d %H:%M}")
    writer.setCreator("Takt Control Room")
    writer.setResolution(300)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    doc = QTextDocument()
    doc.setHtml(handover_html(report))
    doc.print_(writer)
    del writer  # closes the file
    if not target.is_file() or target.stat().st_size == 0:
        raise OSError(f"could not write {target}")
    return target
