"""Collaboration indicators (协作类): referrals made and their points.

Each entry of `INDICATORS` is one indicator whole: its metadata (docs/indicators.md is
rendered from it), the lake tables it reads, its finisher and its detail expression
(Ibis, imported only when a query is built: lazy.py). `library.LIBRARY` collects the
families; indicator.py says what each field means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmperf.engine.indicators.context import Context
from rmperf.engine.indicators.indicator import IndicatorDef, finish_count, finish_ratio
from rmperf.engine.indicators.lazy import LazyModule
from rmperf.engine.indicators.params import AUM_CATEGORIES

if TYPE_CHECKING:
    import ibis

    from rmperf.engine.indicators import sources as src
else:
    ibis = LazyModule("ibis")
    src = LazyModule("rmperf.engine.indicators.sources")


def _referral_success(ctx: Context, staff: str | None) -> Any:
    r = src.contract_table("referrals")
    r = r.mutate(d=ctx.bdate(r.created_at), staff_id=r.from_staff_id)
    r = src.for_staff(r.filter(src.in_period(ctx, r.d)), staff)
    done = (r.status == "converted") & (ctx.bdate(r.converted_at) <= ctx.end)
    return src.detail(
        r,
        staff_id=r.staff_id,
        source="referrals",
        ref_id=r.referral_id,
        customer_id=r.customer_id,
        day=r.d,
        a=ibis.ifelse(done.fill_null(False), 1, 0),
        b=1,
        flag=r.status,
    )


def _referral_points(ctx: Context, staff: str | None) -> Any:
    p = ctx.params
    r = src.contract_table("referrals")
    r = r.mutate(d=ctx.bdate(r.converted_at), staff_id=r.from_staff_id)
    r = r.filter((r.status == "converted") & src.in_period(ctx, r.d))
    r = src.for_staff(r, staff)
    r = r.mutate(m=src.month_key(r.d))
    months = tuple(sorted(set(ctx.period.months)))
    aum = src.monthly_balances(months, AUM_CATEGORIES)
    aum = aum.select(b_id=aum.customer_id, b_month=aum.month, b_avg=aum.avg_cents)
    j = r.left_join(aum, [r.customer_id == aum.b_id, r.m == aum.b_month])
    step = int(p.referral_points_step * 100)
    points = ibis.least(
        p.referral_points_base + j.b_avg.fill_null(0) // step, p.referral_points_cap
    )
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="referrals",
        ref_id=j.referral_id,
        customer_id=j.customer_id,
        day=j.d,
        a=points,
        note="AUM " + src.money_text(j.b_avg.fill_null(0)),
    )


INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        id="referral_success_rate",
        name_zh="转介成功率",
        name_en="Referral success rate",
        definition_zh="本期发起的转介中，到期末已成功转化的比例。",
        formula_zh="期末前已转化的转介数 ÷ 本期发起的转介数",
        unit="ratio",
        direction="higher",
        perspective="process",
        category="development",
        family="collaboration",
        balance_based=False,
        definition=(
            "The share of the referrals the RM made in the period that converted by the "
            "period's end."
        ),
        sources=("referrals",),
        formula=(
            "referrals with status converted and converted_at on or before the last day ÷ "
            "referrals created in the period (business dates)"
        ),
        crediting="the referrer, `referrals.from_staff_id`",
        edge_cases="No referral made: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="converted referrals",
        denominator="referrals made",
        tables=("referrals",),
        finish=finish_ratio,
        detail=_referral_success,
    ),
    IndicatorDef(
        id="referral_points",
        name_zh="转介积分",
        name_en="Referral points",
        definition_zh=(
            "本期成功转化的转介按客户贡献计算的积分：每次转化 10 分，"
            "转化当月客户 AUM 日均每满 1 万元再加 1 分，每笔最"
            "多 100 分。"
        ),
        formula_zh=("每笔转化 min(10 + AUM 日均 ÷ 10,000 取整, 100)，全部相加"),
        unit="points",
        direction="higher",
        perspective="learning",
        category="development",
        family="collaboration",
        balance_based=False,
        definition=(
            "Performance points for referrals that converted in the period, in proportion "
            "to the referred customer's contribution: 10 points per conversion plus one "
            "point per full 10,000 of the customer's AUM daily average in the month of "
            "conversion, at most 100 per referral."
        ),
        sources=("referrals", "balances"),
        formula="Σ min(10 + ⌊AUM daily average ÷ 10,000⌋, 100) over conversions in the period",
        crediting="the referrer, `referrals.from_staff_id`",
        edge_cases="None: 0.",
        combine="sum",
        aggregation="flow",
        numerator="points",
        tables=("referrals", "balances"),
        finish=finish_count,
        detail=_referral_points,
    ),
)
