"""The `rmperf` command: engine commands (stateless, no database), the app's import and
demo, and every Django management command passed through (`rmperf migrate`, …)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DEMO_PASSWORD = "rmperf-demo"  # noqa: S105 - printed by `rmperf demo`; a demo bank holds no real data
DEMO_SEED = 7
DEFAULT_SETTINGS = "rmperf.config.settings"

#: Our own subcommands; anything else is handed to Django's management utility.
Handler = Callable[[argparse.Namespace], int]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django

    django.setup()


def _bank_today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


# --- generate ---------------------------------------------------------------------------


def cmd_generate(args: argparse.Namespace) -> int:
    from rmperf.synth import generate

    if args.end < args.start:
        print(f"error: --end {args.end} is before --start {args.start}", file=sys.stderr)
        return 2
    report = generate(
        scale=args.scale,
        seed=args.seed,
        out=args.out,
        start=args.start,
        end=args.end,
        fmt=args.format,
        progress=_progress_printer() if not args.quiet else None,
    )
    total = sum(report.rows.values())
    for table_name, rows in report.rows.items():
        print(f"  {table_name:<14} {rows:>12,}")
    rate = total / report.seconds if report.seconds else float("inf")
    print(f"wrote {total:,} rows to {args.out} in {report.seconds:.1f} s ({rate:,.0f} rows/s)")
    return 0


def _progress_printer() -> Callable[[str, int, int], None]:
    last: dict[str, int] = {}

    def show(table_name: str, done: int, total: int) -> None:
        pct = 100 * done // total if total else 100
        if last.get(table_name) == pct:
            return
        last[table_name] = pct
        end = "\n" if done >= total else "\r"
        print(f"  {table_name:<14} {pct:3d}%", end=end, file=sys.stderr, flush=True)

    return show


# --- validate (engine only) ---------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from rmperf.engine.validate import validate_lake

    today = args.today or dt.datetime.now(dt.UTC).date()
    result = validate_lake(args.lake, today=today)
    _print_validation(result, args.lake)
    return 0 if result.ok else 1


def _print_validation(result: Any, lake: Path) -> None:
    for problem in result.problems:
        print(f"  problem: {problem}")
    for name, summary in result.summaries.items():
        flag = f"  → {lake / '_rejects' / (name + '.csv')}" if summary.rejected else ""
        print(f"  {name:<14} {summary.rows:>12,} rows {summary.rejected:>8,} rejected{flag}")
    print(
        f"{result.total_rows:,} rows checked, {result.total_rejected:,} rejected, "
        f"{len(result.problems)} file problems"
    )


# --- import -------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    _setup_django()
    from rmperf.lakes.selectors import lake_import_summary
    from rmperf.lakes.services import lake_import

    if not args.lake.is_dir():
        print(f"error: {args.lake} is not a directory", file=sys.stderr)
        return 2
    run = lake_import(actor=None, lake_dir=args.lake, today=args.today or _bank_today())
    print(lake_import_summary(lake_import=run))
    if run.status == "failed":
        return 2
    return 1 if run.rejected else 0


# --- demo and serve -----------------------------------------------------------------------


def _demo_lake(home: Path, *, scale: str, seed: int) -> Path:
    from rmperf.synth import generate

    lake = home / f"demo-lake-{scale}-{seed}"
    marker = lake / "_rmperf_demo.json"
    wanted = {"scale": scale, "seed": seed}
    if marker.exists() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        print(f"demo bank already generated at {lake}")
        return lake
    if lake.exists():
        import shutil

        shutil.rmtree(lake)
    print(f"generating the demo bank ({scale}, seed {seed}) into {lake} …")
    report = generate(scale=scale, seed=seed, out=lake, progress=_progress_printer())
    marker.write_text(json.dumps(wanted), encoding="utf-8")
    print(f"  {sum(report.rows.values()):,} rows in {report.seconds:.1f} s")
    return lake


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from rmperf.lakes.demo import demo_users_ensure
    from rmperf.lakes.selectors import lake_import_summary
    from rmperf.lakes.services import lake_import
    from rmperf.synth import CASE_RM_STAFF_ID

    home = Path(settings.HOME_DIR)
    home.mkdir(parents=True, exist_ok=True)
    lake = _demo_lake(home, scale=args.scale, seed=args.seed)
    print("migrating the database …")
    call_command("migrate", interactive=False, verbosity=0)
    print("importing the demo bank …")
    run = lake_import(actor=None, lake_dir=lake, today=_bank_today())
    print(lake_import_summary(lake_import=run))
    if run.status == "failed":
        return 2
    call_command("collectstatic", interactive=False, verbosity=0)
    logins = demo_users_ensure(password=DEMO_PASSWORD, case_rm_id=CASE_RM_STAFF_ID)
    print("\nlogins (password for all: " + DEMO_PASSWORD + ")")
    print(f"  {'admin':<16} superuser (Django admin)")
    for role, username, name in logins:
        print(f"  {username:<16} {role:<16} {name}")
    if args.no_serve:
        return 0
    return _serve(host=args.host, port=args.port, workers=args.workers)


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    return _serve(host=args.host, port=args.port, workers=args.workers)


def _serve(*, host: str, port: int, workers: int) -> int:
    print(f"\nserving RM Perf on http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "rmperf.config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--timeout",
        "120",
    ]
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with the server


# --- parser -------------------------------------------------------------------------------


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

    gen = sub.add_parser(
        "generate",
        help="write a synthetic bank as a data lake",
        description="Write a synthetic bank in the lake contract "
        "(docs/data-format.md). Deterministic for a seed.",
    )
    gen.add_argument(
        "--scale",
        choices=("tiny", "small", "medium", "large"),
        default="tiny",
        help="tiny ≈ 400 customers, small ≈ 20k, medium ≈ 200k, large ≈ 2M",
    )
    gen.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    gen.add_argument("--out", type=Path, required=True, help="lake directory to create")
    gen.add_argument(
        "--start",
        type=_date,
        default=dt.date(2024, 1, 1),
        help="first day of history (default 2024-01-01)",
    )
    gen.add_argument(
        "--end",
        type=_date,
        default=dt.date(2026, 9, 30),
        help="last day of history (default 2026-09-30)",
    )
    gen.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="file format (default parquet)",
    )
    gen.add_argument("--quiet", action="store_true", help="no progress output")
    gen.set_defaults(handler=cmd_generate)

    val = sub.add_parser(
        "validate",
        help="check a lake against the contract (no database)",
        description="Validate every table of a lake; bad rows go to "
        "DIR/_rejects/<table>.csv. Exit 1 when anything was rejected.",
    )
    val.add_argument("lake", type=Path, help="lake directory")
    val.add_argument("--today", type=_date, help="validation day (default: today)")
    val.set_defaults(handler=cmd_validate)

    imp = sub.add_parser(
        "import",
        help="validate a lake and load it into the app",
        description="Validate every table, load org, staff, customers, "
        "assignments and products into the database and register the fact "
        "tables. Bad rows go to DIR/_rejects/<table>.csv. Exit 0: clean; "
        "1: rows rejected; 2: the import failed and nothing was written.",
    )
    imp.add_argument("lake", type=Path, help="lake directory")
    imp.add_argument("--today", type=_date, help="validation day (default: today in bank time)")
    imp.set_defaults(handler=cmd_import)

    for name, helptext, handler in (
        ("demo", "generate and import the demo bank, create demo logins, serve", cmd_demo),
        ("serve", "serve the web app", cmd_serve),
    ):
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        p.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
        if name == "demo":
            p.add_argument(
                "--no-serve", action="store_true", help="do everything but serving, then exit 0"
            )
            p.add_argument(
                "--scale",
                choices=("tiny", "small", "medium"),
                default="small",
                help="size of the demo bank (default small)",
            )
            p.add_argument("--seed", type=int, default=DEMO_SEED, help="seed of the demo bank")
        p.set_defaults(handler=handler)
    return parser


OWN_COMMANDS = frozenset({"generate", "validate", "import", "demo", "serve"})


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and not args_list[0].startswith("-") and args_list[0] not in OWN_COMMANDS:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
        from django.core.management import execute_from_command_line

        execute_from_command_line(["rmperf", *args_list])
        return 0
    parser = build_parser()
    args = parser.parse_args(args_list)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
