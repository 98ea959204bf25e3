"""The foundation CLI: ``takt db upgrade``, ``takt db status``, ``takt info``, ``takt demo``.

Most tests run the command in-process through ``services.cli.main.run`` and read what it
printed with capsys; two run the installed console script ``takt`` as a subprocess. Every bad
input must end with exit code 2 and exactly one line on stderr, never a traceback, and a
password in a database URL must never be printed.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.cli.main import run
from services.persistence.migrate import head_revision

PASSWORD = "s3cretPW"
UNREACHABLE_PG = f"postgresql://bob:{PASSWORD}@127.0.0.1:1/takt"  # nothing listens on port 1
TAKT = Path(sys.executable).with_name("takt")


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    """run() adds a console handler to the root logger on every call; drop those afterwards
    so later tests do not log into a closed capture stream."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def call(argv: list[str]) -> int:
    """Run one ``takt`` command in-process; argparse errors exit via SystemExit."""
    try:
        return run(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else 1


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, Any]:
    code = call([*argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    payload = json.loads(out)
    assert isinstance(payload, dict)
    return payload


def assert_one_line_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], *fragments: str
) -> str:
    """The command exits 2, prints nothing on stdout and one line on stderr; returns it."""
    code = call(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert err.endswith("\n")
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# -- db upgrade, db status, info ----------------------------------------------------------------


def test_db_upgrade_creates_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "sub" / "takt.db"  # the folder does not exist yet either
    payload = run_json(capsys, ["db", "upgrade", "--database-url", sqlite_url(db)])
    assert payload == {
        "database": sqlite_url(db),
        "schema_version": head_revision(),
        "up_to_date": True,
    }
    assert db.is_file()
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    assert {"plants", "machines", "operators", "work_orders", "allocations"} <= tables


def test_db_upgrade_twice_is_harmless(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_url(tmp_path / "takt.db")
    first = run_json(capsys, ["db", "upgrade", "--database-url", url])
    second = run_json(capsys, ["db", "upgrade", "--database-url", url])
    assert first == second


def test_db_upgrade_prints_a_sentence_without_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = sqlite_url(tmp_path / "takt.db")
    assert call(["db", "upgrade", "--database-url", url]) == 0
    out, _ = capsys.readouterr()
    assert out == f"schema at {head_revision()} (up to date) in {url}\n"


def test_db_status_before_and_after_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "takt.db"
    sqlite3.connect(db).close()  # an empty SQLite database: exists, holds no schema
    url = sqlite_url(db)
    before = run_json(capsys, ["db", "status", "--database-url", url])
    assert before["schema_version"] is None
    assert before["program_schema_version"] == head_revision()
    assert before["up_to_date"] is False
    assert before["server"].startswith("SQLite ")

    assert call(["db", "upgrade", "--database-url", url]) == 0
    capsys.readouterr()
    after = run_json(capsys, ["db", "status", "--database-url", url])
    assert after["schema_version"] == head_revision()
    assert after["up_to_date"] is True
    assert after["database"] == url


def test_info_json_on_a_fresh_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_url(tmp_path / "takt.db")
    assert call(["db", "upgrade", "--database-url", url]) == 0
    capsys.readouterr()
    payload = run_json(capsys, ["info", "--database-url", url, "--seat", "seat-7"])
    assert {"database", "schema_version", "counts"} <= set(payload)
    assert payload["database"] == url
    assert payload["schema_version"] == head_revision()
    assert payload["seat"] == "seat-7"
    assert payload["feed"] == "in-process"
    counts = payload["counts"]
    for name in ("plants", "lines", "machines", "operators", "shifts", "work_orders"):
        assert counts[name] == 0, name
    assert counts["open_work_orders"] == 0


def test_info_on_a_database_without_schema_has_no_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "takt.db"
    sqlite3.connect(db).close()
    payload = run_json(capsys, ["info", "--database-url", sqlite_url(db)])
    assert payload["schema_version"] is None
    assert payload["counts"] == {}


# -- bad input: exit 2, one line, no traceback ---------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["info", "--no-such-option"], "unrecognized arguments: --no-such-option"),
        (["db", "upgrade", "--databse-url", "x"], "unrecognized arguments"),
        (["no-such-command"], "invalid choice: 'no-such-command'"),
        (["db"], "required"),
        (["demo", "--scale", "0"], "--scale must be between 0 and 1000"),
        (["demo", "--scale", "lots"], "--scale takes a number or 'large'"),
    ],
)
def test_bad_usage_is_one_line(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = assert_one_line_error(capsys, argv, fragment)
    assert line.startswith("takt")


@pytest.mark.parametrize("command", [["info"], ["db", "status"], ["db", "upgrade"]])
def test_mysql_url_is_refused(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(
        capsys,
        [*command, "--database-url", f"mysql://bob:{PASSWORD}@db.example/takt"],
        "unsupported database type 'mysql'",
    )
    assert PASSWORD not in line


@pytest.mark.parametrize("command", [["info"], ["db", "status"], ["db", "upgrade"]])
@pytest.mark.parametrize("options", [[], ["--json"], ["-v"]])
def test_unreachable_postgresql_is_one_line_and_hides_the_password(
    command: list[str], options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*command, "--database-url", UNREACHABLE_PG]
    if options == ["-v"]:
        argv = [*options, *argv]  # -v belongs to takt itself, before the command
    else:
        argv += options
    line = assert_one_line_error(capsys, argv, "cannot reach the database", "bob:***@")
    assert PASSWORD not in line


@pytest.mark.parametrize("command", [["info"], ["db", "status"]])
def test_missing_sqlite_file_is_refused_and_not_created(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "typo.db"
    assert_one_line_error(
        capsys,
        [*command, "--database-url", sqlite_url(db)],
        f"there is no database file at {db}",
        "takt db upgrade",
    )
    assert not db.exists()


@pytest.mark.parametrize("command", [["info"], ["db", "status"], ["db", "upgrade"], ["demo"]])
def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "notes.db"
    garbage = b"This is not a database, it is a shopping list.\n" * 200
    db.write_bytes(garbage)
    assert_one_line_error(
        capsys,
        [*command, "--database-url", sqlite_url(db)],
        "is not an SQLite database file",
    )
    assert db.read_bytes() == garbage


def test_url_without_scheme_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(
        capsys, ["info", "--database-url", "/var/lib/takt.db"], "is not a database URL"
    )


# -- a real PostgreSQL: the password is redacted in successful output too -----------------------


@pytest.mark.postgres
def test_postgresql_password_is_redacted_in_json(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # the test server trusts local connections, so the password is accepted and ignored
    scheme, rest = pg_url.split("://", 1)
    user, host = rest.split("@", 1)
    url = f"{scheme}://{user}:{PASSWORD}@{host}"
    upgraded = run_json(capsys, ["db", "upgrade", "--database-url", url])
    info = run_json(capsys, ["info", "--database-url", url])
    status = run_json(capsys, ["db", "status", "--database-url", url])
    for payload in (upgraded, info, status):
        assert PASSWORD not in json.dumps(payload)
        assert f"{user}:***@" in payload["database"]
    assert info["schema_version"] == head_revision()
    assert status["server"].startswith("PostgreSQL")
    assert call(["db", "status", "--database-url", url]) == 0  # text output
    out, err = capsys.readouterr()
    assert PASSWORD not in out + err


# -- the console script ------------------------------------------------------------------------


def takt(*args: str) -> subprocess.CompletedProcess[str]:
    assert TAKT.is_file(), f"the console script is not installed at {TAKT}"
    return subprocess.run(
        [str(TAKT), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_console_script_upgrades(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_url(tmp_path / "takt.db")
    up = takt("db", "upgrade", "--database-url", url, "--json")
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout) == {
        "database": url,
        "schema_version": head_revision(),
        "up_to_date": True,
    }
    # the schema the console script wrote is the one this process reads
    assert run_json(capsys, ["info", "--database-url", url])["counts"]["machines"] == 0


def test_console_script_user_error_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_text("not a database\n" * 100)
    proc = takt("info", "--database-url", sqlite_url(db))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"takt info: {sqlite_url(db)} is not an SQLite database file "
        "(damaged or another kind of file)"
    ]


# -- takt demo -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_loads_the_foundation_plant_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The foundation issue's minimum demo plant, and no second load into the same database."""
    url = sqlite_url(tmp_path / "demo.db")
    demo = run_json(capsys, ["demo", "--database-url", url])
    counts = demo["counts"]
    assert counts["lines"] == 3
    assert counts["machines"] == 24
    assert counts["operators"] == 60
    assert counts["shifts"] == 3
    assert demo["database"] == url

    # what the database now holds, counted independently of the loader's own report
    held = run_json(capsys, ["info", "--database-url", url])["counts"]
    assert held["plants"] == 1
    assert held["lines"] == 3
    assert held["machines"] == 24
    assert held["operators"] == 60
    assert held["shifts"] == 3
    assert held["open_work_orders"] >= 200
    assert held["work_orders"] == counts["work_orders"]

    line = assert_one_line_error(
        capsys, ["demo", "--database-url", url], "already holds a plant", "empty database"
    )
    assert line.startswith("takt demo: ")
    assert run_json(capsys, ["info", "--database-url", url])["counts"] == held  # unchanged


def test_help_does_not_load_the_database_stack() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from services.cli.main import build_parser\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        build_parser().parse_args(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('sqlalchemy', 'alembic', 'ortools', 'sklearn')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
