"""What work orders need of each material, and the stock that covers it."""

from __future__ import annotations

import math
import random

from domain.model.products import Material, explode_bom
from domain.model.work import WorkOrder, WorkOrderMaterial, WorkOrderStatus
from services.demo.bom import Catalogue
from services.demo.catalogue import MATERIALS


def round_quantity(material_id: str, quantity: float) -> float:
    """Whole pieces (bottles, rolls) up; kilograms, metres and litres to a tenth."""
    unit = _UNITS[material_id]
    if unit in ("EA", "BTL", "RL"):
        return float(max(1, math.ceil(quantity - 1e-9)))
    return max(0.1, round(quantity, 1))


_UNITS = {f"MAT-{m.code}": m.unit for m in MATERIALS}
_CRITICAL = {f"MAT-{m.code}" for m in MATERIALS if m.critical}


def work_order_materials(
    rng: random.Random, work_orders: list[WorkOrder], catalogue: Catalogue
) -> list[WorkOrderMaterial]:
    """Each order's BOM explosion; what is consumed and reserved follows the order's status."""
    per_unit: dict[str, dict[str, float]] = {}
    out: list[WorkOrderMaterial] = []
    for wo in work_orders:
        if wo.product_id not in per_unit:
            per_unit[wo.product_id] = explode_bom(wo.product_id, 1.0, catalogue.bom_lines)
        progress = wo.quantity_produced / wo.quantity_ordered
        reserved = wo.status is not WorkOrderStatus.ASSIGNED or rng.random() < 0.75
        for material_id, qty in sorted(per_unit[wo.product_id].items()):
            need = round_quantity(material_id, qty * wo.quantity_ordered)
            consumed = allocated = 0.0
            if wo.status is WorkOrderStatus.COMPLETED:
                consumed = need
            elif wo.status in (WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.PAUSED):
                consumed = round(need * progress, 1)
                allocated = round(need - consumed, 1)
            elif wo.status is WorkOrderStatus.ASSIGNED and reserved:
                allocated = need
            out.append(
                WorkOrderMaterial(
                    wo.id, material_id, need, material_id in _CRITICAL, allocated, consumed
                )
            )
    return out


def materials(
    rng: random.Random, needs: list[WorkOrderMaterial], open_ids: set[str]
) -> list[Material]:
    """Stock covers what open orders reserved; safety stock is a few days of open demand; about
    one material in ten is below it."""
    allocated: dict[str, float] = {}
    demand: dict[str, float] = {}
    for n in needs:
        allocated[n.material_id] = allocated.get(n.material_id, 0.0) + n.quantity_allocated
        if n.work_order_id in open_ids:
            left = n.quantity_required - n.quantity_consumed
            demand[n.material_id] = demand.get(n.material_id, 0.0) + left
    ids = [f"MAT-{m.code}" for m in MATERIALS]
    short = set(rng.sample(ids, max(2, round(len(ids) * 0.1))))
    out: list[Material] = []
    for i, spec in enumerate(MATERIALS):
        mid = ids[i]
        daily = demand.get(mid, 0.0) / 14.0
        safety = round_quantity(mid, max(daily * 3.0, rng.uniform(5.0, 40.0)))
        if mid in short:
            available = safety * rng.uniform(0.1, 0.8)
        else:
            available = safety * rng.uniform(1.3, 4.0) + daily * rng.uniform(2.0, 10.0)
        reserved = round(allocated.get(mid, 0.0), 3)
        digits = 0 if spec.unit in ("EA", "BTL", "RL") else 1
        out.append(
            Material(
                id=mid,
                part_number=f"PN-{10010 + 10 * i}",
                name=spec.name,
                unit_of_measure=spec.unit,
                category=spec.category,
                on_hand=max(reserved, round(reserved + available, digits)),
                allocated=reserved,
                safety_stock=safety,
                reorder_point=round_quantity(mid, safety * 1.6),
                standard_cost=spec.cost,
                requires_fefo=spec.category in ("seals", "coatings", "welding", "consumables"),
                is_hazardous=spec.hazardous,
            )
        )
    return out
