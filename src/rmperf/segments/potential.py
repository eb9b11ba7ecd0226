"""The weekly high-potential list (DOMAIN §3), from the engine's `high_potential()`.

The engine computes it; the app only feeds it a book's stored segment rows and shows the
result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
from django.db.models import QuerySet
from django.utils.translation import get_language

from rmperf.engine.segmentation.policy import SegmentationPolicy
from rmperf.engine.segmentation.potential import high_potential
from rmperf.policies.selectors import policy_loaded
from rmperf.segments.models import CustomerSegment, SegmentRun, Tier

logger = logging.getLogger(__name__)
#: How many customers the dashboard lists.
SHOWN = 20


@dataclass(frozen=True)
class Potential:
    customer_id: str
    tier: str
    monetary: Decimal
    frequency: int
    product_count: int | None
    reason: str
    action: str

    @property
    def tier_label(self) -> str:
        return str(dict(Tier.choices).get(self.tier, self.tier))


def _segments_table(rows: list[CustomerSegment]) -> pa.Table:
    """Stored rows back in the engine's segment-table shape."""
    categories = sorted({c for r in rows for c in r.held})
    data: dict[str, Any] = {
        "customer_id": [r.customer_id for r in rows],
        "unit_id": [r.unit_id for r in rows],
        "rm_id": [r.rm_id for r in rows],
        "recency_days": pa.array([r.recency_days for r in rows], pa.int64()),
        "frequency": pa.array([r.frequency for r in rows], pa.int64()),
        "monetary": pa.array([r.monetary for r in rows], pa.decimal128(18, 2)),
        "tier": [r.tier for r in rows],
        "product_count": pa.array([r.product_count for r in rows], pa.int64()),
        "risk_level": [r.risk_level or None for r in rows],
        "risk_assessment_current": pa.array([r.risk_assessment_current for r in rows], pa.bool_()),
        "tags": [";".join(r.tag_list) for r in rows],
        "contribution": pa.array([r.contribution for r in rows], pa.decimal128(18, 2)),
    }
    for cat in categories:
        data[f"holds_{cat}"] = [cat in r.held for r in rows]
    return pa.table(data)


def high_potential_for(
    *, rows: QuerySet[CustomerSegment], run: SegmentRun | None
) -> list[Potential] | None:
    """The book's high-potential customers with the engine's reason, or None when there
    is no run or the engine could not read the stored book (the page then leaves the list
    out)."""
    if run is None:
        return None
    book = list(rows.select_related(None))
    if not book:
        return []
    policy = policy_loaded(run.policy).policy
    if not isinstance(policy, SegmentationPolicy):
        return None
    try:
        result = high_potential(_segments_table(book), policy=policy)
    except (TypeError, ValueError, KeyError, pa.ArrowException):
        logger.exception("high_potential() failed on a stored book")
        return None
    zh = (get_language() or "").startswith("zh")
    reason_col, action_col = ("reason_zh", "action_zh") if zh else ("reason_en", "action_en")
    by_id = {r.customer_id: r for r in book}
    out: list[Potential] = []
    for rec in result.to_pylist():
        seg = by_id.get(rec.get("customer_id"))
        if seg is None:
            continue
        out.append(
            Potential(
                customer_id=seg.customer_id,
                tier=seg.tier,
                monetary=seg.monetary,
                frequency=seg.frequency,
                product_count=seg.product_count,
                reason=str(rec.get(reason_col) or rec.get("reason_en") or ""),
                action=str(rec.get(action_col) or ""),
            )
        )
        if len(out) == SHOWN:
            break
    return out
