"""Names shared by the segmentation modules, without importing Ibis or pyarrow.compute:
the tables each part reads, the result's column names and the value estimate's units.

`segment()` runs SQL compiled earlier (rmperf.engine.sql_cache) without importing the
Ibis definitions (rfm.py, tags.py, value.py); what it needs of them lives here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from rmperf.engine.contract import PRODUCT_CATEGORIES

if TYPE_CHECKING:
    from rmperf.engine.segmentation.policy import TagRule

RFM_TABLES = ("customers", "transactions", "balances", "assignments")
TAG_TABLES = ("customers", "holdings", "products", "loans", "events")
VALUE_TABLES = (
    "customers",
    "balances",
    "holdings",
    "products",
    "loans",
    "loan_status",
    "transactions",
)
HOLDS_COLUMNS = tuple(f"holds_{c}" for c in PRODUCT_CATEGORIES)
TAG_SEPARATOR = ";"
MICRO = 1_000_000  # rates are decimal(12,6): integer millionths
#: The value estimate's parts per customer (value.value_columns and the settlement
#: count), money in units of 10⁻⁸ yuan (cents × micro-rate).
PART_COLUMNS = ("deposit_e8", "deposit_months", "fee_e8", "loan_e8", "settlement_count")


class ValueSourceError(ValueError):
    """A rate the policy points at is not in the lake (a missing or rejected product)."""


def flag_column(tag: TagRule) -> str:
    """The internal boolean column of one tag rule."""
    return f"tag__{tag.id}"


def rate_micros(rate: Decimal) -> int:
    """A rate with at most 6 places as integer millionths (policy validation checks it)."""
    return int(rate * MICRO)
