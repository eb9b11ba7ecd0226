"""The demo's team rhythm story, its goal sheet's per-person weights and its innovation
proposals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from rmperf.core.models import AuditEvent
from rmperf.org.models import Staff
from rmperf.performance.demo import DEMO_PROPOSALS, demo_goals_story, demo_proposals_story
from rmperf.performance.models import InnovationProposal, ProposalStatus
from rmperf.performance.proposals import proposals_review_queue
from rmperf.teams.demo import demo_team_rhythm
from rmperf.teams.models import Board, CheckIn, Training
from tests.teams.helpers import board_lake, build_small


def test_the_demo_sheet_uses_the_retail_cards_weight_ranges(db: None) -> None:
    small = build_small()
    Staff.objects.filter(pk="RM1").update(business_line="retail")
    sheet = demo_goals_story(leader=small.tl1.user, rm_staff_id="RM1")
    assert sheet is not None
    # The shipped retail card: wealth_sales and insurance_sales weigh 5 each, range 2–8;
    # the demo moves 2 points: 5 + 2 = 7 and 5 − 2 = 3 (the card still sums to 100).
    weights = {ln.indicator: ln.weight for ln in sheet.lines.all() if ln.weight is not None}
    assert weights == {"wealth_sales": Decimal("7.00"), "insurance_sales": Decimal("3.00")}


def test_the_demo_fills_the_boards_a_checkin_and_a_training(
    db: None, tmp_path: Path, settings: object
) -> None:
    settings.RMPERF_LAKE_DIR = str(board_lake(tmp_path / "lake"))  # type: ignore[attr-defined]
    small = build_small()
    story = demo_team_rhythm(leader=small.tl1.user, hr=small.hr.user, rm_staff_id="RM1")
    assert story.daily.notes and story.weekly.notes
    assert story.weekly.day.weekday() == 0
    assert story.checkin is not None and story.training is not None
    # Once a day: a second run refills the boards, adds no check-in or training.
    again = demo_team_rhythm(leader=small.tl1.user, hr=small.hr.user, rm_staff_id="RM1")
    assert again.checkin is None and again.training is None
    assert (Board.objects.count(), CheckIn.objects.count(), Training.objects.count()) == (2, 1, 1)
    assert AuditEvent.objects.filter(verb="teams.board.fill").count() == 4


def test_the_demo_records_proposals_through_the_service(db: None) -> None:
    small = build_small()
    assert small.rm1.user is not None and small.tl1.user is not None
    story = demo_proposals_story(rm=small.rm1.user, leader=small.tl1.user)
    assert story.refusal is None
    # Three of RM1's: the first adopted and the second rejected by TL1 with the note, the
    # third waiting in TL1's review queue.
    got = [(p.title, p.status, p.reviewer_id, p.decision_note) for p in story.proposals]
    assert got == [
        (DEMO_PROPOSALS[0][0], ProposalStatus.ADOPTED, "TL1", DEMO_PROPOSALS[0][3]),
        (DEMO_PROPOSALS[1][0], ProposalStatus.REJECTED, "TL1", DEMO_PROPOSALS[1][3]),
        (DEMO_PROPOSALS[2][0], ProposalStatus.SUBMITTED, None, ""),
    ]
    assert [p.title for p in proposals_review_queue(actor=small.tl1.user)] == [DEMO_PROPOSALS[2][0]]
    verbs = sorted(
        AuditEvent.objects.filter(object_type="performance.proposal").values_list("verb", flat=True)
    )
    assert verbs == [
        "performance.proposal.adopt",
        "performance.proposal.reject",
        "performance.proposal.submit",
        "performance.proposal.submit",
        "performance.proposal.submit",
    ]
    # The pages show them: the RM's list and the leader's queue.
    mine = small.client(small.rm1).get("/performance/proposals/").content.decode()
    assert all(title in mine for title, *_rest in DEMO_PROPOSALS)
    queue = small.client(small.tl1).get("/performance/proposals/review/").content.decode()
    assert DEMO_PROPOSALS[2][0] in queue
    # Once: a second run records nothing.
    again = demo_proposals_story(rm=small.rm1.user, leader=small.tl1.user)
    assert again.proposals == [] and InnovationProposal.objects.count() == 3
