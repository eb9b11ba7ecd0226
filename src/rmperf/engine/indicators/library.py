"""The indicator library: every indicator, collected from its family's module.

An indicator is defined whole in one place, the module of its family (`families/`):
names in both languages, unit, direction, perspective, category, written definition,
the lake tables it reads, its detail expression and its finisher. Scorecards name the
ids of `LIBRARY`; docs/indicators.md is rendered from it
(`python -m rmperf.engine.indicators.doc`); `compute` reads nothing else. The order of
`LIBRARY` (the order of `MODULES`, then of each module) is the order of the computed
rows and of the documentation.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from rmperf.engine.indicators.context import Context
from rmperf.engine.indicators.families import (
    collaboration,
    customer,
    efficiency,
    esg,
    growth,
    offers,
    quality,
    result,
)
from rmperf.engine.indicators.indicator import FAMILIES as FAMILIES
from rmperf.engine.indicators.indicator import Aggregation as Aggregation
from rmperf.engine.indicators.indicator import Category as Category
from rmperf.engine.indicators.indicator import Combine as Combine
from rmperf.engine.indicators.indicator import Direction as Direction
from rmperf.engine.indicators.indicator import Family as Family
from rmperf.engine.indicators.indicator import IndicatorDef as IndicatorDef
from rmperf.engine.indicators.indicator import JointQuery
from rmperf.engine.indicators.indicator import Perspective as Perspective
from rmperf.engine.indicators.indicator import Unit as Unit

#: One module per family of FAMILIES, in that order, then the offers-input indicators.
MODULES: tuple[ModuleType, ...] = (
    result,
    quality,
    efficiency,
    customer,
    growth,
    collaboration,
    esg,
    offers,
)


def collect(modules: tuple[ModuleType, ...]) -> dict[str, IndicatorDef]:
    """The `INDICATORS` of the modules by id, in order; an id defined twice is an error."""
    library: dict[str, IndicatorDef] = {}
    for module in modules:
        for d in module.INDICATORS:
            if d.id in library:
                raise ValueError(f"indicator {d.id} is defined twice ({module.__name__})")
            library[d.id] = d
    return library


LIBRARY: dict[str, IndicatorDef] = collect(MODULES)

_JOINTS: tuple[JointQuery, ...] = tuple(
    j for module in MODULES for j in getattr(module, "JOINT_QUERIES", ())
)
#: Indicators whose sums one query computes together when all of them are asked for
#: (compute_indicators; the query: JOINT_SUMS). Their Σ b is 0.
JOINT_QUERIES: tuple[tuple[str, ...], ...] = tuple(j.members for j in _JOINTS)
#: The query of each of JOINT_QUERIES: staff_id, key and a_<i> per id in order (b is 0).
JOINT_SUMS: dict[tuple[str, ...], Callable[[Context], Any]] = {j.members: j.sums for j in _JOINTS}
