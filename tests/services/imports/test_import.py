"""CSV import against a real database (SQLite and PostgreSQL): all rows or none."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from domain.auth import Actor, Role
from domain.errors import PermissionDenied
from domain.events import Topic
from services.imports.csvfile import CsvFormatError
from services.imports.service import Problem, import_csv
from services.persistence.tables.people import operator_skills, operators
from services.persistence.tables.plant import machines
from services.persistence.tables.system import audit_log, change_events, demand_history
from services.persistence.tables.work import materials, work_orders
from tests.services.imports.helpers import count, write
from tests.services.persistence.helpers import ADMIN, seed_minimal

PLANNER = Actor("planner", Role.PLANNER, "seat-2")
VIEWER = Actor("viewer", Role.VIEWER, "seat-3")


@pytest.fixture
def app(db_url: str, make_app: Any) -> Any:
    app = make_app(db_url)
    seed_minimal(app)  # line L1, work centre WC-SAV100, product P-1, operators E1..E3, MAT-1
    return app


def test_valid_operators_are_imported_with_an_audit_row_and_a_change_event(
    app: Any, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "operators.csv",
        "Employee ID,First Name,Last Name,line_id,hire_date,efficiency_rating,status\n"
        "E100,Ann,Lee,L1,2024-03-01,4.2,available\n"
        'E101,"Bo, Jr.",Kim,,2023-01-05,,Sick\n',
    )
    channel = app.feed.open_channel()
    report = import_csv(app, PLANNER, "operators", path)
    assert report.valid
    assert report.written == 2
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(operators.c.id, operators.c.first_name, operators.c.line_id, operators.c.status)
            .where(operators.c.employee_id.in_(["E100", "E101"]))
            .order_by(operators.c.id)
        ).all()
        audit = conn.execute(
            select(audit_log.c.action, audit_log.c.user).where(
                audit_log.c.action == "import.operators"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("OP-E100", "Ann", "L1", "available"),
        ("OP-E101", "Bo, Jr.", None, "sick"),
    ]
    assert [tuple(a) for a in audit] == [("import.operators", "planner")]
    events = channel.receive(timeout=1.0)
    channel.close()
    assert [(e.topic, e.kind, e.ids) for e in events] == [
        (Topic.OPERATOR, "imported", ("OP-E100", "OP-E101"))
    ]


def test_one_bad_row_writes_nothing_and_reports_row_column_and_problem(
    app: Any, tmp_path: Path
) -> None:
    before = count(app, operators)
    events_before = count(app, change_events)
    path = write(
        tmp_path,
        "operators.csv",
        "employee_id,first_name,last_name,line_id,hire_date,efficiency_rating\n"
        "E200,Ann,Lee,L1,2024-03-01,4.2\n"
        "E201,Bo,Kim,L9,2024-02-30,seven\n"
        "E202,Cy,Poe,L1,,\n",
    )
    report = import_csv(app, ADMIN, "operators", path)
    assert not report.valid
    assert report.written == 0
    assert report.rows == 3
    assert report.problems == [
        Problem(3, "line_id", "no line 'L9' exists"),
        Problem(3, "hire_date", "'2024-02-30' is not a date: use YYYY-MM-DD, e.g. 2026-11-16"),
        Problem(3, "efficiency_rating", "'seven' is not a number"),
    ]
    assert count(app, operators) == before  # not even the two good rows
    assert count(app, change_events) == events_before


def test_duplicates_in_the_file_and_in_the_database_are_refused(app: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "machines.csv",
        "id,name,machine_type,line_id,work_centre_id,serial_number,required_skills\n"
        "M-NEW,Press 2,press,L1,WC-SAV100,SN-1,press_operation;lockout_tagout\n"
        "M-SAV100,Press again,press,L1,,SN-2,\n"
        "M-NEW,Press 3,press,L1,WC-NOPE,SN-1,\n",
    )
    report = import_csv(app, ADMIN, "machines", path)
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "id"),
        (4, "id"),
        (4, "work_centre_id"),
        (4, "serial_number"),
    ]
    assert report.problems[0].problem == "'M-SAV100' already exists"
    assert report.problems[1].problem == "'M-NEW' is in the file twice (row 2)"
    assert count(app, machines) == 2

    fixed = write(
        tmp_path,
        "machines2.csv",
        "id,name,machine_type,line_id,work_centre_id,serial_number,required_skills\n"
        "M-NEW,Press 2,press,L1,WC-SAV100,SN-1,press_operation;lockout_tagout\n",
    )
    assert import_csv(app, ADMIN, "machines", fixed).written == 1
    with app.engine.connect() as conn:
        skills = conn.execute(
            select(machines.c.required_skills).where(machines.c.id == "M-NEW")
        ).scalar_one()
    assert skills == ["press_operation", "lockout_tagout"]


def test_skills_name_operators_by_employee_id(app: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "skills.csv",
        "employee_id,skill_code,skill_name,proficiency,certification_date,certification_expiry\n"
        "E1,WELD,Welding,3,2025-01-01,2027-01-01\n"
        "E2,WELD,Welding,2,,\n",
    )
    assert import_csv(app, ADMIN, "skills", path).written == 2
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(operator_skills.c.operator_id, operator_skills.c.proficiency)
            .where(operator_skills.c.skill_code == "WELD")
            .order_by(operator_skills.c.operator_id)
        ).all()
    assert [tuple(r) for r in rows] == [("OP-0001", 3), ("OP-0002", 2)]
    again = import_csv(app, ADMIN, "skills", path)
    assert [str(p) for p in again.problems] == [
        "row 2, skill_code: E1 / WELD already exists",
        "row 3, skill_code: E2 / WELD already exists",
    ]
    bad = write(
        tmp_path,
        "bad-skills.csv",
        "employee_id,skill_code,proficiency,certification_date,certification_expiry\n"
        "E9,WELD,3,,\n"
        "E3,PAINT,5,,\n"
        "E3,CRANE,2,2026-01-01,2025-01-01\n",
    )
    report = import_csv(app, ADMIN, "skills", bad)
    assert [(p.row, p.column) for p in report.problems] == [
        (2, "employee_id"),
        (3, "proficiency"),
        (4, None),
    ]
    assert report.problems[2].problem == "certification of CRANE expires before it was issued"


def test_work_orders_materials_and_demand(app: Any, tmp_path: Path) -> None:
    wo = write(
        tmp_path,
        "wo.csv",
        "number,product_id,quantity_ordered,due_date,priority,line_id\n"
        "WO-100,P-1,50,2026-12-24T10:00,high,L1\n"
        "WO-101,P-1,20,2026-12-27,,\n",
    )
    assert import_csv(app, ADMIN, "work_orders", wo).written == 2
    with app.engine.connect() as conn:
        row = conn.execute(
            select(
                work_orders.c.product_name, work_orders.c.due_date, work_orders.c.priority
            ).where(work_orders.c.id == "WO-100")
        ).one()
    assert row.product_name == "Washer drum"  # taken from the product
    assert row.due_date == datetime(2026, 12, 24, 10, 0, tzinfo=UTC)
    assert row.priority == "high"
    bad_wo = write(
        tmp_path,
        "wo-bad.csv",
        "number,product_id,quantity_ordered,due_date\nWO-102,P-9,0,24.12.2026\n",
    )
    wo_problems = import_csv(app, ADMIN, "work_orders", bad_wo).problems
    assert [(p.column, p.problem) for p in wo_problems] == [
        ("product_id", "no product 'P-9' exists"),
        ("quantity_ordered", "0 must be more than 0"),
        (
            "due_date",
            "'24.12.2026' is not a date and time: use ISO 8601, e.g. 2026-11-16T14:00 or "
            "2026-11-16",
        ),
    ]

    mat = write(
        tmp_path,
        "materials.csv",
        "id,part_number,name,on_hand,safety_stock,is_hazardous\n"
        "MAT-2,PN-2,Bolt M8,250,50,no\n"
        'MAT-3,PN-1,Nut M8,"1,5",,maybe\n',
    )
    report = import_csv(app, ADMIN, "materials", mat)
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "part_number"),
        (3, "on_hand"),
        (3, "is_hazardous"),
    ]
    assert report.problems[1].problem == "'1,5' is not a number (use a point for decimals)"
    assert count(app, materials) == 1

    demand = write(
        tmp_path, "demand.csv", "product_id,day,quantity\nP-1,2026-01-01,12\nP-1,2026-01-02,13\n"
    )
    dry = import_csv(app, VIEWER, "demand", demand, dry_run=True)
    assert dry.valid
    assert dry.written == 0
    assert count(app, demand_history) == 0
    assert import_csv(app, ADMIN, "demand", demand).written == 2
    with app.engine.connect() as conn:
        days = conn.execute(select(demand_history.c.day).order_by(demand_history.c.day)).scalars()
        assert list(days) == [date(2026, 1, 1), date(2026, 1, 2)]
    again = import_csv(app, ADMIN, "demand", demand)
    assert [str(p) for p in again.problems] == [
        "row 2, day: P-1 / 2026-01-01 already exists",
        "row 3, day: P-1 / 2026-01-02 already exists",
    ]


def test_importing_needs_the_import_permission(app: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "product_id,day,quantity\nP-1,2026-01-01,12\n")
    with pytest.raises(PermissionDenied):
        import_csv(app, VIEWER, "demand", path)


def test_a_malformed_file_is_refused_before_any_row(app: Any, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("employee_id,first_name,last_name\nE9,Jörg,Ba\n".encode("latin-1"))
    with pytest.raises(CsvFormatError, match=r"not UTF-8 text \(byte 0xf6 on line 2\)"):
        import_csv(app, ADMIN, "operators", path)
