"""Points: an append-only ledger per person; redemptions requested by the holder and
decided by a manager over them (maker-checker); the balance never goes negative."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from rmperf.core.models import AuditEvent
from rmperf.referrals.models import (
    EntryKind,
    PointsAccount,
    PointsEntry,
    RedemptionState,
)
from rmperf.referrals.services import points_balance, redemption_decide, redemption_request
from tests.factories import Bank

pytestmark = pytest.mark.django_db


def give(staff_id: str, points: int) -> None:
    """Test setup: one earned entry (the conversion path is tested in test_conversion)."""
    acct, _ = PointsAccount.objects.get_or_create(staff_id=staff_id)
    acct.balance += points
    acct.entries += 1
    acct.save()
    PointsEntry.objects.create(
        account=acct,
        seq=acct.entries,
        ts=timezone.now(),
        kind=EntryKind.EARNED,
        points=points,
        balance_after=acct.balance,
    )


def _errors(fn: object, **kw: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        fn(**kw)  # type: ignore[operator]
    return exc.value.message_dict


def test_request_then_approval_debits_the_balance(bank: Bank) -> None:
    give("S-ALICE", 300)
    red = redemption_request(actor=bank.user("alice"), item_id="training_course")  # 200 points
    assert red.state == RedemptionState.REQUESTED
    assert points_balance(staff_id="S-ALICE") == 300  # nothing leaves before approval
    red = redemption_decide(actor=bank.user("tina"), redemption_id=red.pk, approve=True)
    assert (red.state, red.decided_by_id) == (RedemptionState.APPROVED, "S-TINA")
    # 300 − 200 = 100, as the ledger's sum and its last running balance
    assert points_balance(staff_id="S-ALICE") == 100
    entries = list(PointsEntry.objects.filter(account_id="S-ALICE").order_by("seq"))
    assert [(e.seq, e.kind, e.points, e.balance_after) for e in entries] == [
        (1, "earned", 300, 300),
        (2, "redeemed", -200, 100),
    ]
    assert AuditEvent.objects.filter(verb="points.redeem_approve", object_id=str(red.pk)).exists()


def test_a_request_beyond_the_free_balance_is_refused(bank: Bank) -> None:
    give("S-ALICE", 300)
    redemption_request(actor=bank.user("alice"), item_id="training_course")  # 200 pending
    # 300 − 200 pending = 100 free < 200
    errors = _errors(redemption_request, actor=bank.user("alice"), item_id="training_course")
    assert errors == {"item": ["One external training course costs 200 points; you have 100 free."]}
    assert _errors(redemption_request, actor=bank.user("alice"), item_id="yacht") == {
        "item": ["Choose an item from the catalogue."]
    }


def test_the_checker_is_a_manager_over_the_holder_and_not_the_holder(bank: Bank) -> None:
    give("S-ALICE", 300)
    give("S-TINA", 300)
    red = redemption_request(actor=bank.user("alice"), item_id="leave_half_day")
    for persona in ("alice", "carol", "terry", "audrey"):
        assert _errors(
            redemption_decide, actor=bank.user(persona), redemption_id=red.pk, approve=True
        ) == {"__all__": ["Only a team leader or branch manager decides."]}
    own = redemption_request(actor=bank.user("tina"), item_id="leave_half_day")
    assert _errors(
        redemption_decide, actor=bank.user("tina"), redemption_id=own.pk, approve=True
    ) == {"__all__": ["Another manager must decide your own request."]}
    # mike (branch A) decides tina's request
    assert redemption_decide(actor=bank.user("mike"), redemption_id=own.pk, approve=True).state == (
        RedemptionState.APPROVED
    )


def test_a_manager_outside_the_holders_unit_does_not_find_the_request(bank: Bank) -> None:
    from tests.factories import make_staff

    make_staff(staff_id="S-TOM", name="Tom", role="team_leader", unit=bank.team_b1, username="tom")
    give("S-ALICE", 300)
    red = redemption_request(actor=bank.user("alice"), item_id="leave_half_day")
    from django.contrib.auth.models import User

    with pytest.raises(Http404):
        redemption_decide(
            actor=User.objects.get(username="tom"), redemption_id=red.pk, approve=True
        )


def test_rejection_needs_a_note_and_keeps_the_points(bank: Bank) -> None:
    give("S-ALICE", 300)
    red = redemption_request(actor=bank.user("alice"), item_id="leave_half_day")
    assert _errors(
        redemption_decide, actor=bank.user("tina"), redemption_id=red.pk, approve=False
    ) == {"note": ["Say why the request is rejected."]}
    red = redemption_decide(
        actor=bank.user("tina"), redemption_id=red.pk, approve=False, note="busy season"
    )
    assert (red.state, red.decision_note) == (RedemptionState.REJECTED, "busy season")
    assert points_balance(staff_id="S-ALICE") == 300
    # decided once only
    assert _errors(
        redemption_decide, actor=bank.user("tina"), redemption_id=red.pk, approve=True
    ) == {"__all__": ["This request was already decided."]}


def test_approval_that_would_go_negative_is_refused_and_rolled_back(bank: Bank) -> None:
    give("S-ALICE", 450)
    first = redemption_request(actor=bank.user("alice"), item_id="leave_day")  # 450
    # the free balance was checked at request time; simulate points leaving meanwhile by
    # approving a second request made when they were still free (pending counted: refuse)
    with pytest.raises(ValidationError):
        redemption_request(actor=bank.user("alice"), item_id="training_course")
    PointsAccount.objects.filter(pk="S-ALICE").update(balance=100)  # e.g. a correction
    errors = _errors(
        redemption_decide, actor=bank.user("tina"), redemption_id=first.pk, approve=True
    )
    assert errors == {"__all__": ["The balance no longer covers this request."]}
    first.refresh_from_db()
    assert first.state == RedemptionState.REQUESTED  # the whole decision rolled back
    assert points_balance(staff_id="S-ALICE") == 100


def test_the_database_refuses_a_negative_balance(bank: Bank) -> None:
    give("S-ALICE", 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.filter(pk="S-ALICE").update(balance=-1)
    acct = PointsAccount.objects.get(pk="S-ALICE")
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            account=acct,
            seq=2,
            ts=timezone.now() - dt.timedelta(seconds=1),
            kind=EntryKind.REDEEMED,
            points=-20,
            balance_after=-10,
        )
