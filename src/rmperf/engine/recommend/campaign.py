"""A campaign's list: one product offered to a chosen set of customers, passed through
the one suitability gate (`core.present`), so a customer for whom the product is blocked
never reaches the target list; they come back separately, one row per blocking rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from rmperf.engine.lake import Lake
from rmperf.engine.recommend import _customers, shelf_from
from rmperf.engine.recommend.core import Blocked, Product, Recommendation, Scored, present
from rmperf.engine.recommend.features import (
    balance_months,
    customer_features,
    lake_connection,
    products,
)
from rmperf.engine.recommend.policy import RecommendPolicy


class CampaignListError(ValueError):
    """The campaign's product is not on the lake's shelf."""


@dataclass(frozen=True)
class CampaignList:
    """Who may be offered the product (with any safeguards), who may not and why, and
    which of the asked customers the lake does not know at D."""

    product: Product
    targets: list[Recommendation]
    blocked: list[Blocked]
    unknown: list[str]


def campaign_list(
    lake: Lake,
    *,
    as_of: dt.date,
    policy: RecommendPolicy,
    product_id: str,
    customer_ids: Iterable[str],
) -> CampaignList:
    """The product for each asked customer at D, decided by `present` (top 1 per
    customer: the product is the customer's only candidate)."""
    wanted = sorted(set(customer_ids))
    with lake_connection(lake, months=balance_months([as_of])) as backend:
        table = customer_features(backend, as_of=as_of, policy=policy)
        shelf = shelf_from(products(backend))
    if product_id not in shelf:
        raise CampaignListError(f"product {product_id!r} is not in the lake's products")
    product = shelf[product_id]
    known = _customers(table, {}, policy)
    scored = [
        Scored(known[cid], product, (), 0.0, "campaign", Decimal("0.00"))
        for cid in wanted
        if cid in known
    ]
    targets, blocked = present(scored, policy=policy, top_n=1)
    return CampaignList(product, targets, blocked, [cid for cid in wanted if cid not in known])
