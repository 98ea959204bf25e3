"""The JSON summary of an offline analysis (``takt vision analyze``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.model.vision import Zone
from vision.analyzer import FrameAnalyzer
from vision.pipeline import AnalysisResult
from vision.recorder import ObservationRecorder


def summarise(
    result: AnalysisResult,
    analyzer: FrameAnalyzer,
    recorder: ObservationRecorder,
    counts: Sequence[int],
    zones: Sequence[Zone],
) -> dict[str, Any]:
    zone_rows: list[dict[str, Any]] = []
    for z in zones:
        st = recorder.stats[z.id]
        zone_rows.append(
            {
                "id": z.id,
                "name": z.name,
                "entries": st.entries,
                "exits": st.exits,
                "max_count": st.max_count,
                "dwell_seconds": [round(v.dwell_s, 3) for v in st.visits],
                "active_seconds": round(st.active_s, 3),
                "idle_seconds": round(st.idle_s, 3),
                "alerts": st.alerts,
                "visits": [
                    {
                        "track_id": v.track_id,
                        "entered_s": round(v.entered_s, 3),
                        "exited_s": round(v.exited_s, 3),
                        "dwell_s": round(v.dwell_s, 3),
                        "active_s": round(v.active_s, 3),
                        "idle_s": round(v.idle_s, 3),
                        "completed": v.completed,
                    }
                    for v in st.visits
                ],
            }
        )
    return {
        "source": result.source,
        "backend": analyzer.detector.backend,
        "tracker": analyzer.tracker.name,
        "imgsz": analyzer.detector.imgsz,
        "conf": analyzer.detector.conf,
        "frames": result.frames,
        "source_fps": round(result.source_fps, 3) if result.source_fps else None,
        "duration_s": round(result.duration_s, 3),
        "wall_s": round(result.wall_s, 3),
        "analysed_fps": round(result.analysed_fps, 2),
        "persons": {
            "max": max(counts, default=0),
            "mean": round(sum(counts) / len(counts), 3) if counts else 0.0,
            "tracks": len(recorder.track_ids),
            "ignored_tracks": analyzer.presence.ignored_tracks,
        },
        "zones": zone_rows,
        "alerts": [
            {
                "type": a.alert_type.value,
                "zone_id": a.zone_id,
                "at_s": round(a.at_s, 3),
                "track_id": a.track_id,
                "message": a.message,
            }
            for a in recorder.alerts
        ],
        "records": {"time_logs": len(recorder.time_logs), "sessions": len(recorder.sessions)},
    }
