"""The demo's worked referral (seed 000's story): a teller refers a new customer who asked
about wealth products to the RM, the RM accepts and calls, and the customer's purchase in
the lake converts the referral and pays the teller's points.

The demo's lake is history up to yesterday, so a referral made today can only convert
with a later lake. The worked example is therefore dated in the lake's past, on a
customer whose lake history really shows it: the account opened, at least the rule's
deposit credited by the referral day, and a purchase of a converting category soon after.
Every step goes through the same services (rule book check, transitions, sweep) as a
referral made in the UI; the demo only chooses the customer and the dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from rmperf.customers.models import Customer
from rmperf.engine.backends import attach_lake, open_backend
from rmperf.engine.lake import Lake
from rmperf.engine.validity import valid_view_name
from rmperf.org.models import Staff
from rmperf.referrals.models import Referral
from rmperf.referrals.services import (
    _lake,
    referral_check,
    referral_create,
    referral_policy,
    referral_transition,
    referrals_sweep,
)

#: The teller → RM rule the story follows (referrals.yaml).
STORY_RULE = "teller_new_account_wealth"
STORY_NOTE = "demo: seed 000 worked example"


@dataclass(frozen=True)
class StoryCustomer:
    customer_id: str
    referred_on: dt.date
    deposit: Decimal
    bought_on: dt.date


def story_candidates(lake: Lake, customer_ids: list[str], *, limit: int = 5) -> list[StoryCustomer]:
    """Customers of `customer_ids` whose lake history fits the teller rule: a referral day
    D within the rule's opening window, deposits credited from opening to D at least the
    rule's minimum, and a first purchase of a converting category on or after D."""
    policy = referral_policy().policy
    rule = policy.rule(STORY_RULE)
    if rule is None or not customer_ids:
        return []
    t = rule.trigger
    opened_days = (t.opened_within_days or 30) - 1
    deposit_min = t.deposit_min or Decimal(0)
    v = valid_view_name
    ids = ", ".join("'" + c.replace("'", "''") + "'" for c in customer_ids)
    dep_cats = ", ".join(f"'{c}'" for c in t.deposit_categories)
    conv_cats = ", ".join(f"'{c}'" for c in rule.conversion_categories)
    tz = policy.time_zone
    # Values are the app's customer ids (quoted, quotes doubled) and validated policy values.
    sql = f"""
        WITH c AS (
            SELECT customer_id, opened_on FROM {v("customers")} WHERE customer_id IN ({ids})
        ), buy AS (
            SELECT h.customer_id, min(h.start_date) AS bought_on
            FROM {v("holdings")} h JOIN {v("products")} p ON p.product_id = h.product_id
            JOIN c ON c.customer_id = h.customer_id
            WHERE p.category IN ({conv_cats}) AND h.start_date > c.opened_on
            GROUP BY h.customer_id
        ), day AS (
            SELECT c.customer_id, buy.bought_on,
                   least(buy.bought_on - 1, c.opened_on + {opened_days}) AS d
            FROM c JOIN buy ON buy.customer_id = c.customer_id
            WHERE buy.bought_on - 1 >= c.opened_on
        ), dep AS (
            SELECT day.customer_id, sum(x.amount) AS deposit
            FROM day JOIN {v("transactions")} x ON x.customer_id = day.customer_id
            JOIN {v("products")} p ON p.product_id = x.product_id
            JOIN c ON c.customer_id = day.customer_id
            WHERE x.direction = 'credit' AND p.category IN ({dep_cats})
              AND CAST(timezone('{tz}', x.ts) AS DATE) BETWEEN c.opened_on AND day.d
            GROUP BY day.customer_id
        )
        SELECT day.customer_id, day.d, dep.deposit, day.bought_on
        FROM day JOIN dep ON dep.customer_id = day.customer_id
        WHERE dep.deposit >= {deposit_min} AND day.bought_on <= day.d + {policy.conversion_window_days}
        ORDER BY day.d DESC, day.customer_id
        LIMIT {int(limit)}
    """  # noqa: S608
    backend = open_backend("duckdb")
    try:
        attach_lake(backend, lake, ("customers", "holdings", "products", "transactions"))
        rows = backend.to_arrow(sql).to_pylist()
    finally:
        backend.close()
    return [
        StoryCustomer(r["customer_id"], r["d"], Decimal(r["deposit"]), r["bought_on"]) for r in rows
    ]


def demo_referral_story(*, teller: Any, rm: Any) -> Referral | None:
    """Make the worked referral from `teller` (a user) to `rm` (a user) once; None when the
    lake has no customer of the RM that fits, or the story is already there."""
    if Referral.objects.filter(note=STORY_NOTE).exists():
        return None
    lake = _lake()
    rm_staff = Staff.objects.filter(user=rm).first()
    if lake is None or rm_staff is None:
        return None
    in_scope = Customer.objects.restrict(teller).filter(assignments__staff=rm_staff)
    ids = sorted(set(in_scope.values_list("pk", flat=True)))
    tz = ZoneInfo(referral_policy().policy.time_zone)
    for cand in story_candidates(lake, ids):
        at = dt.datetime.combine(cand.referred_on, dt.time(10, 0), tzinfo=tz)
        check = referral_check(
            actor=teller,
            customer_id=cand.customer_id,
            need="wealth",
            deposit=str(cand.deposit),
            now=at,
        )
        if not check.ok or check.to_staff is None or check.to_staff.pk != rm_staff.pk:
            continue  # e.g. the customer had another RM on that day
        referral = referral_create(
            actor=teller,
            customer_id=cand.customer_id,
            need="wealth",
            deposit=str(cand.deposit),
            note=STORY_NOTE,
            now=at,
        )
        referral_transition(
            actor=rm, referral_id=referral.pk, action="accept", now=at + dt.timedelta(hours=2)
        )
        referral_transition(
            actor=rm, referral_id=referral.pk, action="contact", now=at + dt.timedelta(hours=5)
        )
        referrals_sweep(actor=None)
        referral.refresh_from_db()
        return referral
    return None


def demo_referral_any_rm(*, teller: Any, first: Any) -> Referral | None:
    """The worked referral from `teller`, to `first` (the demo's RM login) when one of that
    RM's customers fits the rule on the lake, else to the first other RM of the teller's
    branch (by staff id) with such a customer: a small generated bank may give the demo's
    RM no fitting customer. An RM without a login gets an unusable-password one (demo only)
    so accepting and contacting go through the same services and checks. None when no RM
    of the branch has a fitting customer (or the story is already there)."""
    from django.contrib.auth import get_user_model

    story = demo_referral_story(teller=teller, rm=first)
    if story is not None or Referral.objects.filter(note=STORY_NOTE).exists():
        return story
    teller_staff = Staff.objects.filter(user=teller).select_related("unit").first()
    if teller_staff is None:
        return None
    branch = teller_staff.unit.path
    others = (
        Staff.objects.filter(role="rm", unit__path__startswith=branch)
        .exclude(user=first)
        .order_by("staff_id")
    )
    for staff in others:
        user = staff.user
        if user is None:
            user = get_user_model().objects.create(username=f"demo-{staff.staff_id}".lower())
            user.set_unusable_password()
            user.save(update_fields=["password"])
            staff.user = user
            staff.save(update_fields=["user"])
        story = demo_referral_story(teller=teller, rm=user)
        if story is not None:
            return story
    return None
