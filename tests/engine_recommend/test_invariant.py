"""The invariant of DOMAIN §2: no blocked pair is ever presented as a recommendation.

Hypothesis draws customers (tolerance, assessment, age, opt-out, holdings) and products
(category, risk), and any propensity; whatever `present` returns must pass suitability,
stated here independently of the code: risk ≤ tolerance with a current assessment, ≤ R1
without; nothing for an opted-out customer; nothing above R2 at 65 or over.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from rmperf.engine.contract import PRODUCT_CATEGORIES
from rmperf.engine.recommend.core import (
    Customer,
    Product,
    candidates,
    present,
    score,
    suitability_verdict,
)
from rmperf.engine.recommend.policy import Action, load_recommend_policy

POLICY = load_recommend_policy().policy
D = dt.date(2026, 9, 30)

products_st = st.lists(
    st.builds(
        Product,
        product_id=st.sampled_from([f"P{i:03d}" for i in range(1, 60)]),
        name=st.just("x"),
        category=st.sampled_from(PRODUCT_CATEGORIES),
        risk=st.integers(1, 5),
        revenue_rate=st.decimals(Decimal("0.0001"), Decimal("0.05"), places=4),
    ),
    min_size=1,
    max_size=25,
    unique_by=lambda p: p.product_id,
)

customers_st = st.lists(
    st.builds(
        Customer,
        customer_id=st.sampled_from([f"C{i}" for i in range(40)]),
        kind=st.sampled_from(["retail", "corporate"]),
        age=st.one_of(st.none(), st.integers(18, 95)),
        risk=st.integers(0, 5),
        assessment_current=st.booleans(),
        opt_out=st.booleans(),
        aum=st.decimals(Decimal("0"), Decimal("5000000"), places=2),
        holds=st.frozensets(st.sampled_from(PRODUCT_CATEGORIES)),
        ever=st.frozensets(st.sampled_from(PRODUCT_CATEGORIES)),
        rule_counts=st.fixed_dictionaries(
            {r.id: st.integers(0, 5) for r in POLICY.rules if r.when.events is not None}
        ),
        payroll_dom=st.one_of(st.none(), st.integers(1, 31)),
        maturing=st.lists(st.sampled_from([f"P{i:03d}" for i in range(1, 60)]), max_size=3).map(
            tuple
        ),
    ),
    min_size=1,
    max_size=15,
    unique_by=lambda c: c.customer_id,
)


def suitable_by_hand(c: Customer, p: Product) -> bool:
    if c.opt_out:
        return False
    if c.age is not None and c.age >= 65 and p.risk > 2:
        return False
    if c.assessment_current and c.risk > 0:
        return p.risk <= c.risk
    return p.risk <= 1


@settings(max_examples=150, deadline=None)
@given(customers=customers_st, shelf=products_st, probs=st.lists(st.floats(0, 1), min_size=1))
def test_no_blocked_pair_is_presented(
    customers: list[Customer], shelf: list[Product], probs: list[float]
) -> None:
    by_id = {p.product_id: p for p in shelf}
    by_cat: dict[str, list[Product]] = {}
    for p in shelf:
        by_cat.setdefault(p.category, []).append(p)
    cands = [
        cand
        for c in customers
        for cand in candidates(c, as_of=D, policy=POLICY, shelf=by_id, by_category=by_cat)
    ]
    # Arbitrary propensities, as a model could give: suitability must not depend on them.
    counter = iter(range(10**9))

    def propensity(c: Customer, p: Product) -> float:
        return probs[next(counter) % len(probs)]

    scored = score(
        cands,
        customers={c.customer_id: c for c in customers},
        shelf=by_id,
        policy=POLICY,
        propensity=propensity,
    )
    recs, blocked = present(scored, policy=POLICY)
    shown = {(r.scored.customer.customer_id, r.scored.product.product_id) for r in recs}
    withheld = {(b.scored.customer.customer_id, b.scored.product.product_id) for b in blocked}
    assert not shown & withheld
    for r in recs:
        assert suitable_by_hand(r.scored.customer, r.scored.product)
        verdict = suitability_verdict(r.scored.customer, r.scored.product, POLICY)
        assert all(f.action is Action.FLAG for f in verdict)
    for b in blocked:
        assert b.findings and all(f.action is Action.BLOCK for f in b.findings)
    # Every candidate pair ends up either shown, withheld or cut by top-N/diversity.
    assert shown | withheld <= {(s.customer.customer_id, s.product.product_id) for s in scored}
