"""``takt import KIND FILE [--dry-run] [--json]``: CSV import with a validation report.

Exit codes: 0 the file is valid (and written, unless --dry-run); 1 some rows are invalid
(the report lists row, column and problem; nothing is written); 2 the file cannot be read as
the expected CSV (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from domain.auth import Actor
from services.cli.common import CliError, emit, existing_file
from services.cli.context import cli_actor

if TYPE_CHECKING:  # loaded when a command runs, not for takt --help
    from services.bootstrap import App

# the kinds of services.imports.specs (kept here so that takt --help does not load SQLAlchemy;
# tests/services/imports/test_cli.py checks that the two agree)
KINDS = (
    "operators",
    "skills",
    "machines",
    "work_orders",
    "materials",
    "demand",
    "contracts",
    "shift_requests",
)
EXIT_INVALID = 1
SHOWN_PROBLEMS = 50


def register(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "import",
        parents=[parents],
        help=(
            "import operators, skills, machines, work orders, materials, demand, rostering "
            "contracts or shift requests from CSV"
        ),
        description=(
            "Validate a UTF-8, comma-separated CSV file with a header row and import it: all "
            "rows or none. The report names the row (the header is row 1), the column and the "
            "problem of everything invalid. Exit 0 when valid, 1 when rows are invalid, 2 when "
            "the file cannot be read. `takt import KIND --columns` lists a kind's columns. "
            "References name existing rows: line_id, work_centre_id, product_id by id, "
            "employee_id an operator. contracts: max_shifts as N:3;L:5 (per week), "
            "unavailable_weekdays as Sat;Sun; a file's contract replaces the operator's. "
            "shift_requests: kind on, off or unavailable; an empty shift_id is any shift."
        ),
    )
    p.add_argument("kind", metavar="KIND", help=f"one of {', '.join(KINDS)}")
    p.add_argument("file", type=existing_file, metavar="FILE", nargs="?", help="the CSV file")
    p.add_argument(
        "--columns", action="store_true", help="list the columns of KIND (* required) and exit"
    )
    p.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    p.add_argument("--user", default=None, help="import as this user (default: TAKT_USER or admin)")
    p.set_defaults(handler=_import)


def _actor(app: App, name: str | None) -> Actor:
    return cli_actor(app, name, source="import", hint=": pass --user a planner or admin")


def _import(args: argparse.Namespace) -> int:
    from services.cli.context import open_app
    from services.imports.csvfile import CsvFormatError
    from services.imports.service import Problem, import_csv, require_spec

    try:
        spec = require_spec(args.kind)
    except CsvFormatError as exc:
        raise CliError(exc.message) from None
    if args.columns:
        columns = [c + ("*" if c in spec.required else "") for c in spec.columns]
        emit(args, {"kind": spec.kind, "columns": columns}, ", ".join(columns))
        return 0
    if args.file is None:
        raise CliError("name the CSV file to import (or pass --columns)")
    path: Path = args.file
    with open_app(args) as app:
        actor = _actor(app, args.user)
        try:
            report = import_csv(app, actor, spec.kind, path, dry_run=args.dry_run)
        except CsvFormatError as exc:
            if args.json:
                emit(
                    args,
                    {
                        "kind": spec.kind,
                        "file": path.name,
                        "valid": False,
                        "written": 0,
                        "problems": [{"row": None, "column": None, "problem": exc.message}],
                    },
                )
            raise CliError(exc.message) from None
    payload = report.as_dict()
    if report.valid:
        verb = "would import" if report.dry_run else "imported"
        text = f"{path.name}: {report.rows} row(s) valid; {verb} {report.rows} {spec.label}"
        emit(args, payload, text)
        return 0
    lines = [
        f"{path.name}: {len(report.problems)} problem(s) in {report.rows} row(s); "
        "nothing was imported"
    ]
    shown: list[Problem] = report.problems[:SHOWN_PROBLEMS]
    lines += [f"  {p}" for p in shown]
    if len(report.problems) > len(shown):
        lines.append(f"  ... and {len(report.problems) - len(shown)} more (use --json for all)")
    emit(args, payload, "\n".join(lines))
    if not args.json:
        sys.stderr.write(f"takt import: {path.name} is invalid; nothing was imported\n")
    return EXIT_INVALID
