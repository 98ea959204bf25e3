"""Work orders with routings, BOM lines and dependencies; materials with the stock they need.

Open orders (queued, assigned, in progress, paused) are due over the next two weeks, a few
already late; completed (and a few cancelled) orders fill the history. An operation that is
running runs on a running machine, at most as many as the work centre's parallel capacity.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.model.plant import MachineStatus
from domain.model.products import Material, Product, ProductType
from domain.model.work import (
    DependencyType,
    Operation,
    OperationStatus,
    Priority,
    QualityStatus,
    WorkOrder,
    WorkOrderDependency,
    WorkOrderMaterial,
    WorkOrderStatus,
)
from services.demo.bom import Catalogue
from services.demo.catalogue import (
    MACHINE_TYPES,
    MACHINE_TYPES_BY_CODE,
    OPERATION_NAMES,
    Family,
)
from services.demo.layout import Layout
from services.demo.rand import Weighted, split_counts, stream
from services.demo.stock import materials, work_order_materials

ROUTING_FILL = ("inspection", "assembly", "packaging", "cnc", "press")
_PRIORITIES = Weighted(
    ((Priority.LOW, 0.2), (Priority.MEDIUM, 0.45), (Priority.HIGH, 0.25), (Priority.URGENT, 0.1))
)
# One operator runs a step for its whole run, within one 8-hour shift (the roster has no
# back-to-back shifts): a longer step could never be planned with operators on shift, so a
# step is at most 7.5 hours (longer batches are split over several work orders' steps).
MAX_STEP_MINUTES = 450
_MIN_PROFICIENCY = Weighted(((1, 0.45), (2, 0.35), (3, 0.2)))
_QUALITY = Weighted(
    ((QualityStatus.PASSED, 0.93), (QualityStatus.WAIVED, 0.03), (QualityStatus.FAILED, 0.04))
)
_OPEN_STATUSES = (
    WorkOrderStatus.QUEUED,
    WorkOrderStatus.ASSIGNED,
    WorkOrderStatus.IN_PROGRESS,
    WorkOrderStatus.PAUSED,
)
_OPEN_SHARES = (0.45, 0.25, 0.2, 0.1)
_DEPENDENCY_KINDS = Weighted(
    (
        (DependencyType.FINISH_TO_START, 0.6),
        (DependencyType.START_TO_START, 0.25),
        (DependencyType.FINISH_TO_FINISH, 0.15),
    )
)


@dataclass(slots=True)
class _Step:
    machine_type: str
    work_centre_id: str
    minutes: int
    min_proficiency: int
    status: OperationStatus = OperationStatus.PLANNED


@dataclass(slots=True)
class _Draft:
    product: Product
    family: Family
    line_id: str
    quantity: float
    priority: Priority
    status: WorkOrderStatus
    steps: list[_Step]
    release: datetime
    due: datetime
    produced: float = 0.0
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    customer_order: str | None = None
    quality: QualityStatus | None = None
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.steps)


@dataclass(frozen=True, slots=True)
class Orders:
    work_orders: list[WorkOrder]
    operations: list[Operation]
    work_order_materials: list[WorkOrderMaterial]
    dependencies: list[WorkOrderDependency]
    materials: list[Material]


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


class _Shop:
    """Where each machine type stands, and which running machines are still free."""

    def __init__(self, rng: random.Random, layout: Layout) -> None:
        self.by_type: dict[str, list[str]] = {}
        self.by_type_line: dict[tuple[str, str], list[str]] = {}
        self.free_running: dict[str, list[str]] = {}  # a work centre once per parallel slot
        capacity = {w.id: w.parallel_capacity for w in layout.work_centres}
        for m in layout.machines:
            wc = m.work_centre_id or f"WC-{m.id[2:]}"
            self.by_type.setdefault(m.machine_type, []).append(wc)
            self.by_type_line.setdefault((m.machine_type, m.line_id), []).append(wc)
            if m.status is MachineStatus.RUNNING:
                self.free_running.setdefault(m.machine_type, []).extend([wc] * capacity[wc])
        for slots in self.free_running.values():
            rng.shuffle(slots)
        self.substitutes: dict[str, tuple[str, ...]] = {}
        for s in sorted(layout.substitutions, key=lambda s: s.priority):
            self.substitutes[s.work_centre_id] = (
                *self.substitutes.get(s.work_centre_id, ()),
                s.substitute_id,
            )

    def routing(self, rng: random.Random, family: Family) -> list[str]:
        types = [
            t
            for t, optional in family.routing
            if t in self.by_type and (not optional or rng.random() < 0.5)
        ]
        for t in (*ROUTING_FILL, *(m.code for m in MACHINE_TYPES)):
            if len(types) >= 2:
                break
            if t in self.by_type and t not in types:
                types.append(t)
        return types[:6]

    def place(self, rng: random.Random, machine_type: str, line_id: str) -> str:
        return rng.choice(
            self.by_type_line.get((machine_type, line_id)) or self.by_type[machine_type]
        )

    def take_running(self, machine_type: str, preferred: str) -> str | None:
        """A free slot on a running machine of the type (``preferred`` if it has one)."""
        slots = self.free_running.get(machine_type, [])
        if preferred in slots:
            slots.remove(preferred)
            return preferred
        return slots.pop(0) if slots else None


def build_orders(
    seed: int,
    now: datetime,
    open_count: int,
    history_days: int,
    layout: Layout,
    catalogue: Catalogue,
) -> Orders:
    rng = stream(seed, "work-orders")
    shop = _Shop(rng, layout)
    tops = [p for p in catalogue.products if p.product_type is ProductType.PRODUCT]
    family_of = {f.family: f for f in catalogue.families}
    line_ids = [line.id for line in layout.lines]

    def draft(status: WorkOrderStatus) -> _Draft:
        product = rng.choice(tops)
        family = family_of[product.family]
        line_id = rng.choice(line_ids)
        lo, hi = family.quantity
        quantity = float(max(lo, 5 * round(rng.randint(lo, hi) / 5)))
        steps = []
        for t in shop.routing(rng, family):
            mtype = MACHINE_TYPES_BY_CODE[t]
            run = quantity * mtype.cycle_s / 60.0 * rng.uniform(0.8, 1.25)
            minutes = min(MAX_STEP_MINUTES, max(10, round(run) + rng.randint(5, 20)))
            proficiency = _MIN_PROFICIENCY.pick(rng)
            steps.append(_Step(t, shop.place(rng, t, line_id), minutes, proficiency))
        return _Draft(
            product,
            family,
            line_id,
            quantity,
            _PRIORITIES.pick(rng),
            status,
            steps,
            release=now,
            due=now,
            customer_order=f"SO-{rng.randint(24000, 39999)}" if rng.random() < 0.7 else None,
        )

    history = [
        _history(rng, draft(WorkOrderStatus.COMPLETED), now, history_days)
        for _ in range(round(open_count * 0.75 * history_days / 30))
    ]
    statuses = [
        s
        for s, n in zip(_OPEN_STATUSES, split_counts(open_count, _OPEN_SHARES), strict=True)
        for _ in range(n)
    ]
    rng.shuffle(statuses)
    late = set(rng.sample(range(open_count), round(open_count * 0.04)))
    opened = [_open(rng, shop, draft(status), now, i in late) for i, status in enumerate(statuses)]
    history.sort(key=lambda d: (d.actual_start or d.release, d.product.id))
    opened.sort(key=lambda d: (d.release, d.due, d.product.id))

    work_orders: list[WorkOrder] = []
    operations: list[Operation] = []
    for number, d in enumerate(history + opened, start=1):
        wo_id = f"WO-{number:05d}"
        work_orders.append(_work_order(wo_id, d))
        for j, step in enumerate(d.steps):
            operations.append(
                Operation(
                    id=f"{wo_id}-{10 * (j + 1):03d}",
                    work_order_id=wo_id,
                    sequence=10 * (j + 1),
                    name=OPERATION_NAMES[step.machine_type],
                    work_centre_id=step.work_centre_id,
                    duration_minutes=step.minutes,
                    setup_family=d.family.family,
                    alternatives=shop.substitutes.get(step.work_centre_id, ()),
                    required_skill=MACHINE_TYPES_BY_CODE[step.machine_type].skill,
                    min_proficiency=step.min_proficiency,
                    status=step.status,
                )
            )
    wo_materials = work_order_materials(rng, work_orders, catalogue)
    open_ids = {w.id for w in work_orders if not w.status.is_closed}
    return Orders(
        work_orders=work_orders,
        operations=operations,
        work_order_materials=wo_materials,
        dependencies=_dependencies(rng, work_orders),
        materials=materials(stream(seed, "materials"), wo_materials, open_ids),
    )


def _history(rng: random.Random, d: _Draft, now: datetime, history_days: int) -> _Draft:
    """An order that ran (start to end) inside the history window, or was cancelled."""
    hours = min(d.minutes * rng.uniform(1.2, 2.5) / 60.0, history_days * 24.0 - 2.0)
    end = _minute(now - timedelta(hours=rng.uniform(1.0, history_days * 24.0 - hours)))
    start = _minute(end - timedelta(hours=hours)) + timedelta(minutes=1)
    d.release = _hour(start - timedelta(hours=rng.uniform(4.0, 120.0)))
    d.planned_start = _hour(d.release + timedelta(hours=rng.uniform(2.0, 24.0)))
    d.planned_end = d.planned_start + timedelta(minutes=round(d.minutes * 1.3))
    d.due = _hour(end + timedelta(hours=rng.uniform(-24.0, 96.0)))
    if rng.random() < 0.03:
        d.status = WorkOrderStatus.CANCELLED
        for step in d.steps:
            step.status = OperationStatus.CANCELLED
        return d
    d.actual_start, d.actual_end = start, end
    d.produced = d.quantity
    d.quality = _QUALITY.pick(rng)
    for step in d.steps:
        step.status = OperationStatus.DONE
    return d


def _open(rng: random.Random, shop: _Shop, d: _Draft, now: datetime, late: bool) -> _Draft:
    d.release = _hour(now - timedelta(hours=rng.uniform(1.0, 240.0)))
    if late:
        d.due = _hour(now - timedelta(hours=rng.uniform(2.0, 72.0)))
    else:
        d.due = _hour(now + timedelta(hours=rng.uniform(5.0, 14 * 24.0)))
    n = len(d.steps)
    if d.status is WorkOrderStatus.QUEUED:
        return d
    if d.status is WorkOrderStatus.ASSIGNED:
        for step in d.steps:
            step.status = OperationStatus.RELEASED
        d.planned_start = _minute(now + timedelta(hours=rng.uniform(0.25, 48.0)))
        d.planned_end = d.planned_start + timedelta(minutes=round(d.minutes * 1.3))
        return d
    # in progress or paused: some steps done, the current one running, paused or waiting
    done = (
        rng.randint(1, n - 1) if d.status is WorkOrderStatus.IN_PROGRESS else rng.randint(0, n - 1)
    )
    for step in d.steps[:done]:
        step.status = OperationStatus.DONE
    for step in d.steps[done:]:
        step.status = OperationStatus.RELEASED
    current = d.steps[done]
    if d.status is WorkOrderStatus.PAUSED:
        current.status = OperationStatus.PAUSED
    else:
        running_on = shop.take_running(current.machine_type, current.work_centre_id)
        if running_on is not None:
            current.work_centre_id = running_on
            current.status = OperationStatus.RUNNING
    spent = sum(s.minutes for s in d.steps[:done]) * rng.uniform(1.1, 1.6)
    d.actual_start = _minute(now - timedelta(minutes=spent + rng.uniform(20.0, 240.0)))
    d.release = min(d.release, _hour(d.actual_start - timedelta(hours=2)))
    d.planned_start = d.actual_start
    d.planned_end = d.actual_start + timedelta(minutes=round(d.minutes * 1.4))
    d.produced = float(math.floor(d.quantity * done / n * rng.uniform(0.7, 1.0)))
    d.quality = QualityStatus.PENDING
    return d


def _work_order(wo_id: str, d: _Draft) -> WorkOrder:
    return WorkOrder(
        id=wo_id,
        number=wo_id,
        product_id=d.product.id,
        product_name=d.product.name,
        quantity_ordered=d.quantity,
        due_date=d.due,
        quantity_produced=d.produced,
        priority=d.priority,
        status=d.status,
        line_id=d.line_id,
        release_date=d.release,
        planned_start=d.planned_start,
        planned_end=d.planned_end,
        actual_start=d.actual_start,
        actual_end=d.actual_end,
        estimated_minutes=d.minutes,
        customer_order_id=d.customer_order,
        quality_status=d.quality,
        updated_by="system",
        updated_at=d.release,
    )


def _dependencies(rng: random.Random, work_orders: list[WorkOrder]) -> list[WorkOrderDependency]:
    """Some queued or assigned orders wait for orders due before them: acyclic by construction
    (a predecessor always comes earlier in due-date order)."""
    open_orders = sorted(
        (w for w in work_orders if not w.status.is_closed), key=lambda w: (w.due_date, w.id)
    )
    out: list[WorkOrderDependency] = []
    for i, wo in enumerate(open_orders):
        if i == 0 or wo.status not in (WorkOrderStatus.QUEUED, WorkOrderStatus.ASSIGNED):
            continue
        if rng.random() >= 0.15:
            continue
        window = open_orders[max(0, i - 25) : i]
        for pred in rng.sample(window, min(len(window), 1 if rng.random() < 0.7 else 2)):
            out.append(
                WorkOrderDependency(
                    work_order_id=wo.id,
                    predecessor_id=pred.id,
                    kind=_DEPENDENCY_KINDS.pick(rng),
                    lag_minutes=rng.choice((0, 0, 30, 60, 120, 240)),
                    mandatory=rng.random() < 0.85,
                )
            )
    return out
