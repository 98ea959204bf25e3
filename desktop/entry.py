"""The ``takt`` console script: every services subcommand plus ``takt run`` (the GUI) and
``takt --self-test`` (the installer's check). Qt is imported only when a window is wanted."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from services.cli.common import positive_float
from services.cli.main import run as run_cli


def _register_run(sub: argparse._SubParsersAction, parents: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "run",
        parents=[parents],
        help="open the control room (the default embedded database unless configured)",
    )
    p.add_argument(
        "--user", default=None, help="sign in as this user (default: TAKT_USER or admin)"
    )
    p.add_argument("--offscreen", action="store_true", help="no visible window (smoke tests)")
    p.add_argument(
        "--quit-after",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="close by itself after this many seconds (smoke tests)",
    )
    p.add_argument(
        "--no-demo", action="store_true", help="do not load the demo plant on first start"
    )
    p.set_defaults(handler=_run_gui)


def _run_gui(args: argparse.Namespace) -> int:
    if args.offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from desktop.app import run_gui

    return run_gui(args)


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--self-test"]:
        from desktop.self_test import run_self_test

        sys.exit(run_self_test(args[1:]))
    from desktop.dashboard.cli import register as register_report

    sys.exit(run_cli(args, extra=[_register_run, register_report]))


def gui_main() -> None:
    """The windowed executable: ``takt run`` unless told otherwise."""
    argv = sys.argv[1:]
    main(argv if argv else ["run"])
