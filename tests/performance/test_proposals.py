"""Innovation proposals recorded in the app (performance/proposals.py): an RM submits,
the author's team leader or branch manager (or HR) adopts or rejects with a note, and a
period run counts the adopted ones beside the lake's `proposals` rows.

People (tests/lakebuilder.py, conftest.py): RM1, RM2 and TL1 in team TM1 of branch BR1
(BM1); RM3 in TM2 of BR2 (BM2); HR1 bank-wide; TE1 a teller.

The run, worked by hand for RM1 in 2026Q3 with a card of one line innovation_proposals
(weight 100, ratio, level target 2): the lake has LP1 adopted 2026-08-10 (counts 1) and
LP2 never adopted (0); the app has A1 adopted, decided 2026-09-15 (counts 1), A2
rejected (0) and A3 adopted but decided 2026-10-02, after the quarter (0).
innovation_proposals = 1 + 1 = 2 → completion 2 ÷ 2 = 1 → 100 × 1 = 100.00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rmperf.core.models import AuditEvent
from rmperf.lakes.services import lake_import
from rmperf.performance import proposals as prop
from rmperf.performance.models import InnovationProposal, LineResult, ProposalStatus, RmResult
from rmperf.performance.services.periods import PerformanceError
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import IMPORT_DAY, PerfBank, build_lake

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")

PROPOSAL_CARD = """\
name: test_retail
names: {zh: 测试零售, en: test retail}
applies_to: {business_line: retail}
min_compliance_risk_share: 0
lines:
  - indicator: innovation_proposals
    weight: 100
    method: ratio
    target: {basis: level, value: "2"}
rating:
  bands:
    - {tier: outstanding, min: 90, max: 100}
    - {tier: good, min: 75, max: 90}
    - {tier: competent, min: 60, max: 75}
    - {tier: not_competent, min: 0, max: 60}
"""


def _submit(bank: PerfBank, who: str, title: str) -> InnovationProposal:
    return prop.proposal_submit(actor=bank.users[who], title=title, description=f"{title}: why")


def _decided_on(proposal: InnovationProposal, day: dt.date) -> None:
    """Date the decision (made today by the service) on `day`, 10:00 in Shanghai."""
    at = dt.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    InnovationProposal.objects.filter(pk=proposal.pk).update(decided_at=at)


def test_the_run_counts_app_and_lake_proposals_as_computed_by_hand(
    perf_bank: PerfBank, swap_cards: Callable[[str], Path], tmp_path: Path
) -> None:
    b = build_lake()
    b.add(
        "proposals",
        {"proposal_id": "LP1", "staff_id": "RM1", "title": "网点预约", "submitted_on":
         "2026-07-01", "adopted_on": "2026-08-10", "reviewer_id": "TL1"},
        {"proposal_id": "LP2", "staff_id": "RM1", "title": "夜间值守", "submitted_on":
         "2026-07-02", "adopted_on": "", "reviewer_id": ""},
    )  # fmt: skip
    run = lake_import(actor=None, lake_dir=b.write(tmp_path / "lake"), today=IMPORT_DAY)
    assert run.status == "succeeded", run.problems
    swap_cards(PROPOSAL_CARD)
    tl1 = perf_bank.users["tl1"]
    a1 = _submit(perf_bank, "rm1", "A1")
    a2 = _submit(perf_bank, "rm1", "A2")
    a3 = _submit(perf_bank, "rm1", "A3")
    prop.proposal_decide(actor=tl1, proposal_id=a1.pk, adopt=True, note="good")
    prop.proposal_decide(actor=tl1, proposal_id=a2.pk, adopt=False, note="not now")
    prop.proposal_decide(actor=tl1, proposal_id=a3.pk, adopt=True, note="later")
    _decided_on(a1, dt.date(2026, 9, 15))
    _decided_on(a2, dt.date(2026, 9, 16))
    _decided_on(a3, dt.date(2026, 10, 2))

    scoring = period_run(actor=None, key="2026Q3")
    result = RmResult.objects.get(period__key="2026Q3", staff_id="RM1")
    line = LineResult.objects.get(result=result, indicator="innovation_proposals")
    assert line.value == Decimal(2)  # LP1 + A1
    assert result.total == Decimal("100.00")
    event = AuditEvent.objects.filter(verb="performance.period.run").latest("pk")
    assert event.after["app_proposals"] == 1
    assert scoring.inputs_digest  # the app's proposals are part of the inputs digest


def test_who_may_decide_and_the_refusals(perf_bank: PerfBank) -> None:
    users = perf_bank.users
    p = _submit(perf_bank, "rm1", "Queue-free lobby")
    assert p.status == ProposalStatus.SUBMITTED
    # Only RMs submit; a title and a description are required.
    with pytest.raises(PerformanceError, match="Only a relationship manager"):
        prop.proposal_submit(actor=users["te1"], title="t", description="d")
    with pytest.raises(PerformanceError, match="needs a title"):
        prop.proposal_submit(actor=users["rm1"], title="  ", description="d")
    with pytest.raises(PerformanceError, match="needs a description"):
        prop.proposal_submit(actor=users["rm1"], title="t", description="")
    # A peer, a branch manager of another branch: not their proposal to decide.
    with pytest.raises(PerformanceError, match="No such proposal"):
        prop.proposal_decide(actor=users["rm2"], proposal_id=p.pk, adopt=True, note="x")
    with pytest.raises(PerformanceError, match="No such proposal"):
        prop.proposal_decide(actor=users["bm2"], proposal_id=p.pk, adopt=True, note="x")
    with pytest.raises(PerformanceError, match="your own proposal"):
        prop.proposal_decide(actor=users["rm1"], proposal_id=p.pk, adopt=True, note="x")
    with pytest.raises(PerformanceError, match="needs a note"):
        prop.proposal_decide(actor=users["tl1"], proposal_id=p.pk, adopt=True, note=" ")
    # The risk officer of BR1 sees nothing to decide (read-only role, no reviewer).
    assert prop.proposals_review_queue(actor=users["ro1"]) == []
    assert [q.pk for q in prop.proposals_review_queue(actor=users["tl1"])] == [p.pk]
    assert [q.pk for q in prop.proposals_review_queue(actor=users["bm1"])] == [p.pk]
    assert [q.pk for q in prop.proposals_review_queue(actor=users["hr1"])] == [p.pk]
    assert prop.proposals_review_queue(actor=users["bm2"]) == []
    done = prop.proposal_decide(actor=users["bm1"], proposal_id=p.pk, adopt=False, note="cost")
    assert (done.status, done.reviewer_id, done.decision_note) == ("rejected", "BM1", "cost")
    assert done.decided_at is not None
    with pytest.raises(PerformanceError, match="already been decided"):
        prop.proposal_decide(actor=users["hr1"], proposal_id=p.pk, adopt=True, note="x")
    verbs = list(
        AuditEvent.objects.filter(object_type="performance.proposal", object_id=str(p.pk))
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["performance.proposal.submit", "performance.proposal.reject"]


def test_who_sees_which_proposals(perf_bank: PerfBank) -> None:
    users = perf_bank.users
    p1 = _submit(perf_bank, "rm1", "P1")
    p3 = _submit(perf_bank, "rm3", "P3")

    def seen(who: str) -> set[int]:
        return set(prop.proposals_visible(actor=users[who]).values_list("pk", flat=True))

    assert seen("rm1") == {p1.pk}
    assert seen("rm2") == set()
    assert seen("tl1") == {p1.pk}
    assert seen("bm2") == {p3.pk}
    assert seen("hr1") == {p1.pk, p3.pk}


def test_the_pages_submit_and_decide(perf_bank: PerfBank) -> None:
    rm1, tl1 = perf_bank.client("rm1"), perf_bank.client("tl1")
    index = rm1.get("/performance/")
    assert 'id="my-proposals"' in index.content.decode()
    page = rm1.post("/performance/proposals/", {"title": "", "description": "d"}, follow=True)
    assert "A proposal needs a title." in page.content.decode()
    page = rm1.post(
        "/performance/proposals/", {"title": "Saturday desk", "description": "Open Sat."},
        follow=True,
    )  # fmt: skip
    assert "Your proposal was submitted for review." in page.content.decode()
    p = InnovationProposal.objects.get(title="Saturday desk")
    assert 'id="review-proposals"' in tl1.get("/performance/").content.decode()
    queue = tl1.get("/performance/proposals/review/").content.decode()
    assert "Saturday desk" in queue
    assert rm1.get("/performance/proposals/review/").status_code == 404
    page = rm1.post(
        f"/performance/proposals/{p.pk}/decide/", {"action": "adopt", "note": "me"}, follow=True
    )
    assert "You cannot review your own proposal." in page.content.decode()
    # RM2 does not see RM1's proposal at all.
    rm2 = perf_bank.client("rm2")
    decide = f"/performance/proposals/{p.pk}/decide/"
    assert rm2.post(decide, {"action": "adopt", "note": "x"}).status_code == 404
    page = tl1.post(
        f"/performance/proposals/{p.pk}/decide/", {"action": "adopt", "note": "Try in Q4"},
        follow=True,
    )  # fmt: skip
    assert "The proposal was adopted." in page.content.decode()
    mine = rm1.get("/performance/proposals/").content.decode()
    assert "Adopted" in mine and "Try in Q4" in mine
