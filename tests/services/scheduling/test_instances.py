from __future__ import annotations

from pathlib import Path

import pytest

from services.scheduling.instances import (
    InstanceFormatError,
    load_instance,
    parse_fjsp,
    parse_jsp,
)
from tests.datasets import shared_data


def test_jsp_reads_machine_duration_pairs() -> None:
    p = parse_jsp("2 3\n0 5 1 4 2 3\n2 2 0 7\n", name="tiny")
    assert p.name == "tiny"
    assert len(p.machines) == 3
    assert [[(m.machine, m.duration) for o in j.operations for m in o.modes] for j in p.jobs] == [
        [(0, 5), (1, 4), (2, 3)],
        [(2, 2), (0, 7)],
    ]


def test_fjsp_reads_alternatives_and_ignores_a_third_header_number() -> None:
    text = "2 3 1.5\n2  2 0 5 1 6  1 2 4\n1  3 0 1 1 2 2 3\n"
    p = parse_fjsp(text)
    first = p.jobs[0].operations
    assert [(m.machine, m.duration) for m in first[0].modes] == [(0, 5), (1, 6)]
    assert [(m.machine, m.duration) for m in first[1].modes] == [(2, 4)]
    assert len(p.jobs[1].operations[0].modes) == 3


def test_ft06_and_mk01_from_the_shared_data() -> None:
    ft06 = load_instance(shared_data("scheduling", "jsp", "ft", "ft06.txt"), "jsp")
    assert (len(ft06.jobs), len(ft06.machines), ft06.operation_count) == (6, 6, 36)
    mk01 = load_instance(shared_data("scheduling", "fjsp", "brandimarte", "mk01.txt"), "fjsp")
    assert (len(mk01.jobs), len(mk01.machines), mk01.operation_count) == (10, 6, 55)


@pytest.mark.parametrize(
    ("fmt", "text", "fragment"),
    [
        ("jsp", "", "empty"),
        ("jsp", "2\n0 1\n", "line 1: expected 'jobs machines'"),
        ("jsp", "1 2\n0 5 1\n", "line 2: job 0 has an odd number"),
        ("jsp", "1 2\n0 5 2 3\n", "line 2: machine 2 is out of range 0..1"),
        ("jsp", "1 2\n0 x\n", "line 2: 'x' is not a whole number"),
        ("jsp", "2 2\n0 5 1 3\n", "announces 2 jobs but 1 job lines follow"),
        ("jsp", "1 2\n0 -5\n", "duration -5 is negative"),
        ("fjsp", "1 2\n2 1 0 5\n", "announces 2 operations but the line ends"),
        ("fjsp", "1 2\n1 2 0 5\n", "announces 2 machines but the line ends early"),
        ("fjsp", "1 2\n1 2 0 5 0 6\n", "lists a machine twice"),
        ("fjsp", "1 2\n1 1 0 5 9\n", "1 values after its 1 operations"),
    ],
)
def test_malformed_files_are_named_by_line(fmt: str, text: str, fragment: str) -> None:
    parse = parse_jsp if fmt == "jsp" else parse_fjsp
    with pytest.raises(InstanceFormatError) as err:
        parse(text)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_load_instance_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("1 1\n0\n")
    with pytest.raises(InstanceFormatError, match=r"^bad\.txt: line 2"):
        load_instance(bad, "jsp")
    with pytest.raises(InstanceFormatError, match="no such file"):
        load_instance(tmp_path / "missing.txt", "jsp")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InstanceFormatError, match="not a text file"):
        load_instance(binary, "jsp")
    with pytest.raises(InstanceFormatError, match="unknown format"):
        load_instance(bad, "csv")
