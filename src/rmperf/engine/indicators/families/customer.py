"""Customer indicators (客户类): NPS, high-net-worth retention, sleeping-customer wake-up,
family-trust penetration, VIP service depth, and the 360 feedback scores kept with NPS
(mystery shopper, peer reviews, risk due diligence).

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
    BOOK_END,
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


def feedback_measure(ctx: Context, kind: str, score: Decimal) -> tuple[int, int]:
    """The measures (a, b) of one feedback row, as `_feedback`'s detail gives them: NPS
    +1 promoter, −1 detractor, 0 passive; other kinds the score in cents; b = 1."""
    if kind == "nps":
        if score >= ctx.params.nps_promoter:
            return 1, 1
        if score <= ctx.params.nps_detractor:
            return -1, 1
        return 0, 1
    cents = score * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"feedback score {score} has more than 2 decimals")
    return int(cents), 1


def _measure(kind: str) -> Any:
    def measure(ctx: Context, score: Decimal) -> tuple[int, int]:
        return feedback_measure(ctx, kind, score)

    return measure


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


def _live_holdings(ctx: Context) -> Any:
    """Holdings (with their product's category) held on the period's last day."""
    h = src.holdings_products()
    end = ctx.end
    return h.filter((h.start_date <= end) & (h.maturity_date.isnull() | (h.maturity_date >= end)))


def _trust(ctx: Context, staff: str | None) -> Any:
    threshold = int(ctx.params.hnw_min_aum * 100)
    book = src.for_staff(src.book_on(ctx.period.end), staff)
    end = ctx.months[-1] if ctx.months else ""
    aum = src.monthly_balances((end,), AUM_CATEGORIES)
    aum = aum.filter(aum.avg_cents >= threshold).select(h_id=aum.customer_id, h_avg=aum.avg_cents)
    j = book.join(aum, book.customer_id == aum.h_id)
    if not ctx.months:
        j = j.filter(ibis.literal(False))
    h = _live_holdings(ctx)
    h = h.filter(h.category == "trust")
    trusts = h.group_by(t_id=h.customer_id).aggregate(n=h.product_id.nunique())
    j = j.left_join(trusts, j.customer_id == trusts.t_id)
    holds = j.n.fill_null(0) > 0
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="holdings",
        ref_id=j.customer_id,
        customer_id=j.customer_id,
        day=ibis.literal(end),
        a=ibis.ifelse(holds, 1, 0),
        b=1,
        flag=ibis.ifelse(holds, "trust", src.STR_NULL),
        note="AUM " + src.money_text(j.h_avg),
    )


def _vips(ctx: Context, staff: str | None) -> Any:
    """The RM's book on the period's first day, restricted to the customers who met the
    VIP (core tier) rule on the day before: customer_id, staff_id."""
    p = ctx.params
    day = ctx.period.start - dt.timedelta(days=1)
    d = ibis.literal(day)
    book = src.for_staff(src.book_on(ctx.period.start), staff)
    cust = src.contract_table("customers")
    cust = cust.filter(cust.opened_on <= d).select(c_id=cust.customer_id, opened=cust.opened_on)
    book = book.join(cust, book.customer_id == cust.c_id)
    t = _transactions(ctx)
    t = t.filter(t.d <= d)
    since = ibis.literal(day - dt.timedelta(days=p.vip_frequency_days - 1))
    per = t.group_by(t_id=t.customer_id).aggregate(last=t.d.max(), freq=t.count(where=t.d >= since))
    months = p.vip_aum_months
    index = day.year * 12 + day.month - 1 - (months - 1)
    first = f"{index // 12:04d}-{index % 12 + 1:02d}"
    bal = src.contract_table("balances")
    bal = bal.filter(
        bal.category.isin(list(AUM_CATEGORIES))
        & (bal.month >= first)
        & (bal.month <= src.month_key(d))
    )
    aum = bal.group_by(m_id=bal.customer_id).aggregate(total=src.cents(bal.avg_daily_balance).sum())
    j = book.left_join(per, book.customer_id == per.t_id)
    j = j.left_join(aum, j.customer_id == aum.m_id)
    recency = d.delta(j.last.fill_null(j.opened), unit="day")
    total = j.total.fill_null(0)
    # AUM = total ÷ months rounded half up to the cent ≥ the threshold, in integers:
    # ⌊total ÷ months + ½⌋ ≥ t ⇔ 2·total + months ≥ 2·months·t.
    t_cents = int(p.vip_min_aum * 100)
    vip = (
        (recency <= p.vip_max_recency_days)
        & (j.freq.fill_null(0) >= p.vip_min_frequency)
        & (total * 2 + months >= 2 * months * t_cents)
    )
    return j.filter(vip).select(customer_id=j.customer_id, staff_id=j.staff_id)


def _vip_depth(ctx: Context, staff: str | None) -> Any:
    vips = _vips(ctx, staff)
    i = src.contract_table("interactions")
    i = i.filter(src.on_days(i.ts, ctx.period.start, ctx.period.end, ctx.time_zone))
    contacts = i.group_by(i_id=i.customer_id).aggregate(contacts=i.count())
    h = _live_holdings(ctx)
    products = h.group_by(p_id=h.customer_id).aggregate(products=h.product_id.nunique())
    j = vips.left_join(contacts, vips.customer_id == contacts.i_id)
    j = j.left_join(products, j.customer_id == products.p_id)
    n_contacts = j.contacts.fill_null(0).cast("int64")
    n_products = j.products.fill_null(0).cast("int64")
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="interactions",
        ref_id=j.customer_id,
        customer_id=j.customer_id,
        a=n_contacts + n_products,
        b=1,
        note="contacts " + n_contacts.cast("string") + ", products " + n_products.cast("string"),
    )


INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        id="nps",
        name_zh="净推荐值",
        name_en="Net promoter score",
        definition_zh=(
            "本期关于该客户经理的净推荐值：推荐者（9–10 分）减贬损者"
            "（0–6 分），除以全部回答，再乘 100（−100 到 1"
            "00）。"
        ),
        formula_zh="(推荐者人数 − 贬损者人数) × 100 ÷ 回答人数",
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
        edge_cases=(
            "No answers: NULL. A percentage of the answers, rounded once half up to 6 "
            "places like every value (3 promoters, 1 passive, 1 detractor: (3 − 1) × 100 "
            "÷ 5 = 40.000000); a scorecard's bands then read it. Promoter and detractor "
            "thresholds are the parameters nps_promoter (9) and nps_detractor (6)."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="(promoters − detractors) × 100",
        denominator="answers",
        tables=("feedback",),
        finish=_finish_nps,
        detail=_feedback("nps"),
        feedback_kind="nps",
        feedback_measure=_measure("nps"),
    ),
    IndicatorDef(
        id="hnw_retention",
        name_zh="高净值客户留存率",
        name_en="High-net-worth retention",
        definition_zh=(
            "期初名下、且期初前一个月 AUM 日均不低于 100 万元的"
            "高净值客户中，到本期最后一个月 AUM 日均仍不低于 100"
            " 万元的比例。"
        ),
        formula_zh="期末仍为高净值的客户数 ÷ 期初高净值客户数",
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
        definition_zh=("期初名下的睡眠客户（期初前 180 天没有交易）中，本期有交易的比例。"),
        formula_zh="本期有交易的睡眠客户数 ÷ 期初睡眠客户数",
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
        definition_zh=("风险部门对该客户经理本期贷前调查真实性的平均评分（0–100 分）。"),
        formula_zh="各次评分之和 ÷ 评分次数",
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
        feedback_kind="risk_due_diligence",
        feedback_measure=_measure("risk_due_diligence"),
    ),
    IndicatorDef(
        id="mystery_shopper",
        name_zh="神秘客户检查得分",
        name_en="Mystery-shopper score",
        unit="score",
        direction="higher",
        perspective="customer",
        category="business",
        family="customer",
        balance_based=False,
        definition=(
            "The average score (0–100) of the mystery-shopper visits that rated the RM "
            "in the period (360 feedback kind mystery_shopper): the customer's side of "
            "the service, checked by an outside shopper."
        ),
        definition_zh=(
            "本期神秘客户暗访该客户经理的平均得分（0–100 分）：由外部检查员"
            "以客户身份体验服务后打分。"
        ),
        formula_zh="本期各次暗访得分之和 ÷ 暗访次数",
        sources=("feedback",),
        formula="Σ score ÷ visits, feedback kind mystery_shopper, date in the period",
        crediting="the rated staff member, `feedback.staff_id`",
        edge_cases=(
            "No visit in the period: NULL (the line is left out and the other weights "
            "renormalised). Each visit counts once, whatever its score's decimals (at "
            "most 2)."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="Σ score",
        denominator="visits",
        tables=("feedback",),
        finish=_finish_score,
        detail=_feedback("mystery_shopper"),
        feedback_kind="mystery_shopper",
        feedback_measure=_measure("mystery_shopper"),
    ),
    IndicatorDef(
        id="peer_review",
        name_zh="同事互评得分",
        name_en="Peer-review score",
        unit="score",
        direction="higher",
        perspective="learning",
        category="development",
        family="customer",
        balance_based=False,
        definition=(
            "The average score (0–100) of the peer reviews of the RM dated in the period "
            "(360 feedback kind peer): the lake's peer ratings plus the peer responses "
            "of the closed 360 rounds of the app (docs/feedback.md), each response one "
            "rating."
        ),
        definition_zh=(
            "本期同事对该客户经理互评的平均得分（0–100 分）：数据湖中的同事评价，"
            "加上系统内已结束的 360 评价轮次中的同事答卷，每份答卷算一次评价。"
        ),
        formula_zh="本期各次同事评价得分之和 ÷ 评价次数",
        sources=("feedback",),
        formula="Σ score ÷ ratings, feedback kind peer, date in the period",
        crediting="the rated staff member, `feedback.staff_id`",
        edge_cases=(
            "No rating in the period: NULL. A 360 round's responses count only when "
            "the round had at least its questionnaire's minimum responses for the RM "
            "(anonymity), dated on the round's closing day."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="Σ score",
        denominator="ratings",
        tables=("feedback",),
        finish=_finish_score,
        detail=_feedback("peer"),
        feedback_kind="peer",
        feedback_measure=_measure("peer"),
    ),
    IndicatorDef(
        id="family_trust_penetration",
        name_zh="家族信托渗透率",
        name_en="Family-trust penetration",
        definition_zh=(
            "期末名下高净值客户（本期最后一个月 AUM 日均不低于 10"
            "0 万元）中，当天持有信托产品的比例。"
        ),
        formula_zh="期末持有信托产品的高净值客户数 ÷ 期末高净值客户数",
        unit="ratio",
        direction="higher",
        perspective="customer",
        category="business",
        family="customer",
        balance_based=True,
        definition=(
            "Of the high-net-worth customers in the RM's book on the period's last day "
            "(AUM daily average of at least 1,000,000 in the period's last month, the "
            "threshold of hnw_retention), the share holding a trust product on that day."
        ),
        sources=("balances", "holdings", "products", "assignments"),
        formula=(
            "HNW customers with a holding of a product of category trust live on the "
            "period's last day (start_date ≤ day ≤ maturity_date, open maturity = live) "
            "÷ HNW customers"
        ),
        crediting=BOOK_END,
        edge_cases=(
            "HNW is read on daily averages (AUM categories: deposit, wealth, fund, "
            "insurance; a month-end spike does not make a customer HNW); the month is the "
            "period's last month in the lake. No HNW customer: NULL. The lake has no "
            "product kind 'family trust', so any trust product counts."
        ),
        combine="ratio",
        aggregation="daily_average",
        numerator="HNW customers holding a trust",
        denominator="HNW customers",
        tables=("balances", "holdings", "products", "assignments"),
        finish=finish_ratio,
        detail=_trust,
    ),
    IndicatorDef(
        id="vip_service_depth",
        name_zh="VIP客户服务深度",
        name_en="VIP service depth",
        definition_zh=(
            "期初每位 VIP（核心）客户平均得到的服务：本期的联系次数加上期末持有的产品数。"
        ),
        formula_zh=("所有 VIP 客户的（本期联系次数 + 期末持有产品数）之和 ÷ VIP 客户数"),
        unit="count",
        direction="higher",
        perspective="customer",
        category="business",
        family="customer",
        balance_based=False,
        definition=(
            "Contacts in the period plus products held at its end, per VIP customer of "
            "the RM's book at the period's start. VIP: the customers who met the core "
            "tier's rule (核心客户, DOMAIN §1 defaults) on the day before the period: at "
            "most 30 days since the last transaction, at least 5 transactions in the 90 "
            "days to that day, and AUM (mean of the 3 months' daily averages ending with "
            "that day's month, rounded half up to the cent) of at least 500,000."
        ),
        sources=("customers", "transactions", "balances", "interactions", "holdings"),
        formula=(
            "Σ over VIP customers of (interactions with the customer dated in the period "
            "+ distinct products held on the period's last day) ÷ VIP customers"
        ),
        crediting=BOOK_START,
        edge_cases=(
            "Contacts by any staff member count (the customer's service, which the RM "
            "coordinates); products are distinct product ids of live holdings, loans not "
            "included. No VIP customer at the start: NULL. The rule's numbers are "
            "indicator parameters (vip_*), defaults equal to the segmentation policy's "
            "core tier; a bank that moves its core tier sets them to match."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="contacts + products",
        denominator="VIP customers",
        tables=(
            "customers",
            "transactions",
            "balances",
            "interactions",
            "holdings",
            "products",
            "assignments",
        ),
        finish=finish_ratio,
        lookback=True,
        detail=_vip_depth,
    ),
)
