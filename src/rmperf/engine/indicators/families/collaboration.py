"""Collaboration indicators (协作类): referrals made and their points (the referrals
policy's one points rule, engine/referrals/points.py).

Each entry of `INDICATORS` is one indicator whole: its metadata (docs/indicators.md is
rendered from it), the lake tables it reads, its finisher and its detail expression
(Ibis, imported only when a query is built: lazy.py). `library.LIBRARY` collects the
families; indicator.py says what each field means.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rmperf.engine.indicators.context import Context
from rmperf.engine.indicators.indicator import IndicatorDef, NumDen, finish_ratio
from rmperf.engine.indicators.lazy import LazyModule

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
    """Converted referrals of the period with the purchase that converted them, by the
    referrals policy's rule (engine/referrals/points.py): key = referral_id, a = the
    purchase amount in cents, b = 1 when there is one (the finisher applies the policy's
    points formula to each referral)."""
    rule = ctx.params.referral_rule
    r = src.contract_table("referrals")
    r = r.mutate(d=ctx.bdate(r.converted_at), d0=ctx.bdate(r.created_at), staff_id=r.from_staff_id)
    r = r.filter((r.status == "converted") & src.in_period(ctx, r.d))
    r = src.for_staff(r, staff)
    s = src.contract_table("staff")
    fr = s.select(f_id=s.staff_id, f_role=s.role)
    to = s.select(t_id=s.staff_id, t_role=s.role)
    r = r.left_join(fr, r.from_staff_id == fr.f_id).left_join(to, r.to_staff_id == to.t_id)
    route = ibis.literal(-1, type="int64")
    for i, rt in reversed(list(enumerate(rule.routes))):
        hit = (r.f_role == rt.from_role) & (r.t_role == rt.to_role) & (r.need == rt.need)
        route = ibis.ifelse(hit.fill_null(False), i, route)
    r = r.mutate(route=route)
    hp = src.holdings_products()
    hp = hp.select(
        h_customer=hp.customer_id,
        h_product=hp.product_id,
        h_category=hp.category,
        h_amount=hp.amount,
        h_start=hp.start_date,
    )
    fits = ibis.literal(False)
    for i, rt in enumerate(rule.routes):
        fits = fits | ((r.route == i) & hp.h_category.isin(list(rt.categories)))
    window = ibis.interval(days=rule.window_days)
    m = r.join(
        hp,
        (r.customer_id == hp.h_customer)
        & (hp.h_start >= r.d0)
        & (hp.h_start <= r.d0 + window)
        & fits,
    )
    m = m.mutate(
        rn=ibis.row_number().over(
            group_by=m.referral_id,
            order_by=[m.h_start, m.h_amount.desc(), m.h_product],
        )
    )
    m = m.filter(m.rn == 0).select(
        p_id=m.referral_id, p_product=m.h_product, p_amount=m.h_amount, p_start=m.h_start
    )
    j = r.left_join(m, r.referral_id == m.p_id)
    found = j.p_id.notnull()
    flag = ibis.ifelse(found, "converted", ibis.ifelse(j.route < 0, "no_rule", "no_purchase"))
    return src.detail(
        j,
        staff_id=j.staff_id,
        key=j.referral_id,
        source="referrals",
        ref_id=j.referral_id,
        customer_id=j.customer_id,
        day=j.d,
        a=ibis.ifelse(found, src.cents(j.p_amount), 0),
        b=ibis.ifelse(found, 1, 0),
        flag=flag,
        note=ibis.ifelse(
            found,
            j.p_product.cast("string") + " " + src.money_text(src.cents(j.p_amount)),
            ibis.literal(None, type="string"),
        ),
    )


def _finish_referral_points(ctx: Context, key: str, a: int, b: int) -> NumDen:
    # One referral per key: the policy's own formula on its purchase (none: no points).
    if b == 0:
        return Decimal(0), None
    return Decimal(ctx.params.referral_rule.points_for(Decimal(a) / 100)), None


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
            "本期成功转化的转介按转介政策计算的积分，与积分账户发放的规则相同：每笔转化"
            " 10 分，转化该转介的购买金额每满 1 万元再加 1 分，每笔最多 100 分；找不到"
            "转化购买或不符合转介规则的不计分。"
        ),
        formula_zh="每笔转化 min(10 + 购买金额 ÷ 10,000 取整, 100)，全部相加",
        unit="points",
        direction="higher",
        perspective="learning",
        category="development",
        family="collaboration",
        balance_based=False,
        definition=(
            "Performance points for the referrals that converted in the period, by the "
            "referrals policy's one rule, the rule the app's points ledger pays "
            '(docs/referrals.md "Points"): per conversion, the policy\'s base (10) plus one '
            "point per full per_amount (10,000) of the purchase that converted it, at most "
            "the cap (100). The converting purchase is the customer's first new holding in "
            "one of the rule's conversion categories from the referral's business date "
            "through the conversion window (90 days), as the ledger finds it."
        ),
        sources=("referrals", "staff", "holdings", "products"),
        formula=(
            "Σ min(base + ⌊purchase amount ÷ per_amount⌋, cap) over referrals with status "
            "converted and converted_at in the period; the rule is the one of (referrer's "
            "role, receiver's role, need)"
        ),
        crediting="the referrer, `referrals.from_staff_id`",
        edge_cases=(
            "None: 0. A converted referral whose route has no rule in the book (flag "
            "no_rule) or whose customer bought nothing that converts it within the window "
            "(flag no_purchase) earns 0, as the ledger would pay nothing. Business dates "
            "are in the lake's time zone."
        ),
        combine="sum",
        aggregation="flow",
        numerator="points",
        tables=("referrals", "staff", "holdings", "products"),
        finish=_finish_referral_points,
        detail=_referral_points,
    ),
)
