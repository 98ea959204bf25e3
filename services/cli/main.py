"""``takt``: the command line of Takt Control Room.

Each feature module listed in ``FEATURES`` exposes ``register(subparsers, parents)`` and adds its
subcommands with ``set_defaults(handler=...)``; a handler returns the exit code. Feature modules
keep heavy imports (OR-Tools, scikit-learn, ultralytics) inside their handlers, so ``takt --help``
stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from domain.errors import DomainError
from services.cli.common import EXIT_USAGE, CliError, Parser, common_options
from services.errors import ServiceError

log = logging.getLogger(__name__)

# The order is the order of `takt --help`.
FEATURES: tuple[str, ...] = (
    "services.cli.db_commands",
    "services.cli.demo_commands",
    "services.scheduling.cli",
    "services.rostering.cli",
    "services.vision_cli",
    "services.analytics.cli",
    "services.allocation.cli",
    "services.alerts.cli",
    "services.simulation.cli",
    "services.imports.cli",
    "services.operations.cli",
)

Extender = Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]  # type: ignore[type-arg]


def build_parser(extra: Sequence[Extender] = ()) -> Parser:
    parser = Parser(prog="takt", description="Takt Control Room: the factory control room.")
    parser.add_argument(
        "--version", dest="show_version", action="store_true", help="print the version and exit"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    parents = common_options()
    for extend in extra:
        extend(sub, parents)
    for name in FEATURES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a feature not built yet: skip only that module
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue
            raise
        module.register(sub, parents)
    return parser


def _configure_console_logging(*, verbose: bool) -> None:
    """One console handler for the process (run() may be called many times, e.g. in tests)."""
    root = logging.getLogger()
    level = logging.INFO if verbose else logging.WARNING
    console = next((h for h in root.handlers if getattr(h, "_takt_console", False)), None)
    if console is None:
        console = logging.StreamHandler()
        console._takt_console = True  # type: ignore[attr-defined]
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)
    console.setLevel(level)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)


def run(argv: Sequence[str] | None = None, extra: Sequence[Extender] = ()) -> int:
    """Parse and run one command; user errors become one line on stderr and exit code 2."""
    parser = build_parser(extra)
    args = parser.parse_args(argv)
    _configure_console_logging(verbose=args.verbose)
    if args.show_version:
        from services.version import __version__

        print(__version__)  # noqa: T201
        return 0
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(handler(args))
    except CliError as exc:
        sys.stderr.write(f"takt {args.command}: {exc}\n")
        return exc.exit_code
    except (DomainError, ServiceError) as exc:
        sys.stderr.write(f"takt {args.command}: {exc.message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write(f"takt {args.command}: interrupted\n")
        return 130


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
