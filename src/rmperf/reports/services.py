"""Generating the monthly work reports (月度工作报告): one per RM employed in the month,
figures frozen at generation, every new report audited (shared/STYLE.md convention 2).

The lake's side (contacts, customers served per working day) comes from the engine
(`engine.monthly_report`); the rest from the app's own rows as they stand at generation:
the engine's tier migration over the month (tier movement of the book), the approved target sheet and the
quarter's stored scoring result (targets, 序时进度, the quarter's score so far), the
referrals and points ledger, the tasks. The generator reads as the system, across the
whole bank, as every batch run does; people read reports only through the selectors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from rmperf.core.actors import Actor, user_of
from rmperf.core.audit import audit_record
from rmperf.engine.analysis.calendar import CalendarError
from rmperf.engine.indicators.library import LIBRARY
from rmperf.engine.lake import Lake
from rmperf.engine.monthly_report import (
    MonthActivity,
    MonthReportError,
    first_working_day,
    month_activity,
    month_due,
)
from rmperf.engine.periods import Period, PeriodKind
from rmperf.engine.segmentation.migration import (
    ACTIVE_TIERS,
    GONE,
    NEW,
    Scope,
    segment_migration,
)
from rmperf.lakes.selectors import lake_current
from rmperf.org.models import Staff
from rmperf.performance.models import RmResult, SheetStatus, TargetSheet
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_active, policy_loaded
from rmperf.referrals.models import PointsEntry, Referral, State
from rmperf.reports.models import MonthlyReport
from rmperf.tasks.models import Interaction, Task, TaskStatus

GENERATE_VERB = "reports.monthly.generate"
#: Tiers from best to worst, for "moved up / down". `other` (the seed's unnamed customers,
#: 90 < R < 180 or too few transactions) sits above `sleeping` (no transaction in six
#: months), so waking a sleeping customer into `other` counts as a move up.
TIER_RANK = {"core": 0, "potential": 1, "basic": 2, "other": 3, "sleeping": 4}
FOUR = Decimal("0.0001")
ACTIVE = frozenset(t.value for t in ACTIVE_TIERS)


class ReportRefused(Exception):
    """A generation that cannot run: a month not over, no lake, no calendar for the year."""


@dataclass(frozen=True)
class GenerateResult:
    """What one generation did."""

    month: str
    created: int
    existing: int


def _month(key: str) -> Period:
    try:
        month = Period.parse(key)
    except ValueError as exc:
        raise ReportRefused(str(exc)) from None
    if month.kind is not PeriodKind.MONTH:
        raise ReportRefused(f"{key!r} is not a month (use YYYY-MM, e.g. 2026-11)")
    return month


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _bank_day(ts: dt.datetime) -> dt.date:
    return timezone.localtime(ts).date()


def _month_bounds(month: Period) -> tuple[dt.datetime, dt.datetime]:
    """The month as [start, end) instants in the bank's time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(month.start, dt.time(), zone)
    end = dt.datetime.combine(month.end + dt.timedelta(days=1), dt.time(), zone)
    return start, end


def _rms(month: Period) -> list[Staff]:
    """Every RM hired by the month's last day (the app keeps no leaving date)."""
    return list(
        Staff.objects.filter(role="rm", hired_on__lte=month.end)
        .select_related("unit")
        .order_by("staff_id")
    )


def _activity(staff: Staff, month: Period, activity: MonthActivity) -> dict[str, Any]:
    rm = activity.of(staff.staff_id)
    start, end = _month_bounds(month)
    logged = Interaction.objects.filter(staff=staff, ts__gte=start, ts__lt=end).count()
    return {
        "contacts": rm.contacts,
        "customers_contacted": rm.customers_contacted,
        "customer_days": rm.customer_days,
        "working_days": activity.working_days,
        "served_per_day": _text(activity.served_per_day(staff.staff_id)),
        "by_channel": rm.by_channel,
        "logged_in_app": logged,
    }


@dataclass(frozen=True)
class BookMoves:
    """Every RM's tier moves over the month: (tier at the day before the month, tier at
    its last day) → customers, from the engine's migration matrix (scope `rm`)."""

    date_from: dt.date
    date_to: dt.date
    policy_version: str
    cells: dict[str | None, dict[tuple[str, str], int]]


def _book_moves(lake: Lake, month: Period) -> BookMoves:
    """Segment the lake the day before the month and on its last day with the segmentation
    policy in force (engine.segmentation.migration), as `rmperf segment-migration` does."""
    version = policy_active(PolicyKind.SEGMENTATION)
    policy = policy_loaded(version).policy
    date_from = month.start - dt.timedelta(days=1)
    report = segment_migration(lake, date_from=date_from, date_to=month.end, policy=policy)
    cells: dict[str | None, dict[tuple[str, str], int]] = {}
    for c in report.cells:
        if c.scope is Scope.RM and c.count:
            cells.setdefault(c.scope_id, {})[(c.from_tier, c.to_tier)] = c.count
    return BookMoves(date_from, month.end, version.label, cells)


def _book(staff: Staff, moves: BookMoves) -> dict[str, Any]:
    """The RM's book at the month's end (the customers the lake names them RM of that
    day) and where each came from: up, down or same tier (TIER_RANK), new (not yet a
    customer the day before the month), woken (sleeping → core, potential or basic: the
    migration report's wake-up), gone (the RM's at the start, no customer at the end)."""
    grid = moves.cells.get(staff.staff_id, {})
    counts: Counter[str] = Counter()
    start: Counter[str] = Counter()
    end: Counter[str] = Counter()
    for (before, after), n in grid.items():
        if before != NEW:
            start[before] += n
        if after == GONE:
            counts["gone"] += n
            continue
        end[after] += n
        if before == NEW:
            counts["new"] += n
        elif TIER_RANK[after] < TIER_RANK[before]:
            counts["up"] += n
        elif TIER_RANK[after] > TIER_RANK[before]:
            counts["down"] += n
        else:
            counts["same"] += n
        if before == "sleeping" and after in ACTIVE:
            counts["woken"] += n
    order = list(TIER_RANK)
    return {
        "start_as_of": moves.date_from.isoformat(),
        "end_as_of": moves.date_to.isoformat(),
        "policy_version": moves.policy_version,
        "customers": sum(end.values()),
        **{k: counts[k] for k in ("up", "down", "same", "new", "woken", "gone")},
        "tiers_start": {t: start[t] for t in order if start[t]},
        "tiers_end": {t: end[t] for t in order if end[t]},
    }


def _indicator_names(indicator: str) -> tuple[str, str]:
    found = LIBRARY.get(indicator)
    if found is None:
        return indicator, indicator
    return found.name_zh, found.name_en


def _targets(staff: Staff, month: Period, result: RmResult | None) -> dict[str, Any]:
    """The approved target sheet's quarter targets beside 序时进度 at the month's end (the
    elapsed share of the quarter) and the quarter's stored result, line by line."""
    quarter = Period.containing(month.end, PeriodKind.QUARTER)
    expected = quarter.time_progress(month.end)
    sheet = TargetSheet.objects.filter(
        staff=staff, year=month.start.year, status=SheetStatus.APPROVED
    ).first()
    out: dict[str, Any] = {
        "quarter": quarter.key,
        "expected": str(expected),
        "sheet": sheet is not None,
        "lines": [],
    }
    if sheet is None:
        return out
    actuals: dict[str, Decimal | None] = {}
    if result is not None:
        actuals = {ln.indicator: ln.value for ln in result.lines.all()}
    q_index = (quarter.start.month - 1) // 3
    for ln in sheet.lines.order_by("indicator"):
        target = ln.quarters[q_index]
        actual = actuals.get(ln.indicator)
        completion = (
            (actual / target).quantize(FOUR, rounding=ROUND_HALF_UP)
            if actual is not None and target
            else None
        )
        name_zh, name_en = _indicator_names(ln.indicator)
        out["lines"].append(
            {
                "indicator": ln.indicator,
                "name_zh": name_zh,
                "name_en": name_en,
                "annual": str(ln.annual),
                "quarter_target": str(target),
                "actual": _text(actual),
                "completion": _text(completion),
                "behind": completion is not None and completion < expected,
            }
        )
    return out


def _score(month: Period, result: RmResult | None) -> dict[str, Any]:
    """The quarter's score so far: the stored result of the quarter containing the month
    (calibrated figures count), from the latest scoring run of that quarter."""
    quarter = Period.containing(month.end, PeriodKind.QUARTER)
    if result is None:
        return {"quarter": quarter.key, "total": None, "tier": None, "scored_at": None}
    total = result.calibrated_total if result.calibrated_total is not None else result.total
    tier = result.calibrated_tier or result.tier
    finished = result.run.finished_at
    return {
        "quarter": quarter.key,
        "total": str(total),
        "tier": tier,
        "period_status": result.period.status,
        "scored_at": finished.isoformat() if finished else None,
    }


def _referrals(staff: Staff, month: Period) -> dict[str, Any]:
    """Referrals the RM made and received with a referral date in the month, those
    converted with a purchase in the month, and the points earned in the month."""
    in_month = Q(referred_on__gte=month.start, referred_on__lte=month.end)
    bought = Q(state=State.CONVERTED, purchase_date__gte=month.start, purchase_date__lte=month.end)
    start, end = _month_bounds(month)
    points = sum(
        PointsEntry.objects.filter(
            account__staff=staff, kind="earned", ts__gte=start, ts__lt=end
        ).values_list("points", flat=True)
    )
    return {
        "made": Referral.objects.filter(in_month, from_staff=staff).count(),
        "received": Referral.objects.filter(in_month, to_staff=staff).count(),
        "made_converted": Referral.objects.filter(bought, from_staff=staff).count(),
        "received_converted": Referral.objects.filter(bought, to_staff=staff).count(),
        "points_earned": int(points),
    }


def _tasks(staff: Staff, month: Period) -> dict[str, Any]:
    """Tasks the RM marked done in the month (and of those, on or before the due day),
    and the tasks overdue at the month's end: due before its last day and not closed by
    then (whatever became of them later)."""
    done = Task.objects.filter(
        staff=staff, status=TaskStatus.DONE, closed_on__gte=month.start, closed_on__lte=month.end
    )
    overdue = Task.objects.filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=month.end),
        staff=staff,
        due_date__lt=month.end,
        created_on__lte=month.end,
    )
    return {
        "done": done.count(),
        "done_on_time": done.filter(closed_on__lte=F("due_date")).count(),
        "overdue_at_end": overdue.count(),
    }


def report_figures(
    *, staff: Staff, month: Period, activity: MonthActivity, moves: BookMoves
) -> dict[str, Any]:
    """Every figure of one RM's report for `month`, as a JSON document (decimals as text)."""
    quarter = Period.containing(month.end, PeriodKind.QUARTER)
    result = (
        RmResult.objects.filter(period__key=quarter.key, staff=staff)
        .select_related("run", "period")
        .first()
    )
    return {
        "month": month.key,
        "staff": {"staff_id": staff.staff_id, "name": staff.name, "unit": staff.unit.name},
        "activity": _activity(staff, month, activity),
        "book": _book(staff, moves),
        "targets": _targets(staff, month, result),
        "score": _score(month, result),
        "referrals": _referrals(staff, month),
        "tasks": _tasks(staff, month),
    }


def _digest(figures: dict[str, Any]) -> str:
    text = json.dumps(figures, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def monthly_reports_generate(
    *, actor: Actor, month: str, today: dt.date | None = None, lake_dir: Path | None = None
) -> GenerateResult:
    """Generate the month's report of every RM employed in it that has none yet; a report
    that exists is left as it is (its figures are frozen), so running twice makes one.
    Refused before the month's end (its figures would not be final) and without a lake."""
    period = _month(month)
    today = today or timezone.localdate()
    if today <= period.end:
        raise ReportRefused(
            f"the month {period.key} is not over on {today.isoformat()}: its reports are "
            f"generated from {period.end + dt.timedelta(days=1)} on"
        )
    lake_dir = lake_dir or lake_current()
    if lake_dir is None:
        raise ReportRefused("no lake has been imported yet (rmperf import DIR)")
    existing = set(
        MonthlyReport.objects.filter(month=period.key).values_list("staff_id", flat=True)
    )
    todo = [s for s in _rms(period) if s.staff_id not in existing]
    if not todo:  # the daily job's usual case once the month is done: nothing to read
        return GenerateResult(month=period.key, created=0, existing=len(existing))
    zone = policy_loaded(policy_active(PolicyKind.SEGMENTATION)).policy.time_zone
    lake = Lake(lake_dir, today=today, time_zone=zone)
    try:
        activity = month_activity(lake, month=period)
    except (CalendarError, MonthReportError) as exc:
        raise ReportRefused(str(exc)) from None
    moves = _book_moves(lake, period)
    created = 0
    for staff in todo:
        figures = report_figures(staff=staff, month=period, activity=activity, moves=moves)
        figures = json.loads(json.dumps(figures, cls=DjangoJSONEncoder))
        with transaction.atomic(durable=True):
            report = MonthlyReport(
                staff=staff,
                month=period.key,
                unit=staff.unit,
                generated_at=timezone.now(),
                generated_by=user_of(actor),
                lake_path=str(lake_dir),
                figures=figures,
                digest=_digest(figures),
            )
            report.full_clean()
            report.save()
            audit_record(
                actor=actor,
                verb=GENERATE_VERB,
                object_type="monthly_report",
                object_id=str(report.pk),
                after={"staff_id": staff.staff_id, "month": period.key, "digest": report.digest},
            )
        created += 1
    return GenerateResult(month=period.key, created=created, existing=len(existing))


def monthly_reports_due(*, actor: Actor, today: dt.date | None = None) -> GenerateResult | None:
    """The daily job's call: on and after the first working day of a month, generate the
    previous month's reports (idempotent, so a day missed is caught up the next); None
    before that day."""
    today = today or timezone.localdate()
    try:
        due = month_due(today)
    except (CalendarError, MonthReportError) as exc:
        raise ReportRefused(str(exc)) from None
    if due is None:
        return None
    return monthly_reports_generate(actor=actor, month=due.key, today=today)


__all__ = [
    "GENERATE_VERB",
    "GenerateResult",
    "ReportRefused",
    "first_working_day",
    "monthly_reports_due",
    "monthly_reports_generate",
    "report_figures",
]
