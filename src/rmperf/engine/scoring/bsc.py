"""The balanced scorecard (DOMAIN §5): which of the four perspectives a card line is in.

In order, the first that applies:
1. the card's `perspectives` entry for the line (line id → perspective);
2. the indicator's own perspective in the indicator library (docs/indicators.md);
3. for a manual line (no indicator), its category: business → financial, social →
   customer, compliance and risk → process, development → learning
   (`CATEGORY_PERSPECTIVE`);
4. otherwise `process`.
"""

from __future__ import annotations

from typing import get_args

from rmperf.engine.scoring.library import Library
from rmperf.engine.scoring.policy import AnyLine, ManualLine, Perspective, Scorecard

PERSPECTIVES: tuple[Perspective, ...] = get_args(Perspective)
CATEGORY_PERSPECTIVE: dict[str, Perspective] = {
    "business": "financial",
    "social": "customer",
    "compliance": "process",
    "risk": "process",
    "development": "learning",
}
FALLBACK: Perspective = "process"


def line_perspective(
    card: Scorecard | None, line_key: str, indicator: str, library: Library
) -> str:
    """The perspective of a card's line, by the module's order of rules. Without the card
    (a result whose run did not store its cards), rules 2 and 4 only."""
    if card is not None and line_key in card.perspectives:
        return card.perspectives[line_key]
    info = library.get(indicator)
    own = getattr(info, "perspective", None) if info is not None else None
    if own in PERSPECTIVES:
        return str(own)
    line: AnyLine | None = None
    if card is not None:
        line = next((ln for ln in card.lines if ln.key == line_key), None)
    if isinstance(line, ManualLine):
        return CATEGORY_PERSPECTIVE.get(line.category, FALLBACK)
    return FALLBACK
