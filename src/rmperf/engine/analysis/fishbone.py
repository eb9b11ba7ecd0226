"""Gap attribution (鱼骨图, DOMAIN §8, seed 003 §四): why an RM is short of a target.

For one RM and period, every scorecard line with a target and a value has a gap:
target − value when higher is better, value − target when lower is better; a gap above 0
is a shortfall. Five categories (bones) are judged by the rules of the fishbone policy,
each with the checks it made and the lake rows behind them:

- skills: each required training (`trainings`, of the kind and name, dated within its
  months ending on the period's last day; a requirement limited to business lines binds
  only RMs whose `staff.business_line` is one of them) on record; training hours dated in
  the period ≥ min_hours_per_month × the period's months. Rows: the RM's trainings in the
  longest requirement window.
- process: of the RM's loans (`loans.staff_id`) disbursed in the period with an
  applied_on, the share with disbursed_on − applied_on > loan_approval_days must not
  exceed max_overrun_share; of the requests (`requests.staff_id`) received in the period,
  the share not resolved within response_hours (unresolved ones count as missed) must
  not exceed max_missed_share. Rows: the overrunning loans and the missed requests.
- external: the average monthly assets (sum of `avg_daily_balance` in the categories over
  the period's months ÷ the number of months) of the customers homed (`customers.unit_id`)
  under the RM's branch, and under its region, grow from the previous period of the same
  length to this one; a unit whose growth is more than max_lag below the bank's is found.
  A unit without assets in the previous period is not judged. Rows: one per unit and
  period (aggregates of `balances`).
- customer_mix: segmentation (the segmentation policy's tiers) on the day before the
  period and on its last day. Of the RM's book at the start (the customers whose RM that
  day is the RM), the sleeping share and the basic share each must not exceed the bank's
  (all customers with an RM) by more than max_excess_*; the share of the book whose tier
  at the end is lower on the ladder than at the start must not exceed max_downgrade_share.
  Rows: the book's sleeping and basic customers and the downgraded ones.
- effort: interactions by the RM (`interactions.staff_id`) in the period ÷ the book at
  the period's start ÷ the period's months must be at least
  min_contacts_per_customer_month; tasks due in the period done on time ÷ tasks due must
  be at least min_task_completion (when the caller passes task figures: tasks live in the
  app). Rows: the book's customers without any interaction by the RM in the period.

A category is found when any of its checks fails. Each shortfall is shared among the found
categories that apply to the line's indicator's BSC perspective (`applies_to`), in
proportion to their weights, rounded half-up to 6 places with the last category taking the
remainder so the parts add up to the gap; with no such category it is unexplained.
Nothing here changes a score.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from rmperf.engine.analysis.policy import FISHBONE_CATEGORIES, FishbonePolicy
from rmperf.engine.analysis.sql import date_lit, lake_session, lit, lit_list, on_days, rows
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period

if TYPE_CHECKING:
    from rmperf.engine.backends.duckdb_backend import DuckDBBackend
    from rmperf.engine.scoring.library import Library
    from rmperf.engine.segmentation.policy import SegmentationPolicy

FISHBONE_TABLES = (
    "org_units",
    "staff",
    "customers",
    "assignments",
    "trainings",
    "loans",
    "requests",
    "balances",
    "interactions",
)
PLACES6 = Decimal("0.000001")
PLACES4 = Decimal("0.0001")
UNEXPLAINED = "unexplained"


class FishboneError(ValueError):
    """The inputs cannot be attributed (an RM the lake does not know, a ladder tier the
    segmentation policy never gives …)."""


@dataclass(frozen=True)
class LineInput:
    """A scored line: its target and value (from the target sheet and the indicators)."""

    line: str
    indicator: str
    target: Decimal | None
    value: Decimal | None


@dataclass(frozen=True)
class TaskFigures:
    """Tasks due in the period and those done by their due date (from the app)."""

    due: int
    done_on_time: int


@dataclass(frozen=True)
class Check:
    """One rule of a category: `code` names it (docs/analysis.md), `params` its figures."""

    code: str
    failed: bool
    params: Mapping[str, str]


@dataclass(frozen=True)
class EvidenceRow:
    table: str
    row_key: Mapping[str, str]
    row_values: Mapping[str, str]
    check: str


@dataclass
class BoneResult:
    category: str
    enabled: bool
    checks: list[Check] = field(default_factory=list)
    evidence: list[EvidenceRow] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.enabled and any(c.failed for c in self.checks)


@dataclass(frozen=True)
class Gap:
    line: str
    indicator: str
    perspective: str | None
    direction: str
    target: Decimal
    value: Decimal
    gap: Decimal
    #: category (or "unexplained") → its part of the gap; empty when there is no shortfall.
    parts: Mapping[str, Decimal]

    @property
    def short(self) -> bool:
        return self.gap > 0


@dataclass(frozen=True)
class Fishbone:
    staff_id: str
    period: str
    policy_version: str
    bones: tuple[BoneResult, ...]
    gaps: tuple[Gap, ...]

    def bone(self, category: str) -> BoneResult:
        return next(b for b in self.bones if b.category == category)

    def totals(self) -> dict[str, Decimal]:
        """category → the number of shortfall lines it takes a part of (for a diagram)."""
        out = {c: Decimal(0) for c in (*FISHBONE_CATEGORIES, UNEXPLAINED)}
        for g in self.gaps:
            for cat in g.parts:
                out[cat] += 1
        return out


def _s(value: object) -> str:
    return "" if value is None else str(value)


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(PLACES4, rounding=ROUND_HALF_UP)


def _share_over(
    code: str, part: tuple[str, int], whole: tuple[str, int], maximum: Decimal, **extra: str
) -> Check:
    """A check that fails when part ÷ whole (`_share`) is above `maximum`; its figures are
    the part and the whole under their names, the share, `extra` and the maximum."""
    share = _share(part[1], whole[1])
    return Check(
        code,
        share > maximum,
        {
            part[0]: str(part[1]),
            whole[0]: str(whole[1]),
            "share": _s(share),
            **extra,
            "maximum": _s(maximum),
        },
    )


def _months_back(end: dt.date, months: int) -> dt.date:
    """The first day of the month `months` − 1 months before `end`'s month."""
    index = end.year * 12 + end.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def attribute_gaps(
    lake: Lake,
    *,
    period: Period,
    staff_id: str,
    lines: Sequence[LineInput],
    policy: FishbonePolicy,
    segmentation: SegmentationPolicy,
    policy_version: str = "",
    library: Library | None = None,
    tasks: TaskFigures | None = None,
) -> Fishbone:
    """The fishbone of `staff_id` for `period` (module docstring)."""
    from rmperf.engine.scoring.library import default_library

    lib = library if library is not None else default_library()
    with lake_session(lake, FISHBONE_TABLES) as engine:
        staff = rows(
            engine,
            "SELECT staff_id, unit_id, business_line FROM rm_valid_staff "  # noqa: S608 - quoted literal
            f"WHERE staff_id = {lit(staff_id)}",
        )
        if not staff:
            raise FishboneError(f"unknown staff {staff_id!r}: no such row in the lake's staff")
        me = staff[0]
        book = _book(engine, staff_id, period.start)
        bones = [
            _skills(engine, period, policy, staff_id, me.get("business_line")),
            _process(engine, period, policy, staff_id),
            _external(engine, period, policy, str(me["unit_id"])),
        ]
        effort = _effort(engine, period, policy, staff_id, book, tasks)
    bones.append(_customer_mix(lake, period, policy, segmentation, staff_id))
    bones.append(effort)
    bones.sort(key=lambda b: FISHBONE_CATEGORIES.index(b.category))
    gaps = tuple(_gap(ln, lib, policy, bones) for ln in lines if _has_gap(ln))
    return Fishbone(staff_id, period.key, policy_version, tuple(bones), gaps)


def _has_gap(line: LineInput) -> bool:
    return line.target is not None and line.value is not None


def _gap(line: LineInput, lib: Library, policy: FishbonePolicy, bones: list[BoneResult]) -> Gap:
    if line.target is None or line.value is None:  # pragma: no cover - _has_gap filters
        raise FishboneError(f"line {line.line} has no target or no value")
    indicator = lib.get(line.indicator)
    direction = str(getattr(indicator, "direction", "higher"))
    found = getattr(indicator, "perspective", None)
    perspective = str(found) if found is not None else None
    gap = line.target - line.value if direction == "higher" else line.value - line.target
    parts: dict[str, Decimal] = {}
    if gap > 0:
        causes = [
            b.category
            for b in bones
            if b.found
            and (perspective is None or perspective in policy.bone(b.category).applies_to)
        ]
        if not causes:
            parts[UNEXPLAINED] = gap
        else:
            weights = [policy.bone(c).weight for c in causes]
            whole = sum(weights, Decimal(0))
            given = Decimal(0)
            for cat, w in zip(causes[:-1], weights[:-1], strict=True):
                part = (gap * w / whole).quantize(PLACES6, rounding=ROUND_HALF_UP)
                parts[cat] = part
                given += part
            parts[causes[-1]] = gap - given
    return Gap(
        line.line,
        line.indicator,
        perspective,
        direction,
        line.target,
        line.value,
        gap,
        parts,
    )


def _book(engine: DuckDBBackend, staff_id: str, day: dt.date) -> list[str]:
    """The customers whose RM on `day` is `staff_id`, sorted."""
    found = rows(
        engine,
        "SELECT DISTINCT customer_id FROM rm_valid_assignments "  # noqa: S608 - quoted literals
        f"WHERE staff_id = {lit(staff_id)} AND valid_from <= {date_lit(day)} "
        f"AND (valid_to IS NULL OR valid_to >= {date_lit(day)}) ORDER BY customer_id",
    )
    return [str(r["customer_id"]) for r in found]


# --- skills --------------------------------------------------------------------------------


def _skills(
    engine: DuckDBBackend,
    period: Period,
    policy: FishbonePolicy,
    staff_id: str,
    business_line: object,
) -> BoneResult:
    rule = policy.skills
    bone = BoneResult("skills", rule.enabled)
    if not rule.enabled:
        return bone
    longest = max((r.within_months for r in rule.required), default=1)
    first = min(_months_back(period.end, longest), period.start)
    held = rows(
        engine,
        "SELECT date, kind, name, hours FROM rm_valid_trainings "  # noqa: S608 - quoted literals
        f"WHERE staff_id = {lit(staff_id)} "
        f"AND date BETWEEN {date_lit(first)} AND {date_lit(period.end)} ORDER BY date, name",
    )
    for req in rule.required:
        if req.business_lines and business_line not in req.business_lines:
            continue
        since = _months_back(period.end, req.within_months)
        have = [
            t
            for t in held
            if t["kind"] == req.kind
            and (not req.name or t["name"] == req.name)
            and since <= t["date"] <= period.end
        ]
        bone.checks.append(
            Check(
                "training_required",
                not have,
                {
                    "requirement": req.id,
                    "kind": req.kind,
                    "name": req.name,
                    "since": since.isoformat(),
                    "found": str(len(have)),
                },
            )
        )
    hours = sum(
        (Decimal(t["hours"]) for t in held if period.start <= t["date"] <= period.end),
        Decimal(0),
    )
    needed = rule.min_hours_per_month * len(period.months)
    bone.checks.append(
        Check("training_hours", hours < needed, {"hours": _s(hours), "minimum": _s(needed)})
    )
    for t in held:
        bone.evidence.append(
            EvidenceRow(
                "trainings",
                {"staff_id": staff_id, "date": _s(t["date"]), "name": str(t["name"])},
                {"kind": str(t["kind"]), "hours": _s(t["hours"])},
                "training_required",
            )
        )
    return bone


# --- process -------------------------------------------------------------------------------


def _process(
    engine: DuckDBBackend, period: Period, policy: FishbonePolicy, staff_id: str
) -> BoneResult:
    rule = policy.process
    bone = BoneResult("process", rule.enabled)
    if not rule.enabled:
        return bone
    loans = rows(
        engine,
        "SELECT loan_id, customer_id, applied_on, disbursed_on, "  # noqa: S608 - quoted literals
        "disbursed_on - applied_on AS days FROM rm_valid_loans "
        f"WHERE staff_id = {lit(staff_id)} AND applied_on IS NOT NULL "
        f"AND disbursed_on BETWEEN {date_lit(period.start)} AND {date_lit(period.end)} "
        "ORDER BY loan_id",
    )
    over = [r for r in loans if int(r["days"]) > rule.loan_approval_days]
    if loans:
        bone.checks.append(
            _share_over(
                "loan_approval",
                ("over", len(over)),
                ("loans", len(loans)),
                rule.max_overrun_share,
                days=str(rule.loan_approval_days),
            )
        )
    for r in over:
        bone.evidence.append(
            EvidenceRow(
                "loans",
                {"loan_id": str(r["loan_id"])},
                {
                    "customer_id": str(r["customer_id"]),
                    "applied_on": _s(r["applied_on"]),
                    "disbursed_on": _s(r["disbursed_on"]),
                    "days": _s(r["days"]),
                },
                "loan_approval",
            )
        )
    zone = policy.time_zone
    limit = rule.response_hours * 3600
    requests = rows(
        engine,
        "SELECT request_id, customer_id, received_at, resolved_at, "  # noqa: S608 - quoted literals
        "CASE WHEN resolved_at IS NULL THEN NULL "
        "ELSE epoch(resolved_at) - epoch(received_at) END AS seconds "
        f"FROM rm_valid_requests WHERE staff_id = {lit(staff_id)} "
        f"AND {on_days('received_at', period.start, period.end, zone)} ORDER BY request_id",
    )
    missed = [r for r in requests if r["seconds"] is None or Decimal(str(r["seconds"])) > limit]
    if requests:
        bone.checks.append(
            _share_over(
                "response_time",
                ("missed", len(missed)),
                ("requests", len(requests)),
                rule.max_missed_share,
                hours=str(rule.response_hours),
            )
        )
    for r in missed:
        hours = (
            (Decimal(str(r["seconds"])) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if r["seconds"] is not None
            else None
        )
        bone.evidence.append(
            EvidenceRow(
                "requests",
                {"request_id": str(r["request_id"])},
                {
                    "customer_id": str(r["customer_id"]),
                    "received_at": _s(r["received_at"]),
                    "resolved_at": _s(r["resolved_at"]),
                    "hours": _s(hours) if hours is not None else "unresolved",
                },
                "response_time",
            )
        )
    return bone


# --- external ------------------------------------------------------------------------------


def _ancestors(units: Mapping[str, tuple[str, str | None]], unit_id: str) -> list[str]:
    """`unit_id` and the units above it, nearest first."""
    out: list[str] = []
    cur: str | None = unit_id
    while cur is not None and cur in units and cur not in out:
        out.append(cur)
        cur = units[cur][1]
    return out


def _external(
    engine: DuckDBBackend, period: Period, policy: FishbonePolicy, unit_id: str
) -> BoneResult:
    rule = policy.external
    bone = BoneResult("external", rule.enabled)
    if not rule.enabled:
        return bone
    units = {
        str(r["unit_id"]): (str(r["kind"]), r["parent_id"] and str(r["parent_id"]))
        for r in rows(engine, "SELECT unit_id, kind, parent_id FROM rm_valid_org_units")
    }
    mine: dict[str, str] = {}
    for u in _ancestors(units, unit_id):  # nearest first: the RM's own branch and region
        mine.setdefault(units[u][0], u)
    previous = period.previous()
    months = {**dict.fromkeys(period.months, "current"), **dict.fromkeys(previous.months, "prior")}
    sums = rows(
        engine,
        "SELECT c.unit_id, b.month, sum(b.avg_daily_balance) AS total "  # noqa: S608 - quoted literals
        "FROM rm_valid_balances b JOIN rm_valid_customers c ON c.customer_id = b.customer_id "
        f"WHERE b.category IN {lit_list(rule.categories)} AND b.month IN {lit_list(months)} "
        "GROUP BY c.unit_id, b.month",
    )
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in sums:
        which = months[str(r["month"])]
        for u in _ancestors(units, str(r["unit_id"])):
            totals[(u, which)] += Decimal(r["total"])
        totals[("*bank*", which)] += Decimal(r["total"])

    def growth(u: str) -> Decimal | None:
        prior = totals.get((u, "prior"), Decimal(0)) / len(previous.months)
        current = totals.get((u, "current"), Decimal(0)) / len(period.months)
        if prior <= 0:
            return None
        return (current / prior - 1).quantize(PLACES4, rounding=ROUND_HALF_UP)

    bank_units = [u for u, (kind, _) in units.items() if kind == "bank"]
    bank_growth = growth("*bank*")
    for level in rule.levels:
        unit = mine.get(level)
        if unit is None or bank_growth is None:
            continue
        g = growth(unit)
        if g is None:
            continue
        lag = bank_growth - g
        bone.checks.append(
            Check(
                "external_trend",
                lag > rule.max_lag,
                {
                    "level": level,
                    "unit": unit,
                    "growth": _s(g),
                    "bank_growth": _s(bank_growth),
                    "lag": _s(lag),
                    "maximum": _s(rule.max_lag),
                },
            )
        )
    shown = [mine[lv] for lv in rule.levels if lv in mine] + ["*bank*"]
    for u in shown:
        for which, p in (("prior", previous), ("current", period)):
            bone.evidence.append(
                EvidenceRow(
                    "balances",
                    {
                        "unit_id": bank_units[0] if u == "*bank*" and bank_units else u,
                        "months": f"{p.months[0]}..{p.months[-1]}",
                    },
                    {
                        "categories": ",".join(rule.categories),
                        "average_monthly_assets": _s(
                            (totals.get((u, which), Decimal(0)) / len(p.months)).quantize(
                                Decimal("0.01"), rounding=ROUND_HALF_UP
                            )
                        ),
                        "growth": _s(growth(u)) if which == "current" else "",
                    },
                    "external_trend",
                )
            )
    return bone


# --- customer mix --------------------------------------------------------------------------


def _customer_mix(
    lake: Lake,
    period: Period,
    policy: FishbonePolicy,
    segmentation: SegmentationPolicy,
    staff_id: str,
) -> BoneResult:
    from rmperf.engine.segmentation import segment
    from rmperf.engine.segmentation.policy import Tier

    rule = policy.customer_mix
    bone = BoneResult("customer_mix", rule.enabled)
    if not rule.enabled:
        return bone
    known = {str(t) for t in Tier}
    unknown = [t for t in rule.ladder if t not in known]
    if unknown:
        raise FishboneError(
            f"fishbone policy customer_mix.ladder: tier(s) {', '.join(unknown)} are not given "
            f"by segmentation (its tiers: {', '.join(sorted(known))})"
        )
    rank = {t: i for i, t in enumerate(rule.ladder)}
    start = segment(lake, as_of=period.start - dt.timedelta(days=1), policy=segmentation,
                    with_tags=False).to_pylist()  # fmt: skip
    end = {
        str(r["customer_id"]): str(r["tier"])
        for r in segment(lake, as_of=period.end, policy=segmentation, with_tags=False).to_pylist()
    }
    assigned = [r for r in start if r["rm_id"] is not None]
    book = sorted((r for r in assigned if r["rm_id"] == staff_id), key=lambda r: r["customer_id"])
    if not book or not assigned:
        return bone
    for name, tier, limit in (
        ("sleeping", rule.sleeping_tier, rule.max_excess_sleeping),
        ("basic", rule.basic_tier, rule.max_excess_basic),
    ):
        mine = _share(sum(1 for r in book if r["tier"] == tier), len(book))
        bank = _share(sum(1 for r in assigned if r["tier"] == tier), len(assigned))
        bone.checks.append(
            Check(
                f"{name}_share",
                mine - bank > limit,
                {"tier": tier, "share": _s(mine), "bank_share": _s(bank), "maximum": _s(limit)},
            )
        )
        for r in book:
            if r["tier"] == tier:
                bone.evidence.append(
                    EvidenceRow(
                        "customers",
                        {"customer_id": str(r["customer_id"])},
                        {
                            "tier": tier,
                            "recency_days": _s(r["recency_days"]),
                            "monetary": _s(r["monetary"]),
                        },
                        f"{name}_share",
                    )
                )
    down = [
        (r, end[str(r["customer_id"])])
        for r in book
        if str(r["customer_id"]) in end
        and r["tier"] in rank
        and end[str(r["customer_id"])] in rank
        and rank[end[str(r["customer_id"])]] < rank[str(r["tier"])]
    ]
    bone.checks.append(
        _share_over(
            "tier_downgrades",
            ("downgraded", len(down)),
            ("book", len(book)),
            rule.max_downgrade_share,
        )
    )
    for r, after in down:
        bone.evidence.append(
            EvidenceRow(
                "customers",
                {"customer_id": str(r["customer_id"])},
                {"tier_at_start": str(r["tier"]), "tier_at_end": after},
                "tier_downgrades",
            )
        )
    return bone


# --- effort --------------------------------------------------------------------------------


def _effort(
    engine: DuckDBBackend,
    period: Period,
    policy: FishbonePolicy,
    staff_id: str,
    book: list[str],
    tasks: TaskFigures | None,
) -> BoneResult:
    rule = policy.effort
    bone = BoneResult("effort", rule.enabled)
    if not rule.enabled:
        return bone
    contacts = rows(
        engine,
        "SELECT customer_id, count(*) AS n FROM rm_valid_interactions "  # noqa: S608 - quoted literals
        f"WHERE staff_id = {lit(staff_id)} "
        f"AND {on_days('ts', period.start, period.end, policy.time_zone)} GROUP BY customer_id",
    )
    total = sum(int(r["n"]) for r in contacts)
    if book:
        rate = (Decimal(total) / len(book) / len(period.months)).quantize(
            PLACES4, rounding=ROUND_HALF_UP
        )
        bone.checks.append(
            Check(
                "contacts",
                rate < rule.min_contacts_per_customer_month,
                {
                    "contacts": str(total),
                    "customers": str(len(book)),
                    "months": str(len(period.months)),
                    "rate": _s(rate),
                    "minimum": _s(rule.min_contacts_per_customer_month),
                },
            )
        )
        reached = {str(r["customer_id"]) for r in contacts}
        for cid in book:
            if cid not in reached:
                bone.evidence.append(
                    EvidenceRow(
                        "interactions",
                        {"customer_id": cid, "staff_id": staff_id},
                        {"contacts": "0"},
                        "contacts",
                    )
                )
    if tasks is not None and tasks.due > 0:
        done = _share(tasks.done_on_time, tasks.due)
        bone.checks.append(
            Check(
                "task_completion",
                done < rule.min_task_completion,
                {
                    "done": str(tasks.done_on_time),
                    "due": str(tasks.due),
                    "share": _s(done),
                    "minimum": _s(rule.min_task_completion),
                },
            )
        )
    return bone


# --- text ----------------------------------------------------------------------------------

#: How each check reads in English (the CLI; the app says them in the reader's language).
CHECK_TEXT = {
    "training_required": "required {kind} {name} since {since}: {found} on record",
    "training_hours": "training hours in the period {hours} (minimum {minimum})",
    "loan_approval": "loans approved in more than {days} days: {over} of {loans} = {share} "
    "(maximum {maximum})",
    "response_time": "requests not resolved within {hours} h: {missed} of {requests} = {share} "
    "(maximum {maximum})",
    "external_trend": "{level} {unit} asset growth {growth} against the bank's {bank_growth}: "
    "lags by {lag} (maximum {maximum})",
    "sleeping_share": "sleeping share {share} against the bank's {bank_share} "
    "(at most {maximum} above)",
    "basic_share": "basic share {share} against the bank's {bank_share} (at most {maximum} above)",
    "tier_downgrades": "customers whose tier fell: {downgraded} of {book} = {share} "
    "(maximum {maximum})",
    "contacts": "contacts per customer per month {rate} ({contacts} contacts, {customers} "
    "customers, {months} months; minimum {minimum})",
    "task_completion": "tasks done on time {done} of {due} = {share} (minimum {minimum})",
}


def check_text(check: Check) -> str:
    params = dict(check.params)
    if check.code == "training_required" and not params.get("name"):
        params["name"] = "(any)"
    return CHECK_TEXT[check.code].format(**params)


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def fishbone_text(fb: Fishbone, *, top: int = 10) -> str:
    """The attribution as plain text: the categories with their checks, the gaps with
    their parts, and the first `top` rows behind each category found."""
    out = [
        "",
        f"fishbone: gap attribution for {fb.staff_id} {fb.period} (policy {fb.policy_version})",
    ]
    for b in fb.bones:
        state = "found" if b.found else ("not found" if b.enabled else "disabled")
        out.append(f"{b.category}: {state}")
        for c in b.checks:
            out.append(f"  [{'x' if c.failed else ' '}] {check_text(c)}")
    out.append("")
    header = ["line", "indicator", "target", "value", "gap", *FISHBONE_CATEGORIES, UNEXPLAINED]
    grid = []
    for g in fb.gaps:
        grid.append(
            [
                g.line,
                g.indicator,
                _fmt(g.target),
                _fmt(g.value),
                _fmt(g.gap) if g.short else f"met ({_fmt(g.gap)})",
                *(_fmt(g.parts[c]) if c in g.parts else "" for c in header[5:]),
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in grid)) if grid else len(h) for i, h in
              enumerate(header)]  # fmt: skip
    for r in [header, *grid]:
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    for b in fb.bones:
        if not b.found or not b.evidence:
            continue
        out.append("")
        out.append(f"rows behind {b.category}: {min(top, len(b.evidence))} of {len(b.evidence)}")
        for e in b.evidence[:top]:
            out.append(f"  {e.table} {_json(e.row_key)} {_json(e.row_values)}")
    return "\n".join(out) + "\n"


def _json(data: Mapping[str, str]) -> str:
    return json.dumps(dict(data), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def evidence_dicts(fb: Fishbone) -> list[dict[str, Any]]:
    """Every evidence row as a flat dict (category, check, table, row_key, row_values)."""
    return [
        {
            "category": b.category,
            "check": e.check,
            "table": e.table,
            "row_key": _json(e.row_key),
            "row_values": _json(e.row_values),
        }
        for b in fb.bones
        for e in b.evidence
    ]
