"""Customer indicators (客户类): NPS, high-net-worth retention, sleeping-customer wake-up,
risk due diligence.

Each entry of `INDICATORS` is one indicator whole: its metadata (docs/indicators.md is
rendered from it), the lake tables it reads, its finisher and its detail expression
(Ibis, imported only when a query is built: lazy.py). `library.LIBRARY` collects the
families; indicator.py says what each field means.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rmperf.engine.indicators.context import Context, previous_month
from rmperf.engine.indicators.indicator import (
    BOOK_START,
    Detail,
    IndicatorDef,
    NumDen,
    finish_ratio,
)
from rmperf.engine.indicators.lazy import LazyModule
from rmperf.engine.indicators.params import AUM_CATEGORIES

if TYPE_CHECKING:
    import ibis

    from rmperf.engine.indicators import sources as src
else:
    ibis = LazyModule("ibis")
    src = LazyModule("rmperf.engine.indicators.sources")


def _finish_score(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a) / 100, Decimal(b)


def _finish_nps(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a * 100), Decimal(b)


def _feedback(kind: str) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        f = src.contract_table("feedback")
        f = src.for_staff(f.filter((f.kind == kind) & src.in_period(ctx, f.date)), staff)
        score = src.cents(f.score)
        if kind == "nps":
            p = ctx.params
            promoter = score >= int(p.nps_promoter * 100)
            detractor = score <= int(p.nps_detractor * 100)
            a = ibis.cases((promoter, 1), (detractor, -1), else_=0)
            flag = ibis.cases((promoter, "promoter"), (detractor, "detractor"), else_="passive")
        else:
            a, flag = score, None
        return src.detail(
            f,
            staff_id=f.staff_id,
            source="feedback",
            ref_id=f.kind,
            customer_id=f.customer_id,
            day=f.date,
            a=a,
            b=1,
            flag=flag,
            note=f.score.cast("string"),
        )

    return build


def _hnw(ctx: Context, staff: str | None) -> Any:
    threshold = int(ctx.params.hnw_min_aum * 100)
    book = src.for_staff(src.book_on(ctx.period.start), staff)
    before = previous_month(ctx.period.months[0])
    end = ctx.months[-1] if ctx.months else ""
    s = src.monthly_balances((before,), AUM_CATEGORIES)
    s = s.filter(s.avg_cents >= threshold).select(s_id=s.customer_id, s_avg=s.avg_cents)
    e = src.monthly_balances((end,), AUM_CATEGORIES)
    e = e.select(e_id=e.customer_id, e_avg=e.avg_cents)
    j = book.join(s, book.customer_id == s.s_id)
    if not ctx.months:
        j = j.filter(ibis.literal(False))
    j = j.left_join(e, j.customer_id == e.e_id)
    kept = j.e_avg.fill_null(0) >= threshold
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="balances",
        ref_id=j.customer_id,
        customer_id=j.customer_id,
        day=ibis.literal(end),
        a=ibis.ifelse(kept, 1, 0),
        b=1,
        flag=ibis.ifelse(kept, src.STR_NULL, "lost"),
        note="AUM " + src.money_text(j.s_avg) + " -> " + src.money_text(j.e_avg.fill_null(0)),
    )


def _transactions(ctx: Context) -> Any:
    """Transactions with their business date `d` (only the columns staging keeps)."""
    t = src.contract_table("transactions")
    return t.select(
        txn_id=t.txn_id, customer_id=t.customer_id, channel=t.channel, d=ctx.bdate(t.ts)
    )


def _wakeup(ctx: Context, staff: str | None) -> Any:
    before = ibis.literal(ctx.period.start - dt.timedelta(days=1))
    book = src.for_staff(src.book_on(ctx.period.start), staff)
    cust = src.contract_table("customers")
    cust = cust.filter(cust.opened_on <= before).select(
        c_id=cust.customer_id, opened=cust.opened_on
    )
    book = book.join(cust, book.customer_id == cust.c_id)
    t = _transactions(ctx)
    t = t.filter(t.d <= ctx.end)
    per = t.group_by(t_id=t.customer_id).aggregate(
        last=t.d.max(where=t.d <= before),
        moved=t.count(where=t.d >= ctx.start),
    )
    j = book.left_join(per, book.customer_id == per.t_id)
    since = before.delta(j.last.fill_null(j.opened), unit="day")
    j = j.filter(since >= ctx.params.sleeping_days)
    woke = j.moved.fill_null(0) > 0
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="transactions",
        ref_id=j.customer_id,
        customer_id=j.customer_id,
        day=j.last,  # the last transaction in the look-back; none: NULL
        a=ibis.ifelse(woke, 1, 0),
        b=1,
        flag=ibis.ifelse(woke, "woken", src.STR_NULL),
        note="opened " + j.opened.cast("string"),
    )


INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        id="nps",
        name_zh="净推荐值",
        name_en="Net promoter score",
        unit="points",
        direction="higher",
        perspective="customer",
        category="business",
        family="customer",
        balance_based=False,
        definition=(
            "Promoters (answers 9–10) minus detractors (0–6) over all NPS answers about "
            "the RM in the period, × 100 (−100 … 100)."
        ),
        sources=("feedback",),
        formula="(promoters − detractors) × 100 ÷ answers, feedback kind nps",
        crediting="the rated staff member, `feedback.staff_id`",
        edge_cases="No answers: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="(promoters − detractors) × 100",
        denominator="answers",
        tables=("feedback",),
        finish=_finish_nps,
        detail=_feedback("nps"),
    ),
    IndicatorDef(
        id="hnw_retention",
        name_zh="高净值客户留存率",
        name_en="High-net-worth retention",
        unit="ratio",
        direction="higher",
        perspective="customer",
        category="business",
        family="customer",
        balance_based=True,
        definition=(
            "Of the customers in the RM's book at the period's start with an AUM daily "
            "average of at least 1,000,000 in the month before the period, the share "
            "whose AUM daily average in the period's last month is still at least "
            "1,000,000."
        ),
        sources=("balances", "assignments"),
        formula="customers still HNW at the end ÷ customers HNW at the start",
        crediting=BOOK_START,
        edge_cases=(
            "Daily averages only, so a month-end spike neither makes nor keeps a customer "
            "HNW; no HNW customer at the start (e.g. an RM who joined mid-period): NULL. "
            "The end month is the period's last month in the lake."
        ),
        combine="ratio",
        aggregation="daily_average",
        numerator="customers still HNW",
        denominator="customers HNW at the start",
        tables=("balances", "assignments"),
        finish=finish_ratio,
        detail=_hnw,
    ),
    IndicatorDef(
        id="sleeping_wakeup_rate",
        name_zh="睡眠客户唤醒率",
        name_en="Sleeping-customer wake-up rate",
        unit="ratio",
        direction="higher",
        perspective="customer",
        category="business",
        family="customer",
        balance_based=False,
        definition=(
            "Of the customers in the RM's book at the period's start who were sleeping "
            "(no transaction in the 180 days before the period), the share who made a "
            "transaction in the period."
        ),
        sources=("customers", "transactions", "assignments"),
        formula=(
            "sleeping customers with ≥ 1 transaction in the period ÷ sleeping customers; "
            "sleeping: (day before the period − last transaction day, or opened_on) ≥ 180"
        ),
        crediting=BOOK_START,
        edge_cases=(
            "No sleeping customer at the start: NULL. The drill-down shows each sleeping "
            "customer's last transaction within the look-back (none: empty)."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="woken customers",
        denominator="sleeping customers",
        tables=("customers", "transactions", "assignments"),
        finish=finish_ratio,
        lookback=True,
        detail=_wakeup,
    ),
    IndicatorDef(
        id="risk_due_diligence",
        name_zh="贷前调查真实性评分",
        name_en="Risk due-diligence score",
        unit="score",
        direction="higher",
        perspective="process",
        category="risk",
        family="customer",
        balance_based=False,
        definition=(
            "The risk department's average score (0–100) of the authenticity of the "
            "RM's pre-loan investigations in the period (360 feedback kind "
            "risk_due_diligence)."
        ),
        sources=("feedback",),
        formula="Σ score ÷ ratings, feedback kind risk_due_diligence",
        crediting="the rated staff member, `feedback.staff_id`",
        edge_cases="No rating: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="Σ score",
        denominator="ratings",
        tables=("feedback",),
        finish=_finish_score,
        detail=_feedback("risk_due_diligence"),
    ),
)
