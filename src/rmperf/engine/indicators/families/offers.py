"""Offer indicators (精准营销结果): computed from the offers input (offers are recorded in
the app, not the lake; `offers.py`), of the result and quality families.

Each entry of `INDICATORS` is one indicator whole: its metadata (docs/indicators.md is
rendered from it), the lake tables it reads, its finisher and its detail expression
(Ibis, imported only when a query is built: lazy.py). `library.LIBRARY` collects the
families; indicator.py says what each field means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmperf.engine.indicators.context import Context
from rmperf.engine.indicators.indicator import IndicatorDef, finish_cents, finish_ratio
from rmperf.engine.indicators.lazy import LazyModule
from rmperf.engine.indicators.offers import offers_table
from rmperf.engine.indicators.params import OFFER_SALES_CATEGORIES

if TYPE_CHECKING:
    import ibis

    from rmperf.engine.indicators import sources as src
else:
    ibis = LazyModule("ibis")
    src = LazyModule("rmperf.engine.indicators.sources")


def _offers_in(ctx: Context, staff: str | None) -> Any:
    """Offers made in the period (business date of offered_at in bank time)."""
    o = offers_table()
    return src.for_staff(o.filter(src.in_period(ctx, o.day)), staff)


def _within(later: Any, day: Any, days: int) -> Any:
    """`later` lies from `day` to `days` days after it, both included."""
    return (later >= day) & (later.delta(day, unit="day") <= days)


def _offer_conversion(ctx: Context, staff: str | None) -> Any:
    o = _offers_in(ctx, staff)
    h = src.contract_table("holdings")
    h = h.select(h_customer=h.customer_id, h_product=h.product_id, h_start=h.start_date)
    m = o.join(
        h,
        [
            o.customer_id == h.h_customer,
            o.product_id == h.h_product,
            _within(h.h_start, o.day, ctx.params.offer_window_days),
        ],
    )
    first = m.group_by(f_offer=m.offer_id).aggregate(f_day=m.h_start.min())
    j = o.left_join(first, o.offer_id == first.f_offer)
    bought = j.f_day.notnull()
    note = (
        "product "
        + j.product_id
        + ", logged "
        + j.outcome
        + ibis.ifelse(bought, ", bought " + j.f_day.cast("string"), ", not bought")
    )
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="offers",
        ref_id=j.offer_id,
        customer_id=j.customer_id,
        day=j.day,
        a=ibis.ifelse(bought, 1, 0),
        b=1,
        flag=ibis.ifelse(bought, "purchased", src.STR_NULL),
        note=note,
    )


def _offer_sales(ctx: Context, staff: str | None) -> Any:
    hp = src.holdings_products()
    hp = hp.filter(
        hp.category.isin(list(OFFER_SALES_CATEGORIES)) & src.in_period(ctx, hp.start_date)
    )
    h = hp.select(
        h_customer=hp.customer_id,
        h_product=hp.product_id,
        h_start=hp.start_date,
        h_amount=hp.amount,
    )
    o = offers_table()  # an offer before the period can convert in it
    m = h.join(
        o,
        [
            o.customer_id == h.h_customer,
            o.product_id == h.h_product,
            _within(h.h_start, o.day, ctx.params.offer_window_days),
        ],
    )
    # A holding is one sale: it goes to the earliest offer that covers it.
    first = ibis.row_number().over(
        group_by=[m.h_customer, m.h_product, m.h_start], order_by=[m.offered_utc, m.offer_id]
    )
    m = m.mutate(rn=first)
    m = src.for_staff(m.filter(m.rn == 0), staff)
    return src.detail(
        m,
        staff_id=m.staff_id,
        source="holdings",
        ref_id=m.h_product,
        customer_id=m.h_customer,
        day=m.h_start,
        a=src.cents(m.h_amount),
        note="offer " + m.offer_id + " on " + m.day.cast("string") + ", logged " + m.outcome,
    )


def _offer_complaints(ctx: Context, staff: str | None) -> Any:
    o = _offers_in(ctx, staff)
    ev = src.contract_table("events")
    ev = ev.filter((ev.kind == "complaint") | ev.kind.startswith("complaint."))
    e = ev.select(e_customer=ev.customer_id, e_day=ctx.bdate(ev.ts))
    m = o.join(
        e,
        [
            o.customer_id == e.e_customer,
            _within(e.e_day, o.day, ctx.params.offer_complaint_days),
        ],
    )
    first = m.group_by(f_offer=m.offer_id).aggregate(f_day=m.e_day.min(), f_n=m.e_day.count())
    j = o.left_join(first, o.offer_id == first.f_offer)
    hit = j.f_day.notnull()
    note = (
        "product "
        + j.product_id
        + ", logged "
        + j.outcome
        + ibis.ifelse(
            hit,
            ", " + j.f_n.cast("string") + " complaint(s) from " + j.f_day.cast("string"),
            "",
        )
    )
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="offers",
        ref_id=j.offer_id,
        customer_id=j.customer_id,
        day=j.day,
        a=ibis.ifelse(hit, 1, 0),
        b=1,
        flag=ibis.ifelse(hit, "complaint", src.STR_NULL),
        note=note,
    )


INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        id="offer_conversion_rate",
        name_zh="营销转化率",
        name_en="Offer conversion rate",
        definition_zh=(
            "本期向客户推荐的产品中，客户在归因期内真正买了的比例（以数据"
            "湖里的持仓为准，不以客户经理登记的结果为准）。"
        ),
        formula_zh="推荐后在归因期内买入同一产品的推荐数 ÷ 本期的推荐数",
        unit="ratio",
        direction="higher",
        perspective="customer",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "Of the offers the RM made in the period (recommendation panel and campaigns; "
            "the offers input, not the lake), the share whose product the customer bought: "
            "a holding of the offered product starting from the offer day to the "
            "attribution window after it. The lake decides, not the outcome the RM logged."
        ),
        sources=("holdings",),
        formula=(
            "offers with a holdings row of the same customer and product, offer day ≤ "
            "start_date ≤ offer day + offer_window_days ÷ offers with offer day (business "
            "date of offered_at, bank time) in the period"
        ),
        crediting="the offering RM (`staff_id` of the offer)",
        edge_cases=(
            "No offers: undefined (NULL). A purchase after the period's end still converts "
            "an offer of the period when the lake has it (a re-run before close picks it up). "
            "Two offers of one product to one customer are two offers; one purchase converts "
            "both. Blocked (unsuitable) pairs cannot be offered in the app, so every offer "
            "counted passed the suitability gate."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="offers converted",
        denominator="offers made",
        tables=("holdings", "products", "customers", "staff"),
        finish=finish_ratio,
        offers=True,
        detail=_offer_conversion,
    ),
    IndicatorDef(
        id="offer_wealth_sales",
        name_zh="营销转化财富销售额",
        name_en="Wealth sales from offers",
        definition_zh=(
            "本期新起始的理财、基金、保险、信托持仓中，由推荐带来的金额："
            "客户在起始日前的归因期内被推荐过这款产品。"
        ),
        formula_zh="本期起始、且在归因期内被推荐过的同类产品持仓金额之和",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "The amount of new wealth, fund, insurance and trust holdings started in the "
            "period that an offer (the offers input) led to: the customer was offered that "
            "product from 0 to the attribution window days before the holding started."
        ),
        sources=("holdings", "products"),
        formula=(
            "Σ holdings.amount with start_date in the period, category in "
            "wealth/fund/insurance/trust, and an offer of the same customer and product "
            "with offer day ≤ start_date ≤ offer day + offer_window_days"
        ),
        crediting=(
            "the offering RM of the earliest offer (by offered_at, then offer_id) that "
            "covers the holding; that offer may be from the previous period"
        ),
        edge_cases=(
            "A holding is counted once however many offers cover it. Loans, deposits and "
            "cards are not wealth sales. No offers: 0."
        ),
        combine="sum",
        aggregation="flow",
        numerator="CNY",
        tables=("holdings", "products", "customers", "staff"),
        finish=finish_cents,
        offers=True,
        detail=_offer_sales,
    ),
    IndicatorDef(
        id="offer_complaint_rate",
        name_zh="营销投诉率",
        name_en="Mis-selling complaint rate",
        definition_zh=("本期的推荐中，客户在推荐后一段时间内投诉的比例，可能是误导销售的信号。"),
        formula_zh="推荐后规定天数内客户有投诉的推荐数 ÷ 本期的推荐数",
        unit="ratio",
        direction="lower",
        perspective="customer",
        category="compliance",
        family="quality",
        balance_based=False,
        definition=(
            "Of the offers the RM made in the period (the offers input), the share whose "
            "customer complained (events of kind `complaint` or `complaint.*`) from the "
            "offer day to offer_complaint_days after it: a sign of mis-selling "
            "(DOMAIN §2, seed 000)."
        ),
        sources=("events",),
        formula=(
            "offers with a complaint event of the customer, offer day ≤ business date ≤ "
            "offer day + offer_complaint_days ÷ offers with offer day in the period"
        ),
        crediting="the offering RM (`staff_id` of the offer)",
        edge_cases=(
            "No offers: undefined (NULL). An offer counts once however many complaints "
            "follow; one complaint counts against every offer to that customer in the "
            "window. The complaint need not name the product (the lake's events do not)."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="offers followed by a complaint",
        denominator="offers made",
        tables=("holdings", "products", "customers", "staff", "events"),
        finish=finish_ratio,
        offers=True,
        detail=_offer_complaints,
    ),
)
