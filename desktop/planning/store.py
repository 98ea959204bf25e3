"""PlanStore: the Gantt's state on the GUI thread, fed and saved through the runner.

Reads (scenario list + the plan on the plant as it is now + the rules) run on the query pool one
at a time; a read asked for meanwhile runs once after. Writes (move, pin, release, save) go to
the write lane; a refused move says which rule it breaks and nothing changes. Moves and pins are
pushed on a QUndoStack after the service accepted them. The optimiser runs on the query pool with
a cancel event; its progress comes back through a queued signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QUndoStack

from desktop.change_hub import touches
from desktop.context import DesktopContext
from desktop.messages import describe
from desktop.planning.data import ChartData
from desktop.planning.undo import MoveCommand, PinCommand
from domain.auth import Permission
from domain.errors import Violation
from domain.events import ChangeEvent, Topic
from domain.model.planning import ScenarioStatus, ScheduleEntry, SchedulingScenario
from domain.model.plant import CalendarWindow, SetupTime
from domain.rules.scheduling import (
    Bar,
    PlannedOperation,
    PlanRules,
    assign_operator,
    check_frozen,
    check_move,
    snap_start,
)
from services.scheduling.problem import ProgressDto
from services.scheduling.repair import Breakdown, RepairResult
from services.scheduling.scenarios import (
    MoveResult,
    OptimiseResult,
    PlanView,
    RepairPlan,
    ScenarioFigures,
    ScenarioService,
    entries_of,
    make_view,
)

log = logging.getLogger(__name__)

RELOAD_TOPICS = (Topic.SCHEDULE, Topic.WORK_ORDER, Topic.PLANT, Topic.MACHINE)
SNAP_MINUTES = 5
REPAIR_SECONDS = 10.0  # the repair solve's time limit
CHANGEOVER_MARGIN = 24 * 60  # minutes: no changeover is longer
# what a drag reports first when a place breaks several rules: the ones no snap can fix first
_RANK = {
    code: i
    for i, code in enumerate(
        (
            "pinned",
            "eligibility",
            "frozen",
            "before_now",
            "release",
            "precedence",
            "dependency",
            "calendar",
            "overlap",
            "setup",
        )
    )
}


@dataclass(frozen=True, slots=True)
class DragCheck:
    """Where a dragged bar would land and what it would break there."""

    operation_id: str
    work_centre_id: str
    start: datetime  # where a drop puts it (snapped when the raw place breaks a rule)
    end: datetime
    valid: bool
    snapped: bool
    violations: tuple[Violation, ...]  # of the raw place
    tz: tzinfo = UTC  # the plant's clock, for the message

    @property
    def message(self) -> str:
        start = self.start.astimezone(self.tz)
        if not self.violations:
            return f"{self.operation_id}: {start:%a %d %b %H:%M} on {self.work_centre_id}"
        first = self.violations[0].message
        if self.valid:
            return f"{first} - snaps to {start:%a %d %b %H:%M}"
        return first


@dataclass(frozen=True, slots=True)
class _Loaded:
    scenarios: list[SchedulingScenario]
    view: PlanView
    rules: PlanRules
    draft: OptimiseResult | None = None  # no scenario yet: an unsaved first plan
    frozen_hours: float | None = None  # the site's frozen horizon (None: not read)


class _Bridge(QObject):
    progress = Signal(object)  # ProgressDto, emitted from the solver's thread


class PlanStore(QObject):
    loaded = Signal()  # a new plan (or scenario list) is in
    entry_changed = Signal(str)  # operation id
    message = Signal(str, bool)  # text, is it an error
    progress = Signal(object)  # ProgressDto
    optimising = Signal(bool)
    loading_changed = Signal(bool)
    breakdown_found = Signal(object)  # Breakdown: a machine with planned bars broke down
    repairing = Signal(bool)
    repaired = Signal(object)  # RepairResult: saved as a new draft scenario, now shown

    def __init__(self, ctx: DesktopContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # people and machines in one plan: skills, certifications and shifts hold for the
        # optimiser, the first plan and every drag
        self.service = ScenarioService(ctx.app, with_operators=True)
        self.undo_stack = QUndoStack(self)
        self.view: PlanView | None = None
        self.data = ChartData()
        self.rules: PlanRules | None = None
        self.scenarios: list[SchedulingScenario] = []
        self.draft: OptimiseResult | None = None
        self._by_centre: dict[str, tuple[tuple[CalendarWindow, ...], tuple[SetupTime, ...]]] = {}
        self._by_operator: dict[str, list[ScheduleEntry]] | None = None
        self.scenario_id: str | None = None  # the scenario shown
        self._wanted: str | None = None  # the scenario to read next (None: the default one)
        self._reading = False
        self._again = False
        self._cancel: threading.Event | None = None
        self._bridge = _Bridge(self)
        self._bridge.progress.connect(self.progress)
        self.last_progress: ProgressDto | None = None
        self.last_result: OptimiseResult | None = None
        self.breakdown: Breakdown | None = None  # the last breakdown reported
        self.frozen_hours: float | None = None  # the site's frozen horizon, as last read
        self.last_repair: RepairResult | None = None
        self._repairing = False
        self._bridge.progress.connect(self._remember_progress)
        ctx.hub.changed.connect(self._on_hub_changed)
        qapp = QCoreApplication.instance()
        if qapp is not None:  # quitting stops a running solve (the runner waits for its jobs)
            qapp.aboutToQuit.connect(self.stop)

    @property
    def can_edit(self) -> bool:
        """May this seat change the plan shown (a saved scenario, not archived)?"""
        return self.ctx.actor.can(Permission.SCHEDULE) and self.scenario_id is not None

    @property
    def is_optimising(self) -> bool:
        return self._cancel is not None

    # -- reading ---------------------------------------------------------------------------
    def start(self) -> None:
        self.reload()

    def reload(self) -> None:
        if self._reading:
            self._again = True
            return
        self._reading = True
        self.loading_changed.emit(True)
        job = self.ctx.runner.query(self._read, self._wanted, name="plan", owner=self)
        job.on_success(self._apply).on_failure(self._failed).on_finished(self._read_done)

    def _read(self, scenario_id: str | None) -> _Loaded:
        actor = self.ctx.actor
        scenarios = self.service.list_scenarios(actor)
        hours = self.service.frozen_hours(actor)
        if not scenarios:  # nothing saved yet: show a first plan, write nothing
            draft = self.service.draft(actor)
            view = make_view(
                draft.plant,
                entries_of(draft),
                now=draft.started_at,
                frozen_until=self.service.frozen_until(actor),
            )
            return _Loaded([], view, view.plant.rules(view.entries), draft, hours)
        if scenario_id is not None and scenario_id not in {s.id for s in scenarios}:
            scenario_id = None
        view = self.service.view(actor, scenario_id)
        return _Loaded(scenarios, view, view.plant.rules(view.entries), frozen_hours=hours)

    def _apply(self, loaded: _Loaded) -> None:
        self.draft = loaded.draft
        if loaded.frozen_hours is not None:
            self.frozen_hours = loaded.frozen_hours
        self.show(loaded.view, loaded.rules, loaded.scenarios)
        if loaded.draft is not None:
            self.message.emit(
                "No saved plan yet: this is a first plan from the quick scheduler. Save it (or "
                "Optimise) to keep it and to move bars.",
                False,
            )

    def set_frozen_hours(self, hours: float) -> None:
        """Set the site's frozen horizon (on the write lane); every seat's plan reads again."""
        job = self.ctx.runner.command(
            self.service.set_frozen_hours, self.ctx.actor, hours, name="frozen horizon", owner=self
        )

        def done(stored: float) -> None:
            self.frozen_hours = stored
            text = f"{stored:g} hours after now" if stored else "off"
            self.message.emit(f"Frozen horizon: {text}", False)
            self.reload()

        def bad(error: BaseException) -> None:
            self._failed(error)
            self.reload()  # the box shows the stored value again

        job.on_success(done).on_failure(bad)

    def save_draft(self) -> None:
        """Save the unsaved first plan as a draft scenario (exactly what is shown)."""
        if self.draft is None:
            return
        job = self.ctx.runner.command(
            _save_draft, self.service, self.ctx.actor, self.draft, name="save plan", owner=self
        )
        job.on_success(self._first_plan).on_failure(self._failed)

    def show(
        self,
        view: PlanView,
        rules: PlanRules | None = None,
        scenarios: list[SchedulingScenario] | None = None,
    ) -> None:
        """Show ``view`` (what a read brings; benchmarks and tests may call it directly)."""
        self.scenarios = scenarios if scenarios is not None else self.scenarios
        self.view = view
        self.rules = rules if rules is not None else view.plant.rules(view.entries)
        self._by_centre = {}
        self._by_operator = None
        self.scenario_id = view.scenario_id
        if self._wanted is None:  # (a wanted one missing from the list: _read falls back)
            self._wanted = self.scenario_id
        self.data = ChartData(view)
        self.loaded.emit()

    def _first_plan(self, scenario_id: str) -> None:
        self.message.emit("Saved the first plan", False)
        self._wanted = scenario_id
        self.reload()

    def _read_done(self) -> None:
        self._reading = False
        self.loading_changed.emit(False)
        if self._again:
            self._again = False
            self.reload()

    def _failed(self, error: BaseException) -> None:
        self.message.emit(describe(error), True)

    def _failing(
        self, failed: Callable[[BaseException], None] | None
    ) -> Callable[[BaseException], None]:
        """A failure handler: says what went wrong, then calls ``failed`` (if any)."""

        def bad(error: BaseException) -> None:
            self._failed(error)
            if failed is not None:
                failed(error)

        return bad

    def _on_hub_changed(self, events: list[ChangeEvent]) -> None:
        if touches(events, *RELOAD_TOPICS):
            self.reload()
        machines = [
            i
            for e in events
            if e.topic is Topic.MACHINE and e.kind == "status_changed"
            for i in e.ids
        ]
        if machines and self.scenario_id is not None:
            self.check_breakdowns(machines)

    # -- repair on breakdown -----------------------------------------------------------------
    def check_breakdowns(self, machine_ids: list[str]) -> None:
        """Ask (on the query pool) whether these machines broke down with bars of the plan
        shown in their expected downtime; ``breakdown_found`` says so."""
        sid = self.scenario_id
        if sid is None:
            return
        job = self.ctx.runner.query(
            self.service.breakdowns,
            self.ctx.actor,
            sid,
            machine_ids,
            name="breakdowns",
            owner=self,
        )

        def found(breakdowns: list[Breakdown]) -> None:
            if breakdowns and self.scenario_id == sid:
                self.breakdown = max(breakdowns, key=lambda b: len(b.affected))
                self.breakdown_found.emit(self.breakdown)

        job.on_success(found).on_failure(self._failed)

    @property
    def is_repairing(self) -> bool:
        return self._repairing

    def repair(self, breakdown: Breakdown, *, time_limit: float = REPAIR_SECONDS) -> None:
        """Re-plan around the breakdown (solve on the query pool, save on the write lane) and
        show the new draft scenario."""
        sid = self.scenario_id
        if sid is None or self._repairing:
            return
        self._repairing = True
        self.repairing.emit(True)
        self.message.emit(f"Repairing the plan around {breakdown.machine_name}…", False)
        job = self.ctx.runner.query(
            self.service.plan_repair,
            self.ctx.actor,
            sid,
            breakdown.machine_id,
            breakdown.until,
            time_limit=time_limit,
            name="repair",
            owner=self,
        )

        def done() -> None:
            self._repairing = False
            self.repairing.emit(False)

        def planned(plan: RepairPlan) -> None:
            save = self.ctx.runner.command(
                self.service.save_repair, self.ctx.actor, plan, name="save repair", owner=self
            )
            save.on_success(self._repaired).on_failure(self._failed).on_finished(done)

        def bad(error: BaseException) -> None:
            done()
            self._failed(error)

        job.on_success(planned).on_failure(bad)

    def _repaired(self, result: RepairResult) -> None:
        self.last_repair = result
        self.breakdown = None
        self.message.emit(
            f"Repair plan saved as a draft: {len(result.changes)} operations moved, "
            f"{result.unchanged} unchanged",
            False,
        )
        self.repaired.emit(result)
        self.select_scenario(result.scenario_id)

    def select_scenario(self, scenario_id: str) -> None:
        if scenario_id != self._wanted:
            self._wanted = scenario_id
            self.undo_stack.clear()  # undo steps belong to the scenario they were made in
            self.reload()

    # -- drag checks (GUI thread, local: only the bars a move can touch) -------------------
    def entry(self, operation_id: str) -> ScheduleEntry | None:
        bar = self.data.bars.get(operation_id)
        return None if bar is None else bar.entry

    def duration(self, operation_id: str, work_centre_id: str) -> timedelta:
        e = self.entry(operation_id)
        minutes = (
            None if self.view is None else self.view.plant.duration_on(operation_id, work_centre_id)
        )
        if minutes is None:
            return (e.end - e.start) if e is not None else timedelta(minutes=1)
        return timedelta(minutes=minutes)

    def check_drag(
        self, operation_id: str, start: datetime, work_centre_id: str, *, snap: bool = True
    ) -> DragCheck | None:
        e = self.entry(operation_id)
        if e is None or self.rules is None:
            return None
        start = _round(start, SNAP_MINUTES)
        moved = PlannedOperation(
            operation_id,
            e.work_order_id,
            work_centre_id,
            start,
            start + self.duration(operation_id, work_centre_id),
            e.operator_id,
        )
        full = self.rules
        busy = self._operator_bars()
        moved = assign_operator(full, moved, busy)  # the same choice the service makes
        reach = max(timedelta(hours=4), 2 * (moved.end - moved.start))
        # the work centre's bars near the move (the snap's reach, plus a day for changeovers)
        around = reach.total_seconds() / 60 + CHANGEOVER_MARGIN
        window = (self.data.minutes(start) - around, self.data.minutes(moved.end) + around)
        local = self.data.local_entries(work_centre_id, e.work_order_id, window)
        seen = {x.operation_id for x in local}
        for person in {e.operator_id, moved.operator_id} - {None}:
            for x in busy.get(person or "", ()):
                if x.operation_id not in seen:
                    local.append(x)
                    seen.add(x.operation_id)
        op = full.operations.get(operation_id)
        skill = op.required_skill if op is not None else None
        qualified = (
            {k for k, p in full.operators.items() if p.skill(skill) is not None}
            if skill is not None
            else set()
        )
        rules = self._rules_near(work_centre_id, operation_id, local, qualified)
        found = check_move(local, moved, rules)
        found += check_frozen(e, moved, self.view.frozen_until if self.view else None, self.data.tz)
        problems = tuple(sorted(found, key=lambda v: _RANK.get(v.code, 99)))
        if not problems:
            return DragCheck(
                operation_id, work_centre_id, start, moved.end, True, False, (), self.data.tz
            )
        # no snap fixes these: the bar may not run there, or may not move (or move there) at all
        if snap and not any(v.code in ("eligibility", "pinned", "frozen") for v in problems):
            duration = moved.end - moved.start

            def make(bar: Bar, at: datetime) -> Bar:
                placed = PlannedOperation(
                    operation_id, e.work_order_id, work_centre_id, at, at + duration, e.operator_id
                )
                return assign_operator(full, placed, busy)

            snapped = snap_start(local, moved, rules, search=reach, make=make)
            if snapped is not None:
                end = snapped + (moved.end - moved.start)
                return DragCheck(
                    operation_id, work_centre_id, snapped, end, True, True, problems, self.data.tz
                )
        return DragCheck(
            operation_id, work_centre_id, start, moved.end, False, False, problems, self.data.tz
        )

    def _operator_bars(self) -> dict[str, list[ScheduleEntry]]:
        """Each operator's bars in the plan shown (built once per plan or change)."""
        if self._by_operator is None:
            out: dict[str, list[ScheduleEntry]] = {}
            for bar in self.data.bars.values():
                if bar.entry.operator_id is not None:
                    out.setdefault(bar.entry.operator_id, []).append(bar.entry)
            self._by_operator = out
        return self._by_operator

    def _rules_near(
        self,
        work_centre_id: str,
        operation_id: str,
        local: list[ScheduleEntry],
        qualified: set[str] | None = None,
    ) -> PlanRules:
        """The plan's rules cut down to what one drag step can touch: the local bars'
        operations, work orders and operators, the target work centre's calendar and
        changeovers. (The domain's checks rebuild their lookups from the whole rule set on
        every call; on a 5,000-operation plan that was most of a drag step's time.)"""
        rules = self.rules
        assert rules is not None
        cut = self._by_centre.get(work_centre_id)
        if cut is None:
            cut = (
                tuple(w for w in rules.calendar if w.work_centre_id == work_centre_id),
                tuple(t for t in rules.setups if t.work_centre_id == work_centre_id),
            )
            self._by_centre[work_centre_id] = cut
        ops = {e.operation_id for e in local} | {operation_id}
        orders = {e.work_order_id for e in local}
        people = {e.operator_id for e in local if e.operator_id is not None} | (qualified or set())
        availability = rules.availability
        return replace(
            rules,
            operations={k: rules.operations[k] for k in ops if k in rules.operations},
            work_orders={k: rules.work_orders[k] for k in orders if k in rules.work_orders},
            calendar=cut[0],
            setups=cut[1],
            operators={k: rules.operators[k] for k in people if k in rules.operators},
            availability=None
            if availability is None
            else {k: availability[k] for k in people if k in availability},
            committed={k: rules.committed[k] for k in ops if k in rules.committed},
            pinned={k: rules.pinned[k] for k in ops if k in rules.pinned},
        )

    # -- writing ---------------------------------------------------------------------------
    def move(
        self,
        operation_id: str,
        start: datetime,
        work_centre_id: str,
        *,
        undoable: bool = True,
        done: Callable[[MoveResult], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        e = self.entry(operation_id)
        if e is None or self.scenario_id is None:
            return
        job = self.ctx.runner.command(
            self.service.move,
            self.ctx.actor,
            self.scenario_id,
            operation_id,
            start=start,
            work_centre_id=work_centre_id,
            expected_version=e.version,
            name="move",
            owner=self,
        )

        def ok(result: MoveResult) -> None:
            self._replace(result.after)
            self.message.emit(
                f"Moved {operation_id} to {self.data.local(result.after.start):%a %d %b %H:%M} on "
                f"{result.after.work_centre_id}",
                False,
            )
            if undoable:
                self.undo_stack.push(MoveCommand(self, result))
            if done is not None:
                done(result)

        job.on_success(ok).on_failure(self._failing(failed))

    def set_pinned(
        self,
        operation_id: str,
        pinned: bool,
        *,
        undoable: bool = True,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        e = self.entry(operation_id)
        if e is None or self.scenario_id is None:
            return
        job = self.ctx.runner.command(
            self.service.set_pinned,
            self.ctx.actor,
            self.scenario_id,
            operation_id,
            pinned,
            expected_version=e.version,
            name="pin",
            owner=self,
        )

        def ok(entry: ScheduleEntry) -> None:
            self._replace(entry)
            self.message.emit(f"{'Pinned' if pinned else 'Unpinned'} {operation_id}", False)
            if undoable:
                self.undo_stack.push(PinCommand(self, operation_id, pinned))

        job.on_success(ok).on_failure(self._failing(failed))

    def _replace(self, entry: ScheduleEntry) -> None:
        self.data.replace_entry(entry)
        self._by_operator = None
        if self.rules is not None:
            pinned = dict(self.rules.pinned)
            if entry.pinned:
                pinned[entry.operation_id] = PlannedOperation(
                    entry.operation_id,
                    entry.work_order_id,
                    entry.work_centre_id,
                    entry.start,
                    entry.end,
                    entry.operator_id,
                )
            else:
                pinned.pop(entry.operation_id, None)
            self.rules = replace(self.rules, pinned=pinned)
        self.entry_changed.emit(entry.operation_id)

    def release(self) -> None:
        scenario = self.current_scenario()
        if scenario is None:
            return
        job = self.ctx.runner.command(
            self.service.release,
            self.ctx.actor,
            scenario.id,
            expected_version=scenario.version,
            name="release",
            owner=self,
        )
        job.on_success(lambda s: self.message.emit(f"Released {s.name}", False)).on_failure(
            self._failed
        )
        job.on_finished(self.reload)

    def current_scenario(self) -> SchedulingScenario | None:
        return next((s for s in self.scenarios if s.id == self.scenario_id), None)

    def compare(self, done: Callable[[list[ScenarioFigures]], None]) -> None:
        ids = [s.id for s in self.scenarios]
        job = self.ctx.runner.query(
            self.service.compare, self.ctx.actor, ids, name="compare", owner=self
        )
        job.on_success(done).on_failure(self._failed)

    # -- optimising --------------------------------------------------------------------------
    def optimise(self, *, time_limit: float, objective: str, repair: bool = False) -> None:
        if self._cancel is not None:
            return
        self._cancel = cancel = threading.Event()
        self.destroyed.connect(lambda *_args: cancel.set())  # closed mid-solve: stop it
        self.last_progress = None
        self.last_result = None
        self.optimising.emit(True)
        self.message.emit(f"Optimising ({time_limit:g} s)…", False)
        job = self.ctx.runner.query(
            self.service.optimise,
            self.ctx.actor,
            time_limit=time_limit,
            objective=objective,
            repair_from=self.scenario_id if repair else None,
            on_progress=self._bridge.progress.emit,
            cancel=self._cancel,
            name="optimise",
            owner=self,
        )
        job.on_success(self._optimised).on_failure(self._optimise_failed)

    def stop(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.message.emit("Stopping the optimiser…", False)

    def _remember_progress(self, item: ProgressDto) -> None:
        self.last_progress = item

    def _optimise_failed(self, error: BaseException) -> None:
        self._cancel = None
        self.optimising.emit(False)
        self._failed(error)

    def _optimised(self, result: OptimiseResult) -> None:
        self.last_result = result
        stopped = result.solution.cancelled
        started = result.started_at.astimezone(result.plant.tz)
        name = f"Optimised {started:%d %b %H:%M}" + (" (stopped)" if stopped else "")
        # a plan from the optimiser is saved even when stopped early: it is checked and valid
        job = self.ctx.runner.command(
            _save, self.service, self.ctx.actor, result, name, name="save plan", owner=self
        )

        def saved(scenario_id: str) -> None:
            m = result.solution.metrics
            figures = (
                f"makespan {m.makespan / 60:.1f} h, weighted tardiness {m.weighted_tardiness}"
                if m is not None
                else ""
            )
            self.message.emit(f"Saved {name}: {figures}", False)
            self._wanted = scenario_id
            self.undo_stack.clear()
            self.reload()

        def done() -> None:
            self._cancel = None
            self.optimising.emit(False)

        job.on_success(saved).on_failure(self._failed).on_finished(done)

    # -- export ----------------------------------------------------------------------------
    def export_csv(self, path: Path, done: Callable[[Path], None] | None = None) -> None:
        if self.view is None:
            return
        view = self.view

        def write() -> Path:
            path.write_text(ScenarioService.csv_text(view), encoding="utf-8")
            return path

        job = self.ctx.runner.query(write, name="export csv", owner=self)
        job.on_success(lambda p: self.message.emit(f"Wrote {p}", False)).on_failure(self._failed)
        if done is not None:
            job.on_success(done)


def _save(service: ScenarioService, actor: Any, result: OptimiseResult, name: str) -> str:
    return service.save(actor, result, name=name)


def _save_draft(service: ScenarioService, actor: Any, result: OptimiseResult) -> str:
    return service.save(actor, result, name="First plan", status=ScenarioStatus.DRAFT)


def _round(at: datetime, minutes: int) -> datetime:
    at = at.replace(second=0, microsecond=0)
    return at - timedelta(minutes=at.minute % minutes)
