"""The 述职 panel on the persona bank: who may sit (conflicts refused with the reason),
its size, the privacy of the scores (service, page and API), the close and its fill."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.http import Http404
from django.test import Client

from rmperf.core.models import AuditEvent
from rmperf.performance.models import ManualPanelScore
from rmperf.reviews.models import ReviewStatus
from rmperf.reviews.selectors import review_view
from rmperf.reviews.services import (
    ReviewError,
    panel_appoint,
    panel_close,
    panel_conflict_declare,
    panel_score_enter,
)
from tests.factories import Bank, make_staff
from tests.reviews.helpers import (
    REVIEWS_NO_DIRECT_MANAGER,
    activate_reviews_policy,
    extra_members,
    submitted_review,
    user,
)

pytestmark = pytest.mark.django_db


def _appoint(bank: Bank, review_id: int, *staff_ids: str, by: str = "hannah") -> None:
    for staff_id in staff_ids:
        panel_appoint(actor=user(bank, by), review_id=review_id, member_id=staff_id)


def _client(bank: Bank, persona: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user(bank, persona))
    return client


def test_the_rm_and_people_who_report_to_them_are_refused(bank: Bank) -> None:
    review = submitted_review(bank)
    with pytest.raises(ReviewError, match="Alice An is the RM under review"):
        _appoint(bank, review.pk, "S-ALICE")
    # A teller in the RM's own team reports to the RM (and may not sit anyway).
    make_staff(staff_id="S-TINY", name="Tiny Teller", role="teller", unit=bank.team_a1)
    with pytest.raises(ReviewError, match="Tiny Teller reports to the RM"):
        _appoint(bank, review.pk, "S-TINY")
    with pytest.raises(ReviewError, match="A Teller may not sit on a panel"):
        _appoint(bank, review.pk, "S-TERRY")
    with pytest.raises(ReviewError, match="A Relationship manager may not sit"):
        _appoint(bank, review.pk, "S-CAROL")


def test_the_direct_manager_is_refused_when_the_policy_says_so(bank: Bank) -> None:
    review = submitted_review(bank)
    activate_reviews_policy(REVIEWS_NO_DIRECT_MANAGER)
    with pytest.raises(ReviewError, match="Tina Tang is the RM's direct manager"):
        _appoint(bank, review.pk, "S-TINA")
    _appoint(bank, review.pk, "S-MIKE")  # the branch manager is not the direct manager


def test_the_direct_manager_sits_under_the_shipped_policy(bank: Bank) -> None:
    review = submitted_review(bank)
    _appoint(bank, review.pk, "S-TINA")
    assert review.members.filter(member_id="S-TINA").exists()


def test_a_declared_conflict_is_refused_with_its_reason(bank: Bank) -> None:
    extra_members(bank)
    review = submitted_review(bank)
    _appoint(bank, review.pk, "S-TOM")
    panel_score_enter(actor=user(bank, "tom"), review_id=review.pk, score="75", comment="ok")
    panel_conflict_declare(actor=user(bank, "tom"), review_id=review.pk, reason="她是我表妹")
    # The score he gave is withdrawn (audited with its value).
    assert not review.scores.filter(member_id="S-TOM").exists()
    event = AuditEvent.objects.get(verb="reviews.panel.conflict")
    assert event.before == {"score": "75.00", "comment": "ok"}
    with pytest.raises(ReviewError, match="Tom Tu declared a conflict of interest: 她是我表妹"):
        _appoint(bank, review.pk, "S-TOM")
    with pytest.raises(ReviewError, match="You declared a conflict of interest"):
        panel_score_enter(actor=user(bank, "tom"), review_id=review.pk, score="80", comment="x")


def test_appointing_is_for_hr_and_the_rms_branch_manager(bank: Bank) -> None:
    review = submitted_review(bank)
    _appoint(bank, review.pk, "S-TINA", by="mike")
    for outsider in ("tina", "alice", "carol", "audrey"):
        with pytest.raises(Http404):
            _appoint(bank, review.pk, "S-HANNAH", by=outsider)


def test_the_panel_needs_three_members_without_a_conflict(bank: Bank) -> None:
    extra_members(bank)
    review = submitted_review(bank)
    _appoint(bank, review.pk, "S-TINA", "S-MIKE", "S-TOM")
    panel_conflict_declare(actor=user(bank, "tom"), review_id=review.pk, reason="friends")
    for who, score in (("tina", "80"), ("mike", "90")):
        panel_score_enter(actor=user(bank, who), review_id=review.pk, score=score, comment="c")
    with pytest.raises(ReviewError, match="has 2 members without a conflict; it needs at least 3"):
        panel_close(actor=user(bank, "hannah"), review_id=review.pk, period_key="2026Q3")
    _appoint(bank, review.pk, "S-HANNAH")
    with pytest.raises(ReviewError, match=r"waiting for: S-HANNAH"):
        panel_close(actor=user(bank, "hannah"), review_id=review.pk, period_key="2026Q3")
    panel_score_enter(actor=user(bank, "hannah"), review_id=review.pk, score="85", comment="c")
    closed = panel_close(actor=user(bank, "hannah"), review_id=review.pk, period_key="2026Q3")
    # (80 + 90 + 85) ÷ 3 = 255 ÷ 3 = 85.00
    assert (closed.status, closed.score) == (ReviewStatus.CLOSED, Decimal("85.00"))


def test_closing_five_scores_trims_and_fills_the_line(bank: Bank) -> None:
    extra_members(bank)
    review = submitted_review(bank)
    scores = {"tina": "90", "mike": "70", "hannah": "70", "tom": "80", "helen": "100"}
    _appoint(bank, review.pk, "S-TINA", "S-MIKE", "S-HANNAH", "S-TOM", "S-HELEN")
    for who, score in scores.items():
        panel_score_enter(actor=user(bank, who), review_id=review.pk, score=score, comment="c")
    with pytest.raises(ReviewError, match="2026Q4 is not an open period this 述职 may fill"):
        panel_close(actor=user(bank, "mike"), review_id=review.pk, period_key="2026Q4")
    closed = panel_close(actor=user(bank, "mike"), review_id=review.pk, period_key="2026q3")
    # 70, 70, 80, 90, 100: drop one 70 and the 100 → (70 + 80 + 90) ÷ 3 = 80.00
    assert closed.score == Decimal("80.00")
    assert closed.counted == ["70.00", "80.00", "90.00"]
    fill = ManualPanelScore.objects.get(period__key="2026Q3", staff_id="S-ALICE")
    assert (fill.key, fill.score) == ("self_review", Decimal("80.00"))
    assert fill.source_url == f"/reviews/self/{review.pk}/"
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"reviews.panel.close", "performance.manual.panel", "reviews.panel.score"} <= verbs
    close = AuditEvent.objects.get(verb="reviews.panel.close")
    assert close.after["score"] == "80.00" and close.after["period"] == "2026Q3"
    # After the close nobody scores any more.
    with pytest.raises(ReviewError, match="submitted report only"):
        panel_score_enter(actor=user(bank, "tina"), review_id=review.pk, score="1", comment="c")


def test_members_do_not_see_each_others_scores_before_the_close(bank: Bank) -> None:
    review = submitted_review(bank)
    _appoint(bank, review.pk, "S-TINA", "S-MIKE", "S-HANNAH")
    panel_score_enter(actor=user(bank, "tina"), review_id=review.pk, score="71.37", comment="t")
    panel_score_enter(actor=user(bank, "hannah"), review_id=review.pk, score="88.12", comment="h")
    # HR's scope is bank-wide, and still she reads only her own score.
    seats = {s.member.staff_id: s for s in review_view(actor=user(bank, "hannah"),
                                                        review_id=review.pk).seats}  # fmt: skip
    assert seats["S-HANNAH"].score == Decimal("88.12")
    assert (seats["S-TINA"].scored, seats["S-TINA"].score) == (True, None)
    assert (seats["S-MIKE"].scored, seats["S-MIKE"].score) == (False, None)
    for persona, hidden in (("hannah", "71.37"), ("tina", "88.12"), ("mike", "71.37"),
                            ("alice", "71.37")):  # fmt: skip
        page = _client(bank, persona).get(f"/reviews/self/{review.pk}/")
        assert page.status_code == 200
        assert hidden not in page.content.decode()
        api = _client(bank, persona).get(f"/api/reviews/self/{review.pk}")
        assert api.status_code == 200
        panel = {p["member_id"]: p for p in api.json()["panel"]}
        assert all(
            p["score"] is None for m, p in panel.items() if m != user(bank, persona).staff.staff_id
        )
    mine = _client(bank, "tina").get(f"/api/reviews/self/{review.pk}").json()
    assert {p["member_id"]: p["score"] for p in mine["panel"]}["S-TINA"] == "71.37"
    # After the close everyone in scope reads them all, with names.
    panel_score_enter(actor=user(bank, "mike"), review_id=review.pk, score="80", comment="m")
    panel_close(actor=user(bank, "hannah"), review_id=review.pk, period_key="2026Q3")
    for persona in ("hannah", "tina", "mike", "alice"):
        api = _client(bank, persona).get(f"/api/reviews/self/{review.pk}").json()
        assert {p["member_id"]: p["score"] for p in api["panel"]} == {
            "S-TINA": "71.37", "S-MIKE": "80.00", "S-HANNAH": "88.12",
        }  # fmt: skip
        # (71.37 + 80 + 88.12) ÷ 3 = 239.49 ÷ 3 = 79.83
        assert api["score"] == "79.83"


def test_out_of_scope_is_404_by_page_and_api(bank: Bank) -> None:
    review = submitted_review(bank)
    for persona in ("bob", "carol", "terry", "nostaff"):
        client = _client(bank, persona)
        assert client.get(f"/reviews/self/{review.pk}/").status_code == 404
        assert client.get(f"/api/reviews/self/{review.pk}").status_code == 404
        assert client.post(
            f"/api/reviews/self/{review.pk}/score",
            data=json.dumps({"score": "80", "comment": "x"}),
            content_type="application/json",
        ).status_code == 404  # fmt: skip
    assert Client().get(f"/api/reviews/self/{review.pk}").status_code == 401


def test_a_member_scores_through_the_api(bank: Bank) -> None:
    review = submitted_review(bank)
    _appoint(bank, review.pk, "S-TINA")
    client = _client(bank, "tina")
    url = f"/api/reviews/self/{review.pk}/score"
    bad = client.post(url, data=json.dumps({"score": "101", "comment": "x"}),
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 422
    assert "from 0 to 100" in bad.json()["message"]
    good = client.post(url, data=json.dumps({"score": "82.5", "comment": "清楚"}),
                       content_type="application/json")  # fmt: skip
    assert good.status_code == 200
    assert good.json()["score"] == "82.50"
    # A person in scope but not on the panel cannot score.
    other = _client(bank, "mike").post(url, data=json.dumps({"score": "80", "comment": "x"}),
                                       content_type="application/json")  # fmt: skip
    assert other.status_code == 404
