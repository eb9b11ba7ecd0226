"""360 rounds on the persona bank (tests/feedback/helpers.py): who is invited, answering,
the anonymity threshold by every path (page, API, export), closing and what it records
for scoring. Scores by hand with the shipped policy (answers 1–5, three questions each):
score = (Σ answers − 3) × 100 ÷ 12, half up to 2 places.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.http import Http404
from django.test import Client

from rmperf.core.models import AuditEvent
from rmperf.engine.feedback import load_feedback_policy, response_score
from rmperf.feedback.models import FeedbackRound, Invitation, Response
from rmperf.feedback.services import FeedbackError, response_submit, round_close, round_open
from rmperf.performance.models import FeedbackEntry
from tests.factories import Bank
from tests.feedback.helpers import more_rms, round_in_alices_scope, user

PEER_Q = ("cooperation", "referrals", "professionalism")


def _answer(bank: Bank, who: str, reviewee: str, values: tuple[int, int, int]) -> Response:
    staff_id = user(bank, who).staff.staff_id
    inv = Invitation.objects.get(
        round__title="Q3 360", reviewer_id=staff_id, reviewee_id=reviewee, relation="peer"
    )
    return response_submit(
        actor=user(bank, who), invitation_id=inv.pk, answers=dict(zip(PEER_Q, values, strict=True))
    )


def _client(bank: Bank, who: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user(bank, who))
    return client


def test_response_score_by_hand() -> None:
    policy = load_feedback_policy().policy
    assert response_score(policy, {"a": 4, "b": 5, "c": 4}) == Decimal("83.33")  # 10 × 100 ÷ 12
    assert response_score(policy, {"a": 5, "b": 5, "c": 5}) == Decimal("100.00")
    assert response_score(policy, {"a": 1, "b": 1, "c": 1}) == Decimal("0.00")
    assert response_score(policy, {"a": 3, "b": 4, "c": 4}) == Decimal("66.67")  # 8 × 100 ÷ 12
    with pytest.raises(ValueError, match="outside the scale"):
        response_score(policy, {"a": 6})


@pytest.mark.django_db
def test_opening_invites_peers_of_the_branch_upward_and_self(bank: Bank) -> None:
    round_ = round_in_alices_scope(bank)
    got = set(
        Invitation.objects.filter(round=round_).values_list("reviewer", "reviewee", "relation")
    )
    rms = ("S-ALICE", "S-CAROL", "S-DAVE", "S-ERIN")
    peers = {(a, b, "peer") for a in rms for b in rms if a != b}
    selfs = {(a, a, "self") for a in rms}
    upward = {("S-ALICE", "S-TINA", "upward")}  # tina leads Team A1, alice's team
    assert got == peers | selfs | upward
    assert AuditEvent.objects.filter(verb="feedback.round.open").count() == 1
    # bob (Branch B) is in none of it, and an RM may not open a round.
    with pytest.raises(Http404):
        round_open(actor=bank.user("bob"), unit_id="BA", period="2026Q3", title="x")
    # mike may not open one over Branch B; a bad quarter is refused with the reason.
    with pytest.raises(Http404):
        round_open(actor=bank.user("mike"), unit_id="BB", period="2026Q3", title="x")
    with pytest.raises(FeedbackError, match="quarter"):
        round_open(actor=bank.user("mike"), unit_id="BA", period="2026-09", title="x")


@pytest.mark.django_db
def test_an_answer_is_checked_given_once_and_only_by_the_reviewer(bank: Bank) -> None:
    round_in_alices_scope(bank)
    inv = Invitation.objects.get(reviewer_id="S-CAROL", reviewee_id="S-ALICE", relation="peer")
    with pytest.raises(Http404):  # alice may not answer carol's invitation
        response_submit(actor=bank.user("alice"), invitation_id=inv.pk, answers={})
    with pytest.raises(FeedbackError, match="referrals"):
        response_submit(actor=bank.user("carol"), invitation_id=inv.pk, answers={"cooperation": 3})
    with pytest.raises(FeedbackError, match="between 1 and 5"):
        response_submit(
            actor=bank.user("carol"),
            invitation_id=inv.pk,
            answers={"cooperation": 9, "referrals": 3, "professionalism": 3},
        )
    assert not Response.objects.exists()  # nothing written by a refused answer
    r = _answer(bank, "carol", "S-ALICE", (4, 5, 4))
    assert r.score == Decimal("83.33")
    with pytest.raises(FeedbackError, match="already"):
        _answer(bank, "carol", "S-ALICE", (1, 1, 1))
    event = AuditEvent.objects.get(verb="feedback.response.submit")
    assert "83.33" not in json.dumps(event.after)  # the audit keeps no score


def _results_by_every_path(bank: Bank, who: str, round_id: int) -> tuple[str, dict, str]:
    client = _client(bank, who)
    page = client.get(f"/feedback/rounds/{round_id}/")
    api = client.get(f"/api/feedback/rounds/{round_id}/results")
    export = client.get(f"/feedback/rounds/{round_id}/results.csv")
    assert page.status_code == api.status_code == export.status_code == 200
    return page.content.decode(), api.json(), export.content.decode()


@pytest.mark.django_db
def test_two_responses_show_nothing_by_page_api_or_export(bank: Bank) -> None:
    round_ = round_in_alices_scope(bank)
    _answer(bank, "carol", "S-ALICE", (4, 5, 4))  # 83.33
    _answer(bank, "dave", "S-ALICE", (5, 5, 5))  # 100.00
    for who in ("alice", "mike", "hannah"):
        page, api, export = _results_by_every_path(bank, who, round_.pk)
        [row] = [r for r in api["results"] if r["staff_id"] == "S-ALICE"]
        assert row == {
            "staff_id": "S-ALICE", "name": "Alice An", "relation": "peer", "responses": 2,
            "shown": False, "score": None, "questions": None,
        }  # fmt: skip
        assert "S-ALICE,Alice An,peer,2,no,\r\n" in export
        for text in (page, export, json.dumps(api)):
            # Neither the scores, their mean ((83.33 + 100) ÷ 2 = 91.67), nor a reviewer.
            for hidden in ("83.33", "100.00", "91.67", "Carol Cao", "S-CAROL", "S-DAVE"):
                assert hidden not in text, (who, hidden)
        assert "Too few responses to show" in page


@pytest.mark.django_db
def test_three_responses_are_shown_without_names(bank: Bank) -> None:
    round_ = round_in_alices_scope(bank)
    _answer(bank, "carol", "S-ALICE", (4, 5, 4))  # 83.33
    _answer(bank, "dave", "S-ALICE", (5, 5, 5))  # 100.00
    _answer(bank, "erin", "S-ALICE", (4, 4, 4))  # 75.00
    # Mean (83.33 + 100 + 75) ÷ 3 = 258.33 ÷ 3 = 86.11; questions: cooperation
    # (4 + 5 + 4) ÷ 3 = 4.33, referrals (5 + 5 + 4) ÷ 3 = 4.67, professionalism 13 ÷ 3 = 4.33.
    for who in ("alice", "mike"):
        page, api, export = _results_by_every_path(bank, who, round_.pk)
        [row] = [r for r in api["results"] if r["staff_id"] == "S-ALICE"]
        assert row["responses"] == 3 and row["shown"] is True
        assert Decimal(row["score"]) == Decimal("86.11")
        assert {k: Decimal(v) for k, v in row["questions"].items()} == {
            "cooperation": Decimal("4.33"),
            "referrals": Decimal("4.67"),
            "professionalism": Decimal("4.33"),
        }
        assert "S-ALICE,Alice An,peer,3,yes,86.11\r\n" in export
        assert "86.11" in page
        for text in (page, export, json.dumps(api)):
            for name in ("Carol Cao", "S-CAROL", "Dave Du", "S-DAVE", "Erin E", "S-ERIN"):
                assert name not in text, (who, name)
    # alice sees only her own results; bob nothing of the round.
    _page, api, _export = _results_by_every_path(bank, "alice", round_.pk)
    assert {r["staff_id"] for r in api["results"]} == {"S-ALICE"}
    bob = _client(bank, "bob")
    assert bob.get(f"/feedback/rounds/{round_.pk}/").status_code == 404
    assert bob.get(f"/api/feedback/rounds/{round_.pk}/results").status_code == 404
    assert bob.get(f"/feedback/rounds/{round_.pk}/results.csv").status_code == 404


@pytest.mark.django_db
def test_answering_through_the_page_and_the_api(bank: Bank) -> None:
    round_in_alices_scope(bank)
    inv = Invitation.objects.get(reviewer_id="S-ALICE", reviewee_id="S-CAROL", relation="peer")
    alice = _client(bank, "alice")
    assert "cooperation" in alice.get(f"/feedback/invitations/{inv.pk}/").content.decode()
    got = alice.post(
        f"/feedback/invitations/{inv.pk}/",
        {"q_cooperation": "3", "q_referrals": "4", "q_professionalism": "4"},
    )
    assert got.status_code == 302
    assert Response.objects.get(invitation=inv).score == Decimal("66.67")  # 8 × 100 ÷ 12
    other = Invitation.objects.get(reviewer_id="S-ALICE", reviewee_id="S-DAVE", relation="peer")
    url = f"/api/feedback/invitations/{other.pk}/response"
    bad = alice.post(url, {"answers": {"cooperation": 0}}, content_type="application/json")
    assert bad.status_code == 422
    ok = alice.post(
        url,
        {"answers": {"cooperation": 5, "referrals": 5, "professionalism": 5}},
        content_type="application/json",
    )
    assert ok.status_code == 201 and Decimal(ok.json()["score"]) == Decimal("100.00")
    carol_inv = Invitation.objects.get(reviewer_id="S-CAROL", reviewee_id="S-DAVE", relation="peer")
    url = f"/api/feedback/invitations/{carol_inv.pk}/response"
    assert alice.post(url, {"answers": {}}, content_type="application/json").status_code == 404


@pytest.mark.django_db
def test_closing_records_only_groups_at_the_threshold_for_scoring(bank: Bank) -> None:
    round_ = round_in_alices_scope(bank)
    for who, values in (("carol", (4, 5, 4)), ("dave", (5, 5, 5)), ("erin", (4, 4, 4))):
        _answer(bank, who, "S-ALICE", values)
    _answer(bank, "alice", "S-CAROL", (5, 5, 5))  # carol: one response, below 3
    with pytest.raises(Http404):
        round_close(actor=bank.user("alice"), round_id=round_.pk)
    round_close(actor=bank.user("mike"), round_id=round_.pk)
    rows = sorted(
        (e.staff_id, e.kind, e.date, e.score)
        for e in FeedbackEntry.objects.filter(source=f"round-{round_.pk}")
    )
    end = dt.date(2026, 9, 30)  # the round's quarter's last day
    assert rows == [
        ("S-ALICE", "peer", end, Decimal("75.00")),
        ("S-ALICE", "peer", end, Decimal("83.33")),
        ("S-ALICE", "peer", end, Decimal("100.00")),
    ]
    assert FeedbackRound.objects.get(pk=round_.pk).status == "closed"
    assert AuditEvent.objects.filter(verb="feedback.round.close").count() == 1
    assert AuditEvent.objects.filter(verb="performance.feedback.replace").count() == 1
    with pytest.raises(FeedbackError, match="closed"):
        _answer(bank, "erin", "S-CAROL", (1, 1, 1))


@pytest.mark.django_db
def test_a_round_needs_peers(bank: Bank) -> None:
    more_rms(bank)
    with pytest.raises(FeedbackError, match="peer"):
        round_open(actor=bank.user("hannah"), unit_id="BB", period="2026Q3", title="B only")
