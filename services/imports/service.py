"""CSV import: validate every row, then write all of them in one transaction, or none.

    report = import_csv(app, actor, "operators", Path("operators.csv"))
    report.valid, report.problems  # [(row, column, problem), ...]

A file that cannot be read as CSV at all (not UTF-8, not comma-separated, no header, unknown
columns) raises ``CsvFormatError`` with one sentence. A readable file gets a report: every
problem with its row (the header is row 1), column and what is wrong; when there is any,
nothing is written. A valid file is written with one audit row and one change event, so other
seats see the new rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from domain.auth import Actor, Permission
from domain.errors import DomainError
from domain.events import Change
from services.bootstrap import App
from services.imports.csvfile import CsvFormatError, CsvTable, read_table
from services.imports.fields import BadValue
from services.imports.refs import REFERENCE_NAMES, Refs
from services.imports.specs import ImportSpec, Key, kinds, spec_for

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Problem:
    row: int | None  # None: the whole file
    column: str | None  # None: the whole row
    problem: str

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.problem}"


@dataclass(slots=True)
class ImportReport:
    kind: str
    file: str
    rows: int
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    written: int = 0

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "rows": self.rows,
            "valid": self.valid,
            "dry_run": self.dry_run,
            "written": self.written,
            "problems": [
                {"row": p.row, "column": p.column, "problem": p.problem} for p in self.problems
            ],
        }


class UnknownKind(CsvFormatError):
    pass


def require_spec(kind: str) -> ImportSpec:
    spec = spec_for(kind)
    if spec is None:
        raise UnknownKind(f"cannot import {kind!r}: the kinds are {', '.join(kinds())}")
    return spec


def import_csv(
    app: App,
    actor: Actor,
    kind: str,
    path: Path,
    *,
    dry_run: bool = False,
    data: bytes | None = None,
) -> ImportReport:
    """Validate ``path`` as ``kind`` and, when every row is valid and not ``dry_run``, write it."""
    spec = require_spec(kind)
    actor.require(Permission.VIEW if dry_run else Permission.IMPORT_DATA)
    table = read_table(path, spec.columns, spec.required, data=data)
    report = ImportReport(spec.kind, path.name, len(table.rows), dry_run)
    try:
        with app.uow(actor) as uow:
            items, problems = validate(uow.conn, spec, table)
            report.problems = problems
            if problems or dry_run:
                return report
            ids = spec.write(uow, items)
            uow.audit(
                f"import.{spec.kind}",
                spec.kind,
                path.name,
                None,
                {"rows": len(items), "file": path.name},
                f"CSV import of {path.name}",
            )
            uow.record(Change(spec.topic, "imported", tuple(ids), {"kind": spec.kind}))
            uow.commit()
            report.written = len(items)
    except DomainError as exc:  # a row written meanwhile by somebody else: nothing is kept
        log.info("import of %s refused while writing: %s", path, exc.message)
        report.problems = [Problem(None, None, f"nothing was written: {exc.message}")]
        report.written = 0
    return report


def validate(
    conn: Connection, spec: ImportSpec, table: CsvTable
) -> tuple[list[Any], list[Problem]]:
    """The domain objects of every row, and every problem found (empty when all are valid)."""
    refs = Refs(conn)
    problems: list[Problem] = []
    built: list[tuple[int, Any]] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    width = len(table.columns)
    for row in table.rows:
        if row.width != width:
            problems.append(
                Problem(
                    row.number,
                    None,
                    f"has {row.width} values but the header names {width} columns"
                    + (" (a value with a comma needs quotes)" if row.width > width else ""),
                )
            )
            continue
        values, row_problems = _parse(spec, row.number, row.values, refs)
        parsed.append((row.number, values))
        problems.extend(row_problems)
        if row_problems:
            continue
        try:
            built.append((row.number, spec.build(values)))
        except DomainError as exc:
            column = exc.details.get("field")
            problems.append(
                Problem(row.number, column if column in spec.columns else None, exc.message)
            )
    if spec.check is not None and built:
        bad = spec.check(conn, built)
        problems += [Problem(n, c if c in spec.columns else None, text) for n, c, text in bad]
        rows_bad = {n for n, _c, _t in bad}
        built = [(n, item) for n, item in built if n not in rows_bad]
    raw = {row.number: row.values for row in table.rows}
    problems.extend(_duplicates(conn, spec, parsed, built, raw))
    problems.sort(key=lambda p: (p.row or 0, spec.columns.index(p.column) if p.column else -1))
    return [item for _, item in built], problems


def _parse(
    spec: ImportSpec, number: int, raw: dict[str, str], refs: Refs
) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for f in spec.fields:
        text = raw.get(f.name)
        if text is None:
            if f.required:
                problems.append(Problem(number, f.name, "is required but empty"))
            continue
        try:
            value = f.parse(text)
        except BadValue as exc:
            problems.append(Problem(number, f.name, str(exc)))
            continue
        if f.ref is not None:
            resolved = refs.resolve(f.ref, value)
            if resolved is None:
                problems.append(
                    Problem(number, f.name, f"no {REFERENCE_NAMES[f.ref]} {value!r} exists")
                )
                continue
            if f.ref == "product":
                values["_product_name"] = refs.product_name(resolved)
            value = resolved
        values[f.name] = value
    return values, problems


def _duplicates(
    conn: Connection,
    spec: ImportSpec,
    parsed: Sequence[tuple[int, dict[str, Any]]],
    built: Sequence[tuple[int, Any]],
    raw: dict[int, dict[str, str]],
) -> list[Problem]:
    """Unique columns (as given in the file, also in rows with other problems) and composite
    keys (of valid rows): twice in the file, or in the database already."""
    problems: list[Problem] = []
    for f in spec.fields:
        if not f.unique:
            continue
        first: dict[Any, int] = {}
        for number, values in parsed:
            value = values.get(f.name)
            if value is None:
                continue
            if value in first:
                problems.append(
                    Problem(number, f.name, f"{value!r} is in the file twice (row {first[value]})")
                )
            else:
                first[value] = number
        for value in _existing_values(conn, spec, f.name, list(first)):
            problems.append(Problem(first[value], f.name, f"{value!r} already exists"))
    if spec.key is not None:
        seen: dict[Key, int] = {}
        column = spec.key_columns[-1] if spec.key_columns else None

        def shown(number: int) -> str:  # the key as the file writes it
            return " / ".join(raw[number].get(c, "") for c in spec.key_columns)

        for number, item in built:
            key = spec.key(item)
            if key in seen:
                twice = f"{shown(number)} is in the file twice (row {seen[key]})"
                problems.append(Problem(number, column, twice))
            else:
                seen[key] = number
        if spec.existing is not None and seen:
            for key in spec.existing(conn, list(seen)):
                problems.append(Problem(seen[key], column, f"{shown(seen[key])} already exists"))
    return problems


def _existing_values(
    conn: Connection, spec: ImportSpec, column: str, values: list[Any]
) -> set[Any]:
    col = spec.table.c[column]
    found: set[Any] = set()
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        found |= {r[0] for r in conn.execute(select(col).where(col.in_(chunk)))}
    return found
