"""Manual (qualitative) scores feeding runs: the self-review panel (述职), peers' 360
feedback and the risk department's score, on the hand-built lake (conftest.py).

The golden card (MANUAL_CARD): deposit growth 50 (ratio, quarter target 300,000),
complaints 20 (deduction), self_review 20 (manual, the panel), peer_feedback 10 (manual,
peers). Q3 2026, worked by hand:

- RM1: growth 1 → 50 × 1 = 50.00; complaints 20.00; panel BM1 80, TL1 90, HR1 85 →
  (80 + 90 + 85) ÷ 3 = 85.00 → share 0.85 → 20 × 0.85 = 17.00; peer RM2 70 → 70.00 →
  10 × 0.70 = 7.00. Total 94.00, outstanding.
- RM2: no manual score → both manual lines left out, the used weight is 70: growth
  50 × 100 ÷ 70 = 71.4286 (4 places) × 0.5 = 35.7143 → 35.71; complaints 20 × 100 ÷ 70 =
  28.5714 × 1 → 28.57. Total 64.28, competent.
- RM3: panel BM2 80.25, HR1 80.00 → 160.25 ÷ 2 = 80.125 → 80.13 (half up; half-even
  would give 80.12) → share 0.8013; no peer → used weight 90: growth 55.5556 × 0 = 0.00;
  complaints 22.2222 × 1 = 22.22; panel 22.2222 × 0.8013 = 17.8066… → 17.81. Base
  40.03, bonus 1.00 (one certification), total 41.03, not competent.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.http import Http404
from django.test import Client

from rmperf.core.models import AuditEvent
from rmperf.performance.manual_selectors import manual_csv, manual_feed, manual_mean
from rmperf.performance.models import LineResult, ManualReviewer, ManualScore, RmResult
from rmperf.performance.services.calibration import period_confirm_calibration
from rmperf.performance.services.chain import chain_verify, period_close
from rmperf.performance.services.manual import (
    manual_reviewer_appoint,
    manual_reviewer_remove,
    manual_score_enter,
)
from rmperf.performance.services.periods import PerformanceError, period_open
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db

MANUAL_CARD = """\
name: test_retail
names: {zh: 测试零售, en: test retail}
applies_to: {business_line: retail}
min_compliance_risk_share: 0
lines:
  - indicator: deposit_avg_growth
    weight: 50
    method: ratio
    target: {source: per_person, basis: annual, value: "1200000"}
  - {indicator: complaints, weight: 20, method: deduction, per_occurrence: "5"}
  - {id: self_review, manual: self_review, category: development, weight: 20, method: manual}
  - {id: peer_feedback, manual: peer_feedback, category: development, weight: 10, method: manual}
adjustments:
  - {id: certifications, kind: bonus, indicator: certifications, per_unit: "1", max: "2"}
bonus_cap: "2"
rating:
  bands:
    - {tier: outstanding, min: 90, max: 102}
    - {tier: good, min: 75, max: 90}
    - {tier: competent, min: 60, max: 75}
    - {tier: not_competent, min: 0, max: 60}
  forced_distribution:
    caps: [{tier: outstanding, max_share: "0.67"}]
"""
RISK_CARD = MANUAL_CARD.replace(
    "  - {id: peer_feedback, manual: peer_feedback, category: development, weight: 10, "
    "method: manual}",
    "  - {id: risk_due_diligence, manual: risk_due_diligence, category: risk, weight: 10, "
    "method: manual, when_undefined: zero}",
)


@pytest.fixture
def manual_bank(perf_bank: PerfBank, swap_cards: Callable[[str], Path]) -> PerfBank:
    swap_cards(MANUAL_CARD)
    period_open(actor=None, key="2026Q3")
    return perf_bank


def _score(bank: PerfBank, who: str, rm: str, key: str, score: str, comment: str = "ok") -> None:
    manual_score_enter(
        actor=bank.users[who], key="2026Q3", staff_id=rm, manual_key=key, score=score,
        comment=comment,
    )  # fmt: skip


def _appoint(bank: PerfBank, who: str, rm: str, key: str, reviewer: str) -> None:
    manual_reviewer_appoint(
        actor=bank.users[who], key="2026Q3", staff_id=rm, manual_key=key, reviewer_id=reviewer
    )


def _golden_scores(bank: PerfBank) -> None:
    _score(bank, "bm1", "RM1", "self_review", "80", "清晰的述职")  # by right
    _appoint(bank, "bm1", "RM1", "self_review", "TL1")
    _score(bank, "tl1", "RM1", "self_review", "90")
    _appoint(bank, "hr1", "RM1", "self_review", "HR1")
    _score(bank, "hr1", "RM1", "self_review", "85")
    _appoint(bank, "bm1", "RM1", "peer_feedback", "RM2")
    _score(bank, "rm2", "RM1", "peer_feedback", "70", "helpful colleague")
    _score(bank, "bm2", "RM3", "self_review", "80.25")
    _appoint(bank, "hr1", "RM3", "self_review", "HR1")
    _score(bank, "hr1", "RM3", "self_review", "80.00")


def test_the_panel_mean_is_rounded_half_up_to_two_places() -> None:
    assert manual_mean([Decimal("80"), Decimal("90"), Decimal("85")]) == Decimal("85.00")
    assert manual_mean([Decimal("80.25"), Decimal("80.00")]) == Decimal("80.13")
    assert manual_mean([Decimal("70"), Decimal("75"), Decimal("76")]) == Decimal("73.67")
    rows = [["RM1", "self_review", "BM1", "80.25"], ["RM1", "self_review", "TL1", "80.00"]]
    assert manual_csv(rows, "2026Q3") == (
        "staff_id,key,score,period\nRM1,self_review,80.13,2026Q3\n"
    )


def test_golden_manual_scores_feed_the_run(manual_bank: PerfBank) -> None:
    bare = period_run(actor=None, key="2026Q3")
    _golden_scores(manual_bank)
    feed = manual_feed(period_key="2026Q3")
    assert dict(feed.scores.scores) == {
        ("RM1", "self_review"): Decimal("85.00"),
        ("RM1", "peer_feedback"): Decimal("70.00"),
        ("RM3", "self_review"): Decimal("80.13"),
    }
    assert feed.entries == 6
    run = period_run(actor=manual_bank.users["hr1"], key="2026Q3")
    totals = {
        r.staff_id: (r.base, r.total, r.tier) for r in RmResult.objects.filter(period=run.period)
    }
    assert totals == {
        "RM1": (Decimal("94.00"), Decimal("94.00"), "outstanding"),
        "RM2": (Decimal("64.28"), Decimal("64.28"), "competent"),
        "RM3": (Decimal("40.03"), Decimal("41.03"), "not_competent"),
    }
    line = {
        (ln.result.staff_id, ln.line): ln
        for ln in LineResult.objects.filter(method="manual").select_related("result")
    }
    rm1 = line[("RM1", "self_review")]
    assert (rm1.value, rm1.share, rm1.effective_weight, rm1.points) == (
        Decimal("85.000000"), Decimal("0.8500"), Decimal("20.0000"), Decimal("17.00"),
    )  # fmt: skip
    assert line[("RM1", "peer_feedback")].points == Decimal("7.00")
    rm3 = line[("RM3", "self_review")]
    assert (rm3.value, rm3.effective_weight, rm3.points) == (
        Decimal("80.130000"), Decimal("22.2222"), Decimal("17.81"),
    )  # fmt: skip
    assert line[("RM2", "self_review")].value is None
    assert not line[("RM2", "self_review")].used
    # The manual entries are part of the run's inputs: a different digest than without.
    assert run.manual_digest == feed.digest != ""
    assert run.inputs_digest != bare.inputs_digest
    assert bare.manual_digest == ""
    event = AuditEvent.objects.filter(verb="performance.period.run").order_by("-seq").first()
    assert event is not None
    assert event.after["manual_digest"] == run.manual_digest
    assert event.after["manual_entries"] == 6


def test_a_changed_score_changes_the_inputs_digest(manual_bank: PerfBank) -> None:
    _golden_scores(manual_bank)
    first = period_run(actor=None, key="2026Q3")
    assert period_run(actor=None, key="2026Q3").inputs_digest == first.inputs_digest
    _score(manual_bank, "tl1", "RM1", "self_review", "60", "second thoughts")
    assert ManualScore.objects.get(staff_id="RM1", reviewer_id="TL1").score == Decimal("60.00")
    again = period_run(actor=None, key="2026Q3")
    assert again.inputs_digest != first.inputs_digest
    # (80 + 60 + 85) ÷ 3 = 75.00 → 20 × 0.75 = 15.00; 50 + 20 + 15 + 7 = 92.00
    assert RmResult.objects.get(staff_id="RM1", period__key="2026Q3").total == Decimal("92.00")
    before, after = (
        AuditEvent.objects.filter(verb="performance.manual.score", object_id__endswith="/TL1")
        .order_by("seq")
        .values_list("before", "after")[1]
    )
    assert (before["score"], after["score"]) == ("90.00", "60.00")


def test_an_undefined_zero_line_counts_as_zero(
    perf_bank: PerfBank, swap_cards: Callable[[str], Path]
) -> None:
    # RISK_CARD: the risk line (weight 10) says when_undefined: zero. RM2 has no manual
    # score at all: self_review (20) is left out, the risk line counts with 0 points;
    # used weight 80: growth 50 × 100 ÷ 80 = 62.5 × 0.5 = 31.25; complaints 25 × 1 =
    # 25.00; risk 12.5 × 0 = 0.00 → 56.25.
    swap_cards(RISK_CARD)
    period_open(actor=None, key="2026Q3")
    _appoint(perf_bank, "bm1", "RM1", "risk_due_diligence", "RO1")
    _score(perf_bank, "ro1", "RM1", "risk_due_diligence", "95", "贷前调查真实")
    period_run(actor=None, key="2026Q3")
    rm2 = RmResult.objects.get(staff_id="RM2")
    assert rm2.total == Decimal("56.25")
    risk = rm2.lines.get(line="risk_due_diligence")
    assert (risk.used, risk.points) == (True, Decimal("0.00"))
    # RM1: 50 + 20 + (no panel: 20 left out → used 80) … growth 62.5 × 1 = 62.50,
    # complaints 25.00, risk 12.5 × 0.95 = 11.875 → 11.88: 99.38.
    assert RmResult.objects.get(staff_id="RM1").total == Decimal("99.38")


def test_who_may_score_and_appoint(manual_bank: PerfBank) -> None:
    users = manual_bank.users
    # Nobody scores themself: not by appointment, not by a seat.
    with pytest.raises(PerformanceError, match="Nobody scores themself"):
        _appoint(manual_bank, "hr1", "RM1", "peer_feedback", "RM1")
    with pytest.raises(Http404):
        _score(manual_bank, "rm1", "RM1", "self_review", "100")
    # Without a seat: a teller, a team leader, another branch's manager.
    for who in ("te1", "tl1", "bm2", "rm2"):
        with pytest.raises(Http404):
            _score(manual_bank, who, "RM1", "self_review", "50")
    # The branch manager sits on the panel by right, not on the peers' key.
    with pytest.raises(Http404):
        _score(manual_bank, "bm1", "RM1", "peer_feedback", "50")
    # Appointing: HR and the RM's branch manager; the reviewer in their scope and of a
    # role fitting the key.
    for who in ("tl1", "rm2", "bm2", "te1", "ro1"):
        with pytest.raises(Http404):
            _appoint(manual_bank, who, "RM1", "self_review", "TL1")
    with pytest.raises(PerformanceError, match="not a member of staff in your scope"):
        _appoint(manual_bank, "bm1", "RM1", "self_review", "BM2")
    with pytest.raises(PerformanceError, match="cannot give"):
        _appoint(manual_bank, "bm1", "RM1", "peer_feedback", "TE1")
    with pytest.raises(PerformanceError, match="cannot give"):
        _appoint(manual_bank, "bm1", "RM1", "self_review", "RM2")
    with pytest.raises(PerformanceError, match="not a manual score on the scorecards"):
        _appoint(manual_bank, "bm1", "RM1", "risk_due_diligence", "RO1")
    # Bad scores are named, not coerced.
    with pytest.raises(PerformanceError, match="from 0 to 100"):
        _score(manual_bank, "bm1", "RM1", "self_review", "101")
    with pytest.raises(PerformanceError, match="not a number"):
        _score(manual_bank, "bm1", "RM1", "self_review", "eighty")
    with pytest.raises(PerformanceError, match="more than two decimals"):
        _score(manual_bank, "bm1", "RM1", "self_review", "80.125")
    with pytest.raises(PerformanceError, match="needs a comment"):
        _score(manual_bank, "bm1", "RM1", "self_review", "80", comment=" ")
    assert not ManualScore.objects.exists()
    assert users  # the personas exist


def test_removing_a_reviewer_removes_their_score(manual_bank: PerfBank) -> None:
    _appoint(manual_bank, "bm1", "RM1", "self_review", "TL1")
    _score(manual_bank, "tl1", "RM1", "self_review", "90")
    manual_reviewer_remove(
        actor=manual_bank.users["bm1"], key="2026Q3", staff_id="RM1",
        manual_key="self_review", reviewer_id="TL1",
    )  # fmt: skip
    assert not ManualScore.objects.exists()
    assert not ManualReviewer.objects.exists()
    event = AuditEvent.objects.get(verb="performance.manual.remove")
    assert event.before["score"] == "90.00"


def test_a_closed_period_refuses_scores_and_verify_covers_them(manual_bank: PerfBank) -> None:
    _golden_scores(manual_bank)
    period_run(actor=None, key="2026Q3")
    period_confirm_calibration(actor=None, key="2026Q3")
    period = period_close(actor=None, key="2026Q3")
    assert period.manual_digest == manual_feed(period_key="2026Q3").digest != ""
    assert chain_verify() == []
    with pytest.raises(PerformanceError, match="closed"):
        _score(manual_bank, "bm1", "RM1", "self_review", "10")
    # Someone edits a panel score in the database: the close no longer verifies, even
    # though the stored results did not move.
    ManualScore.objects.filter(staff_id="RM1", reviewer_id="TL1").update(score=Decimal("91"))
    assert chain_verify() == [
        "period 2026Q3: a manual score changed after the close",
        "period 2026Q3: its results do not match the close digest",
    ]


def test_read_only_writers_let_a_risk_officer_score_only_their_seat(
    perf_bank: PerfBank, swap_cards: Callable[[str], Path]
) -> None:
    swap_cards(RISK_CARD)
    period_open(actor=None, key="2026Q3")
    ro1 = perf_bank.users["ro1"]
    assert not ManualReviewer.objects.restrict(ro1, "add").exists()
    with pytest.raises(Http404):
        _score(perf_bank, "ro1", "RM1", "risk_due_diligence", "95")
    _appoint(perf_bank, "bm1", "RM1", "risk_due_diligence", "RO1")
    _score(perf_bank, "ro1", "RM1", "risk_due_diligence", "95", "贷前调查真实")
    # Still read-only everywhere else: no calibration, no result change.
    assert not RmResult.objects.restrict(ro1, "change").exists()
    assert ManualReviewer.objects.restrict(ro1, "change").count() == 1


def test_the_api_lists_my_seats_and_enters_scores(
    manual_bank: PerfBank, perf_client: Callable[[str], Client]
) -> None:
    import json

    def post(who: str, url: str, body: object) -> tuple[int, dict[str, object]]:
        r = perf_client(who).post(url, data=json.dumps(body), content_type="application/json")
        return r.status_code, r.json()

    _appoint(manual_bank, "bm1", "RM1", "peer_feedback", "RM2")
    mine = perf_client("rm2").get("/api/performance/2026Q3/manual/mine").json()
    assert [(m["staff_id"], m["key"], m["kind"], m["score"]) for m in mine] == [
        ("RM1", "peer_feedback", "peer", None)
    ]
    url = "/api/performance/2026Q3/staff/RM1/manual/peer_feedback"
    # Refusals name what is wrong; nothing is stored.
    status, out = post("rm2", url, {"score": "101", "comment": "great"})
    assert (status, out["message"]) == (422, "The score must be from 0 to 100, not 101.")
    status, out = post("rm2", url, {"score": "70.125", "comment": "great"})
    assert status == 422 and "more than two decimals" in str(out["message"])
    status, out = post("rm2", url, {"score": "70", "comment": " "})
    assert (status, out["message"]) == (422, "A score needs a comment.")
    status, out = post("rm2", url, {"comment": "no score"})
    assert (status, out["message"]) == (422, "Invalid request.")
    assert not ManualScore.objects.exists()
    # No seat: RM3 is not RM1's peer reviewer; RM1 never scores themself.
    assert post("rm3", url, {"score": "70", "comment": "x"})[0] == 404
    assert post("rm1", url, {"score": "70", "comment": "x"})[0] == 404
    status, out = post("rm2", url, {"score": "70", "comment": "helpful colleague"})
    assert status == 200
    assert (out["reviewer_id"], out["score"], out["kind"]) == ("RM2", "70.00", "peer")
    # A second entry replaces the first, and both are audited.
    assert post("rm2", url, {"score": 72.5, "comment": "on reflection"})[0] == 200
    entry = ManualScore.objects.get()
    assert (entry.score, entry.comment) == (Decimal("72.50"), "on reflection")
    assert AuditEvent.objects.filter(verb="performance.manual.score").count() == 2
    mine = perf_client("rm2").get("/api/performance/2026Q3/manual/mine").json()
    assert [(m["score"], m["comment"]) for m in mine] == [("72.50", "on reflection")]
    # A branch manager sits on the panel of their RMs by right.
    status, out = post(
        "bm1",
        "/api/performance/2026Q3/staff/RM1/manual/self_review",
        {"score": 80, "comment": "ok"},
    )
    assert (status, out["kind"]) == (200, "panel")
    # The scores feed the run as the pages' scores do.
    period_run(actor=manual_bank.users["hr1"], key="2026Q3")
    line = {
        ln.line: ln for ln in LineResult.objects.filter(method="manual", result__staff_id="RM1")
    }
    # Peer 72.50 → 10 × 0.725 = 7.25; panel 80 → 20 × 0.80 = 16.00.
    assert (line["peer_feedback"].value, line["peer_feedback"].points) == (
        Decimal("72.500000"), Decimal("7.25"),
    )  # fmt: skip
    assert (line["self_review"].value, line["self_review"].points) == (
        Decimal("80.000000"), Decimal("16.00"),
    )  # fmt: skip
