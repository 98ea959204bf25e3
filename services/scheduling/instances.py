"""Readers for the classical job-shop (jsp) and flexible job-shop (fjsp) instance files.

jsp: first line ``jobs machines``; then one line per job of ``machine duration`` pairs in
technological order. fjsp (Brandimarte): first line ``jobs machines`` (a third number, the mean
number of machines per operation found in some copies, is accepted and ignored); then one line
per job: the number of operations, then per operation ``k`` followed by ``k`` pairs
``machine time``. Machines are 0-based. Errors name the line, in one sentence.
"""

from __future__ import annotations

from pathlib import Path

from services.scheduling.problem import JobDto, MachineDto, ModeDto, OperationDto, ProblemDto

FORMATS = ("jsp", "fjsp")


class InstanceFormatError(ValueError):
    """An instance file that does not follow its format; the message is one line."""


def _lines(text: str) -> list[tuple[int, list[str]]]:
    """Non-empty lines as (1-based line number, tokens); ``#`` starts a comment."""
    out: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens = raw.split("#", 1)[0].split()
        if tokens:
            out.append((number, tokens))
    return out


def _ints(number: int, tokens: list[str]) -> list[int]:
    values: list[int] = []
    for t in tokens:
        try:
            values.append(int(t))
        except ValueError:
            raise InstanceFormatError(f"line {number}: {t!r} is not a whole number") from None
    return values


def _header(lines: list[tuple[int, list[str]]], allow_third: bool) -> tuple[int, int]:
    if not lines:
        raise InstanceFormatError("the file is empty (expected a first line 'jobs machines')")
    number, tokens = lines[0]
    if len(tokens) < 2 or len(tokens) > (3 if allow_third else 2):
        raise InstanceFormatError(
            f"line {number}: expected 'jobs machines', got {' '.join(tokens)!r}"
        )
    jobs, machines = _ints(number, tokens[:2])
    if jobs <= 0 or machines <= 0:
        raise InstanceFormatError(f"line {number}: jobs and machines must be positive")
    if allow_third and len(tokens) == 3:
        try:
            float(tokens[2])
        except ValueError:
            raise InstanceFormatError(
                f"line {number}: {tokens[2]!r} is not a number (mean machines per operation)"
            ) from None
    return jobs, machines


def _mode(number: int, machine: int, duration: int, machines: int) -> ModeDto:
    if not 0 <= machine < machines:
        raise InstanceFormatError(
            f"line {number}: machine {machine} is out of range 0..{machines - 1}"
        )
    if duration < 0:
        raise InstanceFormatError(f"line {number}: duration {duration} is negative")
    return ModeDto(machine=machine, duration=duration)


def _check_job_count(lines: list[tuple[int, list[str]]], jobs: int) -> None:
    found = len(lines) - 1
    if found != jobs:
        where = f"after line {lines[-1][0]}" if found > jobs else "at the end of the file"
        raise InstanceFormatError(
            f"the header announces {jobs} jobs but {found} job lines follow ({where})"
        )


def parse_jsp(text: str, name: str = "jsp") -> ProblemDto:
    lines = _lines(text)
    n_jobs, n_machines = _header(lines, allow_third=False)
    _check_job_count(lines, n_jobs)
    jobs: list[JobDto] = []
    for j, (number, tokens) in enumerate(lines[1:]):
        values = _ints(number, tokens)
        if len(values) % 2:
            raise InstanceFormatError(
                f"line {number}: job {j} has an odd number of values (expected machine/duration "
                "pairs)"
            )
        ops = tuple(
            OperationDto(
                modes=(_mode(number, values[k], values[k + 1], n_machines),), id=f"{j}.{k // 2}"
            )
            for k in range(0, len(values), 2)
        )
        jobs.append(JobDto(operations=ops, id=str(j)))
    return ProblemDto(
        name=name,
        machines=tuple(MachineDto(id=str(m)) for m in range(n_machines)),
        jobs=tuple(jobs),
        time_unit="unit",
    )


def parse_fjsp(text: str, name: str = "fjsp") -> ProblemDto:
    lines = _lines(text)
    n_jobs, n_machines = _header(lines, allow_third=True)
    _check_job_count(lines, n_jobs)
    jobs: list[JobDto] = []
    for j, (number, tokens) in enumerate(lines[1:]):
        values = _ints(number, tokens)
        n_ops, pos = values[0], 1
        if n_ops <= 0:
            raise InstanceFormatError(f"line {number}: job {j} has {n_ops} operations")
        ops: list[OperationDto] = []
        for o in range(n_ops):
            if pos >= len(values):
                raise InstanceFormatError(
                    f"line {number}: job {j} announces {n_ops} operations but the line ends "
                    f"after {o}"
                )
            k = values[pos]
            pos += 1
            if k <= 0:
                raise InstanceFormatError(
                    f"line {number}: operation {o} of job {j} has {k} eligible machines"
                )
            if pos + 2 * k > len(values):
                raise InstanceFormatError(
                    f"line {number}: operation {o} of job {j} announces {k} machines but the "
                    "line ends early"
                )
            modes = tuple(
                _mode(number, values[pos + 2 * i], values[pos + 2 * i + 1], n_machines)
                for i in range(k)
            )
            if len({m.machine for m in modes}) != len(modes):
                raise InstanceFormatError(
                    f"line {number}: operation {o} of job {j} lists a machine twice"
                )
            pos += 2 * k
            ops.append(OperationDto(modes=modes, id=f"{j}.{o}"))
        if pos != len(values):
            raise InstanceFormatError(
                f"line {number}: job {j} has {len(values) - pos} values after its {n_ops} "
                "operations"
            )
        jobs.append(JobDto(operations=tuple(ops), id=str(j)))
    return ProblemDto(
        name=name,
        machines=tuple(MachineDto(id=str(m)) for m in range(n_machines)),
        jobs=tuple(jobs),
        time_unit="unit",
    )


def load_instance(path: Path | str, fmt: str) -> ProblemDto:
    """Read an instance file; raises InstanceFormatError (one line) on any problem."""
    p = Path(path)
    if fmt not in FORMATS:
        raise InstanceFormatError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstanceFormatError(f"{p}: no such file") from None
    except UnicodeDecodeError:
        raise InstanceFormatError(f"{p}: not a text file") from None
    except OSError as exc:
        raise InstanceFormatError(f"{p}: cannot be read ({exc.strerror})") from None
    parse = parse_jsp if fmt == "jsp" else parse_fjsp
    try:
        return parse(text, name=p.stem)
    except InstanceFormatError as exc:
        raise InstanceFormatError(f"{p.name}: {exc}") from None
