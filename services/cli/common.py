"""What every subcommand shares: one-line errors with exit code 2, JSON output, common options."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn

EXIT_OK = 0
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """A user error: printed as one line on stderr, exit code 2, never a traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = code


class Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line (``takt: error: ...``) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand accepts (used as a parent parser)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--database-url",
        default=None,
        help="database URL (default: TAKT_DATABASE_URL or the embedded SQLite file)",
    )
    p.add_argument(
        "--redis-url",
        default=None,
        help="Redis URL of the shared change feed (default: TAKT_REDIS_URL or none: in-process)",
    )
    p.add_argument(
        "--seat", default=None, help="seat (workstation) name (default: TAKT_SEAT or the host name)"
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    return p


def _default(o: object) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    if isinstance(o, Enum):
        return o.value
    if isinstance(o, Path):
        return str(o)
    if is_dataclass(o) and not isinstance(o, type):
        return asdict(o)
    if isinstance(o, set | frozenset | tuple):
        return list(o)
    raise TypeError(f"cannot encode {type(o).__name__} as JSON")


def to_json(payload: object) -> str:
    return json.dumps(payload, default=_default, ensure_ascii=False)


def emit(args: argparse.Namespace, payload: object, text: str | None = None) -> None:
    """Print ``payload`` as JSON with --json, otherwise ``text`` (or a readable rendering)."""
    if getattr(args, "json", False) or text is None:
        sys.stdout.write(to_json(payload) + "\n")
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")
    sys.stdout.flush()


def existing_file(value: str) -> Path:
    """argparse type: a path that must exist and be a file."""
    path = Path(value)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{value}: no such file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{value}: not a file")
    return path


def positive_float(value: str) -> float:
    try:
        f = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if f <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be positive")
    return f


def positive_int(value: str) -> int:
    try:
        i = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if i <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be positive")
    return i
