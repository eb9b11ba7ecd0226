"""The 24-hour response SLA: escalation to the team leader strictly after due_at, expiry
strictly after expires_at (48 h), both by the periodic sweep, both audited."""

from __future__ import annotations

import datetime as dt

import pytest

from rmperf.cli import main
from rmperf.core.models import AuditEvent
from rmperf.referrals.models import Referral, State
from rmperf.referrals.services import referral_transition, referrals_sweep
from tests.factories import Bank
from tests.referrals.helpers import new_customer, refer

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
US = dt.timedelta(microseconds=1)


def _refer(bank: Bank) -> Referral:
    customer = new_customer(bank, opened_on=T0.date() - dt.timedelta(days=2))
    return refer(bank, customer, now=T0)


def test_escalation_boundary(bank: Bank) -> None:
    r = _refer(bank)
    assert r.due_at == T0 + dt.timedelta(hours=24)
    # exactly at the due time the RM is still in time
    assert referrals_sweep(now=r.due_at).escalated == 0
    r.refresh_from_db()
    assert r.escalated_at is None
    # a microsecond later it goes to alice's team leader, tina (team A1)
    result = referrals_sweep(now=r.due_at + US)
    assert result.escalated == 1
    r.refresh_from_db()
    assert (r.state, r.escalated_to_id) == (State.CREATED, "S-TINA")
    ev = AuditEvent.objects.get(verb="referral.escalate")
    assert ev.actor_label == "system" and ev.after["escalated_to"] == "S-TINA"
    # once only
    assert referrals_sweep(now=r.due_at + dt.timedelta(hours=1)).escalated == 0


def test_the_team_leader_sees_the_escalated_referral(bank: Bank) -> None:
    r = _refer(bank)
    referrals_sweep(now=r.due_at + US)
    assert Referral.objects.restrict(bank.user("tina")).filter(pk=r.pk).exists()
    assert not Referral.objects.restrict(bank.user("bob")).filter(pk=r.pk).exists()


def test_expiry_boundary(bank: Bank) -> None:
    r = _refer(bank)
    assert referrals_sweep(now=r.expires_at).expired == 0
    assert referrals_sweep(now=r.expires_at + US).expired == 1
    r.refresh_from_db()
    assert (r.state, r.expiry_reason) == (State.EXPIRED, "no_response")
    assert AuditEvent.objects.filter(verb="referral.expire", object_id=str(r.pk)).count() == 1


def test_an_accepted_referral_does_not_expire_unanswered(bank: Bank) -> None:
    r = _refer(bank)
    referral_transition(
        actor=bank.user("alice"), referral_id=r.pk, action="accept", now=T0 + dt.timedelta(hours=30)
    )
    result = referrals_sweep(now=T0 + dt.timedelta(hours=72))
    assert (result.escalated, result.expired) == (0, 0)


def test_the_sweep_command(bank: Bank, capsys: pytest.CaptureFixture[str]) -> None:
    _refer(bank)
    assert main(["referrals-sweep"]) == 0
    out = capsys.readouterr().out
    # T0 is weeks before the test's real "now": escalated and expired in one run
    assert out.startswith("1 escalated, 1 expired, 0 converted")
