"""The selected alert's context: what, when, who did what, the camera snapshot of a vision alert
and the metric window of a machine anomaly (a small line chart per metric)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from domain.model.alerts import Alert
from services.alerts.details import AlertDetail, MetricSeries


def _time(value: object) -> str:
    from datetime import datetime

    return f"{value.astimezone():%Y-%m-%d %H:%M}" if isinstance(value, datetime) else "—"


class Sparkline(QWidget):
    """One metric's values as a line, its last value and range as text."""

    def __init__(self, series: MetricSeries, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series = series
        self.setMinimumHeight(70)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(300, 80)

    def paintEvent(self, event: QPaintEvent) -> None:
        values = self.series.values
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(4, 16, -4, -4)
        p.setPen(QColor("#9e9e9e"))
        lo, hi = (min(values), max(values)) if values else (0.0, 0.0)
        last = f"{values[-1]:.4g}" if values else "no values"
        p.drawText(4, 12, f"{self.series.metric} {last}  ({lo:.4g} – {hi:.4g})")
        if len(values) < 2:
            p.end()
            return
        span = hi - lo or 1.0
        step = r.width() / (len(values) - 1)
        points = [
            QPointF(r.left() + i * step, r.bottom() - (v - lo) / span * r.height())
            for i, v in enumerate(values)
        ]
        p.setPen(QPen(QColor("#4fc3f7"), 1.5))
        p.drawPolyline(QPolygonF(points))
        p.setPen(QPen(QColor("#ef5350"), 3))
        p.drawPoint(points[-1])
        p.end()


class AlertDetailPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.alert_id: int | None = None
        self.text = QLabel("Select an alert to see its context.")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.snapshot = QLabel()
        self.snapshot.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.snapshot.setVisible(False)
        self.charts = QVBoxLayout()
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.addWidget(self.text)
        lay.addWidget(self.snapshot)
        lay.addLayout(self.charts)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def clear(self) -> None:
        self.alert_id = None
        self.text.setText("Select an alert to see its context.")
        self._set_snapshot(None)
        self._set_series(())

    def show_alert(self, alert: Alert) -> None:
        """The stored fields at once; the snapshot and metric window follow (show_detail)."""
        if alert.id != self.alert_id:
            self._set_snapshot(None)
            self._set_series(())
        self.alert_id = alert.id
        rows = [
            ("Type", alert.alert_type.value.replace("_", " ")),
            ("Severity", alert.severity.value),
            ("State", alert.state.value),
            ("Raised", _time(alert.raised_at)),
            ("Last seen", _time(alert.last_seen_at)),
            ("Occurrences", str(alert.occurrences)),
            ("Owner", alert.owner or "—"),
        ]
        if alert.acknowledged_by:
            rows.append(
                ("Acknowledged", f"{alert.acknowledged_by}, {_time(alert.acknowledged_at)}")
            )
        if alert.comment:
            rows.append(("Comment", alert.comment))
        if alert.snoozed_until:
            rows.append(("Snoozed until", _time(alert.snoozed_until)))
        if alert.escalated_at:
            rows.append(("Escalated", _time(alert.escalated_at)))
        if alert.resolved_at:
            rows.append(("Resolved", f"{alert.resolved_by or '—'}, {_time(alert.resolved_at)}"))
        table = "".join(
            f"<tr><td><b>{escape(k)}</b>&nbsp;</td><td>{escape(v)}</td></tr>" for k, v in rows
        )
        self.text.setText(f"<p>{escape(alert.message)}</p><table>{table}</table>")

    def show_detail(self, detail: AlertDetail) -> None:
        if detail.alert.id != self.alert_id:
            return  # the selection moved on
        self.show_alert(detail.alert)
        self._set_snapshot(detail.snapshot, detail.snapshot_note)
        self._set_series(detail.series)

    def _set_snapshot(self, data: bytes | None, note: str | None = None) -> None:
        if data:
            pix = QPixmap()
            if pix.loadFromData(data):
                self.snapshot.setPixmap(
                    pix.scaled(
                        480,
                        320,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
                self.snapshot.setToolTip("the camera frame the alert was raised on")
                self.snapshot.setVisible(True)
                return
            note = "the snapshot could not be read"
        self.snapshot.clear()
        if note:
            self.snapshot.setText(note)
        self.snapshot.setVisible(bool(note))

    def _set_series(self, series: tuple[MetricSeries, ...]) -> None:
        while self.charts.count():
            item = self.charts.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        for s in series:
            self.charts.addWidget(Sparkline(s))

    @property
    def sparklines(self) -> list[Sparkline]:
        out = []
        for i in range(self.charts.count()):
            item = self.charts.itemAt(i)
            w = item.widget() if item is not None else None
            if isinstance(w, Sparkline):
                out.append(w)
        return out
