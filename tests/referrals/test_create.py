"""Creating a referral: the rule book decides, and bad input is named per field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rmperf.core.models import AuditEvent
from rmperf.referrals.models import Referral, State
from rmperf.referrals.services import referral_check, referral_create
from tests.factories import Bank
from tests.referrals.helpers import new_customer, refer, wendy

pytestmark = pytest.mark.django_db


def _errors(bank: Bank, persona: str = "terry", **kw: object) -> dict[str, list[str]]:
    args: dict[str, object] = {"customer_id": "C900", "need": "wealth", "deposit": "50000.00"}
    args.update(kw)
    with pytest.raises(ValidationError) as exc:
        referral_create(actor=bank.user(persona), **args)  # type: ignore[arg-type]
    return exc.value.message_dict


def test_a_teller_refers_a_new_customer_to_their_rm(bank: Bank) -> None:
    r = refer(bank)
    assert (r.from_staff_id, r.to_staff_id) == ("S-TERRY", "S-ALICE")
    assert r.rule_id == "teller_new_account_wealth"
    assert r.state == State.CREATED
    assert r.deposit == Decimal("50000.00")
    assert r.due_at - r.created_at == dt.timedelta(hours=24)  # the response SLA
    assert r.expires_at - r.created_at == dt.timedelta(hours=48)
    ev = AuditEvent.objects.get(verb="referral.create")
    assert ev.object_id == str(r.pk)
    assert ev.after["rule"] == "teller_new_account_wealth"


def test_the_check_names_the_rule_without_saving(bank: Bank) -> None:
    new_customer(bank)
    check = referral_check(
        actor=bank.user("terry"), customer_id="C900", need="wealth", deposit="50000"
    )
    assert check.ok and check.rule is not None
    assert check.rule.id == "teller_new_account_wealth"
    assert "New account with a large deposit" in check.summary
    assert not Referral.objects.exists()


def test_one_cent_below_the_threshold_is_refused_on_the_deposit(bank: Bank) -> None:
    new_customer(bank)
    errors = _errors(bank, deposit="49999.99")
    assert errors == {
        "deposit": ["The deposit of 49,999.99 is below the rule's minimum of 50,000.00."]
    }


def test_no_deposit_given_is_asked_for(bank: Bank) -> None:
    new_customer(bank)
    assert list(_errors(bank, deposit=None)) == ["deposit"]


def test_an_old_account_is_not_a_new_account(bank: Bank) -> None:
    # C001 opened 2021-05-04: far more than 30 days ago
    errors = _errors(bank, customer_id="C001", to_staff_id="S-ALICE")
    assert list(errors) == ["customer"]
    assert "Not a new account: opened on 2021-05-04" in errors["customer"][0]


def test_missing_unknown_and_out_of_scope_customers(bank: Bank) -> None:
    assert _errors(bank, customer_id="") == {"customer": ["Enter the customer id."]}
    assert _errors(bank, customer_id="NOPE") == {"customer": ["No customer NOPE in your scope."]}
    # C100 belongs to branch B: terry (branch A) cannot see it, and is told the same
    assert _errors(bank, customer_id="C100") == {"customer": ["No customer C100 in your scope."]}


def test_a_bad_need_and_a_bad_amount_are_named(bank: Bank) -> None:
    new_customer(bank)
    errors = _errors(bank, need="yacht", deposit="12abc")
    assert set(errors) == {"need", "deposit"}
    errors = _errors(bank, deposit="-5")
    assert errors == {"deposit": ["The deposit cannot be negative."]}
    errors = _errors(bank, deposit="10.005")
    assert errors == {"deposit": ["The deposit has at most 2 decimal places."]}


def test_self_referral_is_refused(bank: Bank) -> None:
    new_customer(bank)
    errors = _errors(bank, "alice", to_staff_id="S-ALICE", need="family_trust", deposit=None)
    assert errors == {"to_staff": ["You cannot refer a customer to yourself."]}
    # and the database refuses it too
    from django.db import IntegrityError, transaction

    r = refer(bank, bank.c001.__class__.objects.get(pk="C900"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=r.pk).update(to_staff_id="S-TERRY")


def test_an_rm_must_name_the_receiver(bank: Bank) -> None:
    errors = _errors(bank, "alice", customer_id="C001", need="family_trust", deposit=None)
    assert errors == {"to_staff": ["You are the customer's RM: name the colleague to refer to."]}


def test_a_duplicate_open_referral_for_the_same_need_is_refused(bank: Bank) -> None:
    first = refer(bank)
    errors = _errors(bank)
    assert errors == {
        "need": [f"This customer already has an open referral for this need (#{first.pk})."]
    }


def test_a_closed_referral_does_not_block_a_new_one(bank: Bank) -> None:
    first = refer(bank)
    Referral.objects.filter(pk=first.pk).update(state=State.EXPIRED, expiry_reason="no_response")
    second = refer(bank, bank.c001.__class__.objects.get(pk="C900"))
    assert second.pk != first.pk


def test_an_unknown_receiver_and_a_route_the_book_lacks(bank: Bank) -> None:
    new_customer(bank)
    assert _errors(bank, to_staff_id="S-NOBODY") == {
        "to_staff": ["No colleague with staff id S-NOBODY."]
    }
    # teller → team leader is no route of the rule book
    errors = _errors(bank, to_staff_id="S-TINA")
    assert errors == {
        "need": [
            "The rule book has no referral from a Teller to a Team leader for Wealth products."
        ]
    }


def test_rm_refers_a_trust_need_to_a_wealth_manager(bank: Bank) -> None:
    wm = wendy(bank)
    r = referral_create(
        actor=bank.user("alice"), customer_id="C001", need="family_trust", to_staff_id=wm.pk
    )
    assert r.rule_id == "rm_trust_medical"


def test_roles_that_do_not_refer(bank: Bank) -> None:
    new_customer(bank)
    for persona in ("audrey", "tina", "mike", "hannah"):
        assert _errors(bank, persona) == {
            "__all__": ["Only tellers, wealth managers and RMs make referrals."]
        }
