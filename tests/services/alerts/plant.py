"""The allocation tests' plant plus what the alert rules look at: a late work order, a
material below its safety stock, and (on request) anomaly predictions with machine metrics.

Seeded, the rules find: M-P4 broken down (critical), OP-03's press certificate expired ten
days ago (error), OP-04's expiring in three days (warning), WO-9 two hours late (warning,
medium priority) and MAT-LOW below its safety stock (warning)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from domain.model.products import Material
from domain.model.work import WorkOrder
from services.persistence.tables import plant, system
from tests.conftest import NOW
from tests.services.allocation.plant import ADMIN, LEAD, VIEWER, seed_allocation_plant

__all__ = ["ADMIN", "EXPECTED_KEYS", "LEAD", "VIEWER", "add_anomaly", "seed_alert_plant"]

EXPECTED_KEYS = {
    "machine_breakdown:M-P4",
    "certification_expiring:OP-03:press_operation",
    "certification_expiring:OP-04:press_operation",
    "late_work_order:WO-9",
    "material_low:MAT-LOW",
}


def seed_alert_plant(app: Any, now: datetime = NOW) -> None:
    seed_allocation_plant(app, now)
    with app.uow(ADMIN) as uow:
        uow.repos.work_orders.add(
            WorkOrder(
                "WO-9",
                "WO-00009",
                "P-1",
                "Washer drum",
                10,
                now - timedelta(hours=2),
                line_id="L1",
            )
        )
        uow.repos.materials.add(
            Material("MAT-LOW", "PN-LOW", "Grease", on_hand=3.0, safety_stock=10.0)
        )
        uow.commit()


def add_anomaly(
    app: Any,
    machine_id: str,
    metric: str,
    scores: list[tuple[float, bool]],
    end: datetime = NOW,
) -> None:
    """Predictions one minute apart ending at ``end`` and the metric's values before them."""
    n = len(scores)
    with app.uow(ADMIN) as uow:
        uow.conn.execute(
            insert(system.anomaly_predictions),
            [
                {
                    "machine_id": machine_id,
                    "at": end - timedelta(minutes=n - 1 - i),
                    "metric": metric,
                    "score": s,
                    "is_anomaly": flag,
                    "model": "iforest-q0.999",
                }
                for i, (s, flag) in enumerate(scores)
            ],
        )
        uow.conn.execute(
            insert(plant.machine_metrics),
            [
                {"machine_id": machine_id, "at": end - timedelta(minutes=5 * i), metric: 60.0 + i}
                for i in range(30)
            ],
        )
        uow.commit()
