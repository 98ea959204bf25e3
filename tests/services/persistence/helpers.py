"""Small builders for persistence tests: a minimal plant written straight through repositories."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.auth import Actor, Role, User
from domain.model.people import Operator, OperatorSkill
from domain.model.plant import Line, Machine, Organisation, Plant, WorkCentre
from domain.model.products import Material, Product
from domain.model.work import WorkOrder
from services.persistence.tables.plant import organisations
from tests.conftest import NOW

ADMIN = Actor("admin", Role.ADMIN, "seat-1")
LEAD = Actor("lead", Role.SHIFT_LEAD, "seat-2")


def seed_minimal(app: Any) -> None:
    """One plant, one line, two machines, three operators, two work orders, one material."""
    with app.uow(ADMIN) as uow:
        r = uow.repos
        org = Organisation("ORG-1", "Demo Manufacturing")
        uow.conn.execute(organisations.insert().values(id=org.id, name=org.name))
        r.plants.add(Plant("PLANT-1", "ORG-1", "Plant 1"))
        r.lines.add(Line("L1", "PLANT-1", "Line 1"))
        r.work_centres.add(WorkCentre("WC-SAV100", "PLANT-1", "L1", "Press SAV100"))
        r.work_centres.add(WorkCentre("WC-G1000", "PLANT-1", "L1", "CNC G1000"))
        r.machines.add(Machine("M-SAV100", "SAV100", "press", "L1", "WC-SAV100"))
        r.machines.add(Machine("M-G1000", "G1000", "cnc", "L1", "WC-G1000"))
        for i in range(1, 4):
            r.operators.add(
                Operator(
                    f"OP-{i:04d}",
                    f"E{i}",
                    f"First{i}",
                    f"Last{i}",
                    efficiency_rating=3.5,
                    skills=[OperatorSkill("PRESS", "Press operation", 3)],
                )
            )
        r.products.add(Product("P-1", "Washer drum"))
        for n in (1, 2):
            r.work_orders.add(
                WorkOrder(
                    f"WO-{n:05d}",
                    f"WO-{n:05d}",
                    "P-1",
                    "Washer drum",
                    100,
                    NOW + timedelta(days=n),
                )
            )
        r.materials.add(Material("MAT-1", "PN-1", "Steel sheet", on_hand=100.0))
        for name, role in (
            ("admin", Role.ADMIN),
            ("lead", Role.SHIFT_LEAD),
            ("viewer", Role.VIEWER),
        ):
            r.users.add(User(name, name.title(), role))
        uow.commit()
