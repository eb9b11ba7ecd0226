"""The gaming review queue on the persona bank with the hand-built lake
(tests/analysis/lake.py). Worked by hand: alice disbursed 20 loans in 2026Q3 —
8 × 100,000.00 (15 July), 6 × 100,000.00 (10 August), 6 × 1,000,000.00 (28 September) —
so the last 10 days (21–30 September) hold 6,000,000.00 of 7,400,000.00 = 0.8108 > 0.4
with at least 3 loans. By count they are 6 of 20 = 0.3, not more than the default 0.4:
the gaming policy in force here lowers max_count_share to 0.25 (a bank may), and there is
one loan-bunching flag, its evidence the 6 loans of 28 September. Nothing else fires (no
balances, transactions or referrals in the lake)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import Http404
from django.test import Client
from django.utils import timezone

from rmperf.analysis.models import FlagStatus, GamingEvidence, GamingFlag
from rmperf.analysis.services import (
    DECIDE_VERB,
    GAMING_VERB,
    AnalysisRefused,
    gaming_decide,
    gaming_run,
)
from rmperf.core.models import AuditEvent
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.services import policy_validate
from tests.factories import Bank

GAMING = 'loan_bunching: {max_count_share: "0.25"}\n'


@pytest.fixture(autouse=True)
def gaming_policy(db: None) -> None:
    PolicyVersion.objects.create(
        kind="gaming", label="count-0.25", yaml_text=GAMING, status=PolicyStatus.ACTIVE,
        digest=policy_validate(kind="gaming", yaml_text=GAMING), created_at=timezone.now(),
    )  # fmt: skip


def test_the_run_stores_the_flag_with_its_evidence_rows(ready: Bank) -> None:
    run = gaming_run(actor=ready.user("mike"), key="2026Q3")
    (flag,) = GamingFlag.objects.all()
    assert (flag.staff_id, flag.kind, flag.period_key, flag.status) == (
        "S-ALICE", "loan_bunching", "2026Q3", FlagStatus.OPEN)  # fmt: skip
    rows = GamingEvidence.objects.filter(flag=flag)
    assert rows.count() == 6
    assert {r.table for r in rows} == {"loans"}
    assert {r.customer_id for r in rows} == {"C003"}
    assert AuditEvent.objects.get(verb=GAMING_VERB, object_id=str(run.pk)).after["flags"] == 1


def test_a_decision_is_audited_and_survives_a_rerun(ready: Bank) -> None:
    gaming_run(actor=None, key="2026Q3")
    flag = GamingFlag.objects.get()
    with pytest.raises(AnalysisRefused):  # confirming needs a note
        gaming_decide(actor=ready.user("tina"), flag_id=flag.pk, decision="confirmed", note=" ")
    with pytest.raises(AnalysisRefused):
        gaming_decide(actor=ready.user("tina"), flag_id=flag.pk, decision="open", note="x")
    gaming_decide(
        actor=ready.user("tina"), flag_id=flag.pk, decision="confirmed", note="loans pulled in"
    )
    event = AuditEvent.objects.get(verb=DECIDE_VERB)
    assert event.before == {"status": "open", "note": ""}
    assert event.after["status"] == "confirmed" and event.after["note"] == "loans pulled in"
    assert event.actor_label == "tina"
    gaming_run(actor=None, key="2026Q3")  # found again: the decision stays, evidence renewed
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CONFIRMED and flag.decided_by_label == "tina"
    assert GamingEvidence.objects.filter(flag=flag).count() == 6


@pytest.mark.parametrize("persona", ["alice", "carol", "hannah", "audrey", "terry"])
def test_only_managers_in_scope_decide(ready: Bank, persona: str) -> None:
    gaming_run(actor=None, key="2026Q3")
    flag = GamingFlag.objects.get()
    with pytest.raises(Http404):
        gaming_decide(actor=ready.user(persona), flag_id=flag.pk, decision="dismissed", note="")
    assert GamingFlag.objects.get().status == FlagStatus.OPEN
    assert not AuditEvent.objects.filter(verb=DECIDE_VERB).exists()


def test_queue_pages_and_the_rms_explanation(
    ready: Bank, client_as: Callable[[str], Client]
) -> None:
    gaming_run(actor=None, key="2026Q3")
    flag = GamingFlag.objects.get()
    for persona in ("mike", "tina", "hannah"):
        page = client_as(persona).get("/analysis/gaming/?period=2026Q3")
        assert page.status_code == 200 and f"/analysis/gaming/{flag.pk}/" in page.content.decode()
    for persona in ("alice", "bob", "terry"):
        assert client_as(persona).get("/analysis/gaming/").status_code == 404
    # An open flag is the managers' business: 404 to the RM herself and to other branches.
    assert client_as("alice").get(f"/analysis/gaming/{flag.pk}/").status_code == 404
    detail = client_as("tina").get(f"/analysis/gaming/{flag.pk}/")
    assert detail.status_code == 200
    assert "decide-form" in detail.content.decode() and "C003" in detail.content.decode()
    scorecard = "/performance/2026Q3/staff/S-ALICE/"
    assert "gaming-decisions" not in client_as("alice").get(scorecard).content.decode()
    response = client_as("tina").post(
        f"/analysis/gaming/{flag.pk}/decide/", {"decision": "dismissed", "note": "seasonal"}
    )
    assert response.status_code == 302
    body = client_as("alice").get(scorecard).content.decode()
    assert "gaming-decisions" in body and "seasonal" in body
    assert client_as("alice").get(f"/analysis/gaming/{flag.pk}/").status_code == 200
    assert client_as("bob").get(f"/analysis/gaming/{flag.pk}/").status_code == 404
