"""The 述职 panel's score: the trimmed mean of its members' scores (DOMAIN §7).

With `trim_from` or more scores (default 5) one highest and one lowest score are dropped
(one of each even when several members gave the same score); with fewer, every score
counts. The mean is rounded half up to 2 places (`ROUND_HALF_UP`, never half-even):
80, 85, 90, 70 → 325 ÷ 4 = 81.25; 60, 70, 80, 90, 100 → drop 60 and 100 →
240 ÷ 3 = 80.00.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def trimmed(scores: Sequence[Decimal], *, trim_from: int) -> list[Decimal]:
    """The scores that count, sorted: without one lowest and one highest when there
    are `trim_from` or more of them."""
    if not scores:
        raise ValueError("a panel score needs at least one score")
    ordered = sorted(scores)
    if len(ordered) >= trim_from:
        return ordered[1:-1]
    return ordered


def panel_score(scores: Sequence[Decimal], *, trim_from: int) -> Decimal:
    """Σ counted scores ÷ their number, rounded half up to 2 places."""
    counted = trimmed(scores, trim_from=trim_from)
    total = sum(counted, Decimal(0))
    return (total / len(counted)).quantize(CENT, rounding=ROUND_HALF_UP)
