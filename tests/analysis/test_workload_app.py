"""The workload view, the rebalancing what-if, its acceptance and change file, on the
persona bank with a hand-built lake (tests/analysis/lake.py). Worked by hand:

2026Q3 has 66 mainland-China working days; alice, carol and bob were hired in 2020.
alice: 20 loans × (2 + 0.5 + 1) = 70 person-days → 70 ÷ 66 = 1.0606 (over 1.0);
per customer C001 8 × 3.5 = 28, C002 6 × 3.5 = 21, C003 21. carol and bob: 0 (under 0.8).
Tiers: C001 core, C002/C003/C010 potential, C100 core. Branch A holds alice (team A1)
and carol (A2); bob is in branch B.
Proposal: C001 first (28), but core and carol serves only potential (bob serves core but
works in branch B): it stays. C002 (21, potential) → carol: carol 21 ÷ 66 = 0.3182,
alice 49 ÷ 66 = 0.7424, back within bounds: stop. One move.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal as D

import pytest
from django.test import Client
from django.utils import timezone

from rmperf.analysis.models import Load, ProposalStatus, RebalanceMove, RebalanceProposal, RmLoad
from rmperf.analysis.services import (
    ACCEPT_VERB,
    EXPORT_VERB,
    WORKLOAD_VERB,
    AnalysisRefused,
    rebalance_accept,
    rebalance_export,
    workload_run,
)
from rmperf.core.models import AuditEvent
from tests.factories import Bank


def test_the_run_stores_each_rms_load_and_the_branch_proposal(ready: Bank) -> None:
    run = workload_run(actor=ready.user("mike"), key="2026Q3")
    loads = {r.staff_id: r for r in RmLoad.objects.filter(run=run)}
    # RM1, RM2 of the lake are not staff of the app: left out.
    assert set(loads) == {"S-ALICE", "S-BOB", "S-CAROL"}
    alice = loads["S-ALICE"]
    assert (alice.loans, alice.demand_days, alice.available_days, alice.utilisation) == (
        20, D("70.0000"), 66, D("1.0606"))  # fmt: skip
    assert alice.load == Load.OVER and alice.branch_id == "BA"
    assert alice.customers == 3
    assert loads["S-CAROL"].load == Load.UNDER and loads["S-CAROL"].utilisation == D("0.0000")
    assert loads["S-BOB"].branch_id == "BB"
    (proposal,) = RebalanceProposal.objects.filter(run=run)
    assert (proposal.branch_id, proposal.status) == ("BA", ProposalStatus.PROPOSED)
    moves = [
        (m.seq, m.customer_id, m.tier, m.from_staff_id, m.to_staff_id, m.demand_days,
         m.from_before, m.from_after, m.to_before, m.to_after)
        for m in RebalanceMove.objects.filter(proposal=proposal)
    ]  # fmt: skip
    assert moves == [
        (1, "C002", "potential", "S-ALICE", "S-CAROL", D("21.0000"),
         D("1.0606"), D("0.7424"), D("0.0000"), D("0.3182")),
    ]  # fmt: skip
    event = AuditEvent.objects.get(verb=WORKLOAD_VERB, object_id=str(run.pk))
    assert event.after["rms"] == 3 and event.after["moves"] == 1
    assert event.after["proposals"] == [proposal.pk]


def test_a_second_run_supersedes_an_undecided_proposal(ready: Bank) -> None:
    first = workload_run(actor=None, key="2026Q3")
    workload_run(actor=None, key="2026Q3")
    old = RebalanceProposal.objects.get(run=first)
    assert old.status == ProposalStatus.SUPERSEDED
    assert RebalanceProposal.objects.filter(status=ProposalStatus.PROPOSED).count() == 1


def test_a_bad_period_is_refused_and_nothing_is_stored(ready: Bank) -> None:
    with pytest.raises(AnalysisRefused):
        workload_run(actor=None, key="2026Q5")
    assert not RmLoad.objects.exists()


def test_accept_and_export_the_change_file_audited(ready: Bank) -> None:
    workload_run(actor=None, key="2026Q3")
    proposal = RebalanceProposal.objects.get()
    with pytest.raises(AnalysisRefused):  # not accepted yet
        rebalance_export(actor=ready.user("mike"), proposal_id=proposal.pk)
    rebalance_accept(actor=ready.user("mike"), proposal_id=proposal.pk, note="as discussed")
    with pytest.raises(AnalysisRefused):  # only once
        rebalance_accept(actor=ready.user("mike"), proposal_id=proposal.pk)
    change = rebalance_export(actor=ready.user("mike"), proposal_id=proposal.pk)
    text = change.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    proposal.refresh_from_db()
    assert proposal.accepted_at is not None
    day = timezone.localdate(proposal.accepted_at)
    valid_from = day.fromordinal(day.toordinal() + 1).isoformat()
    assert rows == [
        ["change_id", "customer_id", "from_staff_id", "to_staff_id", "valid_from",
         "branch_id", "tier", "proposal_id", "period"],
        [f"{proposal.pk}-1", "C002", "S-ALICE", "S-CAROL", valid_from, "BA", "potential",
         str(proposal.pk), "2026Q3"],
    ]  # fmt: skip
    accept = AuditEvent.objects.get(verb=ACCEPT_VERB)
    assert accept.before == {"status": "proposed"}
    assert accept.after["status"] == "accepted" and accept.after["note"] == "as discussed"
    export = AuditEvent.objects.get(verb=EXPORT_VERB)
    assert export.after["rows"] == 1 and export.after["sha256"] == change.sha256


def test_the_change_file_is_formula_safe(ready: Bank) -> None:
    from tests.factories import make_customer

    workload_run(actor=None, key="2026Q3")
    proposal = RebalanceProposal.objects.get()
    evil = make_customer(customer_id="=HYPERLINK(1)", name="x", unit=ready.branch_a)
    RebalanceMove.objects.filter(proposal=proposal).update(customer=evil)
    rebalance_accept(actor=ready.user("mike"), proposal_id=proposal.pk)
    text = rebalance_export(actor=ready.user("mike"), proposal_id=proposal.pk).content.decode(
        "utf-8-sig"
    )
    assert list(csv.reader(io.StringIO(text)))[1][1] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("persona", ["tina", "hannah", "audrey"])
def test_only_the_branch_manager_accepts(ready: Bank, persona: str) -> None:
    from django.http import Http404

    workload_run(actor=None, key="2026Q3")
    proposal = RebalanceProposal.objects.get()
    with pytest.raises(Http404):
        rebalance_accept(actor=ready.user(persona), proposal_id=proposal.pk)
    assert not AuditEvent.objects.filter(verb=ACCEPT_VERB).exists()


def test_pages_by_role(ready: Bank, client_as: Callable[[str], Client]) -> None:
    workload_run(actor=None, key="2026Q3")
    proposal = RebalanceProposal.objects.get()
    # The branch manager sees both teams, the over- and under-loaded and the proposal.
    page = client_as("mike").get("/analysis/workload/?period=2026Q3")
    assert page.status_code == 200
    body = page.content.decode()
    assert "S-ALICE" in body and "S-CAROL" in body and "1.0606" in body
    assert f"/analysis/rebalance/{proposal.pk}/" in body
    # The team leader of A1 sees alice only, and no proposal.
    body = client_as("tina").get("/analysis/workload/?period=2026Q3").content.decode()
    assert "S-ALICE" in body and "S-CAROL" not in body
    assert "/analysis/rebalance/" not in body
    # RMs and tellers have no workload view; the proposal is the branch's (404 elsewhere).
    for persona in ("alice", "terry"):
        assert client_as(persona).get("/analysis/workload/").status_code == 404
    for persona in ("alice", "tina", "bob", "terry"):
        assert client_as(persona).get(f"/analysis/rebalance/{proposal.pk}/").status_code == 404
    what_if = client_as("mike").get(f"/analysis/rebalance/{proposal.pk}/")
    assert what_if.status_code == 200
    body = what_if.content.decode()
    assert "0.7424" in body and "0.3182" in body and "accept-form" in body
    # tina may not accept by POST either: 404, nothing changes.
    assert client_as("tina").post(f"/analysis/rebalance/{proposal.pk}/accept/").status_code == 404
    client_as("mike").post(f"/analysis/rebalance/{proposal.pk}/accept/", {"note": "ok"})
    download = client_as("mike").post(f"/analysis/rebalance/{proposal.pk}/export/")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert b"C002" in download.content
