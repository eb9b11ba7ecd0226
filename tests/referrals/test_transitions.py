"""The state machine: every transition by the allowed role and refused for the others,
reasons for lost, refused moves from the wrong state; every transition audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from rmperf.core.models import AuditEvent
from rmperf.referrals.models import Referral, State
from rmperf.referrals.services import referral_actions, referral_transition
from tests.factories import Bank
from tests.referrals.helpers import refer

pytestmark = pytest.mark.django_db

#: Personas who may see the referral (terry → alice, branch A) but not move it.
REFUSED_IN_SCOPE = ("terry", "tina", "mike", "hannah", "audrey")


def _move(bank: Bank, persona: str, r: Referral, action: str, **kw: str) -> Referral:
    return referral_transition(actor=bank.user(persona), referral_id=r.pk, action=action, **kw)


@pytest.mark.parametrize("persona", REFUSED_IN_SCOPE)
@pytest.mark.parametrize("action", ["accept", "contact", "convert", "lose"])
def test_only_the_receiver_moves_a_referral(bank: Bank, persona: str, action: str) -> None:
    r = refer(bank)
    if action in ("contact", "convert", "lose"):
        Referral.objects.filter(pk=r.pk).update(state=State.ACCEPTED)
    with pytest.raises(ValidationError) as exc:
        _move(bank, persona, r, action, lost_reason="declined")
    assert exc.value.message_dict == {
        "action": ["Only the colleague the customer was referred to may do this."]
    }
    r.refresh_from_db()
    assert r.state in (State.CREATED, State.ACCEPTED)


def test_out_of_scope_is_not_found(bank: Bank) -> None:
    r = refer(bank)
    with pytest.raises(Http404):
        _move(bank, "bob", r, "accept")


def test_the_receiver_walks_the_happy_path_and_each_step_is_audited(bank: Bank) -> None:
    r = refer(bank)
    assert referral_actions(actor=bank.user("alice"), referral=r) == ["accept", "lose"]
    assert referral_actions(actor=bank.user("terry"), referral=r) == []
    r = _move(bank, "alice", r, "accept")
    assert r.state == State.ACCEPTED and r.accepted_at is not None
    r = _move(bank, "alice", r, "contact")
    assert r.state == State.CONTACTED and r.contacted_at is not None
    verbs = list(
        AuditEvent.objects.filter(object_type="referral", object_id=str(r.pk))
        .order_by("seq")
        .values_list("verb", "before", "after")
    )
    assert verbs == [
        ("referral.create", None, verbs[0][2]),
        ("referral.accept", {"state": "created"}, {"state": "accepted"}),
        ("referral.contact", {"state": "accepted"}, {"state": "contacted"}),
    ]


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (State.CREATED, "contact"),  # accept first
        (State.CREATED, "convert"),
        (State.ACCEPTED, "accept"),
        (State.CONTACTED, "accept"),
        (State.CONVERTED, "lose"),
        (State.LOST, "accept"),
        (State.EXPIRED, "accept"),
    ],
)
def test_moves_from_the_wrong_state_are_refused(bank: Bank, state: str, action: str) -> None:
    r = refer(bank)
    fields = {"state": state}
    if state == State.CONVERTED:
        fields["purchase_date"] = r.referred_on  # type: ignore[assignment]
    if state == State.LOST:
        fields["lost_reason"] = "declined"
    Referral.objects.filter(pk=r.pk).update(**fields)
    with pytest.raises(ValidationError) as exc:
        _move(bank, "alice", r, action, lost_reason="declined")
    assert "cannot be moved this way" in exc.value.message_dict["action"][0]


def test_lost_needs_a_reason_and_other_needs_words(bank: Bank) -> None:
    r = refer(bank)
    with pytest.raises(ValidationError) as exc:
        _move(bank, "alice", r, "lose")
    assert exc.value.message_dict == {"lost_reason": ["Choose why the referral was lost."]}
    with pytest.raises(ValidationError) as exc:
        _move(bank, "alice", r, "lose", lost_reason="other", lost_detail="  ")
    assert exc.value.message_dict == {"lost_detail": ["Say in words why it was lost."]}
    r = _move(bank, "alice", r, "lose", lost_reason="other", lost_detail="moved abroad")
    assert (r.state, r.lost_reason, r.lost_detail) == (State.LOST, "other", "moved abroad")
    ev = AuditEvent.objects.get(verb="referral.lose")
    assert ev.after == {"state": "lost", "lost_reason": "other", "lost_detail": "moved abroad"}


def test_the_database_refuses_lost_without_a_reason(bank: Bank) -> None:
    from django.db import IntegrityError, transaction

    r = refer(bank)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=r.pk).update(state=State.LOST)


def test_convert_without_a_purchase_in_the_lake_is_refused(bank: Bank, settings: object) -> None:
    r = refer(bank)
    _move(bank, "alice", r, "accept")
    with pytest.raises(ValidationError) as exc:
        _move(bank, "alice", r, "convert")
    assert "No purchase" in exc.value.message_dict["action"][0]


def test_a_stale_state_loses_to_the_first_writer(bank: Bank) -> None:
    """The conditional update: a second writer who read 'created' before the first wrote
    finds nothing to update and is told so (the threaded version is in test_concurrency)."""
    from rmperf.referrals.services import TransitionError, _conditional

    r = refer(bank)
    stale = Referral.objects.get(pk=r.pk)
    _move(bank, "alice", r, "accept")
    with pytest.raises(TransitionError) as exc:
        _conditional(stale, (State.CREATED,), state=State.LOST, lost_reason="declined")
    assert "someone else changed it first" in exc.value.message_dict["action"][0]
    assert Referral.objects.get(pk=r.pk).state == State.ACCEPTED
