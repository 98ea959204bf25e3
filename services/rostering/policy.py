"""The site's rostering policy: cover requirements and the labour contract, stored as one JSON
setting (``roster.policy`` in the ``settings`` table), or derived when none is stored.

Derived policy (and the grid says so): each shift needs, every day, the median number of
operators the published roster put on it over the four weeks before the range (the demo plant's
2-2-2 rotation puts one crew of four on each shift, so 15 of its 60 operators); with no history
it needs the active operators shared out over the shifts and a day off. The derived contract:
at most 6 shifts in a row, at least 2 days off in a row, at most 48 hours a week on average.
Shift successions that are forbidden (minimum rest) come from the shift types themselves.
Operators with a contract of their own (``operator_contracts``) keep these as defaults for the
limits they leave blank. An optional fairness goal (``"fairness": {"measure": "requests" |
"weekends" | "shifts", "weight": n, "shifts": [...]}``, default off) asks the solver to keep the
spread of that measure across operators small.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from domain.errors import ValidationError
from domain.rules.rostering import Contract, CoverRequirement
from services.operations.site_settings import read_settings, write_setting
from services.persistence.tables import people
from services.rostering.problem import FairnessDto, FairnessMeasure

POLICY_KEY = "roster.policy"
VERSION_FIELD = "version"  # in the stored value: how many times the policy was saved
HISTORY_DAYS = 28
UNDER_WEIGHT = 100
OVER_WEIGHT = 1
WEEKLY_MINUTES = 48 * 60


@dataclass(frozen=True, slots=True)
class SkillCover:
    shift: str
    skill: str
    requirement: int


@dataclass(frozen=True, slots=True)
class RosterPolicy:
    """Cover per shift and day (``per_shift``), per shift and skill (``per_skill``), the weight
    of a missing and of an extra operator, and the contract everyone works under. Contract
    limits on totals and weekends are per week here and scaled to the range's length."""

    per_shift: Mapping[str, int]
    per_skill: tuple[SkillCover, ...] = ()
    under_weight: int = UNDER_WEIGHT
    over_weight: int = OVER_WEIGHT
    max_consecutive_shifts: int | None = 6
    min_consecutive_shifts: int = 1
    min_consecutive_days_off: int = 2
    max_weekly_minutes: int | None = WEEKLY_MINUTES
    max_weekends_per_4_weeks: int | None = None
    fairness: FairnessDto | None = None  # spread across operators to keep small; None: off
    stored: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        if any(v < 0 for v in self.per_shift.values()) or any(
            c.requirement < 0 for c in self.per_skill
        ):
            raise ValidationError("cover requirements cannot be negative")
        if self.under_weight < 0 or self.over_weight < 0:
            raise ValidationError("cover weights cannot be negative")
        named: set[tuple[str, str]] = set()
        for c in self.per_skill:  # two rows would each count: the shift would need it twice
            if (c.shift, c.skill) in named:
                raise ValidationError(f"the skill cover names {c.shift} and {c.skill} twice")
            named.add((c.shift, c.skill))
        most = self.max_consecutive_shifts
        if most is not None and self.min_consecutive_shifts > most:
            raise ValidationError(
                f"the minimum shifts in a row ({self.min_consecutive_shifts}) is above the "
                f"maximum ({most})"
            )

    def contract(self, days: int) -> Contract:
        weeks = days / 7
        return Contract(
            max_total_minutes=(
                None
                if self.max_weekly_minutes is None
                else math.ceil(self.max_weekly_minutes * weeks)
            ),
            min_consecutive_shifts=self.min_consecutive_shifts,
            max_consecutive_shifts=self.max_consecutive_shifts,
            min_consecutive_days_off=self.min_consecutive_days_off,
            max_weekends=(
                None
                if self.max_weekends_per_4_weeks is None
                else math.ceil(self.max_weekends_per_4_weeks * days / 28)
            ),
        )

    def cover(self, days: int) -> tuple[CoverRequirement, ...]:
        out = [
            CoverRequirement(d, shift, n, self.under_weight, self.over_weight)
            for d in range(days)
            for shift, n in sorted(self.per_shift.items())
        ]
        out += [
            CoverRequirement(d, c.shift, c.requirement, self.under_weight, 0, c.skill)
            for d in range(days)
            for c in self.per_skill
        ]
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "per_shift": dict(self.per_shift),
            "per_skill": [
                {"shift": c.shift, "skill": c.skill, "requirement": c.requirement}
                for c in self.per_skill
            ],
            "under_weight": self.under_weight,
            "over_weight": self.over_weight,
            "max_consecutive_shifts": self.max_consecutive_shifts,
            "min_consecutive_shifts": self.min_consecutive_shifts,
            "min_consecutive_days_off": self.min_consecutive_days_off,
            "max_weekly_minutes": self.max_weekly_minutes,
            "max_weekends_per_4_weeks": self.max_weekends_per_4_weeks,
            "fairness": _fairness_json(self.fairness),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RosterPolicy:
        try:
            return cls(
                per_shift={str(k): int(v) for k, v in dict(data.get("per_shift", {})).items()},
                per_skill=tuple(
                    SkillCover(str(c["shift"]), str(c["skill"]), int(c["requirement"]))
                    for c in data.get("per_skill", [])
                ),
                under_weight=int(data.get("under_weight", UNDER_WEIGHT)),
                over_weight=int(data.get("over_weight", OVER_WEIGHT)),
                max_consecutive_shifts=data.get("max_consecutive_shifts", 6),
                min_consecutive_shifts=int(data.get("min_consecutive_shifts", 1)),
                min_consecutive_days_off=int(data.get("min_consecutive_days_off", 2)),
                max_weekly_minutes=data.get("max_weekly_minutes", WEEKLY_MINUTES),
                max_weekends_per_4_weeks=data.get("max_weekends_per_4_weeks"),
                fairness=_fairness_from(data.get("fairness")),
                stored=True,
                note="cover and contract as stored for the site",
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"the stored roster policy is not readable: {exc}") from exc


def _fairness_json(goal: FairnessDto | None) -> dict[str, Any] | None:
    if goal is None:
        return None
    return {"measure": goal.measure.value, "weight": goal.weight, "shifts": sorted(goal.shifts)}


def _fairness_from(data: Any) -> FairnessDto | None:
    """The stored fairness goal (``{"measure", "weight", "shifts"}``; absent or null: off)."""
    if data is None:
        return None
    try:
        measure = FairnessMeasure(str(data.get("measure", FairnessMeasure.REQUESTS.value)))
    except ValueError:
        known = ", ".join(m.value for m in FairnessMeasure)
        measure_name = data.get("measure")
        raise ValueError(f"fairness measure {measure_name!r} is not one of {known}") from None
    weight = int(data["weight"])
    if weight < 0:
        raise ValueError("the fairness weight cannot be negative")
    return FairnessDto(weight, measure, frozenset(str(s) for s in data.get("shifts", [])))


def derive_policy(
    conn: Connection, start: date, shift_ids: Sequence[str], active_operators: int
) -> RosterPolicy:
    """Cover from the published roster of the four weeks before ``start`` (median head count
    per shift and day, absences included: they were planned), or from the head count when
    there is no such history."""
    t = people.shift_assignments
    since = start - timedelta(days=HISTORY_DAYS)
    rows = conn.execute(
        select(t.c.shift_id, t.c.day, func.count())
        .where(t.c.day >= since, t.c.day < start, t.c.published.is_(True))
        .group_by(t.c.shift_id, t.c.day)
    ).all()
    per_day: dict[str, dict[date, int]] = {s: {} for s in shift_ids}
    days_seen = {r[1] for r in rows}
    for shift_id, day, n in rows:
        if shift_id in per_day:
            per_day[shift_id][day] = int(n)
    if days_seen:
        per_shift = {
            s: round(statistics.median([per_day[s].get(d, 0) for d in sorted(days_seen)]))
            for s in shift_ids
        }
        note = (
            f"no cover is stored: derived from the published roster of the {HISTORY_DAYS} days "
            f"before {start:%d %b} (median head count per shift and day)"
        )
    else:
        share = active_operators // (len(shift_ids) + 1) if shift_ids else 0
        per_shift = dict.fromkeys(shift_ids, share)
        note = (
            "no cover is stored and there is no roster history: each shift needs the operators "
            "shared out over the shifts and a day off"
        )
    return RosterPolicy(per_shift=per_shift, note=note)


def load_policy(
    conn: Connection, start: date, shift_ids: Sequence[str], active_operators: int
) -> RosterPolicy:
    stored = read_settings(conn, [POLICY_KEY]).get(POLICY_KEY)
    if stored:
        policy = RosterPolicy.from_json(stored)
        missing = [s for s in shift_ids if s not in policy.per_shift]
        if not missing:
            return policy
        derived = derive_policy(conn, start, shift_ids, active_operators)
        merged = {**{s: derived.per_shift[s] for s in missing}, **policy.per_shift}
        return RosterPolicy(
            **{**_fields(policy), "per_shift": merged},
            note=f"{policy.note}; shifts {', '.join(missing)} derived",
        )
    return derive_policy(conn, start, shift_ids, active_operators)


def _fields(policy: RosterPolicy) -> dict[str, Any]:
    return {
        name: getattr(policy, name)
        for name in RosterPolicy.__dataclass_fields__
        if name not in ("per_shift", "note")
    }


def save_policy(
    conn: Connection, policy: RosterPolicy, *, by: str, at: Any, version: int = 1
) -> None:
    """Store the policy; ``version`` goes into the stored value (``VERSION_FIELD``) for the
    policy dialog's check that nobody saved meanwhile (services/rostering/policy_service.py)."""
    write_setting(conn, POLICY_KEY, {**policy.to_json(), VERSION_FIELD: version}, by=by, at=at)


__all__ = [
    "POLICY_KEY",
    "VERSION_FIELD",
    "RosterPolicy",
    "SkillCover",
    "derive_policy",
    "load_policy",
    "save_policy",
]
