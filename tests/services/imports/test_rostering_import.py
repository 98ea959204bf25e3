"""CSV import of rostering contracts and shift requests (SQLite and PostgreSQL): all rows or
none, every problem with its row and column, and ``takt import contracts FILE``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from domain.auth import SYSTEM_ACTOR, Actor, Role, User
from domain.events import Topic
from services.cli.main import run as cli
from services.imports.csvfile import CsvFormatError
from services.imports.service import Problem, import_csv
from services.persistence.tables.people import operator_contracts, shift_requests
from services.persistence.tables.system import change_events
from services.rostering.contract_rules import RequestKind
from services.rostering.contracts import ContractService
from services.rostering.store import RosterService
from tests.services.imports.helpers import count, write
from tests.services.rostering.store_fixtures import LEAD, MONDAY, POLICY, seed

PLANNER = Actor("planner", Role.PLANNER, "seat-2")
# store_fixtures.seed: shifts E and L; operators OP-1..OP-4 with employee ids E0..E3


@pytest.fixture
def app(db_url: str, make_app: Any) -> Any:
    app = make_app(db_url)
    seed(app)
    return app


def test_contracts_are_imported_and_replace_the_stored_ones(app: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "contracts.csv",
        "employee_id,max_shifts,max_weekly_minutes,unavailable_weekdays,notes\n"
        'E0,L:2;E:3,1920,Sat;Sun,"part time, no weekends"\n'
        "E1,,,,\n",
    )
    report = import_csv(app, PLANNER, "contracts", path)
    assert report.problems == []
    assert report.written == 2
    svc = ContractService(app)
    ada = svc.contract("OP-1")
    assert dict(ada.max_shifts) == {"L": 2, "E": 3}
    assert (ada.max_weekly_minutes, ada.unavailable_weekdays) == (1920, {5, 6})
    assert ada.notes == "part time, no weekends"
    assert ada.version == 1
    assert not svc.contract("OP-2").stored  # an all-blank row: the site's contract
    again = write(tmp_path, "again.csv", "employee_id,max_shifts\nE0,L:1\n")
    assert import_csv(app, PLANNER, "contracts", again).written == 1
    replaced = svc.contract("OP-1")
    assert (dict(replaced.max_shifts), replaced.unavailable_weekdays, replaced.version) == (
        {"L": 1},
        set(),
        2,
    )
    with app.engine.connect() as conn:
        events = conn.execute(
            select(change_events.c.topic, change_events.c.kind, change_events.c.data)
        ).all()
    assert (Topic.ROSTER.value, "imported", {"kind": "contracts"}) in [tuple(e) for e in events]
    RosterService(app).save_policy(LEAD, POLICY)
    snap = RosterService(app).read(MONDAY, 7)
    assert dict(snap.contract("OP-1").max_shifts) == {"L": 1}


def test_bad_contract_rows_write_nothing_and_say_row_column_and_problem(
    app: Any, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "contracts.csv",
        "employee_id,max_shifts,min_weekly_minutes,max_weekly_minutes,unavailable_weekdays\n"
        "E0,L:2,,,Sat\n"  # fine
        "E1,N:3,,,\n"  # no shift N
        "E2,,900,600,\n"  # min above max
        "E3,L3,,,Funday\n"  # not shift:count, not a weekday
        "E9,,,,\n"  # no such operator
        "E0,,-5,,\n",  # negative; E0 twice
    )
    report = import_csv(app, PLANNER, "contracts", path)
    assert report.written == 0
    assert report.problems == [
        Problem(3, "max_shifts", "'N' is not a shift type (known: E, L)"),
        Problem(
            4,
            "min_weekly_minutes",
            "contract of OP-3: min weekly minutes: the minimum weekly minutes (900) is above "
            "the maximum (600)",
        ),
        Problem(5, "max_shifts", "'L3' is not shift:count (e.g. N:3;L:5)"),
        Problem(
            5, "unavailable_weekdays", "'Funday' is not a weekday (Mon to Sun, or 0 = Monday to 6)"
        ),
        Problem(6, "employee_id", "no operator (employee id) 'E9' exists"),
        Problem(7, "min_weekly_minutes", "-5 is below the minimum 0"),
    ]
    assert count(app, operator_contracts) == 0


def test_shift_requests_are_imported_once(app: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "requests.csv",
        "employee_id,day,kind,shift_id,weight,note\n"
        "E0,2026-11-21,off,,20,wedding\n"
        "E1,2026-11-17,ON,L,3,\n"
        "E2,2026-11-18,unavailable,,,doctor\n",
    )
    report = import_csv(app, PLANNER, "shift_requests", path)
    assert report.problems == []
    assert report.written == 3
    stored = ContractService(app).requests(MONDAY, date(2026, 11, 23))
    assert [(r.operator_id, r.day.day, r.kind, r.shift_id, r.weight, r.note) for r in stored] == [
        ("OP-2", 17, RequestKind.ON, "L", 3, ""),
        ("OP-3", 18, RequestKind.UNAVAILABLE, "", 1, "doctor"),
        ("OP-1", 21, RequestKind.OFF, "", 20, "wedding"),
    ]
    twice = import_csv(app, PLANNER, "requests", path)  # an alias of shift_requests
    assert twice.written == 0
    assert Problem(2, "shift_id", "E0 / 2026-11-21 / off /  already exists") in twice.problems
    assert count(app, shift_requests) == 3


def test_bad_request_rows_write_nothing(app: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "requests.csv",
        "employee_id,day,kind,shift_id,weight\n"
        "E0,2026-11-21,off,,20\n"  # fine
        "E1,2026-11-17,unavailable,E,0\n"  # unavailable is the whole day
        "E2,2026-11-18,maybe,E,1\n"  # no such kind
        "E3,2026-11-19,off,N,1\n"  # no such shift
        "E3,19/11/2026,off,E,-2\n"  # not a date, negative weight
        "E0,2026-11-21,off,,5\n",  # twice in the file
    )
    report = import_csv(app, PLANNER, "shift_requests", path)
    assert report.written == 0
    assert report.problems == [
        Problem(
            3,
            "shift_id",
            "request of OP-2 on Tue 17 Nov: unavailable means the whole day: leave the shift empty",
        ),
        Problem(4, "kind", "'maybe' is not one of on, off, unavailable"),
        Problem(5, "shift_id", "'N' is not a shift type (known: E, L)"),
        Problem(6, "day", "'19/11/2026' is not a date: use YYYY-MM-DD, e.g. 2026-11-16"),
        Problem(6, "weight", "-2 is below the minimum 0"),
        Problem(7, "shift_id", "E0 / 2026-11-21 / off /  is in the file twice (row 2)"),
    ]
    assert count(app, shift_requests) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"employee_id;day;kind\nE0;2026-11-21;off\n", "separated by semicolons, not commas"),
        (b"employee_id,day,colour\nE0,2026-11-21,red\n", "colour"),
        (b"employee_id,day\nE0,2026-11-21\n", "kind"),
        (b"\xff\xfeemployee_id,day,kind\n", "UTF-8"),
    ],
)
def test_a_malformed_request_file_is_refused_before_any_row(
    app: Any, tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "requests.csv"
    path.write_bytes(data)
    with pytest.raises(CsvFormatError, match=message):
        import_csv(app, PLANNER, "shift_requests", path)
    assert count(app, shift_requests) == 0


def test_takt_import_contracts_and_shift_requests(
    sqlite_url: str, make_app: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(sqlite_url)
    seed(app)
    with app.uow(SYSTEM_ACTOR) as uow:
        uow.repos.users.add(User("admin", "Admin", Role.ADMIN))
        uow.commit()
    contracts = write(tmp_path, "c.csv", "employee_id,max_shifts\nE0,L:2\n")
    assert cli(["import", "contracts", str(contracts), "--database-url", sqlite_url]) == 0
    assert "imported 1 contracts" in capsys.readouterr().out
    requests = write(
        tmp_path, "r.csv", "employee_id,day,kind,shift_id\nE0,2026-11-21,unavailable,E\n"
    )
    args = ["import", "shift_requests", str(requests), "--database-url", sqlite_url, "--json"]
    assert cli(args) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["problems"][0]["column"] == "shift_id"
    any_shift = write(tmp_path, "a.csv", "employee_id,day,kind,shift_id\nE0,2026-11-21,on,\n")
    args = ["import", "shift_requests", str(any_shift), "--database-url", sqlite_url, "--json"]
    assert cli(args) == 0  # to work that day, any shift
    assert json.loads(capsys.readouterr().out)["written"] == 1
    assert cli(["import", "shift_requests", "--columns"]) == 0
    assert "employee_id*, day*, kind*, shift_id, weight, note" in capsys.readouterr().out
