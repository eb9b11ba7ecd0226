"""The `rmperf` command: engine commands (stateless, no database), the app's import and
demo, and every Django management command passed through (`rmperf migrate`, …)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from rmperf.commands import COMMAND_MODULES, DEFAULT_SETTINGS, Handler


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rmperf",
        description=(
            "RM Perf: performance management and customer operations for bank relationship "
            "managers. Any other command is a Django management command "
            "(e.g. `rmperf migrate`, `rmperf createsuperuser`, `rmperf help`)."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def own_commands() -> frozenset[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return frozenset(sub.choices)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if args_list and not args_list[0].startswith("-") and args_list[0] not in own_commands():
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
        from django.core.management import execute_from_command_line

        execute_from_command_line(["rmperf", *args_list])
        return 0
    args = parser.parse_args(args_list)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
