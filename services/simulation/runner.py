"""The simulation loop: a step every ``tick_s`` real seconds, ``speed`` simulated seconds per real
second, each step written in its own short transaction. Stops when the duration is over, when
``stop`` is set, or on Ctrl+C (the step being written is rolled back), and returns a summary.

The screens show windows that end at the wall clock ("the last hour"), so the simulated clock
matters: at speed 1 it is the wall clock; a faster run from now runs ahead of it (its data shows
as the wall clock gets there); a faster run that starts in the past fast-forwards up to the
wall clock and then keeps pace with it (``--start 8h --speed 480``: the last eight hours in
a minute, then live).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from domain.auth import Actor, Permission
from domain.errors import ValidationError
from domain.events import Change, Topic
from services.bootstrap import App
from services.demo.rand import stream
from services.persistence.tables.plant import machine_metrics
from services.simulation.faults import ALL_FAULTS, FaultKind, FaultPlan
from services.simulation.model import PlantState, StepResult
from services.simulation.snapshot import load_state
from services.simulation.step import step
from services.simulation.writer import WriteCounts, write_step

log = logging.getLogger(__name__)

StepObserver = Callable[[StepResult, WriteCounts], None]


@dataclass(frozen=True, slots=True)
class SimulationSettings:
    speed: float = 1.0  # simulated seconds per real second
    tick_s: float = 1.0  # real seconds between steps
    duration_s: float | None = None  # real seconds; None: until stopped
    seed: int = 7
    faults: frozenset[FaultKind] = ALL_FAULTS
    start: datetime | None = None  # simulated start (default: now; earlier: fast-forward)

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValidationError("the speed must be positive", field="speed")
        if self.tick_s <= 0:
            raise ValidationError("the tick must be positive", field="tick")
        if self.duration_s is not None and self.duration_s <= 0:
            raise ValidationError("the duration must be positive", field="duration")
        if self.start is not None and self.start.tzinfo is None:
            raise ValidationError("the start needs a time zone", field="start")

    @property
    def step_s(self) -> float:
        """Simulated seconds per step."""
        return self.speed * self.tick_s

    @property
    def steps(self) -> int | None:
        if self.duration_s is None:
            return None
        return max(1, round(self.duration_s / self.tick_s))


@dataclass(slots=True)
class SimulationSummary:
    started: datetime  # simulated
    ended: datetime
    steps: int
    real_seconds: float
    interrupted: bool
    counts: WriteCounts
    faults: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        c = self.counts
        return {
            "simulated_from": self.started.isoformat(),
            "simulated_to": self.ended.isoformat(),
            "simulated_seconds": (self.ended - self.started).total_seconds(),
            "steps": self.steps,
            "real_seconds": round(self.real_seconds, 2),
            "interrupted": self.interrupted,
            "metrics": c.metrics,
            "status_changes": c.status_changes,
            "orders_started": c.orders_started,
            "orders_completed": c.orders_completed,
            "orders_late": c.orders_late,
            "units_reported": c.units_reported,
            "production_logs": c.production_logs,
            "attendance": c.attendance,
            "skipped": c.skipped,
            "change_events": c.change_events,
            "faults": self.faults,
        }


def last_metric_at(app: App) -> datetime | None:
    """Where the stored machine metrics end (None: there are none)."""
    with app.engine.connect() as conn:
        at = conn.execute(select(func.max(machine_metrics.c.at))).scalar_one()
    return at if isinstance(at, datetime) else None


class Simulation:
    """One simulator run against ``app``'s database, as ``actor`` (who may operate the system)."""

    def __init__(self, app: App, actor: Actor, settings: SimulationSettings) -> None:
        actor.require(Permission.OPERATE_SYSTEM)
        self.app = app
        self.actor = actor
        self.settings = settings
        now = app.clock.now()
        start = settings.start or now
        # started in the past: fast-forward at the speed up to the wall clock, then keep pace
        self.catch_up = start < now and settings.speed > 1
        self.state: PlantState = load_state(app.engine, start.astimezone(UTC), settings.seed)
        span = None if settings.duration_s is None else settings.duration_s * settings.speed
        self.plan = FaultPlan.over(settings.faults, span)
        self.rng = stream(settings.seed, "simulation")
        self.counts = WriteCounts()

    def run(
        self,
        stop: threading.Event | None = None,
        *,
        realtime: bool = True,
        on_step: StepObserver | None = None,
    ) -> SimulationSummary:
        """Run until the duration is over or ``stop`` is set (or Ctrl+C). ``realtime=False``
        runs the steps back to back (tests, catching up)."""
        stop = stop or threading.Event()
        s = self.settings
        started_sim = self.state.at
        started = time.monotonic()
        steps = ticks = 0
        interrupted = False
        self._mark("simulation_started")
        deadline = time.monotonic()
        try:
            while not stop.is_set() and (s.steps is None or ticks < s.steps):
                ticks += 1
                step_s = self._next_step_s()
                if step_s > 0:
                    result = step(self.state, self.plan, self.rng, step_s)
                    with self.app.uow(self.actor) as uow:
                        write_step(uow, result, self.counts)
                        uow.commit()
                    steps += 1
                    if on_step is not None:
                        on_step(result, self.counts)
                if realtime:
                    deadline += s.tick_s
                    wait = deadline - time.monotonic()
                    if wait < -s.tick_s:  # far behind (slow database): do not race to catch up
                        deadline = time.monotonic()
                    elif wait > 0 and stop.wait(wait):
                        break
        except KeyboardInterrupt:
            interrupted = True
            log.info("simulation interrupted after %d steps", steps)
        summary = SimulationSummary(
            started=started_sim,
            ended=self.state.at if steps else started_sim,
            steps=steps,
            real_seconds=time.monotonic() - started,
            interrupted=interrupted or stop.is_set(),
            counts=self.counts,
            faults=list(self.state.faults.applied),
        )
        self._mark("simulation_stopped", summary.as_dict())
        return summary

    def _next_step_s(self) -> float:
        """Simulated seconds of the next step: speed x tick, or when catching up with the wall
        clock, no further than the wall clock (0 when it is there already)."""
        step_s = self.settings.step_s
        if not self.catch_up:
            return step_s
        ahead = (self.app.clock.now() - self.state.at).total_seconds()
        return min(step_s, max(ahead, 0.0))

    def _mark(self, kind: str, data: dict[str, object] | None = None) -> None:
        """An audit row and a system change event when the run starts and stops."""
        s = self.settings
        info: dict[str, object] = data or {
            "speed": s.speed,
            "tick_s": s.tick_s,
            "duration_s": s.duration_s,
            "seed": s.seed,
            "faults": sorted(f.value for f in s.faults),
            "simulated_from": self.state.at.isoformat(),
        }
        with self.app.uow(self.actor) as uow:
            uow.audit(f"simulation.{kind.removeprefix('simulation_')}", "simulation", s.seed,
                      None, info)  # fmt: skip
            uow.record(Change(Topic.SYSTEM, kind, (), {"seed": s.seed}))
            uow.commit()
