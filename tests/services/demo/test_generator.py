from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

import services.demo
from domain.auth import Role
from domain.errors import ValidationError
from domain.model.people import OperatorStatus, ShiftAssignmentStatus
from domain.model.plant import CalendarKind, MachineStatus
from domain.model.products import ProductType, check_bom_acyclic, explode_bom
from domain.model.work import (
    DependencyType,
    OperationStatus,
    WorkOrderStatus,
    check_dependencies_acyclic,
)
from services.demo.generator import DemoPlant, PlantSize, default_now, generate_plant
from tests.services.demo.conftest import NOW

OPEN = {
    WorkOrderStatus.QUEUED,
    WorkOrderStatus.ASSIGNED,
    WorkOrderStatus.IN_PROGRESS,
    WorkOrderStatus.PAUSED,
}


def test_same_size_seed_and_now_give_the_same_plant(plant: DemoPlant) -> None:
    again = generate_plant(PlantSize(), seed=7, now=NOW, zone_presets=())
    assert again == plant
    other = generate_plant(PlantSize(), seed=8, now=NOW, zone_presets=())
    assert [o.name for o in other.operators] != [o.name for o in plant.operators]
    assert [w.due_date for w in other.work_orders] != [w.due_date for w in plant.work_orders]


def test_counts_of_the_default_plant(plant: DemoPlant) -> None:
    assert plant.plant.id == "PLANT-1"
    assert plant.plant.organisation_id == plant.organisation.id
    assert [line.id for line in plant.lines] == ["L1", "L2", "L3"]
    assert len(plant.machines) == len(plant.work_centres) == 24
    assert len(plant.operators) == 60
    assert sum(w.status in OPEN for w in plant.work_orders) == 200
    assert {w.status for w in plant.work_orders if w.status not in OPEN} >= {
        WorkOrderStatus.COMPLETED
    }


def test_readable_stable_ids(plant: DemoPlant) -> None:
    machines = {m.id: m for m in plant.machines}
    assert machines["M-SAV100"].machine_type == "press"
    assert machines["M-G1000"].machine_type == "cnc"
    assert machines["M-SAV100"].work_centre_id == "WC-SAV100"
    assert all(m.work_centre_id == "WC-" + m.id.removeprefix("M-") for m in plant.machines)
    assert [o.id for o in plant.operators[:2]] == ["OP-0001", "OP-0002"]
    assert [w.id for w in plant.work_orders[:2]] == ["WO-00001", "WO-00002"]
    assert all(re.fullmatch(r"WO-\d{5}-\d{3}", op.id) for op in plant.operations)
    assert all(op.id.startswith(op.work_order_id + "-") for op in plant.operations)
    assert all(m.id.startswith("MAT-") for m in plant.materials)
    assert all(p.id.startswith("P-") for p in plant.products)
    for items in (plant.machines, plant.operators, plant.work_orders, plant.operations,
                  plant.materials, plant.products, plant.zones):  # fmt: skip
        ids = [x.id for x in items]
        assert len(ids) == len(set(ids))
    assert len({m.part_number for m in plant.materials}) == len(plant.materials)
    assert len({m.serial_number for m in plant.machines}) == len(plant.machines)


def test_every_reference_resolves(plant: DemoPlant) -> None:
    lines = {line.id for line in plant.lines}
    centres = {w.id for w in plant.work_centres}
    machines = {m.id for m in plant.machines}
    categories = {c.id for c in plant.categories}
    products = {p.id for p in plant.products}
    materials = {m.id for m in plant.materials}
    orders = {w.id for w in plant.work_orders}
    operators = {o.id for o in plant.operators}
    shifts = {s.id for s in plant.shifts}
    assert {w.line_id for w in plant.work_centres} <= lines
    assert {w.category_id for w in plant.work_centres} <= categories
    assert {m.line_id for m in plant.machines} <= lines
    assert {m.work_centre_id for m in plant.machines} == centres
    assert {o.line_id for o in plant.operators} <= lines
    for s in plant.substitutions:
        assert {s.work_centre_id, s.substitute_id} <= centres
    assert {s.work_centre_id for s in plant.setup_times} <= centres
    assert {c.work_centre_id for c in plant.calendar_windows} <= centres
    for b in plant.bom_lines:
        assert b.parent_id in products
        assert b.child_id in (materials if b.child_is_material else products)
    assert {w.product_id for w in plant.work_orders} <= products
    assert {w.line_id for w in plant.work_orders} <= lines
    for op in plant.operations:
        assert op.work_order_id in orders
        assert set(op.eligible_work_centres) <= centres
    for wm in plant.work_order_materials:
        assert wm.work_order_id in orders
        assert wm.material_id in materials
    for d in plant.dependencies:
        assert {d.work_order_id, d.predecessor_id} <= orders
    cameras = {c.id for c in plant.cameras}
    for z in plant.zones:
        assert z.camera_id in cameras
        assert z.work_centre_id is None or z.work_centre_id in centres
    for a in plant.shift_assignments:
        assert a.operator_id in operators
        assert a.shift_id in shifts
    assert plant.drifting_machine_id in machines


def test_shifts_with_breaks_and_forbidden_successions(plant: DemoPlant) -> None:
    shifts = {s.id: s for s in plant.shifts}
    assert set(shifts) == {"A", "B", "C"}
    assert (shifts["A"].start, shifts["A"].end) == (time(6), time(14))
    assert (shifts["B"].start, shifts["B"].end) == (time(14), time(22))
    assert (shifts["C"].start, shifts["C"].end) == (time(22), time(6))
    assert "A" in shifts["C"].forbidden_next
    assert all(s.breaks for s in shifts.values())


def test_users_and_roles(plant: DemoPlant) -> None:
    roles = {u.username: u.role for u in plant.users}
    assert roles == {
        "admin": Role.ADMIN,
        "lead": Role.SHIFT_LEAD,
        "planner": Role.PLANNER,
        "super": Role.SUPERVISOR,
        "viewer": Role.VIEWER,
    }
    assert all(u.password_hash is None for u in plant.users)


def test_roster_covers_past_and_next_two_weeks_and_keeps_the_rules(plant: DemoPlant) -> None:
    today = NOW.date()
    days = {a.day for a in plant.shift_assignments}
    assert min(days) == today - timedelta(days=30)
    assert max(days) == today + timedelta(days=14)
    per_day = Counter((a.operator_id, a.day) for a in plant.shift_assignments)
    assert max(per_day.values()) == 1
    by_key = {(a.operator_id, a.day): a.shift_id for a in plant.shift_assignments}
    forbidden = {s.id: set(s.forbidden_next) for s in plant.shifts}
    for (op, day), shift in by_key.items():
        following = by_key.get((op, day + timedelta(days=1)))
        assert following not in forbidden[shift], f"{op}: {shift} then {following} on {day}"
    shifts_today = Counter(a.shift_id for a in plant.shift_assignments if a.day == today)
    assert set(shifts_today) == {"A", "B", "C"}
    past = [a for a in plant.shift_assignments if a.day < today - timedelta(days=1)]
    assert {a.status for a in past} == {
        ShiftAssignmentStatus.COMPLETED,
        ShiftAssignmentStatus.ABSENT,
    }
    for a in past:
        if a.status is ShiftAssignmentStatus.COMPLETED:
            assert a.clock_in is not None
            assert a.clock_out is not None
            assert a.clock_in < a.clock_out
    future = [a for a in plant.shift_assignments if a.day > today]
    assert {a.status for a in future} <= {
        ShiftAssignmentStatus.SCHEDULED,
        ShiftAssignmentStatus.ABSENT,  # planned leave
    }
    for a in plant.shift_assignments:
        if a.status is ShiftAssignmentStatus.ABSENT:
            assert plant.absences[(a.operator_id, a.day)] in {
                "sick",
                "vacation",
                "personal",
                "unexcused",
            }


def test_operator_skills_and_certifications(plant: DemoPlant) -> None:
    today = NOW.date()
    levels = Counter(s.proficiency for o in plant.operators for s in o.skills)
    assert set(levels) == {1, 2, 3, 4}
    assert all(len(o.skills) >= 1 for o in plant.operators)
    expiring = [
        o
        for o in plant.operators
        if any(0 <= (s.days_to_expiry(today) or -1) <= 7 for s in o.skills)
    ]
    expired = [o for o in plant.operators if any(not s.certified_on(today) for s in o.skills)]
    assert 0.05 <= len(expiring) / len(plant.operators) <= 0.15
    assert 1 <= len(expired) <= 5
    assert all(0 <= (o.efficiency_rating or 0) <= 5 for o in plant.operators)
    assert all(o.home_zone and o.line_id for o in plant.operators)
    cultures = {o.last_name for o in plant.operators}
    assert len(cultures) > 20  # names from many families, not one repeated


def test_every_operation_has_qualified_operators(plant: DemoPlant) -> None:
    """Allocation and scheduling need somebody able to run each step."""
    today = NOW.date()
    for op in plant.operations:
        assert op.required_skill
        assert 1 <= op.min_proficiency <= 4
        able = [
            o
            for o in plant.operators
            if (s := o.skill(op.required_skill)) is not None
            and s.proficiency >= op.min_proficiency
            and s.certified_on(today)
        ]
        assert len(able) >= 2, op


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 11, 17, 3, 0, tzinfo=UTC),  # night shift of the day before
        datetime(2026, 11, 22, 22, 0, tzinfo=UTC),  # Sunday, night shift starting
    ],
)
def test_operator_statuses_match_the_roster(now: datetime) -> None:
    plant = generate_plant(PlantSize(), now=now, zone_presets=())
    status = Counter(o.status for o in plant.operators)
    assert (status[OperatorStatus.AVAILABLE] + status[OperatorStatus.BUSY]) / 60 >= 0.75
    for away in (OperatorStatus.SICK, OperatorStatus.VACATION, OperatorStatus.ABSENT):
        assert 1 <= status[away] <= 4
    in_shift = {
        a.operator_id
        for a in plant.shift_assignments
        if a.status in (ShiftAssignmentStatus.IN_PROGRESS, ShiftAssignmentStatus.LATE)
    }
    shifts = {s.id: s for s in plant.shifts}
    for a in plant.shift_assignments:
        start, end = shifts[a.shift_id].window_on(a.day, UTC)
        if a.status in (ShiftAssignmentStatus.IN_PROGRESS, ShiftAssignmentStatus.LATE):
            # clocked in, not yet out: from a quarter before the start to a quarter after the end
            assert a.clock_in is not None
            assert a.clock_out is None
            assert start - timedelta(minutes=15) <= a.clock_in <= now < end + timedelta(minutes=16)
    for o in plant.operators:
        if o.status in (OperatorStatus.BUSY, OperatorStatus.BREAK):
            assert o.id in in_shift
        if o.status.is_away:
            assert o.id not in in_shift
        if o.status in (OperatorStatus.SICK, OperatorStatus.ABSENT):
            current = [
                a
                for a in plant.shift_assignments
                if a.operator_id == o.id and a.day in (now.date(), now.date() - timedelta(days=1))
            ]
            assert any(a.status is ShiftAssignmentStatus.ABSENT for a in current)


def test_machines_statuses_oee_and_maintenance(plant: DemoPlant) -> None:
    status = Counter(m.status for m in plant.machines)
    assert status[MachineStatus.BREAKDOWN] == 1
    assert 1 <= status[MachineStatus.MAINTENANCE] <= 2
    assert (
        status[MachineStatus.RUNNING] + status[MachineStatus.IDLE]
        == 24 - 1 - status[MachineStatus.MAINTENANCE]
    )
    assert status[MachineStatus.RUNNING] > status[MachineStatus.IDLE]
    machines = {m.id: m for m in plant.machines}
    assert machines["M-SAV100"].status is MachineStatus.RUNNING
    assert machines["M-G1000"].status is MachineStatus.RUNNING
    assert machines[plant.drifting_machine_id].status is MachineStatus.RUNNING
    for m in plant.machines:
        assert m.oee is not None
        assert 55 <= m.oee <= 90
        assert m.required_skills
        assert m.last_maintenance_date is not None
        assert m.next_maintenance_date is not None
        assert m.last_maintenance_date < m.next_maintenance_date
    windows = plant.calendar_windows
    for m in plant.machines:
        if m.status in (MachineStatus.BREAKDOWN, MachineStatus.MAINTENANCE):
            assert any(w.work_centre_id == m.work_centre_id and w.start <= NOW < w.end
                       for w in windows)  # fmt: skip
    ahead = [w for w in windows if w.kind is CalendarKind.MAINTENANCE and w.start > NOW]
    assert len(ahead) >= 2
    assert all(w.start < NOW + timedelta(days=14) for w in ahead)


def test_substitutions_and_setup_times(plant: DemoPlant) -> None:
    type_of = {m.work_centre_id: m.machine_type for m in plant.machines}
    assert plant.substitutions
    for s in plant.substitutions:
        assert type_of[s.work_centre_id] == type_of[s.substitute_id]
        assert s.time_factor >= 1.0
    families = {p.family for p in plant.products}
    assert {s.from_family for s in plant.setup_times} == families
    assert all(s.from_family != s.to_family and s.minutes > 0 for s in plant.setup_times)


def test_bom_follows_seed_004_with_a_shared_component(plant: DemoPlant) -> None:
    check_bom_acyclic(plant.bom_lines)
    children: dict[str, set[str]] = {}
    for b in plant.bom_lines:
        children.setdefault(b.parent_id, set()).add(b.child_id)
    tops = [p for p in plant.products if p.product_type is ProductType.PRODUCT]
    assert len(tops) >= 4
    for top in tops:
        f = top.id.split("-")[1]
        assert {f"P-{f}-AS1", f"{top.id}-AS2", f"P-{f}-C1", f"P-{f}-C2", f"P-{f}-C3"} <= children[
            top.id
        ]
        assert {f"P-{f}-AS3", f"P-{f}-AS4", f"P-{f}-C4", f"P-{f}-C5", f"P-{f}-C1"} <= children[
            f"P-{f}-AS1"
        ]
        needs = explode_bom(top.id, 1, plant.bom_lines)
        assert needs
        assert all(m.startswith("MAT-") and q > 0 for m, q in needs.items())
    components = [p for p in plant.products if p.product_type is ProductType.COMPONENT]
    for c in components:  # components are made of materials: the leaves
        assert any(b.child_is_material for b in plant.bom_lines if b.parent_id == c.id)


def test_materials_stock(plant: DemoPlant) -> None:
    reserved: dict[str, float] = {}
    for wm in plant.work_order_materials:
        reserved[wm.material_id] = reserved.get(wm.material_id, 0.0) + wm.quantity_allocated
    for m in plant.materials:
        assert m.available >= 0
        assert m.allocated == pytest.approx(reserved.get(m.id, 0.0), abs=0.01)
        assert m.safety_stock is not None
    low = [m for m in plant.materials if m.below_safety_stock]
    assert 2 <= len(low) <= len(plant.materials) // 4


def test_work_orders(plant: DemoPlant) -> None:
    open_orders = [w for w in plant.work_orders if w.status in OPEN]
    assert {w.status for w in open_orders} == OPEN
    assert len({w.priority for w in open_orders}) == 4
    late = [w for w in open_orders if w.is_late(NOW)]
    assert 1 <= len(late) <= 20
    for w in open_orders:
        assert w.due_date <= NOW + timedelta(days=14, hours=1)
        assert w.due_date >= NOW - timedelta(days=3, hours=1)
        assert w.quantity_produced <= w.quantity_ordered
        if w.status in (WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.PAUSED):
            assert w.actual_start is not None
            assert w.actual_start <= NOW
    for w in plant.work_orders:
        if w.status is WorkOrderStatus.COMPLETED:
            assert w.actual_end is not None
            assert w.actual_start is not None
            assert NOW - timedelta(days=31) <= w.actual_start < w.actual_end <= NOW
            assert w.quantity_produced == w.quantity_ordered


def test_routings(plant: DemoPlant) -> None:
    steps: dict[str, list[int]] = {}
    for op in plant.operations:
        steps.setdefault(op.work_order_id, []).append(op.sequence)
        assert op.work_centre_id not in op.alternatives
    assert all(2 <= len(s) <= 6 for s in steps.values())
    assert len(steps) == len(plant.work_orders)
    assert all(s == sorted(s) and len(set(s)) == len(s) for s in steps.values())
    assert any(op.alternatives for op in plant.operations)
    assert len({op.setup_family for op in plant.operations}) >= 2


def test_running_operations_run_on_running_machines(plant: DemoPlant) -> None:
    machine_of = {m.work_centre_id: m for m in plant.machines}
    capacity = {w.id: w.parallel_capacity for w in plant.work_centres}
    running = Counter(
        op.work_centre_id for op in plant.operations if op.status is OperationStatus.RUNNING
    )
    assert running
    for wc, n in running.items():
        assert machine_of[wc].status is MachineStatus.RUNNING
        assert n <= capacity[wc]
    status_of = {w.id: w.status for w in plant.work_orders}
    for op in plant.operations:
        if op.status in (OperationStatus.RUNNING, OperationStatus.PAUSED):
            assert status_of[op.work_order_id] in (
                WorkOrderStatus.IN_PROGRESS,
                WorkOrderStatus.PAUSED,
            )


def test_dependencies_are_acyclic_with_all_kinds_and_lags(plant: DemoPlant) -> None:
    check_dependencies_acyclic(plant.dependencies)
    assert {d.kind for d in plant.dependencies} == set(DependencyType)
    assert any(d.lag_minutes > 0 for d in plant.dependencies)
    status_of = {w.id: w.status for w in plant.work_orders}
    for d in plant.dependencies:
        assert status_of[d.work_order_id] in (WorkOrderStatus.QUEUED, WorkOrderStatus.ASSIGNED)
        assert not status_of[d.predecessor_id].is_closed


def test_work_order_materials_follow_the_bom(plant: DemoPlant) -> None:
    by_order: dict[str, set[str]] = {}
    for wm in plant.work_order_materials:
        by_order.setdefault(wm.work_order_id, set()).add(wm.material_id)
        assert wm.quantity_allocated + wm.quantity_consumed <= wm.quantity_required + 1e-6
    for w in plant.work_orders[:50]:
        assert by_order[w.id] == set(explode_bom(w.product_id, 1, plant.bom_lines))
    assert any(wm.critical for wm in plant.work_order_materials)
    assert not all(wm.critical for wm in plant.work_order_materials)


def test_demo_camera_and_fallback_zones(plant: DemoPlant) -> None:
    (camera,) = plant.cameras
    assert camera.id == "CAM-01"
    assert camera.name == "Assembly floor (demo)"
    assert camera.source == "demo:worker-zone-detection.gif"
    assert camera.loop
    assert len(plant.zones) == 3
    for z in plant.zones:
        assert z.camera_id == "CAM-01"
        assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in z.polygon)
        assert not z.overlapping(plant.zones)
        assert z.work_centre_id is not None


def test_day_schedules_of_seed_003(plant: DemoPlant) -> None:
    days = [s.day for s in plant.day_schedules]
    assert days == [NOW.date() - timedelta(days=d) for d in range(30, -1, -1)]
    for s in plant.day_schedules:
        assert (s.work_start, s.work_end, s.indices) == (time(8), time(17), 11)
        assert [(b.start, b.minutes) for b in s.breaks] == [(time(10), 15), (time(15), 15)]
    slots = plant.day_schedules[-1].index_slots()
    assert len(slots) == 11
    assert slots[-1].end.tzinfo is not None


def test_every_datetime_is_utc_aware(plant: DemoPlant) -> None:
    stamps = [m.status_updated_at for m in plant.machines]
    stamps += [o.status_updated_at for o in plant.operators]
    stamps += [w.start for w in plant.calendar_windows] + [w.end for w in plant.calendar_windows]
    for w in plant.work_orders:
        stamps += [w.due_date, w.release_date, w.planned_start, w.planned_end, w.actual_start,
                   w.actual_end]  # fmt: skip
    for a in plant.shift_assignments:
        stamps += [a.clock_in, a.clock_out]
    present = [s for s in stamps if s is not None]
    assert present
    assert all(s.utcoffset() == timedelta(0) for s in present)
    assert plant.now == NOW


def test_now_defaults_to_this_hour_in_utc_and_must_be_aware() -> None:
    now = default_now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert (now.minute, now.second, now.microsecond) == (0, 0, 0)
    assert datetime.now(UTC) - now < timedelta(hours=1, minutes=1)
    with pytest.raises(ValidationError, match="time zone"):
        generate_plant(PlantSize(), now=datetime(2026, 11, 16, 9))
    cet = generate_plant(PlantSize(), now=NOW.astimezone(timezone(timedelta(hours=1))),
                         zone_presets=())  # fmt: skip
    assert cet.now == NOW
    assert cet.now.tzinfo is UTC


@pytest.mark.parametrize(
    "size",
    [
        PlantSize(operators=1, machines=2, lines=1, open_work_orders=0, history_days=1,
                  time_logs=0),
        PlantSize(operators=7, machines=3, lines=3, open_work_orders=12, history_days=2,
                  time_logs=10),
        PlantSize.scaled(5),
    ],
    ids=["smallest", "tiny", "scaled-5"],
)  # fmt: skip
def test_other_sizes_generate_consistent_plants(size: PlantSize) -> None:
    plant = generate_plant(size, seed=3, now=NOW, zone_presets=())
    assert len(plant.operators) == size.operators
    assert len(plant.machines) == size.machines
    assert len(plant.lines) == size.lines
    assert sum(w.status in OPEN for w in plant.work_orders) == size.open_work_orders
    assert {"M-SAV100", "M-G1000"} <= {m.id for m in plant.machines}
    check_dependencies_acyclic(plant.dependencies)
    check_bom_acyclic(plant.bom_lines)
    centres = {w.id for w in plant.work_centres}
    assert all(set(op.eligible_work_centres) <= centres for op in plant.operations)
    ids = [w.id for w in plant.work_orders]
    assert len(ids) == len(set(ids))


@pytest.mark.slow
def test_large_plant() -> None:
    size = PlantSize.large()
    plant = generate_plant(size, now=NOW, zone_presets=())
    assert len(plant.operators) == 1_000
    assert len(plant.machines) == 300
    assert len(plant.lines) == 10
    assert sum(w.status in OPEN for w in plant.work_orders) == 20_000
    assert len({w.id for w in plant.work_orders}) == len(plant.work_orders)
    assert len({op.id for op in plant.operations}) == len(plant.operations)
    check_dependencies_acyclic(plant.dependencies)


GENERATOR_MODULES = (
    "alerts", "bom", "catalogue", "floor", "generator", "history", "layout", "names", "orders",
    "plant", "rand", "size", "stock", "timelogs", "workforce", "zone_presets",
)  # fmt: skip


@pytest.mark.parametrize("module", GENERATOR_MODULES)
def test_the_generator_imports_only_the_standard_library_and_domain(module: str) -> None:
    path = Path(services.demo.__file__).parent / f"{module}.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            allowed = top in sys.stdlib_module_names or top in ("domain", "__future__")
            assert allowed or name.startswith("services.demo."), f"{module} imports {name}"
            assert name != "services.demo.loader"
