"""``takt import KIND FILE [--dry-run] [--json]``: the report and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from services.cli.main import run as cli
from services.persistence.tables.system import demand_history
from tests.services.persistence.helpers import seed_minimal


@pytest.fixture
def url(sqlite_url: str, make_app: Any) -> str:
    seed_minimal(make_app(sqlite_url))
    return sqlite_url


def demand_rows(url: str, make_app: Any) -> int:
    with make_app(url).engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(demand_history)).scalar_one())


def test_valid_file_imports_and_exits_0(
    url: str, tmp_path: Path, make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demand.csv"
    path.write_text("product_id,day,quantity\nP-1,2026-01-01,12\nP-1,2026-01-02,13\n")
    assert cli(["import", "demand", str(path), "--database-url", url, "--dry-run"]) == 0
    assert "would import 2 demand history days" in capsys.readouterr().out
    assert demand_rows(url, make_app) == 0
    assert cli(["import", "demand", str(path), "--database-url", url, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["valid"] is True
    assert payload["written"] == 2
    assert demand_rows(url, make_app) == 2


def test_invalid_rows_print_the_report_and_exit_1(
    url: str, tmp_path: Path, make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demand.csv"
    path.write_text("product_id,day,quantity\nP-1,2026-01-01,12\nP-2,2026-01-02,-3\n")
    assert cli(["import", "demand", str(path), "--database-url", url]) == 1
    captured = capsys.readouterr()
    assert "row 3, product_id: no product 'P-2' exists" in captured.out
    assert "row 3, quantity: -3 is below the minimum 0" in captured.out
    assert "nothing was imported" in captured.err
    assert cli(["import", "demand", str(path), "--database-url", url, "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["problems"] == [
        {"row": 3, "column": "product_id", "problem": "no product 'P-2' exists"},
        {"row": 3, "column": "quantity", "problem": "-3 is below the minimum 0"},
    ]
    assert demand_rows(url, make_app) == 0


def test_malformed_file_unknown_kind_and_permission_exit_2_with_one_line(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "demand.csv"
    path.write_text("product_id;day;quantity\nP-1;2026-01-01;12\n")
    assert cli(["import", "demand", str(path), "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "separated by semicolons, not commas" in err
    assert cli(["import", "demand", str(path), "--database-url", url, "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["valid"] is False
    assert cli(["import", "robots", str(path), "--database-url", url]) == 2
    assert "the kinds are operators, skills, machines" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    good.write_text("product_id,day,quantity\nP-1,2026-01-01,12\n")
    assert cli(["import", "demand", str(good), "--database-url", url, "--user", "viewer"]) == 2
    assert "viewer (viewer) may not import data" in capsys.readouterr().err


def test_the_kinds_named_in_the_help_are_the_specs() -> None:
    from services.imports.cli import KINDS
    from services.imports.specs import SPECS

    assert tuple(SPECS) == KINDS


def test_columns_are_listed_without_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["import", "skills", "--columns"]) == 0
    assert "employee_id*" in capsys.readouterr().out
