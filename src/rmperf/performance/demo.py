"""The demo's goals story (一人一表): the case RM's team leader proposes this year's
sheet from the card's default per-person targets, so the RM's login finds a sheet to
accept or comment on, and the branch manager's desk one to approve after that."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from rmperf.engine.scoring.policy import BandsLine, RatioLine, TargetSource
from rmperf.org.models import Staff
from rmperf.performance.models import TargetSheet
from rmperf.performance.selectors import scorecards_current
from rmperf.performance.services.goals import TargetInput, staff_card_name
from rmperf.performance.services.targets import target_sheet_propose


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
    for line in cards[name].policy.lines:
        spec = line.target if isinstance(line, RatioLine | BandsLine) else None
        if (
            spec is not None
            and spec.source is TargetSource.PER_PERSON
            and spec.value is not None
            and line.indicator is not None
        ):
            lines.append(TargetInput(line.indicator, spec.value))
    if not lines:
        return None
    return target_sheet_propose(
        actor=leader,
        staff_id=rm_staff_id,
        year=year,
        lines=lines,
        note="demo: the team leader's proposal, for the RM to accept or comment on",
    )
