"""Why this score, in plain words: one line of an RM's scorecard explained for people.

The reads behind the explanation pages: the indicator's definition and formula in the
reader's language (the library's metadata), the line's figures formatted for reading
(money to the cent with thousands separators, ratios as percentages), the rows behind
the value grouped by customer (names masked as the reader's role requires), the biggest
contributors for a chart, and, for the details toggle, the engine's own rows and the
text `rmperf explain` prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from rmperf.core.access import Action, may_see_customer_names
from rmperf.core.actors import Actor
from rmperf.customers.models import Customer
from rmperf.customers.tables import display_name
from rmperf.engine.indicators.library import LIBRARY
from rmperf.engine.periods import Period
from rmperf.performance import selectors as sel
from rmperf.performance.models import AdjustmentResult, LineResult, RmResult

CENT = Decimal("0.01")
#: How many customers the chart shows by name; the rest are one bar.
CHART_TOP = 10
#: How many of the engine's rows the details toggle lists.
DETAIL_ROWS = sel.ROWS_SHOWN


def _round(value: Decimal, places: Decimal = CENT) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def format_number(value: Decimal | None) -> str:
    """`1234567.891` → `1,234,567.89`; a whole number keeps no decimals (`1,234`)."""
    if value is None:
        return "—"
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{_round(value):,}"


def format_value(value: Decimal | None, unit: str) -> str:
    """A value of an indicator of `unit` as a person reads it: money to the cent with
    separators and the currency, ratios as percentages, hours and days named."""
    if value is None:
        return "—"
    if unit == "CNY":
        return _("%(amount)s CNY") % {"amount": f"{_round(value):,}"}
    if unit == "ratio":
        return f"{_round(value * 100):,}%"
    if unit == "hours":
        return _("%(n)s hours") % {"n": f"{_round(value):,}"}
    if unit == "days":
        return _("%(n)s days") % {"n": f"{_round(value):,}"}
    if unit in ("score", "points"):
        return f"{_round(value):,}"
    return format_number(value)


def format_share(part: Decimal | None, whole: Decimal | None) -> str:
    """`part` of `whole` as a percentage with one decimal ("—" without a whole)."""
    if part is None or not whole:
        return "—"
    return f"{_round(part / whole * 100, Decimal('0.1'))}%"


def _flag_labels() -> dict[str, str]:
    return {
        "month_end_spike": _("Month-end spike (falls back the next month)"),
        "month_end_spike_unconfirmed": _("Month-end jump (next month not delivered yet)"),
        "overdue": _("Overdue"),
        "npl": _("Non-performing"),
        "unresolved": _("Not resolved"),
        "lost": _("Lost"),
        "low_balance": _("Balance below the threshold"),
        "no_transaction": _("No transaction"),
        "complaint": _("Complaint"),
        "green": _("Green loan"),
        "purchased": _("Purchased"),
        "trust": _("Holds a trust"),
        "woken": _("Woken up"),
    }


def _source_labels() -> dict[str, str]:
    return {
        "balances": _("Balances"),
        "customers": _("Customer record"),
        "events": _("Events"),
        "feedback": _("Customer feedback"),
        "holdings": _("Holdings"),
        "interactions": _("Contacts"),
        "loan_status": _("Loan status"),
        "loans": _("Loans"),
        "offers": _("Offers"),
        "projects": _("Projects"),
        "proposals": _("Proposals"),
        "referrals": _("Referrals"),
        "requests": _("Customer requests"),
        "trainings": _("Trainings"),
        "transactions": _("Transactions"),
        "unit_financials": _("Unit financials"),
    }


def flag_label(flag: str | None) -> str:
    if not flag:
        return ""
    return _flag_labels().get(flag, _("Marked (see details)"))


@dataclass
class CustomerPart:
    """The rows of one customer behind a line: their part of the value (sum indicators)
    or of the numerator and denominator (ratios), formatted, with the flags raised."""

    customer_id: str  # "" for rows tied to no customer (trainings, projects …)
    name: str
    rows: int = 0
    part: Decimal = Decimal(0)
    numerator: Decimal = Decimal(0)
    denominator: Decimal = Decimal(0)
    flags: list[str] = field(default_factory=list)
    part_text: str = ""
    numerator_text: str = ""
    denominator_text: str = ""
    own_value_text: str = ""
    share_text: str = ""

    @property
    def label(self) -> str:
        return self.name or self.customer_id or _("Not tied to a customer")


@dataclass
class RowView:
    """One row behind the value in plain words (the customer drill-down)."""

    day: str
    source: str
    ref_id: str
    part_text: str
    numerator_text: str
    denominator_text: str
    credited_text: str
    flag: str


@dataclass
class Explanation:
    """One line of a stored result explained; `problem` when its rows cannot be read."""

    indicator: str
    name: str
    unit: str
    ratio: bool
    definition: str
    formula: str
    line: LineResult | None
    adjustment: AdjustmentResult | None
    value_text: str
    target_text: str
    completion_text: str
    points_text: str
    weight_text: str
    problem: str = ""
    total_rows: int = 0
    numerator_text: str = ""
    denominator_text: str = ""
    customers: list[CustomerPart] = field(default_factory=list)
    chart: dict[str, Any] = field(default_factory=dict)
    detail_columns: list[str] = field(default_factory=list)
    detail_rows: list[list[str]] = field(default_factory=list)
    cli_text: str = ""
    #: The engine's rows as read (for the customer drill-down; not shown as such).
    raw_rows: list[dict[str, Any]] = field(default_factory=list)


def indicator_texts(indicator: str, language: str) -> tuple[str, str, str, str]:
    """(name, definition, formula, unit) of an indicator in the reader's language."""
    info = LIBRARY.get(indicator)
    if info is None:
        return indicator, "", "", ""
    if language.startswith("zh"):
        return (
            info.name_zh,
            info.definition_zh or info.definition,
            info.formula_zh or info.formula,
            info.unit,
        )
    return info.name_en, info.definition.replace("`", ""), info.formula, info.unit


def _names(actor: Actor, ids: Sequence[str]) -> dict[str, str]:
    """Display names of the customers the actor may see (masked unless the role serves
    customers); customers out of scope or unknown keep no name."""
    mask = not may_see_customer_names(actor)
    found = Customer.objects.restrict(actor, Action.VIEW).filter(customer_id__in=sorted(ids))
    return {c.customer_id: display_name(c, mask_names=mask) for c in found}


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(0)


def _group(rows: list[dict[str, Any]], ratio: bool) -> list[CustomerPart]:
    parts: dict[str, CustomerPart] = {}
    for r in rows:
        cid = r.get("customer_id") or ""
        p = parts.setdefault(cid, CustomerPart(customer_id=cid, name=""))
        p.rows += 1
        p.numerator += _dec(r.get("numerator"))
        p.denominator += _dec(r.get("denominator"))
        p.part += _dec(r.get("numerator") if ratio else r.get("contribution"))
        flag = r.get("flag")
        if flag and flag_label(flag) not in p.flags:
            p.flags.append(flag_label(flag))
    out = list(parts.values())
    out.sort(key=lambda p: (-abs(p.part), p.customer_id))
    return out


def _chart(customers: list[CustomerPart], unit: str, ratio: bool) -> dict[str, Any]:
    top = customers[:CHART_TOP]
    rest = customers[CHART_TOP:]
    bars = [{"name": p.label, "value": str(_round(p.part))} for p in top]
    if rest:
        others = sum((p.part for p in rest), Decimal(0))
        bars.append(
            {
                "name": _("%(n)s other customers") % {"n": len(rest)},
                "value": str(_round(others)),
            }
        )
    return {
        "title": _("Part of the numerator") if ratio else _("Part of the value"),
        "money": unit == "CNY" and not ratio,
        "bars": bars,
    }


def _detail_text(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def line_explanation(
    *,
    actor: Actor,
    result: RmResult,
    indicator: str,
    engine_period: Period,
    today: dt.date,
    language: str,
) -> Explanation:
    """The explanation of one computed line (or bonus/deduction item) of `result`;
    Http404 when the result has no such computed line or item."""
    found = sel.line_rows(
        result=result, indicator=indicator, engine_period=engine_period, today=today
    )
    if found is None:
        raise Http404
    name, definition, formula, unit = indicator_texts(indicator, language)
    info = LIBRARY.get(indicator)
    ratio = info is not None and info.combine == "ratio"
    line = (
        LineResult.objects.restrict(actor, Action.VIEW)
        .filter(result=result, indicator=indicator)
        .exclude(method="manual")
        .first()
    )
    adjustment = (
        AdjustmentResult.objects.restrict(actor, Action.VIEW)
        .filter(result=result, indicator=indicator)
        .first()
    )
    value = line.value if line is not None else adjustment.value if adjustment else None
    points = line.points if line is not None else adjustment.points if adjustment else None
    weight = (line.effective_weight or line.weight) if line is not None else None
    out = Explanation(
        indicator=indicator,
        name=name,
        unit=unit,
        ratio=ratio,
        definition=definition,
        formula=formula,
        line=line,
        adjustment=adjustment,
        value_text=format_value(value, unit),
        target_text=format_value(line.target if line is not None else None, unit),
        completion_text=(
            format_value(line.completion, "ratio")
            if line is not None and line.completion is not None
            else "—"
        ),
        points_text=format_number(points) if points is None else f"{_round(points)}",
        weight_text=format_number(weight),
    )
    if found.table is None:
        out.problem = found.problem
        return out
    rows = found.table.to_pylist()
    customers = _group(rows, ratio)
    names = _names(actor, [p.customer_id for p in customers if p.customer_id])
    total_num = sum((p.numerator for p in customers), Decimal(0))
    total_den = sum((p.denominator for p in customers), Decimal(0))
    whole = total_num if ratio else sum((p.part for p in customers), Decimal(0))
    for p in customers:
        p.name = names.get(p.customer_id, "")
        p.part_text = format_value(p.part, unit) if not ratio else format_number(p.part)
        p.numerator_text = format_number(p.numerator)
        p.denominator_text = format_number(p.denominator)
        p.own_value_text = format_value(p.numerator / p.denominator, unit) if p.denominator else "—"
        p.share_text = format_share(p.part, whole)
    out.total_rows = len(rows)
    out.raw_rows = rows
    out.customers = customers
    out.numerator_text = format_number(total_num)
    out.denominator_text = format_number(total_den)
    out.chart = _chart(customers, unit, ratio)
    from rmperf.engine.scoring.explain import row_weight

    ordered = sorted(rows, key=row_weight)[:DETAIL_ROWS]
    out.detail_columns = list(found.table.column_names)
    out.detail_rows = [[_detail_text(r[c]) for c in out.detail_columns] for r in ordered]
    out.cli_text = _cli_text(actor, result, engine_period, today, language, indicator, found)
    return out


def _cli_text(
    actor: Actor,
    result: RmResult,
    engine_period: Period,
    today: dt.date,
    language: str,
    indicator: str,
    found: sel.LineRows,
) -> str:
    lines = sel.line_views(
        actor=actor, result=result, engine_period=engine_period, today=today, language=language
    )
    adjustments = list(
        AdjustmentResult.objects.restrict(actor, Action.VIEW)
        .filter(result=result)
        .order_by("kind", "item")
    )
    return sel.result_explanation(
        result=result, lines=lines, adjustments=adjustments, rows={indicator: found.table}
    )


@dataclass
class CustomerExplanation:
    """One customer's rows behind a line, in plain words."""

    explanation: Explanation
    part: CustomerPart
    rows: list[RowView]
    customer_visible: bool


def customer_explanation(
    *,
    actor: Actor,
    result: RmResult,
    indicator: str,
    customer_id: str,
    engine_period: Period,
    today: dt.date,
    language: str,
) -> CustomerExplanation:
    """The rows of one customer behind a line ("-" for the rows tied to no customer);
    Http404 when the line has none of theirs."""
    explanation = line_explanation(
        actor=actor,
        result=result,
        indicator=indicator,
        engine_period=engine_period,
        today=today,
        language=language,
    )
    wanted = "" if customer_id == "-" else customer_id
    part = next((p for p in explanation.customers if p.customer_id == wanted), None)
    if explanation.problem or part is None:
        raise Http404
    sources = _source_labels()
    unit = explanation.unit
    rows = []
    for r in explanation.raw_rows:
        if (r.get("customer_id") or "") != wanted:
            continue
        share = r.get("share")
        rows.append(
            RowView(
                day=r.get("day") or "",
                source=sources.get(r["source"], r["source"]),
                ref_id=r.get("ref_id") or "",
                part_text=(
                    format_value(r.get("contribution"), unit) if not explanation.ratio else ""
                ),
                numerator_text=format_number(r.get("numerator")),
                denominator_text=format_number(r.get("denominator")),
                credited_text=format_value(share, "ratio") if share is not None else "—",
                flag=flag_label(r.get("flag")),
            )
        )
    rows.sort(key=lambda v: (v.day, v.ref_id))
    visible = bool(wanted) and part.name != ""
    return CustomerExplanation(
        explanation=explanation, part=part, rows=rows, customer_visible=visible
    )
