"""The domain's error types: codes, messages and the facts they carry."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.errors import (
    ConcurrentEdit,
    DomainError,
    NotFound,
    PermissionDenied,
    RuleViolation,
    SlotConflict,
    ValidationError,
    Violation,
)


def test_domain_error_keeps_message_details_and_default_code() -> None:
    err = ValidationError("quantity must be positive", field="quantity", value=-1)
    assert str(err) == "quantity must be positive"
    assert err.message == "quantity must be positive"
    assert err.code == "invalid"
    assert err.details == {"field": "quantity", "value": -1}


def test_domain_error_code_can_be_overridden_per_instance() -> None:
    err = ValidationError("zone needs 3 vertices", code="polygon_too_few_vertices")
    assert err.code == "polygon_too_few_vertices"
    assert ValidationError("x").code == "invalid"  # the class default is untouched


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (DomainError, "domain_error"),
        (ValidationError, "invalid"),
        (PermissionDenied, "permission_denied"),
        (SlotConflict, "slot_conflict"),
    ],
)
def test_error_classes_have_stable_codes(cls: type[DomainError], code: str) -> None:
    err = cls("something")
    assert err.code == code
    assert isinstance(err, DomainError)


def test_not_found_names_the_entity_and_id() -> None:
    err = NotFound("machine", "M-07")
    assert str(err) == "machine M-07 does not exist"
    assert err.code == "not_found"
    assert (err.entity, err.entity_id) == ("machine", "M-07")
    assert err.details == {"entity": "machine", "entity_id": "M-07"}


def test_rule_violation_joins_every_violation_and_takes_the_first_code() -> None:
    v1 = Violation("skill_missing", "Ana lacks welding", {"operator_id": "o1"})
    v2 = Violation("machine_down", "M-03 is in maintenance")
    err = RuleViolation([v1, v2])
    assert err.violations == (v1, v2)
    assert str(err) == "Ana lacks welding; M-03 is in maintenance"
    assert err.code == "skill_missing"
    assert str(v1) == "Ana lacks welding"


def test_rule_violation_refuses_an_empty_list() -> None:
    with pytest.raises(ValueError, match="at least one violation"):
        RuleViolation([])


def test_violation_details_are_not_shared_between_instances() -> None:
    a = Violation("a", "first")
    b = Violation("b", "second")
    assert a.details == {}
    assert b.details == {}
    assert a.details is not b.details


def test_concurrent_edit_says_who_where_and_when() -> None:
    at = datetime(2025, 3, 3, 9, 15, 42)
    err = ConcurrentEdit("allocation", 12, changed_by="lead", seat="seat-2", at=at)
    assert str(err) == (
        "allocation 12 was changed by lead at seat-2 2025-03-03 09:15:42; reload and try again"
    )
    assert err.code == "concurrent_edit"
    assert (err.changed_by, err.seat, err.at) == ("lead", "seat-2", at)


def test_concurrent_edit_without_facts_still_reads_well() -> None:
    err = ConcurrentEdit("zone", "z1")
    assert str(err) == "zone z1 was changed by another user; reload and try again"
