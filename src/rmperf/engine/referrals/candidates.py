"""Referrals the rule book proposes from the lake at an as-of date D (`rmperf referral-candidates`).

For each rule, the customers whose facts meet its trigger at D:
- opened_within_days: customers.opened_on in D − n + 1 … D;
- deposit_min: credits (transactions.direction = credit) to products of `deposit_categories`
  with business date in opened_on … D sum to at least the minimum (inclusive);
- event_kinds: an event of one of the kinds (or a dotted sub-kind) with business date in
  D − window_days + 1 … D; with several needs, the i-th kind signals the i-th need.
A customer already referred for the same need (a lake referral still open, or created in the
trigger window) is not proposed again. The receiver is the customer's RM on D (rule to rm) or
the first wealth manager (by staff id) working in the customer's home unit or a unit directly
under it (rule to wealth_manager); the referrer is the customer's RM on D for rules from rm,
else the staff member named on the latest triggering event (empty when none is named).
"""

# ruff: noqa: S608 - SQL over generated view names; every value is a quoted literal

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from rmperf.engine.backends import attach_lake, open_backend
from rmperf.engine.lake import Lake
from rmperf.engine.referrals.policy import ReferralPolicy, ReferralRule
from rmperf.engine.validity import DUCKDB, valid_view_name

TABLES = (
    "customers",
    "assignments",
    "staff",
    "org_units",
    "transactions",
    "products",
    "events",
    "referrals",
)

OPEN_STATUSES = ("created", "accepted", "contacted")

CANDIDATE_SCHEMA = pa.schema(
    [
        pa.field("rule_id", pa.string(), nullable=False),
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("need", pa.string(), nullable=False),
        pa.field("from_role", pa.string(), nullable=False),
        pa.field("to_role", pa.string(), nullable=False),
        pa.field("from_staff_id", pa.string()),
        pa.field("to_staff_id", pa.string()),
        pa.field("opened_on", pa.date32()),
        pa.field("deposit", pa.decimal128(18, 2)),
        pa.field("trigger_event", pa.string()),
        pa.field("trigger_date", pa.date32()),
    ]
)


def _lit(value: str) -> str:
    return DUCKDB.lit(value)


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


def _kind_match(column: str, kinds: tuple[str, ...]) -> str:
    parts = [f"({column} = {_lit(k)} OR starts_with({column}, {_lit(k + '.')}))" for k in kinds]
    return "(" + " OR ".join(parts) + ")"


def _bdate(expr: str, tz: str) -> str:
    return DUCKDB.business_date(expr, tz)


def _ts_range(expr: str, as_of: dt.date, days: int, tz: str) -> str:
    """A plain timestamp range implied by the business-date window D − days + 1 … D, so the
    scan can skip row groups by their statistics (the business-date test stays exact)."""
    first = (as_of - dt.timedelta(days=days - 1)).isoformat()
    after = (as_of + dt.timedelta(days=1)).isoformat()
    return (
        f"{expr} >= {DUCKDB.start_of_day(first, tz)} AND {expr} < {DUCKDB.start_of_day(after, tz)}"
    )


def _rule_sql(rule: ReferralRule, *, as_of: dt.date, tz: str) -> str:
    v = valid_view_name
    d = _lit(as_of.isoformat())
    t = rule.trigger
    where = [f"c.kind IN {_in(rule.customer_kinds)}"]
    ctes: list[str] = []
    deposit = "CAST(NULL AS DECIMAL(18,2))"
    event_kind = "CAST(NULL AS VARCHAR)"
    event_day = "CAST(NULL AS DATE)"
    event_staff = "CAST(NULL AS VARCHAR)"
    joins: list[str] = []
    if t.opened_within_days is not None:
        where.append(f"c.opened_on BETWEEN CAST({d} AS DATE) - {t.opened_within_days - 1} AND {d}")
    if t.deposit_min is not None:
        ctes.append(
            f"dep AS (SELECT x.customer_id, SUM(x.amount) AS deposit FROM {v('transactions')} x "
            f"JOIN {v('products')} p ON p.product_id = x.product_id "
            f"JOIN {v('customers')} cc ON cc.customer_id = x.customer_id "
            f"WHERE x.direction = 'credit' AND p.category IN {_in(t.deposit_categories)} "
            f"AND {_ts_range('x.ts', as_of, t.opened_within_days or 1, tz)} "
            f"AND {_bdate('x.ts', tz)} BETWEEN cc.opened_on AND {d} GROUP BY x.customer_id)"
        )
        joins.append("JOIN dep ON dep.customer_id = c.customer_id")
        where.append(f"dep.deposit >= {t.deposit_min}")
        deposit = "dep.deposit"
    if t.event_kinds:
        need_case = _lit(rule.needs[0])
        if len(rule.needs) > 1:
            arms = " ".join(
                f"WHEN {_kind_match('e.kind', (k,))} THEN {_lit(n)}"
                for k, n in zip(t.event_kinds, rule.needs, strict=True)
            )
            need_case = f"CASE {arms} END"
        ctes.append(
            f"ev AS (SELECT e.customer_id, e.kind, {need_case} AS need, "
            f"{_bdate('e.ts', tz)} AS day, e.staff_id, "
            f"row_number() OVER (PARTITION BY e.customer_id, {need_case} "
            f"ORDER BY e.ts DESC, e.kind) AS rn FROM {v('events')} e "
            f"WHERE {_kind_match('e.kind', t.event_kinds)} "
            f"AND {_ts_range('e.ts', as_of, t.window_days, tz)} AND {_bdate('e.ts', tz)} "
            f"BETWEEN CAST({d} AS DATE) - {t.window_days - 1} AND {d})"
        )
        joins.append("JOIN ev ON ev.customer_id = c.customer_id AND ev.rn = 1")
        need = "ev.need"
        event_kind, event_day, event_staff = "ev.kind", "ev.day", "ev.staff_id"
    else:
        need = _lit(rule.needs[0])
    rm_on_d = (
        f"(SELECT a.staff_id FROM {v('assignments')} a WHERE a.customer_id = c.customer_id "
        f"AND a.valid_from <= {d} AND (a.valid_to IS NULL OR a.valid_to >= {d}) "
        f"ORDER BY a.valid_from DESC LIMIT 1)"
    )
    wm_near = (
        f"(SELECT s.staff_id FROM {v('staff')} s JOIN {v('org_units')} u ON u.unit_id = s.unit_id "
        f"WHERE s.role = 'wealth_manager' AND (s.unit_id = c.unit_id OR u.parent_id = c.unit_id) "
        f"ORDER BY s.staff_id LIMIT 1)"
    )
    to_staff = (
        rm_on_d
        if rule.to_role == "rm"
        else (wm_near if rule.to_role == "wealth_manager" else "NULL")
    )
    from_staff = rm_on_d if rule.from_roles == ("rm",) else event_staff
    with_ = ("WITH " + ", ".join(ctes) + " ") if ctes else ""
    return (
        f"{with_}SELECT {_lit(rule.id)} AS rule_id, c.customer_id, {need} AS need, "
        f"{_lit(rule.from_roles[0])} AS from_role, {_lit(rule.to_role)} AS to_role, "
        f"{from_staff} AS from_staff_id, {to_staff} AS to_staff_id, c.opened_on, "
        f"{deposit} AS deposit, {event_kind} AS trigger_event, {event_day} AS trigger_date "
        f"FROM {v('customers')} c {' '.join(joins)} WHERE {' AND '.join(where)}"
    )


def referral_candidates(lake: Lake, *, as_of: dt.date, policy: ReferralPolicy) -> pa.Table:
    """Proposed referrals at `as_of`, one row per (rule, customer, need), sorted."""
    tz = policy.time_zone
    d = _lit(as_of.isoformat())
    backend = open_backend("duckdb")
    try:
        attach_lake(backend, lake, TABLES)
        parts = [_rule_sql(r, as_of=as_of, tz=tz) for r in policy.rules]
        windows = " ".join(f"WHEN {_lit(r.id)} THEN {r.trigger.window_days}" for r in policy.rules)
        sql = (
            "WITH cand AS (" + " UNION ALL ".join(f"({p})" for p in parts) + ") "
            "SELECT cand.* FROM cand WHERE NOT EXISTS ("
            f"SELECT 1 FROM {valid_view_name('referrals')} r "
            "WHERE r.customer_id = cand.customer_id AND r.need = cand.need "
            f"AND {_bdate('r.created_at', tz)} <= {d} AND (r.status IN {_in(OPEN_STATUSES)} "
            f"OR {_bdate('r.created_at', tz)} > CAST({d} AS DATE) - "
            f"(CASE cand.rule_id {windows} END))) "
            "ORDER BY rule_id, customer_id, need"
        )
        table = backend.to_arrow(sql)
    finally:
        backend.close()
    return table.select(CANDIDATE_SCHEMA.names).cast(CANDIDATE_SCHEMA)
