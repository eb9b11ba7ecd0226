"""Rows for the landing-page tests, written directly (the engine and the services that
make them in production have their own tests): a scored quarter and a target sheet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from rmperf.core.runs import RunStatus
from rmperf.engine.periods import Period, PeriodKind
from rmperf.org.models import Staff
from rmperf.performance.models import (
    LineResult,
    PerfPeriod,
    PeriodStatus,
    RmResult,
    ScoringRun,
    SheetStatus,
    TargetLine,
    TargetSheet,
)


def this_quarter() -> Period:
    return Period.containing(timezone.localdate(), PeriodKind.QUARTER)


def scored_quarter(status: str = PeriodStatus.COMPUTED) -> tuple[PerfPeriod, ScoringRun]:
    """Today's quarter, opened and scored once."""
    q = this_quarter()
    now = timezone.now()
    period = PerfPeriod.objects.create(
        key=q.key, kind="quarter", start=q.start, end=q.end, status=status, opened_at=now
    )
    run = ScoringRun.objects.create(
        period=period, lake_path="/lake", policy_digest="p", targets_digest="t",
        inputs_digest="i", started_at=now, finished_at=now, actor_label="system",
        status=RunStatus.SUCCEEDED,
    )  # fmt: skip
    return period, run


def result(
    period: PerfPeriod,
    run: ScoringRun,
    staff: Staff,
    total: str,
    tier: str,
    lines: list[tuple[str, str | None, str | None]],
) -> RmResult:
    """A result with lines (indicator, value, target); completion = value ÷ target."""
    r = RmResult.objects.create(
        period=period, run=run, staff=staff, scorecard="retail_rm", policy_version="v",
        base=Decimal(total), bonus=Decimal(0), deduction=Decimal(0), total=Decimal(total),
        tier=tier, rated_tier=tier,
    )  # fmt: skip
    for i, (indicator, value, target) in enumerate(lines):
        completion = (
            (Decimal(value) / Decimal(target)).quantize(Decimal("0.0001"))
            if value is not None and target is not None
            else None
        )
        LineResult.objects.create(
            result=r, position=i, line=indicator, indicator=indicator, method="computed",
            weight=Decimal("0.5"), value=Decimal(value) if value is not None else None,
            target=Decimal(target) if target is not None else None, completion=completion,
        )  # fmt: skip
    return r


def sheet(
    staff: Staff,
    year: int,
    lines: dict[str, str],
    *,
    proposed_by: object = None,
    status: str = SheetStatus.PROPOSED,
) -> TargetSheet:
    """A target sheet whose every quarter target is `lines[indicator]` (annual: 4×)."""
    s = TargetSheet.objects.create(
        staff=staff, year=year, status=status, proposed_by=proposed_by,
        proposed_at=timezone.now() - dt.timedelta(days=1),
    )  # fmt: skip
    for indicator, q in lines.items():
        TargetLine.objects.create(
            sheet=s, indicator=indicator, annual=Decimal(q) * 4,
            q1=Decimal(q), q2=Decimal(q), q3=Decimal(q), q4=Decimal(q),
        )  # fmt: skip
    return s
