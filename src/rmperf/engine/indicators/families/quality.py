"""Quality indicators (质量类): overdue and non-performing loans, complaints, compliance
breaches.

Each entry of `INDICATORS` is one indicator whole: its metadata (docs/indicators.md is
rendered from it), the lake tables it reads, its finisher and its detail expression
(Ibis, imported only when a query is built: lazy.py). `library.LIBRARY` collects the
families; indicator.py says what each field means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmperf.engine.indicators.context import Context
from rmperf.engine.indicators.indicator import (
    BY_DAY,
    ORIGINATOR,
    Detail,
    IndicatorDef,
    finish_cents_ratio,
    finish_count,
)
from rmperf.engine.indicators.lazy import LazyModule
from rmperf.engine.indicators.params import NPL_GRADES

if TYPE_CHECKING:
    import ibis

    from rmperf.engine.indicators import sources as src
else:
    ibis = LazyModule("ibis")
    src = LazyModule("rmperf.engine.indicators.sources")


def _status_at_end(ctx: Context, staff: str | None, npl: bool) -> Any:
    month = ctx.loan_months[-1] if ctx.loan_months else ""
    ls = src.contract_table("loan_status")
    ls = ls.filter(ls.month == month)
    ln = src.contract_table("loans")
    j = ls.join(ln, ls.loan_id == ln.loan_id)
    j = src.for_staff(j, staff)
    bal = src.cents(j.balance)
    bad = j.grade.isin(list(NPL_GRADES)) if npl else j.overdue_days >= ctx.params.overdue_min_days
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="loan_status",
        ref_id=j.loan_id,
        customer_id=j.customer_id,
        day=j.month,
        a=ibis.ifelse(bad, bal, 0),
        b=bal,
        flag=ibis.ifelse(bad, "npl" if npl else "overdue", src.STR_NULL),
        note=j.grade,
    )


def _events(kind: str, direct: bool) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        ev = src.contract_table("events")
        ev = ev.mutate(d=ctx.bdate(ev.ts))
        ev = ev.filter((ev.kind == kind) & src.in_period(ctx, ev.d))
        ev = ev.rename(e_staff="staff_id")
        if direct:
            named = ev.filter(ev.e_staff.notnull())
            named = named.mutate(staff_id=named.e_staff)
            rest = src.credit_by_day(ev.filter(ev.e_staff.isnull()), "d")
            rows = named.union(rest.select(*named.columns))
        else:
            rows = src.credit_by_day(ev, "d")
        rows = src.for_staff(rows, staff)
        return src.detail(
            rows,
            staff_id=rows.staff_id,
            source="events",
            ref_id=rows.kind,
            customer_id=rows.customer_id,
            day=rows.d,
            a=1,
            note=rows.detail,
        )

    return build


INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        id="overdue_rate",
        name_zh="贷款逾期率",
        name_en="Loan overdue rate",
        definition_zh=(
            "该客户经理经办贷款在期末月末逾期（1 天及以上）的余额占全部"
            "余额的比例（默认 1.5% 预警）。"
        ),
        formula_zh=("逾期 1 天及以上的贷款余额 ÷ 贷款总余额，取本期最后一个有数据的月份"),
        unit="ratio",
        direction="lower",
        perspective="financial",
        category="risk",
        family="quality",
        balance_based=False,
        definition=(
            "The share of the outstanding balance of the loans the RM originated that is "
            "overdue (≥ 1 day) at the period's last month-end (default warning at 1.5%)."
        ),
        sources=("loans", "loan_status"),
        formula=(
            "Σ balance with overdue_days ≥ 1 ÷ Σ balance, in loan_status of the last month "
            "of the period present in the lake"
        ),
        crediting=ORIGINATOR,
        edge_cases="No outstanding balance: NULL (undefined, not 0).",
        combine="ratio",
        aggregation="point",
        numerator="overdue balance (CNY)",
        denominator="outstanding balance (CNY)",
        tables=("loans", "loan_status"),
        finish=finish_cents_ratio,
        detail=lambda c, s: _status_at_end(c, s, False),
    ),
    IndicatorDef(
        id="npl_ratio",
        name_zh="不良贷款率",
        name_en="Non-performing loan ratio",
        definition_zh=("该客户经理经办贷款在期末月末被分为次级、可疑、损失类的余额所占比例。"),
        formula_zh="不良贷款余额 ÷ 贷款总余额，取本期最后一个有数据的月份",
        unit="ratio",
        direction="lower",
        perspective="financial",
        category="risk",
        family="quality",
        balance_based=False,
        definition=(
            "The share of the outstanding balance of the loans the RM originated that is "
            "graded substandard, doubtful or loss at the period's last month-end."
        ),
        sources=("loans", "loan_status"),
        formula="Σ balance of NPL grades ÷ Σ balance, last month of the period in the lake",
        crediting=ORIGINATOR,
        edge_cases="No outstanding balance: NULL.",
        combine="ratio",
        aggregation="point",
        numerator="non-performing balance (CNY)",
        denominator="outstanding balance (CNY)",
        tables=("loans", "loan_status"),
        finish=finish_cents_ratio,
        detail=lambda c, s: _status_at_end(c, s, True),
    ),
    IndicatorDef(
        id="complaints",
        name_zh="客户投诉",
        name_en="Customer complaints",
        definition_zh="本期名下客户的投诉次数。",
        formula_zh="本期内客户投诉事件的次数",
        unit="count",
        direction="lower",
        perspective="customer",
        category="compliance",
        family="quality",
        balance_based=False,
        definition="Complaints (events of kind `complaint`) by the RM's customers in the period.",
        sources=("events", "assignments"),
        formula="count of complaint events with business date in the period",
        crediting=BY_DAY,
        edge_cases="A complaint of an unassigned customer counts for nobody.",
        combine="sum",
        aggregation="flow",
        numerator="complaints",
        tables=("events", "assignments"),
        finish=finish_count,
        detail=_events("complaint", False),
    ),
    IndicatorDef(
        id="compliance_breaches",
        name_zh="合规违规",
        name_en="Compliance breaches",
        definition_zh="本期记录的合规违规次数。",
        formula_zh="本期内合规违规事件的次数",
        unit="count",
        direction="lower",
        perspective="process",
        category="compliance",
        family="quality",
        balance_based=False,
        definition=(
            "Compliance breaches recorded as events of kind `compliance.breach` in the period."
        ),
        sources=("events", "assignments"),
        formula="count of compliance.breach events with business date in the period",
        crediting="`events.staff_id` when given; otherwise " + BY_DAY,
        edge_cases="None recorded: 0.",
        combine="sum",
        aggregation="flow",
        numerator="breaches",
        tables=("events", "assignments"),
        finish=finish_count,
        detail=_events("compliance.breach", True),
    ),
)
