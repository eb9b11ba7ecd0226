"""How each indicator is computed: one detail expression (here, `DETAILS`) and one linear
finisher (`specs.SPECS`, without Ibis) per id.

A detail expression (Ibis, portable) yields the rows behind the value, one per customer-
month, loan, transaction, request … with the crediting already applied and two exact
integer measures `a` and `b`. `compute_indicators` groups them by RM; `indicator_rows`
returns them for one RM. The finisher turns (key, a, b) into the row's numerator and
denominator as exact Decimals; it is linear, so the rows always sum to the value.

Columns of every detail expression (DETAIL_COLUMNS): staff_id, key (what the finisher
needs, e.g. a product id), source (lake table), ref_id, customer_id, day (date or month),
a, b (int64), share_num, share_den (the credited share), flag, note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis

from rmperf.engine.activity import on_days
from rmperf.engine.ibis_tables import contract_table
from rmperf.engine.indicators.context import Context, month_end, next_month, previous_month
from rmperf.engine.indicators.offers import offers_table
from rmperf.engine.indicators.params import (
    AUM_CATEGORIES,
    FEE_CATEGORIES,
    NPL_GRADES,
    OFFER_SALES_CATEGORIES,
    ONLINE_CHANNELS,
)
from rmperf.engine.indicators.sources import (
    assigned_days,
    assignments,
    balance_sets_by_month,
    book_on,
    cents,
    credit_by_day,
    credit_months,
    credited_balances,
    flag_true,
    month_key,
    monthly_balances,
)
from rmperf.engine.indicators.specs import SPECS as SPECS
from rmperf.engine.indicators.specs import Spec as Spec

DETAIL_COLUMNS = (
    "staff_id",
    "key",
    "source",
    "ref_id",
    "customer_id",
    "day",
    "a",
    "b",
    "share_num",
    "share_den",
    "flag",
    "note",
)

Detail = Callable[[Context, str | None], Any]

SPIKE = "month_end_spike"  # 时点冲量: month-end jump that falls back the next month
SPIKE_UNCONFIRMED = "month_end_spike_unconfirmed"  # jump; the next month is not in the lake

_STR_NULL = ibis.literal(None, type="string")


def _lit_int(value: int) -> Any:
    return ibis.literal(value, type="int64")


def detail(
    t: Any,
    *,
    staff_id: Any,
    source: str,
    ref_id: Any,
    a: Any,
    b: Any = 0,
    key: Any = "",
    customer_id: Any = None,
    day: Any = None,
    share_num: Any = 1,
    share_den: Any = 1,
    flag: Any = None,
    note: Any = None,
) -> Any:
    """The standard detail columns from expressions over `t` (plain values become literals)."""

    def as_int(v: Any) -> Any:
        return _lit_int(v) if isinstance(v, int) else v.cast("int64")

    def as_str(v: Any) -> Any:
        if v is None:
            return _STR_NULL
        return ibis.literal(v, type="string") if isinstance(v, str) else v.cast("string")

    return t.select(
        staff_id=staff_id.cast("string"),
        key=as_str(key),
        source=ibis.literal(source, type="string"),
        ref_id=as_str(ref_id),
        customer_id=as_str(customer_id),
        day=as_str(day),
        a=as_int(a),
        b=as_int(b),
        share_num=as_int(share_num),
        share_den=as_int(share_den),
        flag=as_str(flag),
        note=as_str(note),
    )


def _money_text(cents_col: Any) -> Any:
    """Integer cents as text with two places, e.g. 40000000 → '400000.00' (exact)."""
    return (cents_col // 100).cast("string") + "." + (cents_col % 100).cast("string").lpad(2, "0")


def _for(rows: Any, staff: str | None) -> Any:
    return rows if staff is None else rows.filter(rows.staff_id == staff)


def _in_period(ctx: Context, day: Any) -> Any:
    return (day >= ctx.start) & (day <= ctx.end)


# ---------------------------------------------------------------------- balances


def _spike_flag(ctx: Context, rows: Any, categories: tuple[str, ...]) -> Any:
    """Rows (customer_id, month, avg_cents, end_cents, …) with `flag` for 时点冲量."""
    months = ctx.period.months
    nxt = {m: next_month(m) for m in months}
    following = monthly_balances(tuple(nxt.values()), categories)
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
        else_=_STR_NULL,
    )
    return joined.mutate(flag=flag).drop("f_customer", "f_month", "f_avg", "n_month")


def _balance_rows(ctx: Context, staff: str | None, categories: tuple[str, ...], key: str) -> Any:
    cb = _for(credited_balances(ctx.period.months, categories), staff)
    flag: Any = None
    if staff is not None:
        cb = _spike_flag(ctx, cb, categories)
        flag = cb.flag
    return detail(
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
        note="month-end " + _money_text(cb.end_cents),
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
        held = assigned_days(ctx.period.start, last)
        held = held.filter(held.days > 0)
        prev = monthly_balances(ctx.prev_months, categories)
        prev_days = ibis.cases(
            *[(prev.month == m, month_end(m).day) for m in ctx.prev_months], else_=0
        )
        prev = prev.group_by(p_customer=prev.customer_id).aggregate(
            p_cd=(prev.avg_cents * prev_days).sum()
        )
        if not ctx.months:
            held = held.filter(ibis.literal(False))
        base = held.join(prev, held.customer_id == prev.p_customer)
        base = _for(base, staff)
        base_rows = detail(
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
        kept = credited_balances(ctx.prev_months, categories)
        kept = kept.anti_join(held, kept.customer_id == held.customer_id)
        kept = _for(kept, staff)
        kept_rows = detail(
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
    cur = credit_months(balance_sets_by_month(months, sets), months, parts)
    cur_rows = cur.select(
        staff_id=cur.staff_id,
        key=ibis.literal("cur"),
        **{f"a_{i}": cur[part] * cur.days for i, part in enumerate(parts)},
    )
    last = month_end(ctx.months[-1]) if ctx.months else ctx.period.start
    held = assigned_days(ctx.period.start, last)
    held = held.filter(held.days > 0)
    prev = balance_sets_by_month(prev_months, sets)
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
    kept = credit_months(balance_sets_by_month(prev_months, sets), prev_months, parts)
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


#: The query of each of specs.JOINT_QUERIES: staff_id, key and a_<i> per id in order (b is 0).
JOINT_SUMS: dict[tuple[str, ...], Callable[[Context], Any]] = {
    ("deposit_avg_growth", "aum_avg_growth"): growth_sums,
}


# ---------------------------------------------------------------------- loans


def _new_loans(extra: Callable[[Any], Any] | None = None) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        ln = contract_table("loans")
        ln = _for(ln.filter(_in_period(ctx, ln.disbursed_on)), staff)
        if extra is not None:
            ln = ln.filter(extra(ln))
        return detail(
            ln,
            staff_id=ln.staff_id,
            source="loans",
            ref_id=ln.loan_id,
            customer_id=ln.customer_id,
            day=ln.disbursed_on,
            a=cents(ln.amount),
            key=ln.product_id,
        )

    return build


def _green_share(ctx: Context, staff: str | None) -> Any:
    ln = contract_table("loans")
    ln = _for(ln.filter(_in_period(ctx, ln.disbursed_on)), staff)
    amount = cents(ln.amount)
    green = flag_true(ln.green)
    return detail(
        ln,
        staff_id=ln.staff_id,
        source="loans",
        ref_id=ln.loan_id,
        customer_id=ln.customer_id,
        day=ln.disbursed_on,
        a=ibis.ifelse(green, amount, 0),
        b=amount,
        flag=ibis.ifelse(green, "green", _STR_NULL),
    )


def _inclusive_first(ctx: Context, staff: str | None) -> Any:
    ln = contract_table("loans")
    earlier = contract_table("loans").view()
    new = _for(ln.filter(_in_period(ctx, ln.disbursed_on) & flag_true(ln.inclusive)), staff)
    first = new.anti_join(
        earlier,
        [
            new.customer_id == earlier.customer_id,
            (earlier.disbursed_on < new.disbursed_on)
            | ((earlier.disbursed_on == new.disbursed_on) & (earlier.loan_id < new.loan_id)),
        ],
    )
    return detail(
        first,
        staff_id=first.staff_id,
        source="loans",
        ref_id=first.loan_id,
        customer_id=first.customer_id,
        day=first.disbursed_on,
        a=1,
    )


def _approval_days(ctx: Context, staff: str | None) -> Any:
    ln = contract_table("loans")
    ln = _for(ln.filter(_in_period(ctx, ln.disbursed_on) & ln.applied_on.notnull()), staff)
    return detail(
        ln,
        staff_id=ln.staff_id,
        source="loans",
        ref_id=ln.loan_id,
        customer_id=ln.customer_id,
        day=ln.disbursed_on,
        a=ln.disbursed_on.delta(ln.applied_on, unit="day"),
        b=1,
    )


def _status_at_end(ctx: Context, staff: str | None, npl: bool) -> Any:
    month = ctx.loan_months[-1] if ctx.loan_months else ""
    ls = contract_table("loan_status")
    ls = ls.filter(ls.month == month)
    ln = contract_table("loans")
    j = ls.join(ln, ls.loan_id == ln.loan_id)
    j = _for(j, staff)
    bal = cents(j.balance)
    bad = j.grade.isin(list(NPL_GRADES)) if npl else j.overdue_days >= ctx.params.overdue_min_days
    return detail(
        j,
        staff_id=j.staff_id,
        source="loan_status",
        ref_id=j.loan_id,
        customer_id=j.customer_id,
        day=j.month,
        a=ibis.ifelse(bad, bal, 0),
        b=bal,
        flag=ibis.ifelse(bad, "npl" if npl else "overdue", _STR_NULL),
        note=j.grade,
    )


def _risk_capital(ctx: Context, staff: str | None) -> Any:
    ls = contract_table("loan_status")
    ls = ls.filter(ls.month.isin(list(ctx.period.months)))
    ln = contract_table("loans")
    j = _for(ls.join(ln, ls.loan_id == ln.loan_id), staff)
    return detail(
        j,
        staff_id=j.staff_id,
        source="loan_status",
        ref_id=j.loan_id,
        customer_id=j.customer_id,
        day=j.month,
        a=cents(j.balance),
        key=j.product_id + "|" + j.grade,
        note=j.grade,
    )


# ---------------------------------------------------------------------- holdings


def _holdings_products() -> Any:
    h = contract_table("holdings")
    p = contract_table("products")
    j = h.join(p, h.product_id == p.product_id)
    return j.select(
        customer_id=j.customer_id,
        product_id=j.product_id,
        category=j.category,
        amount=j.amount,
        start_date=j.start_date,
        maturity_date=j.maturity_date,
    )


def _sales(category: str) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        h = _holdings_products()
        h = h.filter((h.category == category) & _in_period(ctx, h.start_date))
        c = _for(credit_by_day(h, "start_date"), staff)
        return detail(
            c,
            staff_id=c.staff_id,
            source="holdings",
            ref_id=c.product_id,
            customer_id=c.customer_id,
            day=c.start_date,
            a=cents(c.amount),
        )

    return build


def _fee_income(ctx: Context, staff: str | None) -> Any:
    h = _holdings_products()
    h = h.filter(
        h.category.isin(list(FEE_CATEGORIES))
        & (h.start_date <= ctx.end)
        & (h.maturity_date.isnull() | (h.maturity_date > ctx.start))
    )
    a = assignments()
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
    j = _for(j.filter(j.days > 0), staff)
    return detail(
        j,
        staff_id=j.staff_id,
        source="holdings",
        ref_id=j.product_id,
        customer_id=j.customer_id,
        day=j.start_date,
        a=cents(j.amount) * j.days,
        key=j.product_id,
        share_num=j.days,
        share_den=ctx.period.days,
    )


def _cross_sell(ctx: Context, staff: str | None) -> Any:
    book = _for(book_on(ctx.period.end), staff)
    cust = contract_table("customers")
    opened = cust.filter(cust.opened_on <= ctx.end).select(c_id=cust.customer_id)
    book = book.join(opened, book.customer_id == opened.c_id)
    h = _holdings_products()
    held = h.filter(
        (h.start_date <= ctx.end) & (h.maturity_date.isnull() | (h.maturity_date > ctx.end))
    )
    cats = held.group_by(h_customer=held.customer_id).aggregate(n=held.category.nunique())
    j = book.left_join(cats, book.customer_id == cats.h_customer)
    n = j.n.fill_null(0)
    return detail(
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
    book = _for(book_on(ctx.period.end), staff)
    cust = contract_table("customers")
    st = cust.filter(flag_true(cust.sci_tech) & (cust.opened_on <= ctx.end))
    st = st.select(c_id=st.customer_id)
    j = book.join(st, book.customer_id == st.c_id)
    return detail(
        j,
        staff_id=j.staff_id,
        source="customers",
        ref_id=j.customer_id,
        customer_id=j.customer_id,
        day=ibis.literal(ctx.period.end),
        a=1,
    )


# ---------------------------------------------------------------------- customers


def _transactions(ctx: Context) -> Any:
    """Transactions with their business date `d` (only the columns staging keeps)."""
    t = contract_table("transactions")
    return t.select(
        txn_id=t.txn_id, customer_id=t.customer_id, channel=t.channel, d=ctx.bdate(t.ts)
    )


def _txns_in_period(ctx: Context) -> Any:
    """Transactions of the period's business dates, with `d`. The window compares
    instants (activity.on_days, the same rows): a filter on `d` would convert every
    row's time to bank time twice."""
    t = contract_table("transactions")
    t = t.filter(on_days(t.ts, ctx.period.start, ctx.period.end, ctx.time_zone))
    return t.select(
        txn_id=t.txn_id, customer_id=t.customer_id, channel=t.channel, d=ctx.bdate(t.ts)
    )


def _new_valid(ctx: Context, staff: str | None) -> Any:
    p = ctx.params
    cust = contract_table("customers")
    new = cust.filter(_in_period(ctx, cust.opened_on)).select("customer_id", "opened_on")
    a = assignments()
    cand = new.join(
        a, [new.customer_id == a.a_customer, a.a_to >= new.opened_on, a.a_from <= ctx.end]
    )
    first = cand.group_by(f_customer=cand.customer_id).aggregate(f_from=cand.a_from.min())
    a2 = assignments()
    credited = first.join(a2, [first.f_customer == a2.a_customer, first.f_from == a2.a_from])
    credited = credited.select(customer_id=credited.f_customer, staff_id=credited.a_staff)
    credited = _for(credited, staff)
    opened = new.select(n_id=new.customer_id, opened_on=new.opened_on)
    credited = credited.join(opened, credited.customer_id == opened.n_id)
    # The new customers' transactions of the period from their opening day: the period
    # by instants (activity.on_days), the opening day by business date, converting only
    # the new customers' rows to bank time.
    t = contract_table("transactions")
    t = t.filter(on_days(t.ts, ctx.period.start, ctx.period.end, ctx.time_zone))
    t = t.select(t.customer_id, t.ts)
    t_new = new.select(t_id=new.customer_id, t_open=new.opened_on)
    t = t.join(t_new, t.customer_id == t_new.t_id)
    t = t.mutate(d=ctx.bdate(t.ts))
    t = t.filter(t.d >= t.t_open)
    counts = t.group_by(c_customer=t.customer_id).aggregate(txns=t.count())
    bal = monthly_balances(ctx.period.months, AUM_CATEGORIES)
    b_new = new.select(b_id=new.customer_id, b_open=new.opened_on)
    bal = bal.join(b_new, bal.customer_id == b_new.b_id)
    bal = bal.filter(bal.month >= month_key(bal.b_open))
    best = bal.group_by(m_customer=bal.customer_id).aggregate(best=bal.avg_cents.max())
    j = credited.left_join(counts, credited.customer_id == counts.c_customer)
    j = j.left_join(best, j.customer_id == best.m_customer)
    active = j.txns.fill_null(0) >= p.valid_customer_min_txns
    rich = j.best.fill_null(0) >= int(p.valid_customer_min_aum * 100)
    return detail(
        j,
        staff_id=j.staff_id,
        source="customers",
        ref_id=j.customer_id,
        customer_id=j.customer_id,
        day=j.opened_on,
        a=ibis.ifelse(active & rich, 1, 0),
        flag=ibis.cases((~active, "no_transaction"), (~rich, "low_balance"), else_=_STR_NULL),
    )


def _hnw(ctx: Context, staff: str | None) -> Any:
    threshold = int(ctx.params.hnw_min_aum * 100)
    book = _for(book_on(ctx.period.start), staff)
    before = previous_month(ctx.period.months[0])
    end = ctx.months[-1] if ctx.months else ""
    s = monthly_balances((before,), AUM_CATEGORIES)
    s = s.filter(s.avg_cents >= threshold).select(s_id=s.customer_id, s_avg=s.avg_cents)
    e = monthly_balances((end,), AUM_CATEGORIES)
    e = e.select(e_id=e.customer_id, e_avg=e.avg_cents)
    j = book.join(s, book.customer_id == s.s_id)
    if not ctx.months:
        j = j.filter(ibis.literal(False))
    j = j.left_join(e, j.customer_id == e.e_id)
    kept = j.e_avg.fill_null(0) >= threshold
    return detail(
        j,
        staff_id=j.staff_id,
        source="balances",
        ref_id=j.customer_id,
        customer_id=j.customer_id,
        day=ibis.literal(end),
        a=ibis.ifelse(kept, 1, 0),
        b=1,
        flag=ibis.ifelse(kept, _STR_NULL, "lost"),
        note="AUM " + _money_text(j.s_avg) + " -> " + _money_text(j.e_avg.fill_null(0)),
    )


def _wakeup(ctx: Context, staff: str | None) -> Any:
    before = ibis.literal(ctx.period.start - dt.timedelta(days=1))
    book = _for(book_on(ctx.period.start), staff)
    cust = contract_table("customers")
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
    return detail(
        j,
        staff_id=j.staff_id,
        source="transactions",
        ref_id=j.customer_id,
        customer_id=j.customer_id,
        day=j.last,  # the last transaction in the look-back; none: NULL
        a=ibis.ifelse(woke, 1, 0),
        b=1,
        flag=ibis.ifelse(woke, "woken", _STR_NULL),
        note="opened " + j.opened.cast("string"),
    )


def _events(kind: str, direct: bool) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        ev = contract_table("events")
        ev = ev.mutate(d=ctx.bdate(ev.ts))
        ev = ev.filter((ev.kind == kind) & _in_period(ctx, ev.d))
        ev = ev.rename(e_staff="staff_id")
        if direct:
            named = ev.filter(ev.e_staff.notnull())
            named = named.mutate(staff_id=named.e_staff)
            rest = credit_by_day(ev.filter(ev.e_staff.isnull()), "d")
            rows = named.union(rest.select(*named.columns))
        else:
            rows = credit_by_day(ev, "d")
        rows = _for(rows, staff)
        return detail(
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


def _online(ctx: Context, staff: str | None) -> Any:
    t = _txns_in_period(ctx)
    c = _for(credit_by_day(t, "d"), staff)
    online = c.channel.isin(list(ONLINE_CHANNELS))
    return detail(
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


# ---------------------------------------------------------------------- people


def _requests(ctx: Context, staff: str | None, *, average: bool) -> Any:
    r = contract_table("requests")
    r = r.mutate(d=ctx.bdate(r.received_at))
    r = _for(r.filter(_in_period(ctx, r.d)), staff)
    # Whole seconds on both engines (their sub-second differences round differently).
    sec = r.resolved_at.truncate("s").delta(r.received_at.truncate("s"), unit="second")
    r = r.mutate(sec=sec.cast("int64"))
    if average:
        r = r.filter(r.sec.notnull())
        return detail(
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
    return detail(
        r,
        staff_id=r.staff_id,
        source="requests",
        ref_id=r.request_id,
        customer_id=r.customer_id,
        day=r.d,
        a=ibis.ifelse(fast, 1, 0),
        b=1,
        flag=ibis.cases((r.sec.isnull(), "unresolved"), (~fast, "over_24h"), else_=_STR_NULL),
        note=r.sec.cast("string"),
    )


def _feedback(kind: str) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        f = contract_table("feedback")
        f = _for(f.filter((f.kind == kind) & _in_period(ctx, f.date)), staff)
        score = cents(f.score)
        if kind == "nps":
            p = ctx.params
            promoter = score >= int(p.nps_promoter * 100)
            detractor = score <= int(p.nps_detractor * 100)
            a = ibis.cases((promoter, 1), (detractor, -1), else_=0)
            flag = ibis.cases((promoter, "promoter"), (detractor, "detractor"), else_="passive")
        else:
            a, flag = score, None
        return detail(
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


def _trainings(certification: bool) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        t = contract_table("trainings")
        t = t.filter(_in_period(ctx, t.date))
        if certification:
            t = t.filter(t.kind == "certification")
        t = _for(t, staff)
        return detail(
            t,
            staff_id=t.staff_id,
            source="trainings",
            ref_id=t.name,
            day=t.date,
            a=1 if certification else cents(t.hours),
            note=t.kind,
        )

    return build


def _referral_success(ctx: Context, staff: str | None) -> Any:
    r = contract_table("referrals")
    r = r.mutate(d=ctx.bdate(r.created_at), staff_id=r.from_staff_id)
    r = _for(r.filter(_in_period(ctx, r.d)), staff)
    done = (r.status == "converted") & (ctx.bdate(r.converted_at) <= ctx.end)
    return detail(
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
    r = contract_table("referrals")
    r = r.mutate(d=ctx.bdate(r.converted_at), staff_id=r.from_staff_id)
    r = r.filter((r.status == "converted") & _in_period(ctx, r.d))
    r = _for(r, staff)
    r = r.mutate(m=month_key(r.d))
    months = tuple(sorted(set(ctx.period.months)))
    aum = monthly_balances(months, AUM_CATEGORIES)
    aum = aum.select(b_id=aum.customer_id, b_month=aum.month, b_avg=aum.avg_cents)
    j = r.left_join(aum, [r.customer_id == aum.b_id, r.m == aum.b_month])
    step = int(p.referral_points_step * 100)
    points = ibis.least(
        p.referral_points_base + j.b_avg.fill_null(0) // step, p.referral_points_cap
    )
    return detail(
        j,
        staff_id=j.staff_id,
        source="referrals",
        ref_id=j.referral_id,
        customer_id=j.customer_id,
        day=j.d,
        a=points,
        note="AUM " + _money_text(j.b_avg.fill_null(0)),
    )


# ---------------------------------------------------------------------- offers


def _offers_in(ctx: Context, staff: str | None) -> Any:
    """Offers made in the period (business date of offered_at in bank time)."""
    o = offers_table()
    return _for(o.filter(_in_period(ctx, o.day)), staff)


def _within(later: Any, day: Any, days: int) -> Any:
    """`later` lies from `day` to `days` days after it, both included."""
    return (later >= day) & (later.delta(day, unit="day") <= days)


def _offer_conversion(ctx: Context, staff: str | None) -> Any:
    o = _offers_in(ctx, staff)
    h = contract_table("holdings")
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
    return detail(
        j,
        staff_id=j.staff_id,
        source="offers",
        ref_id=j.offer_id,
        customer_id=j.customer_id,
        day=j.day,
        a=ibis.ifelse(bought, 1, 0),
        b=1,
        flag=ibis.ifelse(bought, "purchased", _STR_NULL),
        note=note,
    )


def _offer_sales(ctx: Context, staff: str | None) -> Any:
    hp = _holdings_products()
    hp = hp.filter(hp.category.isin(list(OFFER_SALES_CATEGORIES)) & _in_period(ctx, hp.start_date))
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
    m = _for(m.filter(m.rn == 0), staff)
    return detail(
        m,
        staff_id=m.staff_id,
        source="holdings",
        ref_id=m.h_product,
        customer_id=m.h_customer,
        day=m.h_start,
        a=cents(m.h_amount),
        note="offer " + m.offer_id + " on " + m.day.cast("string") + ", logged " + m.outcome,
    )


def _offer_complaints(ctx: Context, staff: str | None) -> Any:
    o = _offers_in(ctx, staff)
    ev = contract_table("events")
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
    return detail(
        j,
        staff_id=j.staff_id,
        source="offers",
        ref_id=j.offer_id,
        customer_id=j.customer_id,
        day=j.day,
        a=ibis.ifelse(hit, 1, 0),
        b=1,
        flag=ibis.ifelse(hit, "complaint", _STR_NULL),
        note=note,
    )


# ---------------------------------------------------------------------- all

DETAILS: dict[str, Detail] = {
    "deposit_avg_balance": _level(("deposit",)),
    "deposit_avg_growth": _growth(("deposit",)),
    "aum_avg_balance": _level(AUM_CATEGORIES),
    "aum_avg_growth": _growth(AUM_CATEGORIES),
    "new_loans": _new_loans(),
    "wealth_sales": _sales("wealth"),
    "fund_sales": _sales("fund"),
    "insurance_sales": _sales("insurance"),
    "fee_income": _fee_income,
    "new_valid_customers": _new_valid,
    "cross_sell_rate": _cross_sell,
    "raroc": _risk_capital,
    "eva": _risk_capital,
    "supply_chain_finance": _new_loans(lambda ln: flag_true(ln.supply_chain)),
    "sci_tech_customers": _sci_tech,
    "overdue_rate": lambda c, s: _status_at_end(c, s, False),
    "npl_ratio": lambda c, s: _status_at_end(c, s, True),
    "complaints": _events("complaint", False),
    "compliance_breaches": _events("compliance.breach", True),
    "response_24h_rate": lambda c, s: _requests(c, s, average=False),
    "avg_response_hours": lambda c, s: _requests(c, s, average=True),
    "online_share": _online,
    "loan_approval_days": _approval_days,
    "nps": _feedback("nps"),
    "hnw_retention": _hnw,
    "sleeping_wakeup_rate": _wakeup,
    "risk_due_diligence": _feedback("risk_due_diligence"),
    "certifications": _trainings(True),
    "training_hours": _trainings(False),
    "referral_success_rate": _referral_success,
    "referral_points": _referral_points,
    "green_credit_share": _green_share,
    "inclusive_first_loans": _inclusive_first,
    "offer_conversion_rate": _offer_conversion,
    "offer_wealth_sales": _offer_sales,
    "offer_complaint_rate": _offer_complaints,
}
