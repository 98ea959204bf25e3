"""The Curtois & Qu reader on every shared instance and on broken text."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.rules.rostering import Contract
from services.rostering.benchmark_format import InstanceFormatError, parse_instance
from tests.datasets import shared_data, shared_data_dir

INSTANCES = sorted(p.name for p in (shared_data_dir() / "rostering").glob("Instance*.txt"))


def _rows(text: str, section: str) -> list[list[str]]:
    """The data rows of one section, split independently of the reader."""
    out: list[list[str]] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("SECTION_"):
            inside = line == section
        elif inside and line and not line.startswith("#"):
            out.append(line.split(","))
    return out


def test_the_shared_data_set_is_there() -> None:
    shared_data("rostering", "MANIFEST.md")
    assert len(INSTANCES) == 9, INSTANCES


@pytest.mark.parametrize("name", INSTANCES)
def test_every_shared_instance_parses_completely(name: str) -> None:
    path: Path = shared_data("rostering", name)
    text = path.read_text(encoding="utf-8")
    problem = parse_instance(text, path.stem)
    assert problem.horizon == int(_rows(text, "SECTION_HORIZON")[0][0])
    assert [s.id for s in problem.shifts] == [r[0] for r in _rows(text, "SECTION_SHIFTS")]
    staff_rows = _rows(text, "SECTION_STAFF")
    assert [e.id for e in problem.staff] == [r[0] for r in staff_rows]
    on = _rows(text, "SECTION_SHIFT_ON_REQUESTS")
    off = _rows(text, "SECTION_SHIFT_OFF_REQUESTS")
    assert len(problem.requests) == len(on) + len(off)
    assert sum(r.on for r in problem.requests) == len(on)
    assert sum(int(r[3]) for r in on) == sum(r.weight for r in problem.requests if r.on)
    cover = _rows(text, "SECTION_COVER")
    assert len(problem.cover) == len(cover)
    assert sum(int(r[2]) for r in cover) == sum(c.requirement for c in problem.cover)
    # the first staff row, field by field
    first = staff_rows[0]
    c: Contract = problem.staff[0].contract
    limits = dict(item.split("=") for item in first[1].split("|"))
    assert c.max_shifts == {k: int(v) for k, v in limits.items()}
    assert (c.max_total_minutes, c.min_total_minutes) == (int(first[2]), int(first[3]))
    assert (c.max_consecutive_shifts, c.min_consecutive_shifts) == (int(first[4]), int(first[5]))
    assert (c.min_consecutive_days_off, c.max_weekends) == (int(first[6]), int(first[7]))
    days_off = {r[0]: {int(d) for d in r[1:] if d} for r in _rows(text, "SECTION_DAYS_OFF")}
    for e in problem.staff:
        assert set(e.contract.days_off) == days_off.get(e.id, set())
    forbidden = {r[0]: {f for f in r[2].split("|") if f} for r in _rows(text, "SECTION_SHIFTS")}
    assert {s.id: set(s.forbidden_next) for s in problem.shifts} == forbidden


GOOD = """SECTION_HORIZON
7
SECTION_SHIFTS
D,480,
N,600,D
SECTION_STAFF
A,D=7|N=2,2400,960,5,2,2,1
SECTION_DAYS_OFF
A,3
SECTION_SHIFT_ON_REQUESTS
A,0,D,2
SECTION_SHIFT_OFF_REQUESTS
A,1,N,3
SECTION_COVER
0,D,1,100,1
"""


def test_a_small_text_parses() -> None:
    p = parse_instance(GOOD, "good")
    assert p.horizon == 7
    assert p.shift_map()["N"].forbidden_next == frozenset({"D"})
    assert p.staff[0].contract.days_off == frozenset({3})
    assert [(r.day, r.shift, r.weight, r.on) for r in p.requests] == [
        (0, "D", 2, True),
        (1, "N", 3, False),
    ]


@pytest.mark.parametrize(
    ("bad", "good", "message"),
    [
        ("N,600,D", "N,600,X", "line 5: unknown shift 'X'"),
        ("A,3\n", "A,9\n", "line 9: day 9 is outside the horizon"),
        ("A,0,D,2", "Z,0,D,2", "line 11: unknown staff id 'Z'"),
        ("0,D,1,100,1", "0,D,one,100,1", "line 15: a requirement must be a whole number"),
        ("SECTION_COVER", "SECTION_COVERS", "line 14: unknown section SECTION_COVERS"),
        ("A,D=7|N=2,", "A,D7|N=2,", "max shifts must look like D=14"),
        ("SECTION_HORIZON\n7", "SECTION_HORIZON\nseven", "the horizon must be a whole number"),
    ],
)
def test_broken_text_names_the_line(bad: str, good: str, message: str) -> None:
    text = GOOD.replace(bad, good)
    assert text != GOOD
    with pytest.raises(InstanceFormatError) as info:
        parse_instance(text, "broken")
    assert message in str(info.value)


def test_missing_sections_are_reported() -> None:
    with pytest.raises(InstanceFormatError, match="no SECTION_STAFF"):
        parse_instance("SECTION_HORIZON\n7\nSECTION_SHIFTS\nD,480,\n", "short")
    with pytest.raises(InstanceFormatError, match="data before the first section"):
        parse_instance("7\n", "nohead")
