"""Tags beside the tier at an as-of date D (DOMAIN §1–§3): holdings by product category,
risk tolerance and whether its assessment is current, and the policy's tag rules.

Written in Ibis over the lake's valid views, like rfm.py, so DuckDB and Spark run the same
computation. Semantics, each stated once here:
- Holdings: a category is held at D when a holding of one of its products has
  start_date ≤ D ≤ maturity_date (no maturity: open-ended), or a loan of one of its
  products has disbursed_on ≤ D ≤ maturity_date. Both ends are included: a time deposit
  maturing on D is still held on D. `product_count` is the number of categories held.
- Risk: `risk_level` is the customer's C1–C5 as recorded (null if never assessed);
  `risk_assessment_current` is true when D − valid_months < risk_assessed_on ≤ D, so an
  assessment exactly `valid_months` old has expired and one dated after D was not known on
  D. Month arithmetic clamps to the month's last day (D = 2026-08-31, 6 months → 02-28).
- Tag rules (policy `tags`), with windows that include D:
  - events: at least `min_count` events whose kind is one of `kinds` (or a dotted
    sub-kind of one) with business date (bank time) in D − window + 1 … D; events after
    D are ignored.
  - birthday: the birthday (month and day) falls in D … D + window − 1; a 29 February
    birthday is kept on 28 February in common years.
  - opened: opened_on in D − window + 1 … D.
  - contact_verified: contact data older than `months` months: stale unless
    D − months ≤ contact_verified_on ≤ D, so a verification exactly 6 months old is
    still fresh and one a day older is stale (missing, or dated after D: stale).
  - marketing_opt_out: the customer refused personalised marketing (missing: false).
  A rule applies only to customers of its `customer_kinds`.
- `tags` is the ids of the rules that hold, sorted and joined with ';' ("" for none).
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import ibis

from rmperf.engine.activity import on_days
from rmperf.engine.backends import BackendName
from rmperf.engine.contract import CUSTOMER_KINDS, PRODUCT_CATEGORIES
from rmperf.engine.ibis_tables import contract_table
from rmperf.engine.segmentation.names import (
    HOLDS_COLUMNS,
    MICRO,
    flag_column,
)
from rmperf.engine.segmentation.names import (
    TAG_TABLES as TAG_TABLES,
)
from rmperf.engine.segmentation.policy import SegmentationPolicy, TagRule, TagSource


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by `months` calendar months, clamped to the target month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def holdings_expr(as_of: dt.date, fee_categories: tuple[str, ...] | None = None) -> Any:
    """Per customer holding anything at `as_of`: one boolean per product category, and
    (when `fee_categories` is given) fee_e8, Σ amount in cents × the product's revenue
    rate in micros over the holdings (not loans) of those categories held on `as_of` —
    the value estimate's fee income, summed in the same pass over holdings and loans."""
    day = ibis.literal(as_of)
    hold = contract_table("holdings")
    loans = contract_table("loans")
    products = contract_table("products")
    live = hold.filter(
        (hold.start_date <= day) & (hold.maturity_date.isnull() | (hold.maturity_date >= day))
    ).select("customer_id", "product_id", "amount", is_holding=ibis.literal(True))
    live_loans = loans.filter((loans.disbursed_on <= day) & (loans.maturity_date >= day)).select(
        "customer_id", "product_id", "amount", is_holding=ibis.literal(False)
    )
    held = live.union(live_loans, distinct=False)
    held = held.join(
        products.select(
            "product_id", "category", micros=(products.revenue_rate * MICRO).cast("int64")
        ),
        "product_id",
    )
    aggregates = {f"holds_{c}": (held.category == c).any() for c in PRODUCT_CATEGORIES}
    if fee_categories is not None:
        fee = held.is_holding & held.category.isin(list(fee_categories))
        cents = (held.amount * 100).cast("int64")
        aggregates["fee_e8"] = (cents * held.micros).sum(where=fee)
    return held.group_by("customer_id").aggregate(**aggregates)


def _kind_matches(kind: Any, kinds: tuple[str, ...]) -> Any:
    """`kind` is one of `kinds` or a dotted sub-kind of one."""
    pred = ibis.literal(False)
    for k in kinds:
        pred |= (kind == k) | kind.startswith(k + ".")
    return pred


def _event_counts_expr(
    backend: BackendName, as_of: dt.date, rules: tuple[TagRule, ...], time_zone: str
) -> Any:
    """Per customer with a matching event: the count of each event rule in its window."""
    longest = max(r.window_days or 1 for r in rules)
    kinds = tuple(sorted({k for r in rules for k in r.kinds}))
    ev = contract_table("events")
    ev = ev.filter(
        on_days(ev.ts, as_of - dt.timedelta(days=longest - 1), as_of, time_zone)
        & _kind_matches(ev.kind, kinds)
    )
    counts = {
        f"n__{r.id}": ev.count(
            where=_kind_matches(ev.kind, r.kinds)
            & on_days(ev.ts, as_of - dt.timedelta(days=(r.window_days or 1) - 1), None, time_zone)
        )
        for r in rules
    }
    return ev.group_by("customer_id").aggregate(**counts)


def _birthday_keys(as_of: dt.date, window_days: int) -> list[int]:
    """month × 100 + day of every birthday celebrated in as_of … as_of + window − 1."""
    keys: set[int] = set()
    for n in range(window_days):
        day = as_of + dt.timedelta(days=n)
        keys.add(day.month * 100 + day.day)
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            keys.add(229)  # born on 29 February: celebrated on the 28th in common years
    return sorted(keys)


def _known_within(column: Any, as_of: dt.date, months: int) -> Any:
    """`column` lies in D − months < date ≤ D (false when missing)."""
    since = ibis.literal(add_months(as_of, -months))
    return (column > since) & (column <= ibis.literal(as_of)) & column.notnull()


def _dimension_flag(cust: Any, tag: TagRule, as_of: dt.date) -> Any:
    day = ibis.literal(as_of)
    match tag.source:
        case TagSource.BIRTHDAY:
            key = cust.birth_date.month() * 100 + cust.birth_date.day()
            return cust.birth_date.notnull() & key.isin(_birthday_keys(as_of, tag.window_days or 1))
        case TagSource.OPENED:
            start = ibis.literal(as_of - dt.timedelta(days=(tag.window_days or 1) - 1))
            return (cust.opened_on >= start) & (cust.opened_on <= day)
        case TagSource.CONTACT_VERIFIED:
            verified = cust.contact_verified_on
            since = ibis.literal(add_months(as_of, -(tag.months or 1)))
            fresh = verified.notnull() & (verified >= since) & (verified <= day)
            return ~fresh
        case TagSource.MARKETING_OPT_OUT:
            return cust.marketing_opt_out.fill_null(False)
        case TagSource.EVENTS:
            raise ValueError("event tags are counted from events")


def event_counts_expr(backend: BackendName, as_of: dt.date, policy: SegmentationPolicy) -> Any:
    """Per customer with a matching event: n__<rule id> for each event tag rule (None when
    the policy has no event rules)."""
    rules = tuple(t for t in policy.tags if t.source is TagSource.EVENTS)
    return _event_counts_expr(backend, as_of, rules, policy.time_zone) if rules else None


def profile_columns(joined: Any, *, as_of: dt.date, policy: SegmentationPolicy) -> dict[str, Any]:
    """Holdings, product_count, risk and the tag flags of customer rows (all the
    customers' columns) left-joined with holdings_expr and event_counts_expr."""
    holds = {c: joined[c].fill_null(False) for c in HOLDS_COLUMNS}
    product_count = ibis.literal(0)
    for flag in holds.values():
        product_count = product_count + flag.ifelse(1, 0)
    flags: dict[str, Any] = {}
    for tag in policy.tags:
        if tag.source is TagSource.EVENTS:
            flag = joined[f"n__{tag.id}"].fill_null(0) >= (tag.min_count or 1)
        else:
            flag = _dimension_flag(joined, tag, as_of)
        if set(tag.customer_kinds) != set(CUSTOMER_KINDS):
            flag = flag & joined.kind.isin(list(tag.customer_kinds))
        flags[flag_column(tag)] = flag
    return {
        **holds,
        "product_count": product_count.cast("int64"),
        "risk_level": joined.risk_level,
        "risk_assessment_current": _known_within(
            joined.risk_assessed_on, as_of, policy.risk_assessment_valid_months
        ),
        **flags,
    }
