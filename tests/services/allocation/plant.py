"""A small plant for allocation tests: every rule has an operator, machine or work order that
breaks it. The clock of the tests stands at tests.conftest.NOW (Monday 09:00 UTC)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from domain.auth import Actor, Role, User
from domain.model.people import (
    Operator,
    OperatorSkill,
    OperatorStatus,
    Shift,
    ShiftAssignment,
    ShiftAssignmentStatus,
    ShiftBreak,
)
from domain.model.plant import Line, Machine, MachineStatus, Plant, WorkCentre
from domain.model.products import Material, Product
from domain.model.work import Operation, WorkOrder, WorkOrderMaterial, WorkOrderStatus
from services.persistence.tables.plant import organisations
from tests.conftest import NOW

ADMIN = Actor("admin", Role.ADMIN, "seat-1")
LEAD = Actor("lead", Role.SHIFT_LEAD, "seat-2")
VIEWER = Actor("viewer", Role.VIEWER, "seat-3")

TODAY: date = NOW.date()

PRESS = ("press_operation", "lockout_tagout")


def _press(level: int = 3, expiry_days: int = 400) -> list[OperatorSkill]:
    return [
        OperatorSkill(
            "press_operation",
            "Press operation",
            level,
            TODAY - timedelta(days=300),
            TODAY + timedelta(days=expiry_days),
        ),
        OperatorSkill("lockout_tagout", "Lockout/tagout", 2, None, TODAY + timedelta(days=200)),
    ]


# operator id -> (name, skills, shift id or None, roster status, operator status, efficiency)
OPERATORS: dict[str, tuple[str, list[OperatorSkill], str | None, str, OperatorStatus, float]] = {
    "OP-01": ("Anna Able", _press(3), "A", "in_progress", OperatorStatus.AVAILABLE, 4.2),
    "OP-02": ("Ben Baker", _press(1), "A", "in_progress", OperatorStatus.AVAILABLE, 3.0),
    "OP-03": ("Cara Cole", _press(3, -10), "A", "in_progress", OperatorStatus.AVAILABLE, 3.5),
    "OP-04": ("Dan Dunn", _press(4, 3), "A", "in_progress", OperatorStatus.AVAILABLE, 3.9),
    "OP-05": ("Eve East", _press(3), "N", "scheduled", OperatorStatus.AVAILABLE, 3.6),
    "OP-06": ("Finn Fox", _press(3), "X", "in_progress", OperatorStatus.AVAILABLE, 3.6),
    "OP-07": ("Gus Gray", _press(3), "A", "absent", OperatorStatus.AVAILABLE, 3.6),
    "OP-08": ("Hal Hunt", _press(3), "A", "in_progress", OperatorStatus.SICK, 3.6),
    "OP-09": (
        "Ivy Ide",
        [OperatorSkill("cnc_operation", "CNC operation", 3, None, TODAY + timedelta(days=500))],
        "A",
        "in_progress",
        OperatorStatus.AVAILABLE,
        4.8,
    ),
    "OP-10": ("Jo Jay", _press(2), "A", "in_progress", OperatorStatus.AVAILABLE, 3.1),
    "OP-11": ("Kim Kay", [], "A", "in_progress", OperatorStatus.AVAILABLE, 2.0),
    "OP-12": ("Lou Lamb", _press(3, 60), "A", "in_progress", OperatorStatus.AVAILABLE, 4.0),
}

MACHINES: dict[str, tuple[str, str, MachineStatus]] = {
    "M-P1": ("Press P1", "press", MachineStatus.IDLE),
    "M-P2": ("Press P2", "press", MachineStatus.IDLE),
    "M-P3": ("Press P3", "press", MachineStatus.MAINTENANCE),
    "M-P4": ("Press P4", "press", MachineStatus.BREAKDOWN),
    "M-P5": ("Press P5", "press", MachineStatus.OFFLINE),
    "M-C1": ("CNC C1", "cnc", MachineStatus.IDLE),
}

PRESS_CENTRES = ("WC-P1", "WC-P2", "WC-P3", "WC-P4", "WC-P5")


def shifts(now: datetime = NOW) -> list[Shift]:
    """Shift A started three hours before ``now`` (breaks one and three hours after ``now``);
    shift N starts thirteen hours after it; shift X's break is on at ``now``."""
    a = now - timedelta(hours=3)
    n = now + timedelta(hours=13)
    x = now - timedelta(hours=2)
    b1, b2, bx = now + timedelta(hours=1), now + timedelta(hours=3), now - timedelta(minutes=10)
    return [
        Shift("A", "Early", a.time(), 480, (ShiftBreak(b1.time(), 15), ShiftBreak(b2.time(), 30))),
        Shift("N", "Night", n.time(), 480, (ShiftBreak((n + timedelta(hours=3)).time(), 15),)),
        Shift("X", "Middle", x.time(), 480, (ShiftBreak(bx.time(), 20),)),
    ]


def _wo(n: int, status: WorkOrderStatus = WorkOrderStatus.QUEUED, **kw: Any) -> WorkOrder:
    return WorkOrder(
        f"WO-{n}",
        f"WO-{n:05d}",
        "P-1",
        "Washer drum",
        100,
        NOW + timedelta(days=n),
        status=status,
        line_id="L1",
        **kw,
    )


def seed_allocation_plant(app: Any, now: datetime = NOW) -> None:
    """The plant, with a roster around ``now`` (the tests' fixed clock by default)."""
    days = {
        "A": (now - timedelta(hours=3)).date(),
        "N": (now + timedelta(hours=13)).date(),
        "X": (now - timedelta(hours=2)).date(),
    }
    with app.uow(ADMIN) as uow:
        r = uow.repos
        uow.conn.execute(organisations.insert().values(id="ORG-1", name="Demo"))
        r.plants.add(Plant("PLANT-1", "ORG-1", "Plant 1", "UTC"))
        r.lines.add(Line("L1", "PLANT-1", "Line 1"))
        r.lines.add(Line("L2", "PLANT-1", "Line 2"))
        for mid, (name, mtype, status) in MACHINES.items():
            wc = "WC-" + mid[2:]
            line = "L2" if mtype == "cnc" else "L1"
            r.work_centres.add(WorkCentre(wc, "PLANT-1", line, name))
            skills = PRESS if mtype == "press" else ("cnc_operation",)
            r.machines.add(
                Machine(
                    mid,
                    name,
                    mtype,
                    line,
                    wc,
                    zone=f"{line}-{mtype}",
                    status=status,
                    required_skills=skills,
                )
            )
        for oid, (name, op_skills, _shift, _roster, op_status, eff) in OPERATORS.items():
            first, last = name.split()
            r.operators.add(
                Operator(
                    oid,
                    "E" + oid[3:],
                    first,
                    last,
                    line_id="L1",
                    home_zone="L1-press",
                    status=op_status,
                    efficiency_rating=eff,
                    skills=op_skills,
                    status_updated_at=NOW - timedelta(minutes=30),
                )
            )
        r.shifts.add_many(shifts(now))
        for oid, (_n, _s, shift, roster, _st, _e) in OPERATORS.items():
            if shift is None:
                continue
            r.shift_assignments.add(
                ShiftAssignment(oid, shift, days[shift], ShiftAssignmentStatus(roster))
            )
        r.products.add(Product("P-1", "Washer drum"))
        r.materials.add(Material("MAT-BRG", "PN-BRG", "Bearing", on_hand=100.0))
        r.materials.add(Material("MAT-SHORT", "PN-SHORT", "Seal kit", on_hand=20.0))
        r.materials.add(Material("MAT-BOLT", "PN-BOLT", "Bolts", on_hand=5.0))
        orders = [
            _wo(1),
            _wo(2),
            _wo(3, WorkOrderStatus.COMPLETED, quantity_produced=100),
            _wo(4, WorkOrderStatus.CANCELLED),
            _wo(5),
            _wo(6),
            _wo(7),
            _wo(8),
        ]
        r.work_orders.add_many(orders)
        for wo in orders:
            if wo.id == "WO-6":
                op = Operation(
                    "WO-6-010",
                    "WO-6",
                    10,
                    "Milling",
                    "WC-C1",
                    60,
                    required_skill="cnc_operation",
                    min_proficiency=2,
                )
            else:
                op = Operation(
                    f"{wo.id}-010",
                    wo.id,
                    10,
                    "Stamping",
                    "WC-P1",
                    30,
                    alternatives=PRESS_CENTRES[1:],
                    required_skill="press_operation",
                    min_proficiency=2,
                )
            r.operations.add(op)
        r.work_order_materials.add(WorkOrderMaterial("WO-1", "MAT-BRG", 10, critical=True))
        r.work_order_materials.add(WorkOrderMaterial("WO-2", "MAT-SHORT", 50, critical=True))
        r.work_order_materials.add(WorkOrderMaterial("WO-5", "MAT-BOLT", 50, critical=False))
        for name, role in (
            ("admin", Role.ADMIN),
            ("lead", Role.SHIFT_LEAD),
            ("viewer", Role.VIEWER),
        ):
            r.users.add(User(name, name.title(), role))
        uow.commit()
