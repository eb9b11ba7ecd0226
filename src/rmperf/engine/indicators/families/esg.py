"""ESG indicators (社会责任类): green credit, inclusive-finance first loans and the
financing cost of small businesses.

Each entry of `INDICATORS` is one indicator whole: its metadata (docs/indicators.md is
rendered from it), the lake tables it reads, its finisher and its detail expression
(Ibis, imported only when a query is built: lazy.py). `library.LIBRARY` collects the
families; indicator.py says what each field means.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rmperf.engine.indicators.context import Context
from rmperf.engine.indicators.indicator import (
    ORIGINATOR,
    IndicatorDef,
    NumDen,
    finish_cents_ratio,
    finish_count,
)
from rmperf.engine.indicators.lazy import LazyModule

if TYPE_CHECKING:
    import ibis

    from rmperf.engine.indicators import sources as src
else:
    ibis = LazyModule("ibis")
    src = LazyModule("rmperf.engine.indicators.sources")


def _green_share(ctx: Context, staff: str | None) -> Any:
    ln = src.contract_table("loans")
    ln = src.for_staff(ln.filter(src.in_period(ctx, ln.disbursed_on)), staff)
    amount = src.cents(ln.amount)
    green = src.flag_true(ln.green)
    return src.detail(
        ln,
        staff_id=ln.staff_id,
        source="loans",
        ref_id=ln.loan_id,
        customer_id=ln.customer_id,
        day=ln.disbursed_on,
        a=ibis.ifelse(green, amount, 0),
        b=amount,
        flag=ibis.ifelse(green, "green", src.STR_NULL),
    )


def _inclusive_first(ctx: Context, staff: str | None) -> Any:
    ln = src.contract_table("loans")
    earlier = src.contract_table("loans").view()
    new = src.for_staff(
        ln.filter(src.in_period(ctx, ln.disbursed_on) & src.flag_true(ln.inclusive)), staff
    )
    first = new.anti_join(
        earlier,
        [
            new.customer_id == earlier.customer_id,
            (earlier.disbursed_on < new.disbursed_on)
            | ((earlier.disbursed_on == new.disbursed_on) & (earlier.loan_id < new.loan_id)),
        ],
    )
    return src.detail(
        first,
        staff_id=first.staff_id,
        source="loans",
        ref_id=first.loan_id,
        customer_id=first.customer_id,
        day=first.disbursed_on,
        a=1,
    )


def _finish_micro_rate(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a) / 1_000_000, Decimal(b)


def _cost_decline(ctx: Context, staff: str | None) -> Any:
    prev = ctx.period.previous()
    ln = src.contract_table("loans")
    first, last = ibis.literal(prev.start), ctx.end
    ln = ln.filter(
        src.flag_true(ln.inclusive)
        & ln.rate.notnull()
        & (ln.disbursed_on >= first)
        & (ln.disbursed_on <= last)
    )
    ln = src.for_staff(ln, staff)
    earlier = ln.disbursed_on < ctx.start
    ln = ln.mutate(earlier=earlier, micro=(ln.rate * 1_000_000).cast("int64"))
    per_rm = ibis.window(group_by=ln.staff_id)
    ln = ln.mutate(
        n_prev=ibis.ifelse(ln.earlier, 1, 0).sum().over(per_rm),
        n_this=ibis.ifelse(ln.earlier, 0, 1).sum().over(per_rm),
    )
    # Σp/np − Σt/nt = (nt·Σp − np·Σt) ÷ (np·nt), one term per loan: linear, so the rows
    # add up to the value, and either side empty makes the denominator 0 (undefined).
    return src.detail(
        ln,
        staff_id=ln.staff_id,
        source="loans",
        ref_id=ln.loan_id,
        customer_id=ln.customer_id,
        day=ln.disbursed_on,
        a=ibis.ifelse(ln.earlier, ln.micro * ln.n_this, -ln.micro * ln.n_prev),
        b=ibis.ifelse(ln.earlier, ln.n_this, 0),
        flag=ibis.ifelse(ln.earlier, "previous", "this"),
        note=ln.rate.cast("string"),
    )


INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        id="green_credit_share",
        name_zh="绿色信贷占比",
        name_en="Green-credit share of new loans",
        definition_zh="该客户经理本期新发放贷款中绿色贷款金额所占比例。",
        formula_zh="绿色贷款金额 ÷ 本期放款总金额",
        unit="ratio",
        direction="higher",
        perspective="financial",
        category="social",
        family="esg",
        balance_based=False,
        definition="The share of green loans in the amount of new loans the RM originated.",
        sources=("loans",),
        formula="Σ amount of green loans ÷ Σ amount of loans disbursed in the period",
        crediting=ORIGINATOR,
        edge_cases="No new loans: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="green amount (CNY)",
        denominator="new-loan amount (CNY)",
        tables=("loans",),
        finish=finish_cents_ratio,
        detail=_green_share,
    ),
    IndicatorDef(
        id="inclusive_first_loans",
        name_zh="普惠首贷户",
        name_en="Inclusive-finance first loans",
        definition_zh=("本期发放给此前在本行从未贷过款的客户的普惠贷款笔数（首贷户）。"),
        formula_zh="本期发放、且客户此前没有贷款的普惠贷款笔数",
        unit="count",
        direction="higher",
        perspective="customer",
        category="social",
        family="esg",
        balance_based=False,
        definition=(
            "Inclusive-finance loans disbursed in the period to customers who had no "
            "earlier loan at the bank (首贷户)."
        ),
        sources=("loans",),
        formula=(
            "count of inclusive loans disbursed in the period with no loan of the same "
            "customer disbursed earlier (same day: the smaller loan_id is first)"
        ),
        crediting=ORIGINATOR,
        edge_cases="A customer's second inclusive loan is not a first loan.",
        combine="sum",
        aggregation="flow",
        numerator="loans",
        tables=("loans",),
        finish=finish_count,
        detail=_inclusive_first,
    ),
    IndicatorDef(
        id="financing_cost_decline",
        name_zh="小微企业融资成本下降",
        name_en="Small-business financing cost decline",
        definition_zh=("本期发放的普惠小微贷款平均年利率比上期低了多少：正数表示下降。"),
        formula_zh=("上期普惠贷款平均利率 − 本期普惠贷款平均利率（按笔简单平均）"),
        unit="ratio",
        direction="higher",
        perspective="customer",
        category="social",
        family="esg",
        balance_based=False,
        definition=(
            "How much lower the average annual rate of the small-business (inclusive "
            "finance, 普惠) loans the RM originated in the period is than that of those "
            "originated in the previous period: a positive value is a decline."
        ),
        sources=("loans",),
        formula=(
            "mean loans.rate of inclusive loans disbursed in the previous period − mean "
            "loans.rate of inclusive loans disbursed in the period (simple means per loan)"
        ),
        crediting=ORIGINATOR,
        edge_cases=(
            "Reads the optional column loans.rate (annual rate as a fraction): a lake "
            "without it, or without a rated inclusive loan of the RM in either period, "
            "gives NULL; loans without a rate are left out. The value is in rate units "
            "(0.005 = 0.5 percentage points). Rolled up, the RMs' differences are weighted "
            "by (previous loans × this period's loans)."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="nt·Σ previous rates − np·Σ this period's rates",
        denominator="np·nt (loans of the previous × of this period)",
        tables=("loans",),
        finish=_finish_micro_rate,
        detail=_cost_decline,
    ),
)
