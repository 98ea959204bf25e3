"""A small plant for the roster store and grid tests: two shifts, four operators, one week."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from domain.auth import SYSTEM_ACTOR, Actor, Role
from domain.model.people import Operator, OperatorSkill, Shift, ShiftAssignment
from services.rostering.policy import RosterPolicy, SkillCover

MONDAY = date(2026, 11, 16)  # the day of tests/conftest.NOW (09:00 UTC)
DAYS = 7
LEAD = Actor("lead", Role.SHIFT_LEAD, "seat-1")
PLANNER = Actor("planner", Role.PLANNER, "seat-1")
OPS = ("OP-1", "OP-2", "OP-3", "OP-4")
# E = early (06:00), L = late (14:00, may not be followed by an early shift)
PUBLISHED = {
    "OP-1": "EE.LL..",
    "OP-2": "LL.EE..",
    "OP-3": "..E..LL",
    "OP-4": "..L..EE",
}
# one early and one late every day; the published week above meets it exactly (penalty 0)
POLICY = RosterPolicy(
    per_shift={"E": 1, "L": 1},
    max_consecutive_shifts=3,
    min_consecutive_days_off=1,
    max_weekly_minutes=5 * 480,
)
# ... and a forklift driver (OP-1 or OP-3) on every early shift, which the week misses 4 times
SKILL_POLICY = RosterPolicy(
    per_shift={"E": 1, "L": 1},
    per_skill=(SkillCover("E", "forklift", 1),),
    max_consecutive_shifts=3,
    min_consecutive_days_off=1,
    max_weekly_minutes=5 * 480,
)


def seed(app: Any, published: dict[str, str] | None = None) -> None:
    """Shifts, operators (OP-1 and OP-3 drive forklifts) and the published week."""
    with app.uow(SYSTEM_ACTOR) as uow:
        r = uow.repos
        r.shifts.add_many(
            [
                Shift("E", "Early", time(6), 480, colour="#4e79a7"),
                Shift("L", "Late", time(14), 480, forbidden_next=("E",), colour="#f28e2b"),
            ]
        )
        names = ("Ada Lovelace", "Bob Ross", "Cy Young", "Di Prince")
        ops = []
        for i, (op, name) in enumerate(zip(OPS, names, strict=True)):
            first, last = name.split()
            skills = [OperatorSkill("forklift", "Forklift", 2)] if i in (0, 2) else []
            ops.append(Operator(op, f"E{i}", first, last, skills=skills))
        r.operators.add_many(ops)
        rows = []
        for op, line in (published or PUBLISHED).items():
            for d, code in enumerate(line):
                if code != ".":
                    rows.append(ShiftAssignment(op, code, MONDAY + timedelta(days=d)))
        r.shift_assignments.add_many(rows)
        uow.commit()
