"""The demo's goals story (一人一表): the case RM's team leader proposes this year's
sheet from the card's default per-person targets, so the RM's login finds a sheet to
accept or comment on, and the branch manager's desk one to approve after that."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from rmperf.engine.scoring.policy import BandsLine, RatioLine, TargetSource
from rmperf.org.models import Staff
from rmperf.performance.models import TargetSheet
from rmperf.performance.selectors import scorecards_current
from rmperf.performance.services.goals import TargetInput, staff_card_name
from rmperf.performance.services.targets import target_sheet_propose

#: Points the demo's sheet moves between the first two lines with a weight_range.
SHIFT = 2


def demo_goals_story(*, leader: Any, rm_staff_id: str) -> TargetSheet | None:
    """Propose the RM's sheet for this year (once; None when there is one already or the
    RM's card has no per-person target)."""
    year = timezone.localdate().year
    if TargetSheet.objects.filter(staff_id=rm_staff_id, year=year).exists():
        return None
    staff = Staff.objects.get(pk=rm_staff_id)
    cards = scorecards_current()
    name = staff_card_name(staff, cards)
    if name is None:
        return None
    lines = []
    # The first two lines with a weight_range trade SHIFT points (一人一表's per-person
    # weights), so the sheet still sums to the card's 100.
    ranged = [ln for ln in cards[name].policy.lines if ln.weight_range is not None][:2]
    weights: dict[str, Decimal] = {}
    if len(ranged) == 2:
        (a, b), shift = ranged, Decimal(SHIFT)
        _a_lo, a_hi = a.weight_range or (a.weight, a.weight)
        b_lo, _b_hi = b.weight_range or (b.weight, b.weight)
        if a.weight + shift <= a_hi and b.weight - shift >= b_lo and a.indicator and b.indicator:
            weights = {a.indicator: a.weight + shift, b.indicator: b.weight - shift}
    for line in cards[name].policy.lines:
        spec = line.target if isinstance(line, RatioLine | BandsLine) else None
        if (
            spec is not None
            and spec.source is TargetSource.PER_PERSON
            and spec.value is not None
            and line.indicator is not None
        ):
            lines.append(
                TargetInput(line.indicator, spec.value, weight=weights.get(line.indicator))
            )
    if not lines:
        return None
    return target_sheet_propose(
        actor=leader,
        staff_id=rm_staff_id,
        year=year,
        lines=lines,
        note="demo: the team leader's proposal, for the RM to accept or comment on",
    )
