"""What scoring needs to know about an indicator, and where the library comes from.

Scorecards name indicators of `rmperf.engine.indicators.LIBRARY`. Validation and scoring
read only the attributes below, so tests can pass a small hand-written library and the
rules stay independent of how indicators are computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

#: The five regulatory indicator categories (P-01: every KPI belongs to exactly one).
CATEGORIES = ("business", "compliance", "risk", "development", "social")
#: Categories whose lines must together weigh at least the card's minimum share (DOMAIN §9).
COMPLIANCE_RISK = frozenset({"compliance", "risk"})


class IndicatorInfo(Protocol):
    """The attributes of an indicator definition that scoring reads."""

    @property
    def id(self) -> str: ...

    @property
    def name_zh(self) -> str: ...

    @property
    def name_en(self) -> str: ...

    @property
    def unit(self) -> str: ...

    @property
    def direction(self) -> str: ...  # 'higher' | 'lower'

    @property
    def category(self) -> str: ...

    @property
    def family(self) -> str: ...

    @property
    def balance_based(self) -> bool: ...


Library = Mapping[str, IndicatorInfo]


@dataclass(frozen=True)
class Indicator:
    """A plain indicator description (tests and synthetic benchmarks build these)."""

    id: str
    direction: str = "higher"
    category: str = "business"
    family: str = ""
    balance_based: bool = False
    unit: str = ""
    name_zh: str = ""
    name_en: str = ""


def default_library() -> Library:
    """The indicator library of `rmperf.engine.indicators`."""
    from rmperf.engine.indicators import LIBRARY

    library: Library = LIBRARY
    return library


def is_deposit(info: IndicatorInfo) -> bool:
    """Deposit indicators: no market share, ranking or peer comparison may score them (P-03)."""
    return info.family == "deposit" or info.id.startswith("deposit")


def point_in_time(info: IndicatorInfo) -> bool:
    """Whether a balance indicator is measured at a point (period end) instead of daily averages.

    The library states it in `aggregation` when it has one; otherwise its balance
    indicators are daily-average by construction, and only a name that says "end" or
    "point" gives a point-in-time measure away.
    """
    aggregation = getattr(info, "aggregation", None)
    if isinstance(aggregation, str):
        return aggregation not in ("daily_average", "daily_avg", "flow", "none")
    return any(word in info.id for word in ("period_end", "month_end", "quarter_end", "point"))
