"""Result indicators (业绩类): balances and their growth, loans, sales, fee income, new
valid customers, cross-sell, RAROC and EVA, supply-chain finance, sci-tech customers,
ROE.

Each entry of `INDICATORS` is one indicator whole: its metadata (docs/indicators.md is
rendered from it), the lake tables it reads, its finisher and its detail expression
(Ibis, imported only when a query is built: lazy.py). `library.LIBRARY` collects the
families; indicator.py says what each field means.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rmperf.engine.indicators.context import Context, month_end, next_month
from rmperf.engine.indicators.indicator import (
    BOOK_END,
    BY_DAY,
    BY_MONTH_DAYS,
    ORIGINATOR,
    Detail,
    IndicatorDef,
    JointQuery,
    NumDen,
    finish_cents,
    finish_count,
    finish_ratio,
)
from rmperf.engine.indicators.lazy import LazyModule
from rmperf.engine.indicators.params import AUM_CATEGORIES, FEE_CATEGORIES

if TYPE_CHECKING:
    import ibis

    from rmperf.engine.indicators import sources as src
else:
    ibis = LazyModule("ibis")
    src = LazyModule("rmperf.engine.indicators.sources")

SPIKE = "month_end_spike"  # 时点冲量: month-end jump that falls back the next month
SPIKE_UNCONFIRMED = "month_end_spike_unconfirmed"  # jump; the next month is not in the lake


def _finish_level(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a) / 100, None


def _finish_growth(ctx: Context, key: str, a: int, b: int) -> NumDen:
    match key:
        case "cur":
            return Decimal(a) * ctx.prev_days / 100, None
        case "base":
            return -Decimal(a) / 100, None
        case _:  # base_prev
            return -Decimal(a) * ctx.days / 100, None


def _const_days(ctx: Context) -> Decimal:
    return Decimal(ctx.days)


def _const_growth(ctx: Context) -> Decimal:
    return Decimal(ctx.days * ctx.prev_days)


def _split_key(key: str) -> tuple[str, str]:
    product, _, grade = key.partition("|")
    return product, grade


def _finish_raroc(ctx: Context, key: str, a: int, b: int) -> NumDen:
    product, grade = _split_key(key)
    p = ctx.params
    margin = ctx.rates[product] - p.expected_loss_rate(grade)
    return Decimal(a) * margin, Decimal(a) * p.capital_ratio


def _finish_eva(ctx: Context, key: str, a: int, b: int) -> NumDen:
    product, grade = _split_key(key)
    p = ctx.params
    margin = ctx.rates[product] - p.expected_loss_rate(grade) - p.capital_charge_rate
    return Decimal(a) * margin * ctx.loan_days, None


def _const_eva(ctx: Context) -> Decimal:
    return Decimal(100 * ctx.params.days_per_year * len(ctx.loan_months))


def _finish_fee(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a) * ctx.rates[key], None


def _const_fee(ctx: Context) -> Decimal:
    return Decimal(100 * ctx.params.days_per_year)


def _spike_flag(ctx: Context, rows: Any, categories: tuple[str, ...]) -> Any:
    """Rows (customer_id, month, avg_cents, end_cents, …) with `flag` for 时点冲量."""
    months = ctx.period.months
    nxt = {m: next_month(m) for m in months}
    following = src.monthly_balances(tuple(nxt.values()), categories)
    following = following.select(
        f_customer=following.customer_id, f_month=following.month, f_avg=following.avg_cents
    )
    rows = rows.mutate(
        n_month=ibis.cases(*[(rows.month == m, n) for m, n in nxt.items()], else_=""),
    )
    joined = rows.left_join(
        following,
        [rows.customer_id == following.f_customer, rows.n_month == following.f_month],
    )
    num, den = ctx.params.spike_factor.as_integer_ratio()
    known = {
        m: ctx.last_balance_month is not None and n <= ctx.last_balance_month
        for m, n in nxt.items()
    }
    known_expr = ibis.cases(*[(joined.month == m, k) for m, k in known.items()], else_=False)
    jump = joined.end_cents * den > joined.avg_cents * num
    falls = joined.f_avg.fill_null(0) * num < joined.end_cents * den
    flag = ibis.cases(
        (jump & known_expr & falls, SPIKE),
        (jump & ~known_expr, SPIKE_UNCONFIRMED),
        else_=src.STR_NULL,
    )
    return joined.mutate(flag=flag).drop("f_customer", "f_month", "f_avg", "n_month")


def _balance_rows(ctx: Context, staff: str | None, categories: tuple[str, ...], key: str) -> Any:
    cb = src.for_staff(src.credited_balances(ctx.period.months, categories), staff)
    flag: Any = None
    if staff is not None:
        cb = _spike_flag(ctx, cb, categories)
        flag = cb.flag
    return src.detail(
        cb,
        staff_id=cb.staff_id,
        source="balances",
        ref_id=cb.customer_id,
        customer_id=cb.customer_id,
        day=cb.month,
        a=cb.avg_cents * cb.days,
        key=key,
        share_num=cb.days,
        share_den=cb.month_days,
        flag=flag,
        note="month-end " + src.money_text(cb.end_cents),
    )


def _level(categories: tuple[str, ...]) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        return _balance_rows(ctx, staff, categories, "cur")

    return build


def _growth(categories: tuple[str, ...]) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        current = _balance_rows(ctx, staff, categories, "cur")
        # The base moves with the customer: their previous-period balance-days, shared by
        # the days each RM is in charge in this period.
        last = month_end(ctx.months[-1]) if ctx.months else ctx.period.start
        held = src.assigned_days(ctx.period.start, last)
        held = held.filter(held.days > 0)
        prev = src.monthly_balances(ctx.prev_months, categories)
        prev_days = ibis.cases(
            *[(prev.month == m, month_end(m).day) for m in ctx.prev_months], else_=0
        )
        prev = prev.group_by(p_customer=prev.customer_id).aggregate(
            p_cd=(prev.avg_cents * prev_days).sum()
        )
        if not ctx.months:
            held = held.filter(ibis.literal(False))
        base = held.join(prev, held.customer_id == prev.p_customer)
        base = src.for_staff(base, staff)
        base_rows = src.detail(
            base,
            staff_id=base.staff_id,
            source="balances",
            ref_id=base.customer_id,
            customer_id=base.customer_id,
            day=ibis.literal(ctx.period.previous().key),
            a=base.days * base.p_cd,
            key="base",
            share_num=base.days,
            share_den=ctx.days,
            note="base moved with the customer",
        )
        # A customer nobody is in charge of this period keeps the base with the RMs
        # credited in the previous period.
        kept = src.credited_balances(ctx.prev_months, categories)
        kept = kept.anti_join(held, kept.customer_id == held.customer_id)
        kept = src.for_staff(kept, staff)
        kept_rows = src.detail(
            kept,
            staff_id=kept.staff_id,
            source="balances",
            ref_id=kept.customer_id,
            customer_id=kept.customer_id,
            day=kept.month,
            a=kept.avg_cents * kept.days,
            key="base_prev",
            share_num=kept.days,
            share_den=kept.month_days,
            note="base kept: customer not assigned this period",
        )
        return current.union(base_rows).union(kept_rows)

    return build


def growth_sums(ctx: Context) -> Any:
    """Σ a of deposit_avg_growth and aum_avg_growth per (RM, key) in one query:
    staff_id, key, a_0 (deposit), a_1 (AUM).

    The same rows as `_growth` of each, computed once: the rows of the AUM growth carry
    both parts, and a row the deposit growth does not have (no deposit balance row, only
    other AUM categories) carries a deposit part of 0, so every Σ per (RM, key) is that
    indicator's (an (RM, key) only the AUM growth has sums to 0 for deposit, the value of
    a missing one).
    """
    sets = ("deposit", "aum")
    months, prev_months = ctx.period.months, ctx.prev_months
    parts = [f"{name}_avg" for name in sets]
    cur = src.credit_months(src.balance_sets_by_month(months, sets), months, parts)
    cur_rows = cur.select(
        staff_id=cur.staff_id,
        key=ibis.literal("cur"),
        **{f"a_{i}": cur[part] * cur.days for i, part in enumerate(parts)},
    )
    last = month_end(ctx.months[-1]) if ctx.months else ctx.period.start
    held = src.assigned_days(ctx.period.start, last)
    held = held.filter(held.days > 0)
    prev = src.balance_sets_by_month(prev_months, sets)
    prev_days = ibis.cases(*[(prev.month == m, month_end(m).day) for m in prev_months], else_=0)
    prev = prev.group_by(p_customer=prev.customer_id).aggregate(
        **{f"p_{i}": (prev[part] * prev_days).sum() for i, part in enumerate(parts)}
    )
    if not ctx.months:
        held = held.filter(ibis.literal(False))
    base = held.join(prev, held.customer_id == prev.p_customer)
    base_rows = base.select(
        staff_id=base.staff_id,
        key=ibis.literal("base"),
        **{f"a_{i}": base.days * base[f"p_{i}"] for i in range(len(parts))},
    )
    kept = src.credit_months(src.balance_sets_by_month(prev_months, sets), prev_months, parts)
    kept = kept.anti_join(held, kept.customer_id == held.customer_id)
    kept_rows = kept.select(
        staff_id=kept.staff_id,
        key=ibis.literal("base_prev"),
        **{f"a_{i}": kept[part] * kept.days for i, part in enumerate(parts)},
    )
    rows = cur_rows.union(base_rows).union(kept_rows)
    return rows.group_by("staff_id", "key").aggregate(
        **{f"a_{i}": rows[f"a_{i}"].sum().cast("int64") for i in range(len(parts))}
    )


def _new_loans(extra: Callable[[Any], Any] | None = None) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        ln = src.contract_table("loans")
        ln = src.for_staff(ln.filter(src.in_period(ctx, ln.disbursed_on)), staff)
        if extra is not None:
            ln = ln.filter(extra(ln))
        return src.detail(
            ln,
            staff_id=ln.staff_id,
            source="loans",
            ref_id=ln.loan_id,
            customer_id=ln.customer_id,
            day=ln.disbursed_on,
            a=src.cents(ln.amount),
            key=ln.product_id,
        )

    return build


def _risk_capital(ctx: Context, staff: str | None) -> Any:
    ls = src.contract_table("loan_status")
    ls = ls.filter(ls.month.isin(list(ctx.period.months)))
    ln = src.contract_table("loans")
    j = src.for_staff(ls.join(ln, ls.loan_id == ln.loan_id), staff)
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="loan_status",
        ref_id=j.loan_id,
        customer_id=j.customer_id,
        day=j.month,
        a=src.cents(j.balance),
        key=j.product_id + "|" + j.grade,
        note=j.grade,
    )


def _sales(category: str) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        h = src.holdings_products()
        h = h.filter((h.category == category) & src.in_period(ctx, h.start_date))
        c = src.for_staff(src.credit_by_day(h, "start_date"), staff)
        return src.detail(
            c,
            staff_id=c.staff_id,
            source="holdings",
            ref_id=c.product_id,
            customer_id=c.customer_id,
            day=c.start_date,
            a=src.cents(c.amount),
        )

    return build


def _fee_income(ctx: Context, staff: str | None) -> Any:
    h = src.holdings_products()
    h = h.filter(
        h.category.isin(list(FEE_CATEGORIES))
        & (h.start_date <= ctx.end)
        & (h.maturity_date.isnull() | (h.maturity_date > ctx.start))
    )
    a = src.assignments()
    j = h.join(
        a,
        [h.customer_id == a.a_customer, a.a_from <= ctx.end, a.a_to >= ctx.start],
    )
    lo = ibis.greatest(j.a_from, j.start_date, ctx.start)
    hi = ibis.least(j.a_to, ctx.end)
    # Held from start_date up to the day before maturity_date.
    to_maturity = j.maturity_date.delta(lo, unit="day").fill_null(1_000_000)
    days = ibis.least(hi.delta(lo, unit="day") + 1, to_maturity)
    j = j.mutate(staff_id=j.a_staff, days=days.cast("int64"))
    j = src.for_staff(j.filter(j.days > 0), staff)
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="holdings",
        ref_id=j.product_id,
        customer_id=j.customer_id,
        day=j.start_date,
        a=src.cents(j.amount) * j.days,
        key=j.product_id,
        share_num=j.days,
        share_den=ctx.period.days,
    )


def _cross_sell(ctx: Context, staff: str | None) -> Any:
    book = src.for_staff(src.book_on(ctx.period.end), staff)
    cust = src.contract_table("customers")
    opened = cust.filter(cust.opened_on <= ctx.end).select(c_id=cust.customer_id)
    book = book.join(opened, book.customer_id == opened.c_id)
    h = src.holdings_products()
    held = h.filter(
        (h.start_date <= ctx.end) & (h.maturity_date.isnull() | (h.maturity_date > ctx.end))
    )
    cats = held.group_by(h_customer=held.customer_id).aggregate(n=held.category.nunique())
    j = book.left_join(cats, book.customer_id == cats.h_customer)
    n = j.n.fill_null(0)
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="holdings",
        ref_id=j.customer_id,
        customer_id=j.customer_id,
        day=ibis.literal(ctx.period.end),
        a=ibis.ifelse(n >= 2, 1, 0),
        b=1,
        note=n.cast("string") + " categories",
    )


def _sci_tech(ctx: Context, staff: str | None) -> Any:
    book = src.for_staff(src.book_on(ctx.period.end), staff)
    cust = src.contract_table("customers")
    st = cust.filter(src.flag_true(cust.sci_tech) & (cust.opened_on <= ctx.end))
    st = st.select(c_id=st.customer_id)
    j = book.join(st, book.customer_id == st.c_id)
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="customers",
        ref_id=j.customer_id,
        customer_id=j.customer_id,
        day=ibis.literal(ctx.period.end),
        a=1,
    )


def _new_valid(ctx: Context, staff: str | None) -> Any:
    p = ctx.params
    cust = src.contract_table("customers")
    new = cust.filter(src.in_period(ctx, cust.opened_on)).select("customer_id", "opened_on")
    a = src.assignments()
    cand = new.join(
        a, [new.customer_id == a.a_customer, a.a_to >= new.opened_on, a.a_from <= ctx.end]
    )
    first = cand.group_by(f_customer=cand.customer_id).aggregate(f_from=cand.a_from.min())
    a2 = src.assignments()
    credited = first.join(a2, [first.f_customer == a2.a_customer, first.f_from == a2.a_from])
    credited = credited.select(customer_id=credited.f_customer, staff_id=credited.a_staff)
    credited = src.for_staff(credited, staff)
    opened = new.select(n_id=new.customer_id, opened_on=new.opened_on)
    credited = credited.join(opened, credited.customer_id == opened.n_id)
    # The new customers' transactions of the period from their opening day: the period
    # by instants (activity.on_days), the opening day by business date, converting only
    # the new customers' rows to bank time.
    t = src.contract_table("transactions")
    t = t.filter(src.on_days(t.ts, ctx.period.start, ctx.period.end, ctx.time_zone))
    t = t.select(t.customer_id, t.ts)
    t_new = new.select(t_id=new.customer_id, t_open=new.opened_on)
    t = t.join(t_new, t.customer_id == t_new.t_id)
    t = t.mutate(d=ctx.bdate(t.ts))
    t = t.filter(t.d >= t.t_open)
    counts = t.group_by(c_customer=t.customer_id).aggregate(txns=t.count())
    bal = src.monthly_balances(ctx.period.months, AUM_CATEGORIES)
    b_new = new.select(b_id=new.customer_id, b_open=new.opened_on)
    bal = bal.join(b_new, bal.customer_id == b_new.b_id)
    bal = bal.filter(bal.month >= src.month_key(bal.b_open))
    best = bal.group_by(m_customer=bal.customer_id).aggregate(best=bal.avg_cents.max())
    j = credited.left_join(counts, credited.customer_id == counts.c_customer)
    j = j.left_join(best, j.customer_id == best.m_customer)
    active = j.txns.fill_null(0) >= p.valid_customer_min_txns
    rich = j.best.fill_null(0) >= int(p.valid_customer_min_aum * 100)
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="customers",
        ref_id=j.customer_id,
        customer_id=j.customer_id,
        day=j.opened_on,
        a=ibis.ifelse(active & rich, 1, 0),
        flag=ibis.cases((~active, "no_transaction"), (~rich, "low_balance"), else_=src.STR_NULL),
    )


def _finish_roe(ctx: Context, key: str, a: int, b: int) -> NumDen:
    # Monthly profit × 12 over the months' equity: an annual rate (Σ equity ÷ months is
    # the average equity, Σ profit × 12 ÷ months the annualised profit).
    return Decimal(a * 12) / 100, Decimal(b) / 100


def _roe(ctx: Context, staff: str | None) -> Any:
    f = src.contract_table("unit_financials")
    f = f.filter(f.month.isin(list(ctx.period.months)))
    s = src.contract_table("staff")
    s = src.for_staff(s.filter(s.role == "rm").select(s.staff_id, s_unit=s.unit_id), staff)
    j = s.join(f, s.s_unit == f.unit_id)
    return src.detail(
        j,
        staff_id=j.staff_id,
        source="unit_financials",
        ref_id=j.unit_id,
        day=j.month,
        a=src.cents(j.net_profit),
        b=src.cents(j.equity),
        note="profit " + j.net_profit.cast("string") + " / equity " + j.equity.cast("string"),
    )


INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        id="deposit_avg_balance",
        name_zh="日均存款余额",
        name_en="Average daily deposits",
        definition_zh=(
            "本期客户经理名下客户的日均存款余额：按每月日均余额乘以当月天"
            "数加权，不看月末时点余额，所以季末冲量只按它持续的天数计入。"
        ),
        formula_zh=("每位客户每月的日均存款 × 归属天数，全部相加，再除以本期已有数据的天数"),
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=True,
        definition=(
            "The period's average daily deposit balance of the RM's customers: each "
            "month's `avg_daily_balance` weighted by the days of the month, never a "
            "month-end balance, so a quarter-end spike (时点冲量) pays only for the days it "
            "lasted."
        ),
        sources=("balances", "assignments"),
        formula=(
            "Σ over customers c and months m of the period: avg_daily_balance(c, m, "
            "deposit) × credited days(c, m) ÷ days of the period's months in the lake"
        ),
        crediting=BY_MONTH_DAYS,
        edge_cases=(
            "Months after the lake's last balance month are left out of both the sum and "
            "the days (an average to date); with no month in the lake the value is NULL. "
            "A month without a row for a customer counts as 0."
        ),
        combine="sum",
        aggregation="daily_average",
        numerator="balance-days in CNY (Σ avg_daily_balance × credited days)",
        denominator="days of the period's months present in the lake",
        tables=("balances", "assignments"),
        finish=_finish_level,
        const_den=_const_days,
        detail=_level(("deposit",)),
    ),
    IndicatorDef(
        id="deposit_avg_growth",
        name_zh="日均存款增长",
        name_en="Average daily deposit growth",
        definition_zh=(
            "本期日均存款比上期增加了多少。基数随客户划转：客户移交时带着"
            "上期的日均一起走，接手的客户经理不会白得，移交的也不吃亏。"
        ),
        formula_zh=(
            "本期归属的日均存款 − 按本期归属天数分摊的上期日均存款，按"
            "客户相加；本期无人管户的客户，基数留在上期的客户经理名下"
        ),
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=True,
        definition=(
            "The increase of the period's average daily deposits over the previous "
            "period's, for the customers the RM looks after. The base moves with the "
            "customer (基数随客户划转): a customer handed over brings their previous-period "
            "average with them, so a transfer is no windfall for the receiving RM and no "
            "loss for the one who handed over."
        ),
        sources=("balances", "assignments"),
        formula=(
            "Σ_c [ credited balance-days(c, this period) ÷ D − (days c was the RM's in "
            "this period ÷ D) × balance-days(c, previous period) ÷ D_prev ]; a customer "
            "assigned to nobody this period keeps their base with the RMs credited in the "
            "previous period"
        ),
        crediting=BY_MONTH_DAYS + "; the base by the share of this period's days",
        edge_cases=(
            "D = days of this period's months in the lake, D_prev = days of the previous "
            "period; NULL when D = 0. Negative growth is a negative value. Only daily "
            "averages are used (P-03, 2018 deposit-deviation notice)."
        ),
        combine="sum",
        aggregation="daily_average",
        numerator="balance-days × D_prev − base balance-days × D (CNY·days²)",
        denominator="D × D_prev",
        tables=("balances", "assignments"),
        finish=_finish_growth,
        const_den=_const_growth,
        detail=_growth(("deposit",)),
    ),
    IndicatorDef(
        id="aum_avg_balance",
        name_zh="日均AUM余额",
        name_en="Average daily AUM",
        definition_zh=(
            "本期名下客户的日均资产管理规模（存款、理财、基金、保险），按天数加权的日均余额。"
        ),
        formula_zh="与日均存款余额相同，只是范围换成全部 AUM 类别",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=True,
        definition=(
            "The period's average daily assets under management (deposit, wealth, fund, "
            "insurance) of the RM's customers, from daily averages weighted by days."
        ),
        sources=("balances", "assignments"),
        formula="as deposit_avg_balance over the AUM categories",
        crediting=BY_MONTH_DAYS,
        edge_cases="as deposit_avg_balance",
        combine="sum",
        aggregation="daily_average",
        numerator="balance-days in CNY",
        denominator="days of the period's months present in the lake",
        tables=("balances", "assignments"),
        finish=_finish_level,
        const_den=_const_days,
        detail=_level(AUM_CATEGORIES),
    ),
    IndicatorDef(
        id="aum_avg_growth",
        name_zh="日均AUM增长",
        name_en="Average daily AUM growth",
        definition_zh=("本期日均 AUM 比上期增加了多少，基数随客户划转，算法同日均存款增长。"),
        formula_zh="与日均存款增长相同，只是范围换成全部 AUM 类别",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=True,
        definition=(
            "The increase of average daily AUM over the previous period, with the base "
            "moving with the customer, as deposit_avg_growth."
        ),
        sources=("balances", "assignments"),
        formula="as deposit_avg_growth over the AUM categories",
        crediting=BY_MONTH_DAYS + "; the base by the share of this period's days",
        edge_cases="as deposit_avg_growth",
        combine="sum",
        aggregation="daily_average",
        numerator="balance-days × D_prev − base balance-days × D (CNY·days²)",
        denominator="D × D_prev",
        tables=("balances", "assignments"),
        finish=_finish_growth,
        const_den=_const_growth,
        detail=_growth(AUM_CATEGORIES),
    ),
    IndicatorDef(
        id="new_loans",
        name_zh="新增贷款",
        name_en="New loans",
        definition_zh="本期发放的、由该客户经理经办的贷款金额。",
        formula_zh="本期内放款的贷款金额之和",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition="The amount of the loans the RM originated that were disbursed in the period.",
        sources=("loans",),
        formula="Σ loans.amount with disbursed_on in the period",
        crediting=ORIGINATOR,
        edge_cases="No loans: 0.",
        combine="sum",
        aggregation="flow",
        numerator="CNY",
        tables=("loans",),
        finish=finish_cents,
        detail=_new_loans(),
    ),
    IndicatorDef(
        id="wealth_sales",
        name_zh="理财销售",
        name_en="Wealth product sales",
        definition_zh="本期新起息的理财产品持仓金额。",
        formula_zh="本期内起息的理财类持仓金额之和",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition="The amount of new wealth-product holdings started in the period.",
        sources=("holdings", "products", "assignments"),
        formula="Σ holdings.amount with start_date in the period and product category wealth",
        crediting=BY_DAY.replace("business date (bank time) of the row", "start_date"),
        edge_cases=(
            "The seller column `holdings.staff_id` is not used: it may be a wealth "
            "manager; collaboration is measured by referrals."
        ),
        combine="sum",
        aggregation="flow",
        numerator="CNY",
        tables=("holdings", "products", "assignments", "customers"),
        finish=finish_cents,
        detail=_sales("wealth"),
    ),
    IndicatorDef(
        id="fund_sales",
        name_zh="基金销售",
        name_en="Fund sales",
        definition_zh="本期新申购的基金持仓金额。",
        formula_zh="本期内起始的基金类持仓金额之和",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition="The amount of new fund holdings started in the period.",
        sources=("holdings", "products", "assignments"),
        formula="Σ holdings.amount with start_date in the period and product category fund",
        crediting=BY_DAY.replace("business date (bank time) of the row", "start_date"),
        edge_cases="as wealth_sales",
        combine="sum",
        aggregation="flow",
        numerator="CNY",
        tables=("holdings", "products", "assignments", "customers"),
        finish=finish_cents,
        detail=_sales("fund"),
    ),
    IndicatorDef(
        id="insurance_sales",
        name_zh="保险销售",
        name_en="Insurance sales",
        definition_zh="本期新生效的保险持仓金额。",
        formula_zh="本期内起始的保险类持仓金额之和",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition="The amount of new insurance holdings started in the period.",
        sources=("holdings", "products", "assignments"),
        formula="Σ holdings.amount with start_date in the period and product category insurance",
        crediting=BY_DAY.replace("business date (bank time) of the row", "start_date"),
        edge_cases="as wealth_sales",
        combine="sum",
        aggregation="flow",
        numerator="CNY",
        tables=("holdings", "products", "assignments", "customers"),
        finish=finish_cents,
        detail=_sales("insurance"),
    ),
    IndicatorDef(
        id="fee_income",
        name_zh="中间业务收入",
        name_en="Intermediate-business (fee) income",
        definition_zh=(
            "本期由客户的理财、基金、保险、信托持仓带来的中间业务收入：金"
            "额 × 产品年化收入率，按本期实际持有天数折算。"
        ),
        formula_zh=(
            "持仓金额 × 年化收入率 × 本期持有天数 ÷ 365，逐笔"
            "相加；持有期从起始日到到期日前一天（无到期日的视为仍持有）"
        ),
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "Fee revenue earned in the period on the customers' wealth, fund, insurance "
            "and trust holdings: amount × the product's annual revenue_rate, pro-rated to "
            "the days the holding was held in the period."
        ),
        sources=("holdings", "products", "assignments"),
        formula=(
            "Σ amount × revenue_rate × days held in the period ÷ 365; a holding is held "
            "from start_date up to the day before maturity_date (open-ended: still held)"
        ),
        crediting=BY_DAY.replace("business date (bank time) of the row", "each day held"),
        edge_cases="Holdings of other categories (deposits, loans, cards) earn no fee here.",
        combine="sum",
        aggregation="flow",
        numerator="amount in cents × revenue_rate × days",
        denominator="100 × 365",
        tables=("holdings", "products", "assignments", "customers"),
        finish=_finish_fee,
        const_den=_const_fee,
        detail=_fee_income,
    ),
    IndicatorDef(
        id="new_valid_customers",
        name_zh="新增有效客户",
        name_en="New valid customers",
        definition_zh=(
            "本期开户且有效的客户数：开户后到期末至少有一笔交易，且本期至"
            "少有一个月 AUM 日均不低于 1,000.00 元。"
        ),
        formula_zh="本期开户并满足上述活跃条件的客户个数",
        unit="count",
        direction="higher",
        perspective="customer",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "Customers opened in the period who are active: at least one transaction "
            "between opening and the period's end and an AUM daily average of at least "
            "1,000.00 in at least one month of the period (policy-free default rule)."
        ),
        sources=("customers", "transactions", "balances", "assignments"),
        formula="count of customers with opened_on in the period meeting the activity rule",
        crediting=(
            "the RM in charge on opened_on; when nobody is, the customer's first assignment "
            "that starts after opened_on within the period"
        ),
        edge_cases=(
            "Opened customers that miss the rule appear in the drill-down with 0 and a "
            "flag (no_transaction, low_balance)."
        ),
        combine="sum",
        aggregation="flow",
        numerator="customers",
        tables=("customers", "transactions", "balances", "assignments"),
        finish=finish_count,
        detail=_new_valid,
    ),
    IndicatorDef(
        id="cross_sell_rate",
        name_zh="交叉销售率",
        name_en="Cross-sell rate",
        definition_zh="期末这一天名下客户中，同时持有至少两类产品的客户所占比例。",
        formula_zh="期末持有 2 类及以上产品的客户数 ÷ 期末名下客户数",
        unit="ratio",
        direction="higher",
        perspective="customer",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "The share of the RM's customers holding products of at least two categories "
            "on the period's last day."
        ),
        sources=("holdings", "products", "assignments", "customers"),
        formula=(
            "customers with ≥ 2 distinct product categories among holdings held on the "
            "last day ÷ customers in the book on the last day"
        ),
        crediting=BOOK_END,
        edge_cases="Empty book: NULL.",
        combine="ratio",
        aggregation="point",
        numerator="customers with ≥ 2 categories",
        denominator="customers in the book",
        tables=("holdings", "products", "assignments", "customers"),
        finish=finish_ratio,
        detail=_cross_sell,
    ),
    IndicatorDef(
        id="raroc",
        name_zh="风险调整资本回报率",
        name_en="RAROC",
        definition_zh=(
            "该客户经理经办贷款的风险调整资本回报率（年化，简化模型）：收"
            "入（余额 × 产品收益率）减去预期损失（余额 × 五级分类对"
            "应违约概率 × 违约损失率），再除以占用的资本（余额 × 资"
            "本占用比例）。"
        ),
        formula_zh=(
            "各月余额 × (收益率 − 违约概率 × 违约损失率) 之和 ÷ 各月余额 × 资本占用比例 之和"
        ),
        unit="ratio",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "Risk-adjusted return on capital of the loans the RM originated, annualised, "
            "from a simplified model: revenue (balance × the product's revenue_rate) minus "
            "expected loss (balance × PD of the month's five-grade class × LGD), over the "
            "capital the balance ties up (balance × capital ratio). The parameters are "
            "constants in `indicators.params` (DEFAULT_PD_BY_GRADE, DEFAULT_RISK_CAPITAL) "
            "that a policy can override."
        ),
        sources=("loans", "loan_status", "products"),
        formula=(
            "Σ_months balance × (revenue_rate − PD(grade) × LGD) ÷ Σ_months balance × "
            "capital_ratio (month-end balances of the period's months in the lake)"
        ),
        crediting=ORIGINATOR,
        edge_cases="No outstanding balance in the period: NULL.",
        combine="ratio",
        aggregation="flow",
        numerator="Σ balance (cents) × (revenue_rate − PD × LGD)",
        denominator="Σ balance (cents) × capital_ratio",
        tables=("loans", "loan_status", "products"),
        finish=_finish_raroc,
        detail=_risk_capital,
    ),
    IndicatorDef(
        id="eva",
        name_zh="经济增加值",
        name_en="Economic value added (EVA)",
        definition_zh=(
            "该客户经理经办贷款本期创造的经济增加值：收入减预期损失，再减"
            "资本成本，按月末平均余额并按本期天数折算。"
        ),
        formula_zh=(
            "各月余额 × (收益率 − 违约概率 × 违约损失率 − 资"
            "本占用比例 × 资本成本率) ÷ 月数 × 天数 ÷ 365"
        ),
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "Economic value added in the period by the loans the RM originated: revenue "
            "minus expected loss minus the capital charge (capital × cost of capital), on "
            "the average month-end balance, pro-rated to the period's days."
        ),
        sources=("loans", "loan_status", "products"),
        formula=(
            "Σ_months balance × (revenue_rate − PD(grade) × LGD − capital_ratio × "
            "cost_of_capital) ÷ n_months × days ÷ 365"
        ),
        crediting=ORIGINATOR,
        edge_cases="No loan-status month in the period: NULL.",
        combine="sum",
        aggregation="flow",
        numerator="Σ balance (cents) × margin after risk and capital × days",
        denominator="100 × 365 × months",
        tables=("loans", "loan_status", "products"),
        finish=_finish_eva,
        const_den=_const_eva,
        detail=_risk_capital,
    ),
    IndicatorDef(
        id="supply_chain_finance",
        name_zh="供应链金融新增贷款",
        name_en="New supply-chain finance loans",
        definition_zh="本期发放的、由该客户经理经办的供应链金融贷款金额。",
        formula_zh="本期内放款的供应链金融贷款金额之和",
        unit="CNY",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "The amount of supply-chain finance loans (`loans.supply_chain`) the RM "
            "originated that were disbursed in the period."
        ),
        sources=("loans",),
        formula="Σ loans.amount with supply_chain and disbursed_on in the period",
        crediting=ORIGINATOR,
        edge_cases="A lake without the optional column has no supply-chain loans: 0.",
        combine="sum",
        aggregation="flow",
        numerator="CNY",
        tables=("loans",),
        finish=finish_cents,
        detail=_new_loans(lambda ln: src.flag_true(ln.supply_chain)),
    ),
    IndicatorDef(
        id="sci_tech_customers",
        name_zh="科技型企业客户数",
        name_en="Sci-tech customers",
        definition_zh="期末这一天名下的科技型企业客户数。",
        formula_zh="期末名下被认定为科技型企业的客户个数",
        unit="count",
        direction="higher",
        perspective="customer",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "The number of sci-tech enterprises (`customers.sci_tech`) in the RM's book on "
            "the period's last day."
        ),
        sources=("customers", "assignments"),
        formula="count of book customers with sci_tech on the last day",
        crediting=BOOK_END,
        edge_cases="A lake without the optional column has none: 0.",
        combine="sum",
        aggregation="point",
        numerator="customers",
        tables=("customers", "assignments"),
        finish=finish_count,
        detail=_sci_tech,
    ),
    IndicatorDef(
        id="roe",
        name_zh="净资产收益率",
        name_en="Return on equity (ROE)",
        definition_zh=(
            "客户经理所在机构（团队，或直属的支行）的年化净资产收益率，取"
            "自机构每月的净利润和分配的净资产。"
        ),
        formula_zh=("各月净利润之和 × 12 ÷ 各月净资产之和（按机构有数据的月份）"),
        unit="ratio",
        direction="higher",
        perspective="financial",
        category="business",
        family="result",
        balance_based=False,
        definition=(
            "The annualised return on equity of the org unit the RM works in "
            "(`staff.unit_id`: the team, or the branch for an RM attached to it), from "
            "the unit's monthly net profit and allocated equity in the optional lake "
            "table `unit_financials`; seed 003 §五 asks ROE ≥ 15 % of competitive lines."
        ),
        sources=("unit_financials", "staff"),
        formula=(
            "Σ net_profit × 12 ÷ Σ equity over the period's months the unit has a row "
            "for (average equity, annualised profit)"
        ),
        crediting=(
            "every RM of the unit, `staff.unit_id` (a unit's ROE, not the RM's own: the "
            "lake has no profit per RM)"
        ),
        edge_cases=(
            "No `unit_financials` table, or no row for the RM's unit in the period: NULL. "
            "A loss gives a negative ROE. Months without a row are left out (an average to "
            "date). The figures are per org unit; a business line's ROE needs its own "
            "unit (a line is not a column of the table). Rolled up, the units' profits and "
            "equities add up once per RM, so a team of one unit keeps the unit's ROE."
        ),
        combine="ratio",
        aggregation="flow",
        numerator="Σ net profit × 12",
        denominator="Σ monthly equity",
        tables=("unit_financials", "staff"),
        finish=_finish_roe,
        detail=_roe,
    ),
)

#: The balance growths share one query when both are asked for (`growth_sums`).
JOINT_QUERIES: tuple[JointQuery, ...] = (
    JointQuery(("deposit_avg_growth", "aum_avg_growth"), growth_sums),
)
