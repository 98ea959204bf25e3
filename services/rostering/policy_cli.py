"""``takt roster policy``: the site's roster policy from a console.

Without options it prints the policy in force (stored, or derived while none is stored); with
``--set FILE`` it stores the JSON object in FILE (the fields of the stored policy:
``per_shift``, ``per_skill``, ``under_weight``, ``over_weight``, ``max_consecutive_shifts``,
``min_consecutive_shifts``, ``min_consecutive_days_off``, ``max_weekly_minutes``,
``max_weekends_per_4_weeks``, ``fairness``; a field left out takes its default) as ``--user``,
who must be allowed to change rosters. ``--json`` prints the policy as that object.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from services.cli.common import CliError, emit, existing_file
from services.cli.context import cli_actor, open_app

if TYPE_CHECKING:
    from services.rostering.policy_service import PolicyForm


def register_policy(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], parents: argparse.ArgumentParser
) -> None:
    policy = actions.add_parser(
        "policy", parents=[parents], help="the site's cover, weights, contract and fairness goal"
    )
    policy.add_argument(
        "--set", dest="policy_file", type=existing_file, metavar="FILE", help="store this JSON"
    )
    policy.add_argument("--user", default=None, help="act as this user (default: TAKT_USER)")
    policy.set_defaults(handler=policy_command)


def _payload(form: PolicyForm) -> dict[str, Any]:
    return {
        **form.policy.to_json(),
        "stored": form.stored_at is not None,
        "stored_by": form.stored_by,
        "stored_at": form.stored_at.isoformat() if form.stored_at else None,
        "version": form.version,
    }


def _text(form: PolicyForm) -> str:
    p = form.policy
    where = (
        f"stored by {form.stored_by} at {form.stored_at:%Y-%m-%d %H:%M} UTC (version "
        f"{form.version})"
        if form.stored_at is not None
        else f"not stored: {p.note}"
    )
    cover = ", ".join(f"{s} {n}" for s, n in sorted(p.per_shift.items())) or "none"
    skills = ", ".join(f"{c.shift} {c.skill} {c.requirement}" for c in p.per_skill) or "none"
    fair = (
        f"{p.fairness.measure.value} weight {p.fairness.weight}"
        + (f" on {', '.join(sorted(p.fairness.shifts))}" if p.fairness.shifts else "")
        if p.fairness is not None
        else "off"
    )

    def limit(v: int | None) -> str:
        return "no limit" if v is None else str(v)

    return "\n".join(
        [
            f"roster policy: {where}",
            f"  cover per shift and day: {cover}; per shift and skill: {skills}",
            f"  weights: missing operator {p.under_weight}, extra operator {p.over_weight}",
            f"  shifts in a row: {p.min_consecutive_shifts} to "
            f"{limit(p.max_consecutive_shifts)}; days off in a row: at least "
            f"{p.min_consecutive_days_off}",
            f"  minutes a week: {limit(p.max_weekly_minutes)}; weekends in 4 weeks: "
            f"{limit(p.max_weekends_per_4_weeks)}",
            f"  fairness: {fair}",
        ]
    )


def policy_command(args: argparse.Namespace) -> int:
    from domain.errors import ValidationError
    from services.rostering.policy import RosterPolicy
    from services.rostering.policy_service import PolicyService

    new: RosterPolicy | None = None
    if args.policy_file is not None:
        try:
            data = json.loads(args.policy_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CliError(f"{args.policy_file}: not a readable JSON file ({exc})") from None
        if not isinstance(data, dict):
            raise CliError(f"{args.policy_file}: the policy must be a JSON object")
        try:
            new = RosterPolicy.from_json(data)
        except ValidationError as exc:
            message = str(exc).replace("the stored roster policy is not readable", "bad policy")
            raise CliError(f"{args.policy_file}: {message}") from None
    with open_app(args) as app:
        service = PolicyService(app)
        form = service.form()
        if new is not None:
            actor = cli_actor(app, args.user)
            form = service.save(actor, new, seen_version=form.version)
    emit(args, _payload(form), _text(form))
    return 0
