"""BOM lines and explosion, material stock and reservations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import RuleViolation, ValidationError
from domain.model.products import (
    BomLine,
    Material,
    MaterialReservation,
    Product,
    check_bom_acyclic,
    explode_bom,
    material_shortfalls,
)


def steel(**kw: object) -> Material:
    base: dict[str, object] = {
        "id": "m-steel",
        "part_number": "ST-100",
        "name": "Steel sheet",
        "unit_of_measure": "KG",
        "on_hand": 10.0,
    }
    base.update(kw)
    return Material(**base)  # type: ignore[arg-type]


# A bike (P) needs 2 wheels (A) and 1 frame (B). A wheel needs 3 bearings (C, shared) and 1 rim
# (material M1). A frame needs 2 bearings and 4 kg of tube (M2). A bearing needs 0.5 of steel (M3).
BIKE = [
    BomLine("P", "A", 2),
    BomLine("P", "B", 1),
    BomLine("A", "C", 3),
    BomLine("A", "M1", 1, child_is_material=True),
    BomLine("B", "C", 2),
    BomLine("B", "M2", 4, child_is_material=True),
    BomLine("C", "M3", 0.5, child_is_material=True),
]


# -- products and BOM lines -----------------------------------------------------------------


def test_product_needs_a_name() -> None:
    with pytest.raises(ValidationError, match="product name cannot be empty"):
        Product("P", " ")


def test_bom_line_cannot_contain_itself() -> None:
    with pytest.raises(ValidationError, match=r"^P cannot contain itself$"):
        BomLine("P", "P", 1)


@pytest.mark.parametrize("qty", [0, -1])
def test_bom_quantity_must_be_positive(qty: float) -> None:
    with pytest.raises(ValidationError, match="BOM quantity of A in P must be positive"):
        BomLine("P", "A", qty)


# -- cycles ---------------------------------------------------------------------------------


def test_a_tree_and_a_shared_component_are_acyclic() -> None:
    check_bom_acyclic(BIKE)
    check_bom_acyclic([])


def test_a_two_level_cycle_is_refused_and_named() -> None:
    with pytest.raises(ValidationError, match=r"the BOM contains a cycle: A -> B -> A") as e:
        check_bom_acyclic([BomLine("A", "B", 1), BomLine("B", "A", 1)])
    assert e.value.details["cycle"] == ["A", "B", "A"]


def test_a_deep_cycle_is_named_from_where_it_loops() -> None:
    lines = [
        BomLine("P", "A", 1),
        BomLine("A", "B", 1),
        BomLine("B", "C", 1),
        BomLine("C", "A", 1),  # back to A, not to P
    ]
    with pytest.raises(ValidationError, match=r"cycle: A -> B -> C -> A$"):
        check_bom_acyclic(lines)


def test_a_material_with_a_products_id_does_not_make_a_cycle() -> None:
    # materials are leaves: a material line is never followed
    check_bom_acyclic([BomLine("A", "B", 1), BomLine("B", "A", 1, child_is_material=True)])


# -- explosion ------------------------------------------------------------------------------


def test_explode_bom_sums_shared_components_through_every_level() -> None:
    # 10 bikes: 20 wheels, 10 frames; bearings 20*3 + 10*2 = 80; rims 20; tube 40 kg;
    # steel 80 * 0.5 = 40
    assert explode_bom("P", 10, BIKE) == {
        "M1": pytest.approx(20.0),
        "M2": pytest.approx(40.0),
        "M3": pytest.approx(40.0),
    }


def test_explode_a_sub_assembly_alone() -> None:
    assert explode_bom("B", 1, BIKE) == {"M2": 4.0, "M3": 1.0}


def test_explode_a_product_without_bom_needs_nothing() -> None:
    assert explode_bom("Z", 5, BIKE) == {}


def test_explode_refuses_a_cyclic_bom() -> None:
    with pytest.raises(ValidationError, match="cycle"):
        explode_bom("A", 1, [BomLine("A", "B", 1), BomLine("B", "A", 1)])


def test_explode_accepts_a_one_shot_iterator() -> None:
    assert explode_bom("P", 1, iter(BIKE)) == {"M1": 2.0, "M2": 4.0, "M3": 4.0}


# -- materials ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"name": ""}, "material name cannot be empty"),
        ({"on_hand": -1}, "on-hand quantity of m-steel cannot be negative"),
        ({"allocated": -1}, "allocated quantity of m-steel cannot be negative"),
        ({"allocated": 12}, "m-steel: allocated 12 exceeds on hand 10"),
    ],
)
def test_material_invariants(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        steel(**kw)


def test_available_and_shortfall() -> None:
    m = steel(allocated=4)
    assert m.available == 6
    assert m.shortfall(5) == 0
    assert m.shortfall(6) == 0
    assert m.shortfall(9.5) == pytest.approx(3.5)


def test_safety_stock_is_checked_against_available_not_on_hand() -> None:
    assert not steel(safety_stock=5).below_safety_stock
    assert steel(allocated=6, safety_stock=5).below_safety_stock
    assert not steel(allocated=10).below_safety_stock  # no safety stock set


def test_reserve_release_consume_receive() -> None:
    m = steel()
    m.reserve(4)
    assert (m.on_hand, m.allocated, m.available) == (10, 4, 6)
    m.release(1)
    assert (m.on_hand, m.allocated) == (10, 3)
    m.consume(3)
    assert (m.on_hand, m.allocated, m.available) == (7, 0, 7)
    m.receive(5)
    assert (m.on_hand, m.allocated, m.available) == (12, 0, 12)


def test_reserve_exactly_what_is_available() -> None:
    m = steel(allocated=4)
    m.reserve(6)
    assert m.available == 0


def test_reserve_more_than_available_is_a_rule_violation_that_names_the_material() -> None:
    m = steel(allocated=4)
    with pytest.raises(
        RuleViolation, match=r"^Steel sheet \(ST-100\): 7 KG needed, 6 available$"
    ) as e:
        m.reserve(7)
    assert e.value.code == "material_unavailable"
    assert e.value.violations[0].details == {"material_id": "m-steel", "needed": 7, "available": 6}
    assert m.allocated == 4  # nothing changed


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ("reserve", "a reservation must be positive"),
        ("release", "a release must be positive"),
        ("receive", "a receipt must be positive"),
        ("consume", "a release must be positive"),
    ],
)
@pytest.mark.parametrize("qty", [0, -2])
def test_stock_movements_must_be_positive(method: str, message: str, qty: float) -> None:
    m = steel(allocated=2)
    with pytest.raises(ValidationError, match=message):
        getattr(m, method)(qty)
    assert (m.on_hand, m.allocated) == (10, 2)


def test_cannot_release_or_consume_more_than_allocated() -> None:
    m = steel(allocated=2)
    with pytest.raises(ValidationError, match="m-steel: cannot release 3, only 2 is allocated"):
        m.release(3)
    with pytest.raises(ValidationError, match="cannot release 3, only 2 is allocated"):
        m.consume(3)
    assert (m.on_hand, m.allocated) == (10, 2)


def test_reservation_quantity_must_be_positive() -> None:
    at = datetime(2025, 3, 3, tzinfo=UTC)
    MaterialReservation("m-steel", "wo1", 1, "lead", at)
    with pytest.raises(ValidationError, match="a reservation must be positive"):
        MaterialReservation("m-steel", "wo1", 0, "lead", at)


# -- shortfalls of a whole need -------------------------------------------------------------


def test_material_shortfalls_lists_unknown_and_short_materials_in_id_order() -> None:
    materials = {
        "m-steel": steel(),  # 10 available
        "m-paint": Material("m-paint", "PT-1", "Paint", "L", on_hand=3, allocated=1),
    }
    needs = {"m-steel": 10.0, "m-paint": 2.5, "m-glue": 1.0}
    out = material_shortfalls(needs, materials)
    assert [v.code for v in out] == ["material_unknown", "material_unavailable"]
    assert out[0].message == "material m-glue is not in stock records"
    assert out[1].message == "Paint (PT-1): 2.5 L needed, 2 available"
    assert out[1].details == {"material_id": "m-paint", "needed": 2.5, "available": 2}


def test_material_shortfalls_is_empty_when_everything_fits() -> None:
    assert material_shortfalls({"m-steel": 10.0}, {"m-steel": steel()}) == []
    assert material_shortfalls({}, {}) == []
