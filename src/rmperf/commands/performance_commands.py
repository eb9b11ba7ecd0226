"""`rmperf period-open|period-run|period-confirm|period-close|period-reopen|period-show` and
`rmperf verify`.

The application side of scoring: the same engine as `rmperf score`, on the imported
lake with the approved target sheets, persisted per period (rmperf.performance). These
commands act as the system (the audit log names "system").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rmperf.commands import setup_django


def register(sub: Any) -> None:
    for name, helptext, handler in (
        ("period-open", "open a performance period (2026-09, 2026Q3, 2026H1, 2026)", cmd_open),
        (
            "period-run",
            "score every RM for a period on the imported lake and store the results "
            "(repeatable until the period is closed)",
            cmd_run,
        ),
        (
            "period-confirm",
            "confirm a computed period's ratings (computed → calibrated) so it can close",
            cmd_confirm,
        ),
        (
            "period-close",
            "close a calibrated period: freeze its results and chain its digest",
            cmd_close,
        ),
        (
            "period-reopen",
            "reopen a closed period with a reason (appended to the digest chain)",
            cmd_reopen,
        ),
        ("period-show", "a period's status, last run and tier distribution", cmd_show),
    ):
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.add_argument("period", help="2026-09, 2026Q3, 2026H1 or 2026")
        if name == "period-run":
            p.add_argument(
                "--scorecard",
                type=Path,
                help="scorecard YAML or folder (default: the active scorecard set of the policies "
                "app, the shipped cards until another is activated)",
            )
            p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
        if name == "period-reopen":
            p.add_argument("--reason", required=True, help="why the period is reopened")
        p.set_defaults(handler=handler)
    v = sub.add_parser(
        "verify",
        help="check the closed periods' digest chain and the audit log for tampering",
        description="Recompute every closed period's result digests and the chain between "
        "closes, and the audit log's hash chain. Exit 0: intact; 1: problems (listed).",
    )
    v.set_defaults(handler=cmd_verify)


def _fail(message: object) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _guard(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from rmperf.performance.services.periods import REFUSALS

    try:
        return fn(*args, **kwargs)
    except REFUSALS as exc:
        return exc


def cmd_open(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.performance.services.periods import period_open

    out = _guard(period_open, actor=None, key=args.period)
    if isinstance(out, Exception):
        return _fail(out)
    print(f"period {out.key} ({out.start} – {out.end}): {out.status}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.performance.selectors import tier_counts
    from rmperf.performance.services.runs import period_run

    run = _guard(
        period_run, actor=None, key=args.period, scorecards=args.scorecard, backend=args.engine
    )
    if isinstance(run, Exception):
        return _fail(run)
    for staff_id, why in sorted(run.skipped.items()):
        print(f"warning: {staff_id} not scored: {why}", file=sys.stderr)
    counts = ", ".join(f"{tier} {n:,}" for tier, _label, n in tier_counts(period=run.period))
    versions = ", ".join(f"{k} {v}" for k, v in sorted(run.policy_versions.items()))
    used = run.policy.label if run.policy is not None else run.policy_label
    print(
        f"period {run.period.key}: {run.result_count:,} RMs scored ({counts}); run {run.run_id}; "
        f"scorecards {used} ({versions}); lake import #{run.lake_import_id}; "
        f"inputs {run.inputs_digest[:12]}"
    )
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.performance.services.calibration import period_confirm_calibration

    out = _guard(period_confirm_calibration, actor=None, key=args.period)
    if isinstance(out, Exception):
        return _fail(out)
    print(f"period {out.key}: {out.status}")
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.performance.services.chain import period_close

    out = _guard(period_close, actor=None, key=args.period)
    if isinstance(out, Exception):
        return _fail(out)
    print(f"period {out.key}: closed (#{out.close_seq}), digest {out.digest}")
    return 0


def cmd_reopen(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.performance.services.chain import period_reopen

    out = _guard(period_reopen, actor=None, key=args.period, reason=args.reason)
    if isinstance(out, Exception):
        return _fail(out)
    entry = out.chain.order_by("-seq").first()
    print(f"period {out.key}: reopened (#{entry.seq}), {out.status}; digest {entry.digest}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.engine.periods import Period
    from rmperf.performance.models import PerfPeriod
    from rmperf.performance.selectors import tier_counts

    try:
        key = Period.parse(args.period).key
    except ValueError as exc:
        return _fail(exc)
    period = PerfPeriod.objects.filter(key=key).first()
    if period is None:
        return _fail(f"period {key} is not open")
    run = period.runs.filter(status="succeeded").first()
    print(f"period {period.key} ({period.start} – {period.end}): {period.status}")
    if run is not None:
        print(f"  last run {run.run_id} at {run.finished_at:%Y-%m-%d %H:%M} by {run.actor_label}")
        print(f"  inputs digest {run.inputs_digest}")
        if run.manual_digest:
            print(f"  manual scores digest {run.manual_digest}")
    for tier, _label, n in tier_counts(period=period):
        print(f"  {tier:<14} {n:>6,}")
    if period.digest:
        print(f"  close digest {period.digest}")
    for entry in period.chain.order_by("seq"):
        why = f": {entry.reason}" if entry.reason else ""
        print(f"  #{entry.seq} {entry.kind} {entry.at:%Y-%m-%d %H:%M} by {entry.actor_label}{why}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.core.audit import audit_verify
    from rmperf.pay.models import PayRun
    from rmperf.pay.services import pay_chain_verify
    from rmperf.performance.models import ChainEntry, PerfPeriod
    from rmperf.performance.services.chain import chain_verify

    problems = chain_verify() + pay_chain_verify() + [f"audit log: {p}" for p in audit_verify()]
    closed = PerfPeriod.objects.filter(status="closed").count()
    links = ChainEntry.objects.count()
    approvals = PayRun.objects.filter(approval_seq__isnull=False).count()
    if problems:
        for p in problems:
            print(f"TAMPERED: {p}")
        print(
            f"{len(problems)} problem(s) in {closed} closed period(s), {links} close/reopen "
            f"entries, {approvals} pay approval(s) and the audit log"
        )
        return 1
    print(
        f"ok: {closed} closed period(s), {links} close/reopen entries, {approvals} pay "
        "approval(s) and the audit log verify"
    )
    return 0
