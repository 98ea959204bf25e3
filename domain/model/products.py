"""Products with a multi-level BOM of shared components; materials with stock (seeds 002, 004)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from domain._checks import require_non_negative, require_text
from domain.errors import RuleViolation, ValidationError, Violation


class ProductType(enum.StrEnum):
    PRODUCT = "product"
    ASSEMBLY = "assembly"
    SUB_ASSEMBLY = "sub_assembly"
    COMPONENT = "component"


@dataclass(slots=True)
class Product:
    id: str
    name: str
    product_type: ProductType = ProductType.PRODUCT
    family: str = "default"  # setup times are by family
    unit_of_measure: str = "EA"
    active: bool = True

    def __post_init__(self) -> None:
        require_text("product name", self.name)


@dataclass(frozen=True, slots=True)
class BomLine:
    """``parent_id`` needs ``quantity`` of ``child_id`` (a product or a material)."""

    parent_id: str
    child_id: str
    quantity: float
    child_is_material: bool = False

    def __post_init__(self) -> None:
        if self.parent_id == self.child_id:
            raise ValidationError(f"{self.parent_id} cannot contain itself")
        if self.quantity <= 0:
            raise ValidationError(
                f"BOM quantity of {self.child_id} in {self.parent_id} must be positive"
            )


def check_bom_acyclic(lines: Iterable[BomLine]) -> None:
    """Refuse a BOM in which a product contains itself through any number of levels."""
    children: dict[str, list[str]] = {}
    for line in lines:
        if not line.child_is_material:
            children.setdefault(line.parent_id, []).append(line.child_id)
    state: dict[str, int] = {}  # 1 = on the path, 2 = done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for child in children.get(node, ()):
            if state.get(child) == 1:
                cycle = [*path[path.index(child) :], child] if child in path else [node, child]
                raise ValidationError(
                    "the BOM contains a cycle: " + " -> ".join(cycle), cycle=cycle
                )
            if state.get(child) is None:
                visit(child, [*path, child])
        state[node] = 2

    for root in list(children):
        if state.get(root) is None:
            visit(root, [root])


def explode_bom(product_id: str, quantity: float, lines: Iterable[BomLine]) -> dict[str, float]:
    """Total material needed for ``quantity`` of ``product_id``, through every level.

    Shared components (used by several assemblies) are summed, as a planner expects.
    """
    by_parent: dict[str, list[BomLine]] = {}
    all_lines = list(lines)
    check_bom_acyclic(all_lines)
    for line in all_lines:
        by_parent.setdefault(line.parent_id, []).append(line)
    totals: dict[str, float] = {}

    def walk(pid: str, qty: float) -> None:
        for line in by_parent.get(pid, ()):
            need = qty * line.quantity
            if line.child_is_material:
                totals[line.child_id] = totals.get(line.child_id, 0.0) + need
            else:
                walk(line.child_id, need)

    walk(product_id, quantity)
    return totals


@dataclass(slots=True)
class Material:
    id: str
    part_number: str
    name: str
    unit_of_measure: str = "EA"
    category: str | None = None
    on_hand: float = 0.0
    allocated: float = 0.0
    safety_stock: float | None = None
    reorder_point: float | None = None
    standard_cost: float | None = None
    requires_fefo: bool = True
    is_hazardous: bool = False
    active: bool = True
    version: int = 1

    def __post_init__(self) -> None:
        require_text("material name", self.name)
        require_non_negative(f"on-hand quantity of {self.id}", self.on_hand)
        require_non_negative(f"allocated quantity of {self.id}", self.allocated)
        if self.allocated > self.on_hand + 1e-9:
            raise ValidationError(
                f"{self.id}: allocated {self.allocated:g} exceeds on hand {self.on_hand:g}",
                material_id=self.id,
            )

    @property
    def available(self) -> float:
        return self.on_hand - self.allocated

    @property
    def below_safety_stock(self) -> bool:
        return self.safety_stock is not None and self.available < self.safety_stock

    def shortfall(self, quantity: float) -> float:
        """How much is missing to reserve ``quantity`` (0 when it fits)."""
        return max(quantity - self.available, 0.0)

    def reserve(self, quantity: float) -> None:
        if quantity <= 0:
            raise ValidationError("a reservation must be positive")
        missing = self.shortfall(quantity)
        if missing > 1e-9:
            raise RuleViolation(
                [
                    Violation(
                        "material_unavailable",
                        f"{self.name} ({self.part_number}): {quantity:g} {self.unit_of_measure} "
                        f"needed, {self.available:g} available",
                        {"material_id": self.id, "needed": quantity, "available": self.available},
                    )
                ]
            )
        self.allocated += quantity

    def release(self, quantity: float) -> None:
        if quantity <= 0:
            raise ValidationError("a release must be positive")
        if quantity > self.allocated + 1e-9:
            raise ValidationError(
                f"{self.id}: cannot release {quantity:g}, only {self.allocated:g} is allocated"
            )
        self.allocated = max(self.allocated - quantity, 0.0)

    def consume(self, quantity: float) -> None:
        """Issue reserved stock to production: both on-hand and allocated go down."""
        self.release(quantity)
        self.on_hand -= quantity

    def receive(self, quantity: float) -> None:
        if quantity <= 0:
            raise ValidationError("a receipt must be positive")
        self.on_hand += quantity


class ReservationStatus(enum.StrEnum):
    ACTIVE = "active"
    CONSUMED = "consumed"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(slots=True)
class MaterialReservation:
    material_id: str
    work_order_id: str
    quantity: float
    reserved_by: str
    reserved_at: datetime
    status: ReservationStatus = ReservationStatus.ACTIVE
    released_at: datetime | None = None
    released_by: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValidationError("a reservation must be positive")


class InventoryTransactionType(enum.StrEnum):
    RECEIPT = "receipt"
    ISSUE = "issue"
    ADJUSTMENT = "adjustment"
    TRANSFER = "transfer"
    RESERVATION = "reservation"
    RELEASE = "release"


def material_shortfalls(
    needs: Mapping[str, float], materials: Mapping[str, Material]
) -> list[Violation]:
    """One violation per material that cannot cover its need."""
    out: list[Violation] = []
    for material_id, qty in sorted(needs.items()):
        material = materials.get(material_id)
        if material is None:
            out.append(
                Violation("material_unknown", f"material {material_id} is not in stock records")
            )
            continue
        if material.shortfall(qty) > 1e-9:
            out.append(
                Violation(
                    "material_unavailable",
                    f"{material.name} ({material.part_number}): {qty:g} {material.unit_of_measure} "
                    f"needed, {material.available:g} available",
                    {"material_id": material_id, "needed": qty, "available": material.available},
                )
            )
    return out
