"""A deterministic demo plant (seeded random): master data and streamed history.

See ``services.demo.generator``.
"""

from __future__ import annotations

from services.demo.generator import (
    DemoPlant,
    PlantSize,
    alerts,
    attendance_history,
    demand_history,
    generate_plant,
    machine_metrics,
    production_logs,
    time_logs,
)

__all__ = [
    "DemoPlant",
    "PlantSize",
    "alerts",
    "attendance_history",
    "demand_history",
    "generate_plant",
    "machine_metrics",
    "production_logs",
    "time_logs",
]
