"""Reads for the fishbone (鱼骨图) page: an RM's scored lines of a period, attributed by
the engine (engine/analysis/fishbone.py) on the lake in use, under the fishbone and
segmentation policies in force, with the RM's task figures from the tasks app.

Access is the scorecard page's: the RM must be visible to the actor (performance's
`staff_visible`: themself, or one of a manager's subtree), and the result is read through
`RmResult.objects.restrict(actor, VIEW)`; out of scope answers 404 like missing. Nothing is stored: the
attribution is computed on demand and kept in the cache for as long as its inputs (the
lake import, the scoring run, the policies, the tasks) stay the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rmperf.core.access import Action
from rmperf.core.actors import Actor
from rmperf.engine.analysis.fishbone import (
    UNEXPLAINED,
    Check,
    Fishbone,
    FishboneError,
    LineInput,
    TaskFigures,
    attribute_gaps,
)
from rmperf.engine.analysis.policy import FISHBONE_CATEGORIES
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.lakes.models import LANDED_STATUSES, LakeImport
from rmperf.lakes.selectors import lake_current
from rmperf.org.models import Staff
from rmperf.performance.models import LineResult, RmResult
from rmperf.performance.selectors import staff_visible
from rmperf.performance.why import format_value
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.models import PolicyVersion
from rmperf.policies.selectors import policy_in_force
from rmperf.segments.models import Tier as SegmentTier
from rmperf.tasks.models import Task, TaskStatus

#: Evidence rows shown per category on the page (the count says how many there are).
ROWS_SHOWN = 200
CACHE_SECONDS = 3600


def category_label(category: str) -> str:
    return {
        "skills": _("Skills"),
        "process": _("Process"),
        "external": _("External environment"),
        "customer_mix": _("Customer mix"),
        "effort": _("Effort"),
        UNEXPLAINED: _("Unexplained"),
    }[category]


#: The figures of a check that are shares (0.0912): the page says them as percentages
#: (9.12%), as format_value says a ratio.
PERCENT_PARAMS: dict[str, tuple[str, ...]] = {
    "loan_approval": ("share", "maximum"),
    "response_time": ("share", "maximum"),
    "external_trend": ("growth", "bank_growth", "lag", "maximum"),
    "sleeping_share": ("share", "bank_share", "maximum"),
    "basic_share": ("share", "bank_share", "maximum"),
    "tier_downgrades": ("share", "maximum"),
    "task_completion": ("share", "minimum"),
}


def check_label(check: Check) -> str:
    """A check in the reader's language (the engine's CHECK_TEXT says it in English)."""
    p = dict(check.params)
    if check.code == "training_required":
        p["name"] = p.get("name") or _("(any)")
        p["kind"] = _("certification") if p.get("kind") == "certification" else _("course")
    texts = {
        "training_required": _("Required %(kind)s %(name)s since %(since)s: %(found)s on record"),
        "training_hours": _("Training hours in the period: %(hours)s (minimum %(minimum)s)"),
        "loan_approval": _(
            "Loans approved in more than %(days)s days: %(over)s of %(loans)s = %(share)s "
            "(maximum %(maximum)s)"
        ),
        "response_time": _(
            "Requests not resolved within %(hours)s hours: %(missed)s of %(requests)s = "
            "%(share)s (maximum %(maximum)s)"
        ),
        "external_trend": _(
            "Asset growth of %(level)s %(unit)s: %(growth)s against the bank's "
            "%(bank_growth)s, behind by %(lag)s (maximum %(maximum)s)"
        ),
        "sleeping_share": _(
            "Sleeping customers: %(share)s of the book against the bank's %(bank_share)s "
            "(at most %(maximum)s above)"
        ),
        "basic_share": _(
            "Basic customers: %(share)s of the book against the bank's %(bank_share)s "
            "(at most %(maximum)s above)"
        ),
        "tier_downgrades": _(
            "Customers whose tier fell: %(downgraded)s of %(book)s = %(share)s "
            "(maximum %(maximum)s)"
        ),
        "contacts": _(
            "Contacts per customer per month: %(rate)s (%(contacts)s contacts, %(customers)s "
            "customers, %(months)s months; minimum %(minimum)s)"
        ),
        "task_completion": _(
            "Tasks done on time: %(done)s of %(due)s = %(share)s (minimum %(minimum)s)"
        ),
    }
    if check.code == "external_trend":
        p["level"] = _("branch") if p.get("level") == "branch" else _("region")
    for name in PERCENT_PARAMS.get(check.code, ()):
        if p.get(name):
            p[name] = format_value(Decimal(p[name]), "ratio")
    return texts[check.code] % p


@dataclass(frozen=True)
class CheckView:
    text: str
    failed: bool
    code: str


def _day(text: str) -> str:
    try:
        return date_format(dt.date.fromisoformat(text), "SHORT_DATE_FORMAT")
    except ValueError:
        return text


def _moment(text: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "SHORT_DATETIME_FORMAT")


def _figure(unit: str) -> Callable[[str], str]:
    def say(text: str) -> str:
        try:
            return format_value(Decimal(text), unit)
        except InvalidOperation:
            return text

    return say


def _days(text: str) -> str:
    """Whole days as a count (19 days), others as format_value says days."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if number == number.to_integral_value():
        return _("%(n)s days") % {"n": f"{int(number):,}"}
    return format_value(number, "days")


def _tier(text: str) -> str:
    return str(dict(SegmentTier.choices).get(text, text))


def _hours(text: str) -> str:
    return _("not resolved") if text == "unresolved" else _figure("hours")(text)


def _kind(text: str) -> str:
    return {"certification": _("certification"), "course": _("course")}.get(text, text)


def _months(text: str) -> str:
    return text.replace("..", " – ")


def evidence_fields() -> dict[str, tuple[str, Callable[[str], str]]]:
    """Each field of the engine's evidence rows (engine/analysis/fishbone.py): its label in
    the reader's language and how its value is said (dates and times in the short local
    format, money in yuan, shares in percent, tiers by name)."""
    as_is: Callable[[str], str] = str
    return {
        "staff_id": (_("Staff number"), as_is),
        "customer_id": (_("Customer"), as_is),
        "loan_id": (_("Loan"), as_is),
        "request_id": (pgettext("fishbone evidence", "Request"), as_is),
        "unit_id": (_("Unit"), as_is),
        "name": (_("Name"), as_is),
        "date": (_("Date"), _day),
        "applied_on": (_("Applied on"), _day),
        "disbursed_on": (_("Disbursed on"), _day),
        "received_at": (_("Received at"), _moment),
        "resolved_at": (_("Resolved at"), _moment),
        "kind": (_("Kind"), _kind),
        "hours": (pgettext("fishbone evidence", "Hours"), _hours),
        "days": (_("Days"), _days),
        "months": (_("Months"), _months),
        "categories": (_("Asset categories"), lambda t: t.replace(",", ", ")),
        "average_monthly_assets": (_("Average monthly assets"), _figure("CNY")),
        "growth": (_("Growth"), _figure("ratio")),
        "tier": (_("Tier"), _tier),
        "tier_at_start": (_("Tier at the start"), _tier),
        "tier_at_end": (_("Tier at the end"), _tier),
        "recency_days": (_("Days since the last transaction"), _days),
        "monetary": (_("AUM"), _figure("CNY")),
        "contacts": (_("Contacts"), _figure("count")),
    }


def evidence_row(
    fields: Mapping[str, str], known: dict[str, tuple[str, Callable[[str], str]]]
) -> list[tuple[str, str]]:
    """(label, value as said) per field of an evidence row; an empty value is "—", a field
    the page does not know keeps its name and value."""
    out: list[tuple[str, str]] = []
    for name, text in fields.items():
        label, say = known.get(name, (name, str))
        out.append((label, say(text) if text != "" else "—"))
    return out


@dataclass(frozen=True)
class RowView:
    check: str
    table: str
    key: dict[str, str]
    values: dict[str, str]
    #: (label, value as said) of the key's fields and of the other values (the page's).
    key_shown: list[tuple[str, str]]
    values_shown: list[tuple[str, str]]


@dataclass
class BoneView:
    category: str
    label: str
    enabled: bool
    found: bool
    checks: list[CheckView]
    rows: list[RowView]
    row_count: int
    #: The shortfall lines this category takes a part of: (line, indicator, part).
    parts: list[tuple[str, str, Decimal]] = field(default_factory=list)


@dataclass(frozen=True)
class GapView:
    line: str
    indicator: str
    target: Decimal
    value: Decimal
    gap: Decimal
    short: bool
    #: (category, its label, its part of the gap)
    parts: list[tuple[str, str, Decimal]]


@dataclass
class FishbonePage:
    staff: Staff
    result: RmResult | None
    period_key: str
    #: The fishbone policy version in force that attributed the gaps (None: not attributed).
    policy: PolicyVersion | None = None
    bones: list[BoneView] = field(default_factory=list)
    gaps: list[GapView] = field(default_factory=list)
    unexplained: list[tuple[str, str, Decimal]] = field(default_factory=list)
    problem: str = ""
    tasks: TaskFigures | None = None

    @property
    def shortfalls(self) -> int:
        return sum(1 for g in self.gaps if g.short)


def result_for(*, actor: Actor, period_key: str, staff_id: str) -> RmResult | None:
    """The RM's result for the period as the actor may see it (None: none yet)."""
    found: RmResult | None = (
        RmResult.objects.restrict(actor, Action.VIEW)
        .select_related("staff", "period", "run")
        .filter(period__key=period_key, staff_id=staff_id)
        .first()
    )
    return found


def task_figures(staff_id: str, period: Period) -> TaskFigures:
    """Tasks of the RM due in the period, and those done on or before their due date."""
    due = Task.objects.filter(staff_id=staff_id, due_date__range=(period.start, period.end))
    done = due.filter(status=TaskStatus.DONE).filter(
        Q(closed_on__isnull=False) & Q(closed_on__lte=F("due_date"))
    )
    return TaskFigures(due=due.count(), done_on_time=done.count())


def _lake(time_zone: str) -> Lake | None:
    lake_dir = lake_current()
    if lake_dir is None:
        return None
    landed: LakeImport | None = (
        LakeImport.objects.filter(lake_path=str(lake_dir), status__in=LANDED_STATUSES)
        .order_by("-finished_at", "-pk")
        .first()
    )
    today = landed.today if landed is not None else timezone.localdate()
    return Lake(lake_dir, today=today, time_zone=time_zone)


def fishbone_page(*, actor: Actor, period_key: str, staff_id: str) -> FishbonePage:
    """The RM's fishbone for the period (404 out of scope: the scorecard's own rule), or
    the page with a problem (no result yet, no lake)."""
    staff = staff_visible(actor=actor, staff_id=staff_id)
    try:
        period = Period.parse(period_key)
    except ValueError:
        raise Http404 from None
    result = result_for(actor=actor, period_key=period.key, staff_id=staff.staff_id)
    page = FishbonePage(staff=staff, result=result, period_key=period.key)
    if result is None:
        page.problem = _("No result for this period yet.")
        return page
    lines = list(
        LineResult.objects.restrict(actor, Action.VIEW)
        .filter(result=result)
        .order_by("position")
        .values_list("line", "indicator", "target", "value")
    )
    fb_version, fb_loaded = policy_in_force(PolicyKind.FISHBONE)
    _seg_version, seg_loaded = policy_in_force(PolicyKind.SEGMENTATION)
    lake = _lake(fb_loaded.policy.time_zone)
    if lake is None:
        page.problem = _("No lake has been imported yet.")
        return page
    page.tasks = task_figures(staff_id, period)
    inputs = [LineInput(*row) for row in lines]
    key = (
        "fishbone:"
        + hashlib.sha256(
            json.dumps(
                [
                    str(lake.path),
                    lake.today.isoformat(),
                    result.run_id,
                    fb_loaded.digest,
                    seg_loaded.digest,
                    staff_id,
                    period.key,
                    [[str(v) for v in row] for row in lines],
                    [page.tasks.due, page.tasks.done_on_time],
                ]
            ).encode()
        ).hexdigest()
    )
    fb: Fishbone | None = cache.get(key)
    if fb is None:
        try:
            fb = attribute_gaps(
                lake,
                period=period,
                staff_id=staff_id,
                lines=inputs,
                policy=fb_loaded.policy,
                segmentation=seg_loaded.policy,
                policy_version=fb_loaded.version,
                tasks=page.tasks,
            )
        except FishboneError as exc:
            page.problem = str(exc)
            return page
        cache.set(key, fb, CACHE_SECONDS)
    page.policy = fb_version
    _fill(page, fb)
    return page


def _fill(page: FishbonePage, fb: Fishbone) -> None:
    parts: dict[str, list[tuple[str, str, Decimal]]] = {c: [] for c in FISHBONE_CATEGORIES}
    for g in fb.gaps:
        page.gaps.append(
            GapView(
                g.line,
                g.indicator,
                g.target,
                g.value,
                g.gap,
                g.short,
                [(c, category_label(c), v) for c, v in g.parts.items()],
            )
        )
        for c, v in g.parts.items():
            if c == UNEXPLAINED:
                page.unexplained.append((g.line, g.indicator, v))
            else:
                parts[c].append((g.line, g.indicator, v))
    known = evidence_fields()
    for b in fb.bones:
        page.bones.append(
            BoneView(
                category=b.category,
                label=category_label(b.category),
                enabled=b.enabled,
                found=b.found,
                checks=[CheckView(check_label(c), c.failed, c.code) for c in b.checks],
                rows=[
                    RowView(
                        e.check,
                        e.table,
                        dict(e.row_key),
                        dict(e.row_values),
                        evidence_row(e.row_key, known),
                        evidence_row(e.row_values, known),
                    )
                    for e in b.evidence[:ROWS_SHOWN]
                ],
                row_count=len(b.evidence),
                parts=parts[b.category],
            )
        )
