"""Efficiency indicators (效率类): response to requests, online share, loan approval time,
customers served per working day.

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
    BY_DAY,
    ORIGINATOR,
    IndicatorDef,
    NumDen,
    finish_count,
    finish_ratio,
)
from rmperf.engine.indicators.lazy import LazyModule
from rmperf.engine.indicators.params import ONLINE_CHANNELS

if TYPE_CHECKING:
    import ibis

    from rmperf.engine.indicators import sources as src
else:
    ibis = LazyModule("ibis")
    src = LazyModule("rmperf.engine.indicators.sources")


def _finish_seconds(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a), Decimal(b * 3600)


def _requests(ctx: Context, staff: str | None, *, average: bool) -> Any:
    r = src.contract_table("requests")
    r = r.mutate(d=ctx.bdate(r.received_at))
    r = src.for_staff(r.filter(src.in_period(ctx, r.d)), staff)
    # Whole seconds on both engines (their sub-second differences round differently).
    sec = r.resolved_at.truncate("s").delta(r.received_at.truncate("s"), unit="second")
    r = r.mutate(sec=sec.cast("int64"))
    if average:
        r = r.filter(r.sec.notnull())
        return src.detail(
            r,
            staff_id=r.staff_id,
            source="requests",
            ref_id=r.request_id,
            customer_id=r.customer_id,
            day=r.d,
            a=r.sec,
            b=1,
        )
    fast = r.sec.notnull() & (r.sec <= ctx.params.response_seconds)
    return src.detail(
        r,
        staff_id=r.staff_id,
        source="requests",
        ref_id=r.request_id,
        customer_id=r.customer_id,
        day=r.d,
        a=ibis.ifelse(fast, 1, 0),
        b=1,
        flag=ibis.cases((r.sec.isnull(), "unresolved"), (~fast, "over_24h"), else_=src.STR_NULL),
        note=r.sec.cast("string"),
    )


def _txns_in_period(ctx: Context) -> Any:
    """Transactions of the period's business dates, with `d`. The window compares
    instants (activity.on_days, the same rows): a filter on `d` would convert every
    row's time to bank time twice."""
    t = src.contract_table("transactions")
    t = t.filter(src.on_days(t.ts, ctx.period.start, ctx.period.end, ctx.time_zone))
    return t.select(
        txn_id=t.txn_id, customer_id=t.customer_id, channel=t.channel, d=ctx.bdate(t.ts)
    )


def _online(ctx: Context, staff: str | None) -> Any:
    t = _txns_in_period(ctx)
    c = src.for_staff(src.credit_by_day(t, "d"), staff)
    online = c.channel.isin(list(ONLINE_CHANNELS))
    return src.detail(
        c,
        staff_id=c.staff_id,
        source="transactions",
        ref_id=c.txn_id,
        customer_id=c.customer_id,
        day=c.d,
        a=ibis.ifelse(online, 1, 0),
        b=1,
        note=c.channel,
    )


def _approval_days(ctx: Context, staff: str | None) -> Any:
    ln = src.contract_table("loans")
    ln = src.for_staff(
        ln.filter(src.in_period(ctx, ln.disbursed_on) & ln.applied_on.notnull()), staff
    )
    return src.detail(
        ln,
        staff_id=ln.staff_id,
        source="loans",
        ref_id=ln.loan_id,
        customer_id=ln.customer_id,
        day=ln.disbursed_on,
        a=ln.disbursed_on.delta(ln.applied_on, unit="day"),
        b=1,
    )


def _working_days(ctx: Context) -> Decimal:
    from rmperf.engine.analysis.calendar import working_days

    return Decimal(working_days(ctx.period.start, ctx.period.end))


def _served(ctx: Context, staff: str | None) -> Any:
    i = src.contract_table("interactions")
    i = i.filter(src.on_days(i.ts, ctx.period.start, ctx.period.end, ctx.time_zone))
    i = src.for_staff(i, staff)
    i = i.select(staff_id=i.staff_id, customer_id=i.customer_id, d=ctx.bdate(i.ts))
    per_day = i.group_by("staff_id", "customer_id", "d").aggregate(contacts=i.count())
    return src.detail(
        per_day,
        staff_id=per_day.staff_id,
        source="interactions",
        ref_id=per_day.customer_id,
        customer_id=per_day.customer_id,
        day=per_day.d,
        a=1,
        note=per_day.contacts.cast("string") + " contact(s)",
    )


INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        id="response_24h_rate",
        name_zh="24小时响应率",
        name_en="24-hour response rate",
        definition_zh="本期收到的客户诉求中，在 24 小时内办结的比例。",
        formula_zh="24 小时内办结的诉求数 ÷ 本期收到的诉求数",
        unit="ratio",
        direction="higher",
        perspective="process",
        category="business",
        family="efficiency",
        balance_based=False,
        definition=(
            "The share of the customer requests received in the period that were "
            "resolved within 24 hours."
        ),
        sources=("requests",),
        formula=(
            "requests with resolved_at − received_at ≤ 24 h ÷ requests received (business "
            "date of received_at in the period)"
        ),
        crediting="the handling staff member, `requests.staff_id`",
        edge_cases="Unresolved requests count in the denominator only; none received: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="requests resolved within 24 h",
        denominator="requests received",
        tables=("requests",),
        finish=finish_ratio,
        detail=lambda c, s: _requests(c, s, average=False),
    ),
    IndicatorDef(
        id="avg_response_hours",
        name_zh="平均响应时长",
        name_en="Average response time",
        definition_zh="本期收到并已办结的客户诉求，从受理到办结平均用了多少小时。",
        formula_zh="各诉求从受理到办结的时长之和 ÷ 已办结诉求数（单位：小时）",
        unit="hours",
        direction="lower",
        perspective="process",
        category="business",
        family="efficiency",
        balance_based=False,
        definition=(
            "The average time from receiving a customer request to resolving it, over "
            "the requests received in the period and resolved."
        ),
        sources=("requests",),
        formula="Σ (resolved_at − received_at) in seconds ÷ (resolved requests × 3600)",
        crediting="the handling staff member, `requests.staff_id`",
        edge_cases=(
            "Timestamps are compared to the whole second; open requests are left out "
            "(they count against response_24h_rate); none resolved: NULL."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="seconds",
        denominator="resolved requests × 3600",
        tables=("requests",),
        finish=_finish_seconds,
        detail=lambda c, s: _requests(c, s, average=True),
    ),
    IndicatorDef(
        id="online_share",
        name_zh="线上业务办理率",
        name_en="Online processing share",
        definition_zh="本期名下客户的交易中，通过手机银行或网上银行办理的比例。",
        formula_zh="手机银行和网银交易笔数 ÷ 全部交易笔数",
        unit="ratio",
        direction="higher",
        perspective="process",
        category="development",
        family="efficiency",
        balance_based=False,
        definition=(
            "The share of the RM's customers' transactions in the period made through "
            "the mobile or online channels."
        ),
        sources=("transactions", "assignments"),
        formula="transactions with channel mobile or online ÷ all transactions",
        crediting=BY_DAY,
        edge_cases="No transactions: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="online transactions",
        denominator="transactions",
        tables=("transactions", "assignments"),
        finish=finish_ratio,
        detail=_online,
    ),
    IndicatorDef(
        id="loan_approval_days",
        name_zh="贷款审批时长",
        name_en="Loan approval time",
        definition_zh="本期放款的贷款从申请到放款平均用了多少天。",
        formula_zh="各笔贷款（放款日 − 申请日）之和 ÷ 有申请日的贷款笔数",
        unit="days",
        direction="lower",
        perspective="process",
        category="business",
        family="efficiency",
        balance_based=False,
        definition=(
            "The average number of days from application to disbursement of the loans "
            "the RM originated that were disbursed in the period."
        ),
        sources=("loans",),
        formula="Σ (disbursed_on − applied_on) ÷ loans with applied_on",
        crediting=ORIGINATOR,
        edge_cases="Loans without applied_on (optional column) are left out; none: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="days",
        denominator="loans",
        tables=("loans",),
        finish=finish_ratio,
        detail=_approval_days,
    ),
    IndicatorDef(
        id="customers_served_per_day",
        name_zh="日均服务客户数",
        name_en="Customers served per working day",
        definition_zh=(
            "每个工作日服务（联系）了多少位不同的客户：每天联系过的不同客"
            "户数相加，再除以本期工作日数（参考值：每天 8 到 12 位"
            "）。"
        ),
        formula_zh="每天联系的不同客户数之和 ÷ 本期工作日数",
        unit="count",
        direction="higher",
        perspective="process",
        category="business",
        family="efficiency",
        balance_based=False,
        definition=(
            "Distinct customers the RM contacted per working day: for each day of the "
            "period the number of different customers with an interaction by the RM that "
            "day, summed, over the mainland-China working days of the period (seed 000: "
            "from 8 to 12 a day)."
        ),
        sources=("interactions",),
        formula=(
            "Σ over days of the period of distinct customers contacted that day (business "
            "date of interactions.ts) ÷ working days of the period"
        ),
        crediting="the contacting staff member, `interactions.staff_id`",
        edge_cases=(
            "A customer contacted twice the same day counts once that day, on two days "
            "twice. Contacts on a weekend or holiday count; the divisor is the period's "
            "working days (weekdays without statutory holidays, with the make-up working "
            "days: rmperf.engine.analysis.calendar), the whole period even while it is "
            "in progress or for an RM who joined during it. A year the calendar does not "
            "cover is an error, never a guess."
        ),
        combine="sum",
        aggregation="flow",
        numerator="customer-days",
        denominator="working days of the period",
        tables=("interactions",),
        finish=finish_count,
        const_den=_working_days,
        detail=_served,
    ),
)
