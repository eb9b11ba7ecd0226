"""The demo's goals story (一人一表): the case RM's team leader proposes this year's
sheet from the card's default per-person targets, so the RM's login finds a sheet to
accept or comment on, and the branch manager's desk one to approve after that. And its
innovation proposals (创新建议): the RM submits three, the team leader adopts one and
rejects one, so My proposals, the review queue and the decided list are not empty."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rmperf.core.access import staff_of
from rmperf.engine.scoring.policy import BandsLine, RatioLine, TargetSource
from rmperf.org.models import Staff
from rmperf.performance.models import InnovationProposal, TargetSheet
from rmperf.performance.proposals import proposal_decide, proposal_submit
from rmperf.performance.selectors import scorecards_current
from rmperf.performance.services.goals import TargetInput, staff_card_name
from rmperf.performance.services.periods import PerformanceError
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


#: The demo RM's innovation proposals (创新建议): title, description and what the team
#: leader decides (True adopts, False rejects, None leaves it in the review queue).
DEMO_PROPOSALS: tuple[tuple[str, str, bool | None, str], ...] = (
    (
        "周六网点理财咨询台",
        "周六上午在网点大堂设理财咨询台，由客户经理轮值，接待平日没空来行的上班族客户。",
        True,
        "采纳：下月起试行三个月，按到访与开户情况评估。",
    ),
    (
        "到期提醒短信模板统一",
        "理财与定期到期前七天统一发送提醒短信，附客户经理姓名与电话，减少到期资金流失。",
        False,
        "暂不采纳：到期提醒已由总行统一发送，另发短信需合规审批。",
    ),
    (
        "沉睡客户唤醒话术库",
        "把本组唤醒沉睡客户的有效话术整理成库，按客户层级分类，新入职客户经理可直接使用。",
        None,
        "",
    ),
)


@dataclass(frozen=True)
class ProposalStory:
    """What the demo recorded: the proposals, and a refusal it reports instead of
    stopping (e.g. today falls in a closed period)."""

    proposals: list[InnovationProposal]
    refusal: str | None = None


def demo_proposals_story(*, rm: Any, leader: Any) -> ProposalStory:
    """The RM submits DEMO_PROPOSALS through the service and the team leader adopts one
    and rejects one with a note, the third left in the review queue; once (nothing when
    the RM has a proposal already)."""
    staff = staff_of(rm)
    if staff is None or InnovationProposal.objects.filter(staff=staff).exists():
        return ProposalStory([])
    made: list[InnovationProposal] = []
    try:
        for title, description, adopt, note in DEMO_PROPOSALS:
            proposal = proposal_submit(actor=rm, title=title, description=description)
            if adopt is not None:
                proposal = proposal_decide(
                    actor=leader, proposal_id=proposal.pk, adopt=adopt, note=note
                )
            made.append(proposal)
    except PerformanceError as exc:
        return ProposalStory(made, refusal=str(exc))
    return ProposalStory(made)
