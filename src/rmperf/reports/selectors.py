"""Reads of the monthly reports, always through `restrict(actor)` first: an RM their own,
a team leader their team's, a branch manager their branch's, HR and auditors the bank's.

`report_sections` turns a report's frozen figures into labelled rows in the reader's
language; the page, the PDF and the Excel file all print those same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from rmperf.core.access import Action
from rmperf.core.actors import Actor
from rmperf.performance.models import Tier as Rating
from rmperf.performance.selectors import indicator_unit
from rmperf.performance.why import format_value
from rmperf.reports.models import MonthlyReport
from rmperf.segments.models import Tier
from rmperf.tasks.models import Channel

CENT = Decimal("0.01")


def report_months(*, actor: Actor) -> list[str]:
    """The months with reports the actor may read, newest first."""
    months = (
        MonthlyReport.objects.restrict(actor, Action.VIEW)
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )
    return list(months)


def report_list(*, actor: Actor, month: str) -> QuerySet[MonthlyReport]:
    """The month's reports the actor may read, by unit then RM."""
    return (
        MonthlyReport.objects.restrict(actor, Action.VIEW)
        .filter(month=month)
        .select_related("staff", "unit")
        .order_by("unit__path", "staff_id")
    )


def report_get(*, actor: Actor, report_id: int) -> MonthlyReport:
    """One report in the actor's scope; out of scope answers 404 like a missing one."""
    report: MonthlyReport = get_object_or_404(
        MonthlyReport.objects.restrict(actor, Action.VIEW).select_related("staff", "unit"),
        pk=report_id,
    )
    return report


def _pct(value: str | None) -> str:
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).quantize(CENT, rounding=ROUND_HALF_UP)}%"


def _num(value: Any) -> str:
    """A count with thousands separators (1,234); a stored decimal text as it is."""
    if value is None:
        return "—"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _in_unit(value: str | None, indicator: str) -> str:
    """A stored figure of the indicator in its unit (why.format_value: 12,000,000.00 元,
    87.22%, 25)."""
    if value is None:
        return "—"
    return format_value(Decimal(value), indicator_unit(indicator))


def _tiers(counts: dict[str, int]) -> str:
    if not counts:
        return "—"
    labels = dict(Tier.choices)
    return ", ".join(f"{labels.get(k, k)} {v}" for k, v in counts.items())


@dataclass(frozen=True)
class Section:
    """One block of a report: a title and (label, value) rows."""

    title: str
    rows: list[tuple[str, str]]


@dataclass(frozen=True)
class TargetRow:
    """A target line as the reader sees it (in the indicator's unit, completion in
    percent), with the stored figures for a spreadsheet: annual, quarter target, actual
    and completion as exact text (None: no value)."""

    name: str
    annual: str
    quarter_target: str
    actual: str
    completion: str
    behind: bool
    figures: tuple[str | None, str | None, str | None, str | None] = (None, None, None, None)


@dataclass
class ReportView:
    """A report's figures as the reader sees them."""

    report: MonthlyReport
    sections: list[Section]
    target_quarter: str
    target_expected: str
    has_sheet: bool
    targets: list[TargetRow] = field(default_factory=list)


def report_view(*, report: MonthlyReport, language: str) -> ReportView:
    """The report's sections in the active language (labels via gettext, indicator names
    in the language asked for)."""
    f = report.figures
    act, book, score = f["activity"], f["book"], f["score"]
    refs, tasks, targets = f["referrals"], f["tasks"], f["targets"]
    channels = dict(Channel.choices)
    by_channel = ", ".join(f"{channels.get(k, k)} {v}" for k, v in act["by_channel"].items())
    ratings = dict(Rating.choices)
    sections = [
        Section(
            _("Contacts and efficiency"),
            [
                (_("Customers served per working day"), _num(act["served_per_day"])),
                (
                    _("Customer-days (distinct customers contacted each day, summed)"),
                    _num(act["customer_days"]),
                ),
                (_("Working days in the month"), _num(act["working_days"])),
                (_("Contacts (lake)"), _num(act["contacts"])),
                (_("Different customers contacted"), _num(act["customers_contacted"])),
                (_("Contacts by channel"), by_channel or "—"),
                (_("Contacts logged in the app"), _num(act["logged_in_app"])),
            ],
        ),
        Section(
            _("Tier movement of the book"),
            [
                (_("Segmentation at the start"), book["start_as_of"] or "—"),
                (_("Segmentation at the end"), book["end_as_of"] or "—"),
                (_("Customers in the book"), _num(book["customers"])),
                (_("Moved up a tier"), _num(book["up"])),
                (_("Moved down a tier"), _num(book["down"])),
                (_("Same tier"), _num(book["same"])),
                (_("New to the book or not segmented before"), _num(book["new"])),
                (_("Sleeping customers woken"), _num(book["woken"])),
                (_("No longer a customer"), _num(book["gone"])),
                (_("Tiers at the start"), _tiers(book["tiers_start"])),
                (_("Tiers at the end"), _tiers(book["tiers_end"])),
            ],
        ),
        Section(
            _("Referrals"),
            [
                (_("Referrals made"), _num(refs["made"])),
                (_("Referrals received"), _num(refs["received"])),
                (_("Referrals made that converted in the month"), _num(refs["made_converted"])),
                (
                    _("Referrals received that converted in the month"),
                    _num(refs["received_converted"]),
                ),
                (_("Points earned"), _num(refs["points_earned"])),
            ],
        ),
        Section(
            _("Tasks"),
            [
                (_("Tasks done"), _num(tasks["done"])),
                (_("Of which done by the due day"), _num(tasks["done_on_time"])),
                (_("Tasks overdue at the month's end"), _num(tasks["overdue_at_end"])),
            ],
        ),
        Section(
            _("The quarter's score so far"),
            [
                (_("Quarter"), score["quarter"]),
                (_("Total"), _num(score["total"]) if score["total"] else _("not scored yet")),
                (_("Rating"), str(ratings.get(score["tier"], score["tier"] or "—"))),
            ],
        ),
    ]
    zh = language.startswith("zh")
    rows = [
        TargetRow(
            name=ln["name_zh"] if zh else ln["name_en"],
            annual=_in_unit(ln["annual"], ln["indicator"]),
            quarter_target=_in_unit(ln["quarter_target"], ln["indicator"]),
            actual=_in_unit(ln["actual"], ln["indicator"]),
            completion=_pct(ln["completion"]),
            behind=bool(ln["behind"]),
            figures=(ln["annual"], ln["quarter_target"], ln["actual"], ln["completion"]),
        )
        for ln in targets["lines"]
    ]
    return ReportView(
        report=report,
        sections=sections,
        target_quarter=targets["quarter"],
        target_expected=_pct(targets["expected"]),
        has_sheet=bool(targets["sheet"]),
        targets=rows,
    )


#: The counts a roll-up adds up, by their place in the figures.
ROLLUP_SUMS: tuple[tuple[str, str], ...] = (
    ("activity", "contacts"),
    ("activity", "customer_days"),
    ("book", "customers"),
    ("book", "up"),
    ("book", "down"),
    ("book", "woken"),
    ("referrals", "made"),
    ("referrals", "received"),
    ("referrals", "made_converted"),
    ("tasks", "done"),
    ("tasks", "overdue_at_end"),
)


@dataclass
class Totals:
    """Sums of a group of reports, with the per-RM average of customers served per day
    (Σ customer-days ÷ (working days × RMs), ROUND_HALF_UP to 0.01) and the average
    quarter score of the RMs already scored."""

    label: str
    rms: int = 0
    sums: dict[str, int] = field(default_factory=dict)
    served_per_day: Decimal | None = None
    avg_score: Decimal | None = None


def _totals(label: str, reports: list[MonthlyReport]) -> Totals:
    sums = {key: 0 for _s, key in ROLLUP_SUMS}
    scores: list[Decimal] = []
    days = 0
    for r in reports:
        for section, key in ROLLUP_SUMS:
            sums[key] += int(r.figures[section][key])
        days = int(r.figures["activity"]["working_days"])
        if r.figures["score"]["total"] is not None:
            scores.append(Decimal(r.figures["score"]["total"]))
    served = (
        (Decimal(sums["customer_days"]) / Decimal(days * len(reports))).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        if reports and days
        else None
    )
    avg = (
        (sum(scores, Decimal(0)) / len(scores)).quantize(CENT, rounding=ROUND_HALF_UP)
        if scores
        else None
    )
    return Totals(label=label, rms=len(reports), sums=sums, served_per_day=served, avg_score=avg)


@dataclass
class RollUp:
    """The month's reports the reader may see, grouped by the RM's unit, each group with
    its totals, and the totals of them all."""

    month: str
    groups: list[tuple[Totals, list[MonthlyReport]]]
    total: Totals


def report_rollup(*, actor: Actor, month: str) -> RollUp:
    """The team leader's team roll-up, the branch manager's branch roll-up (by team), or
    an RM's own row: whatever `restrict` lets the actor read."""
    reports = list(report_list(actor=actor, month=month))
    groups: dict[str, list[MonthlyReport]] = {}
    names: dict[str, str] = {}
    for r in reports:
        groups.setdefault(r.unit_id, []).append(r)
        names[r.unit_id] = r.unit.name
    return RollUp(
        month=month,
        groups=[(_totals(names[u], rs), rs) for u, rs in groups.items()],
        total=_totals(_("All"), reports),
    )
