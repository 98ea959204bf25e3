"""Reading CSV files: a clear sentence for every malformed file, row numbers as in a sheet."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.imports.csvfile import CsvFormatError, read_table

KNOWN = ("employee_id", "first_name", "last_name", "email")
REQUIRED = ("employee_id", "first_name", "last_name")


def read(tmp_path: Path, data: bytes) -> object:
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    return read_table(path, KNOWN, REQUIRED)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "people.csv is empty"),
        (b"\n  \n", "people.csv is empty"),
        (
            b"employee_id;first_name;last_name\nE1;a;b\n",
            "people.csv is separated by semicolons, not commas",
        ),
        (b"employee_id\tfirst_name\tlast_name\nE1\ta\tb\n", "is separated by tabs, not commas"),
        (b"E1,Ann,Lee\nE2,Bo,Kim\n", "people.csv has no header row: the first line must name"),
        (
            "employee_id,first_name,last_name\nE1,Jörg,B\n".encode("cp1252"),
            "people.csv is not UTF-8 text (byte 0xf6 on line 2): save it as UTF-8",
        ),
        (b"PK\x03\x04\x00\x00binary", "people.csv is not a text file"),
        (b"employee_id,first_name,last_name\n", "people.csv has a header but no rows"),
        (
            b"employee_id,first_name,lastname\nE1,a,b\n",
            "unknown column(s) 'lastname' (did you mean 'last_name'?)",
        ),
        (b"employee_id,first_name\nE1,a\n", "lacks the required column(s): last_name"),
        (b"employee_id,first_name,last_name,first_name\nE1,a,b,c\n", "'first_name' twice"),
        (b'employee_id,first_name,last_name\nE1,"a,b\n', "people.csv is not valid CSV"),
    ],
)
def test_malformed_files_get_one_clear_sentence(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(CsvFormatError) as exc:
        read(tmp_path, data)
    assert message in str(exc.value)


def test_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    data = (
        "\ufeffEmployee ID, First Name ,last-name,email\r\n"
        'E1,"Ann\nMarie",Lee,\r\n'
        "\r\n"
        "E2,Bo,Kim,bo@example.com\r\n"
    ).encode()
    table = read(tmp_path, data)
    assert table.columns == ("employee_id", "first_name", "last_name", "email")  # type: ignore[attr-defined]
    rows = table.rows  # type: ignore[attr-defined]
    assert [r.number for r in rows] == [2, 5]  # the quoted value spans lines 2-3, line 4 is blank
    assert rows[0].values == {"employee_id": "E1", "first_name": "Ann\nMarie", "last_name": "Lee"}
    assert rows[1].values["email"] == "bo@example.com"
