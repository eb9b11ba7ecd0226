"""The indicator library: RM performance indicators of every family (DOMAIN §5).

    from rmperf.engine.indicators import LIBRARY, IndicatorDef, compute_indicators
    values = compute_indicators(lake, period=Period.parse("2026Q3"))

`LIBRARY` holds each indicator, defined whole in its family's module (`families/`;
docs/indicators.md is rendered from it), `compute_indicators` gives one row per RM and
indicator with exact numerator and denominator, `indicator_rows` the rows behind one
value, `rollup` team / branch / bank values from summed numerators and denominators.
"""

from __future__ import annotations

from rmperf.engine.indicators.compute import (
    ROWS_SCHEMA,
    VALUES_SCHEMA,
    compute_indicators,
    indicator_rows,
    indicator_rows_many,
)
from rmperf.engine.indicators.feedback import FeedbackRow
from rmperf.engine.indicators.library import LIBRARY, IndicatorDef
from rmperf.engine.indicators.params import DEFAULT_PARAMS, IndicatorParams
from rmperf.engine.indicators.proposals import ProposalRow
from rmperf.engine.indicators.rollup import ROLLUP_SCHEMA, rollup

__all__ = [
    "DEFAULT_PARAMS",
    "LIBRARY",
    "ROLLUP_SCHEMA",
    "ROWS_SCHEMA",
    "VALUES_SCHEMA",
    "FeedbackRow",
    "IndicatorDef",
    "IndicatorParams",
    "ProposalRow",
    "compute_indicators",
    "indicator_rows",
    "indicator_rows_many",
    "rollup",
]
