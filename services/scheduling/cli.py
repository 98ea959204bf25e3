"""``takt schedule solve``: plan a classical job-shop or flexible job-shop instance file.

``takt schedule solve --instance FILE --format jsp|fjsp --time-limit S --workers N --json``
prints ``{"status", "makespan", "lower_bound", "solve_seconds", "schedule": [{"job", "op",
"machine", "start", "end"}, ...]}`` with jobs, operations and machines numbered from 0 as in the
file. The schedule is verified by the independent checker before it is printed. Exit codes:
0 a plan was printed, 1 no plan (infeasible, or nothing found in time), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from services.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Parser,
    emit,
    existing_file,
    positive_float,
    positive_int,
)

EXIT_NO_PLAN = 1


def register(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    schedule = sub.add_parser(
        "schedule", help="production scheduling (CP-SAT)", description="Production scheduling."
    )
    actions = schedule.add_subparsers(
        dest="schedule_command", metavar="ACTION", parser_class=Parser
    )
    solve = actions.add_parser(
        "solve",
        parents=[parents],
        help="solve a job-shop (jsp) or flexible job-shop (fjsp) instance file",
        description=(
            "Solve a classical job-shop (jsp) or flexible job-shop (fjsp) instance, minimising "
            "the makespan; the plan is checked independently before it is printed."
        ),
    )
    solve.add_argument("--instance", required=True, type=existing_file, help="instance file")
    solve.add_argument(
        "--format", required=True, choices=("jsp", "fjsp"), help="instance file format"
    )
    solve.add_argument(
        "--time-limit",
        type=positive_float,
        default=10.0,
        metavar="S",
        help="wall-clock seconds for the whole solve (default 10)",
    )
    solve.add_argument(
        "--workers", type=positive_int, default=2, metavar="N", help="solver threads (default 2)"
    )
    solve.add_argument("--seed", type=int, default=0, help="random seed of the solver")
    solve.add_argument(
        "--progress", action="store_true", help="report every improving solution on stderr"
    )
    solve.set_defaults(handler=_solve)

    def usage(_args: argparse.Namespace) -> int:
        schedule.print_help(sys.stderr)
        return EXIT_USAGE

    schedule.set_defaults(handler=usage)


def _solve(args: argparse.Namespace) -> int:
    from services.scheduling.checker import check_schedule
    from services.scheduling.flat import ProblemError
    from services.scheduling.instances import InstanceFormatError, load_instance
    from services.scheduling.problem import ProgressDto
    from services.scheduling.solver import SolveOptions, solve

    try:
        problem = load_instance(args.instance, args.format)
    except InstanceFormatError as exc:
        raise CliError(str(exc)) from None

    def progress(item: ProgressDto) -> None:
        sys.stderr.write(
            f"{item.elapsed:7.2f} s  makespan {item.objective:.0f}  bound {item.bound:.0f}  "
            f"gap {100 * item.gap:.1f} %\n"
        )

    try:
        solution = solve(
            problem,
            SolveOptions(time_limit=args.time_limit, workers=args.workers, seed=args.seed),
            on_progress=progress if args.progress else None,
        )
    except ProblemError as exc:
        raise CliError(str(exc)) from None
    problems = check_schedule(problem, solution.assignments) if solution.has_plan else []
    if problems:  # never print a plan that breaks a rule
        sys.stderr.write(
            f"takt schedule solve: internal error, the plan breaks {len(problems)} rule(s): "
            f"{problems[0]}\n"
        )
        return EXIT_NO_PLAN
    schedule = [
        {"job": a.job, "op": a.op, "machine": a.machine, "start": a.start, "end": a.end}
        for a in sorted(solution.assignments, key=lambda a: (a.job, a.op))
    ]
    payload: dict[str, Any] = {
        "status": solution.status.value,
        "makespan": solution.makespan,
        "lower_bound": solution.makespan_lower_bound,
        "solve_seconds": round(solution.solve_seconds, 3),
        "schedule": schedule,
    }
    lines = [
        f"{problem.name}: {solution.status.value}, makespan {solution.makespan}, "
        f"lower bound {solution.makespan_lower_bound}, {solution.solve_seconds:.2f} s",
        "job  op  machine  start  end",
        *(
            f"{r['job']:>3} {r['op']:>3} {r['machine']:>8} {r['start']:>6} {r['end']:>4}"
            for r in schedule
        ),
    ]
    emit(args, payload, "\n".join(lines))
    return EXIT_OK if solution.has_plan else EXIT_NO_PLAN
