"""``takt roster ...``: solve, check and repair shift rosters in the Curtois & Qu text format.

``takt roster solve --instance FILE --time-limit S --workers N --json`` prints
``{"status", "objective", "lower_bound", "solve_seconds", "roster"}`` where the objective is the
benchmark's penalty recomputed by the independent checker and the roster maps each staff id to
one shift id (or "" for a day off) per day. Exit code 0 with an answer (a roster, or a proof
that none exists), 1 when the time ran out without a roster, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path
from typing import Any

from domain.errors import DomainError
from services.cli.common import CliError, emit, existing_file, positive_float, positive_int
from services.rostering.drafts_cli import register_drafts
from services.rostering.policy_cli import register_policy
from services.rostering.problem import (
    AbsenceDto,
    RosterDto,
    RosterProblemDto,
    SolveOptionsDto,
    SolveResultDto,
    SolveStatus,
)

EXIT_NO_ANSWER = 1


def register(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    roster = sub.add_parser(
        "roster", parents=[parents], help="shift rosters: solve, check, repair (Curtois & Qu)"
    )
    actions = roster.add_subparsers(dest="roster_command", metavar="ACTION", required=True)

    solve = actions.add_parser(
        "solve", parents=[parents], help="solve a rostering instance within a time limit"
    )
    _instance_options(solve)
    _solver_options(solve)
    solve.set_defaults(handler=solve_command)

    check = actions.add_parser(
        "check", parents=[parents], help="verify a roster (JSON) against an instance's rules"
    )
    _instance_options(check)
    check.add_argument("--roster", type=existing_file, required=True, help="roster JSON file")
    check.set_defaults(handler=check_command)

    repair = actions.add_parser(
        "repair",
        parents=[parents],
        help="re-solve a published roster after absences, with as few changes as possible",
    )
    _instance_options(repair)
    repair.add_argument(
        "--roster", type=existing_file, required=True, help="published roster JSON file"
    )
    repair.add_argument(
        "--absent",
        action="append",
        required=True,
        metavar="STAFF:DAYS",
        help="an absence, e.g. A:3 or A:3-5 (repeatable)",
    )
    repair.add_argument(
        "--change-weight", type=positive_int, default=None, help="cost of one changed cell"
    )
    repair.add_argument(
        "--freeze-before", type=int, default=0, help="days before this one cannot change"
    )
    _solver_options(repair)
    repair.set_defaults(handler=repair_command)
    register_drafts(actions, parents)
    register_policy(actions, parents)


def _instance_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--instance", type=existing_file, required=True, help="instance text file")


def _solver_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--time-limit", type=positive_float, default=30.0, help="seconds (default 30)")
    p.add_argument("--workers", type=positive_int, default=2, help="solver threads (default 2)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--strategy",
        choices=("lns", "cpsat"),
        default="lns",
        help="lns: neighbourhood search with a bounding CP-SAT run (default); cpsat: CP-SAT alone",
    )


def _load(path: Path) -> RosterProblemDto:
    from services.rostering.benchmark_format import load_instance

    try:
        return load_instance(path)
    except DomainError as exc:
        raise CliError(exc.message) from None
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror}") from None


def _read_roster(path: Path) -> RosterDto:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"{path}: not a roster JSON file ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("roster"), dict):
        data = data["roster"]  # the output of `takt roster solve --json`
    if not isinstance(data, dict) or not all(
        isinstance(v, list) and all(isinstance(s, str) for s in v) for v in data.values()
    ):
        raise CliError(f"{path}: a roster maps each staff id to a list of shift ids")
    return RosterDto.from_json(data)


def _options(args: argparse.Namespace) -> SolveOptionsDto:
    return SolveOptionsDto(
        time_limit=args.time_limit, workers=args.workers, seed=args.seed, strategy=args.strategy
    )


def _payload(result: SolveResultDto) -> dict[str, Any]:
    bound = result.lower_bound
    return {
        "status": result.status.value,
        "objective": result.objective,
        "lower_bound": None if bound is None else math.ceil(bound - 1e-6),
        "solve_seconds": round(result.solve_seconds, 3),
        "roster": {} if result.roster is None else result.roster.to_json(),
    }


def _grid(problem: RosterProblemDto, roster: RosterDto) -> str:
    width = max([len(s.id) for s in problem.shifts] + [1])
    name = max(len(e) for e in roster.lines) if roster.lines else 1
    rows = []
    for staff_id, line in roster.lines.items():
        cells = " ".join((s or ".").ljust(width) for s in line)
        rows.append(f"{staff_id.ljust(name)}  {cells}")
    return "\n".join(rows)


def _exit_code(result: SolveResultDto) -> int:
    answered = (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.INFEASIBLE)
    return 0 if result.status in answered else EXIT_NO_ANSWER


def _summary(problem: RosterProblemDto, result: SolveResultDto) -> str:
    p = _payload(result)
    lines = [
        f"{problem.name}: {p['status']}, objective {p['objective']}, "
        f"lower bound {p['lower_bound']}, {p['solve_seconds']} s"
    ]
    if result.report is not None:
        pen = result.report.penalty
        lines.append(
            f"  shift-on requests {pen.shift_on_requests}, shift-off requests "
            f"{pen.shift_off_requests}, under-cover {pen.under_cover}, over-cover {pen.over_cover}"
        )
        lines += [f"  rule broken: {v}" for v in result.report.violations]
    if result.roster is not None:
        lines.append(_grid(problem, result.roster))
    elif "reason" in result.detail:
        lines.append(f"  {result.detail['reason']}")
    return "\n".join(lines)


def solve_command(args: argparse.Namespace) -> int:
    from services.rostering.solver import solve

    problem = _load(args.instance)
    result = solve(problem, _options(args))
    emit(args, _payload(result), _summary(problem, result))
    return _exit_code(result)


def check_command(args: argparse.Namespace) -> int:
    from services.rostering.checker import check_roster

    problem = _load(args.instance)
    report = check_roster(problem, _read_roster(args.roster))
    payload = {
        "valid": report.valid,
        "objective": report.objective,
        "penalty": {
            "shift_on_requests": report.penalty.shift_on_requests,
            "shift_off_requests": report.penalty.shift_off_requests,
            "under_cover": report.penalty.under_cover,
            "over_cover": report.penalty.over_cover,
        },
        "violations": [{"code": v.code, "message": v.message} for v in report.violations],
    }
    text = f"{problem.name}: {'valid' if report.valid else 'INVALID'}, objective {report.objective}"
    text += "".join(f"\n  {v}" for v in report.violations)
    emit(args, payload, text)
    return 0 if report.valid else EXIT_NO_ANSWER


_ABSENCE = re.compile(r"^(?P<staff>[^:]+):(?P<first>\d+)(?:-(?P<last>\d+))?$")


def _absences(values: list[str]) -> list[AbsenceDto]:
    out = []
    for value in values:
        match = _ABSENCE.match(value)
        if match is None:
            raise CliError(f"absence {value!r} must look like A:3 or A:3-5")
        first = int(match["first"])
        last = int(match["last"] or first)
        if last < first:
            raise CliError(f"absence {value!r}: the last day is before the first")
        out.append(AbsenceDto(match["staff"], frozenset(range(first, last + 1))))
    return out


def repair_command(args: argparse.Namespace) -> int:
    from services.rostering.repair import DEFAULT_CHANGE_WEIGHT, repair

    problem = _load(args.instance)
    published = _read_roster(args.roster)
    weight = args.change_weight or DEFAULT_CHANGE_WEIGHT
    try:
        out = repair(
            problem,
            published,
            _absences(args.absent),
            _options(args),
            change_weight=weight,
            freeze_before=args.freeze_before,
        )
    except DomainError as exc:
        raise CliError(exc.message) from None
    payload = _payload(out.result)
    payload["changes"] = [
        {
            "staff": c.staff_id,
            "day": c.day,
            "before": c.before,
            "after": c.after,
            "forced": c.forced,
        }
        for c in out.changes
    ]
    text = (
        _summary(problem, out.result)
        + "\nchanges:"
        + "".join(
            f"\n  {c.staff_id} day {c.day}: {c.before or 'off'} -> {c.after or 'off'}"
            + (" (absence)" if c.forced else "")
            for c in out.changes
        )
    )
    emit(args, payload, text)
    return _exit_code(out.result)
