"""How big a demo plant is."""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain.errors import ValidationError


@dataclass(frozen=True, slots=True)
class PlantSize:
    """The counts of a demo plant. The default is the plant of the foundation issue."""

    operators: int = 60
    machines: int = 24  # one work centre per machine
    lines: int = 3
    open_work_orders: int = 200
    history_days: int = 30
    time_logs: int = 20_000  # rows of camera time logs in the history

    def __post_init__(self) -> None:
        minimums = {
            "operators": (self.operators, 1),
            "machines": (self.machines, 2),  # the press SAV100 and the CNC G1000
            "lines": (self.lines, 1),
            "open_work_orders": (self.open_work_orders, 0),
            "history_days": (self.history_days, 1),
            "time_logs": (self.time_logs, 0),
        }
        for name, (value, low) in minimums.items():
            if value < low:
                raise ValidationError(
                    f"a demo plant needs {name} >= {low}, got {value}", field=name, value=value
                )
        if self.lines > self.machines:
            raise ValidationError(
                f"{self.lines} lines need at least as many machines, got {self.machines}",
                field="lines",
                value=self.lines,
            )

    @classmethod
    def scaled(cls, factor: float) -> PlantSize:
        """Every count times ``factor``; lines grow with its square root; history stays 30 days."""
        if not math.isfinite(factor) or factor <= 0:
            raise ValidationError(f"the scale must be a positive number, got {factor}")
        base = cls()
        machines = max(2, round(base.machines * factor))
        return cls(
            operators=max(1, round(base.operators * factor)),
            machines=machines,
            lines=min(machines, max(1, round(base.lines * math.sqrt(factor)))),
            open_work_orders=round(base.open_work_orders * factor),
            history_days=base.history_days,
            time_logs=round(base.time_logs * factor),
        )

    @classmethod
    def large(cls) -> PlantSize:
        """The benchmark plant: 1,000 operators, 300 machines, 20,000 open work orders and
        1,000,000 time-log rows."""
        return cls(
            operators=1_000,
            machines=300,
            lines=10,
            open_work_orders=20_000,
            history_days=30,
            time_logs=1_000_000,
        )
