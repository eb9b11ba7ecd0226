"""Conversion by the purchase in the current lake, inside the policy window, and the
referrer's points: base 10 + ⌊amount ÷ 10,000⌋, at most 100.

Referrals made 2026-06-01 10:00 bank time: D = 2026-06-01, window D … D + 90 = 2026-08-30."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rmperf.core.models import AuditEvent
from rmperf.referrals.models import PointsAccount, PointsEntry, Referral, State
from rmperf.referrals.services import referral_transition, referrals_sweep
from tests.factories import Bank
from tests.lakebuilder import LakeBuilder
from tests.referrals.helpers import new_customer, refer

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai
OPENED = dt.date(2026, 5, 30)


@pytest.fixture
def lake(tmp_path: Path, settings: Any) -> Path:
    b = LakeBuilder()
    b.product("WMP", "wealth", risk_level="R2").product("CARD", "credit_card")
    for cid in ("C900", "C901", "C902", "C903"):
        b.customer(cid, opened_on=OPENED.isoformat())
    b.holding("C900", "WMP", "95000.00", "2026-08-30")  # the window's last day: converts
    b.holding("C901", "WMP", "95000.00", "2026-08-31")  # a day late
    b.holding("C901", "CARD", "1.00", "2026-06-02")  # a card is no wealth purchase
    b.holding("C902", "WMP", "2000000.00", "2026-06-01")  # D itself; points capped at 100
    b.holding("C903", "WMP", "5000.00", "2026-05-31")  # the day before D
    path = b.write(tmp_path / "lake")
    settings.RMPERF_LAKE_DIR = str(path)
    return path


def _accepted(bank: Bank, cid: str) -> Referral:
    r = refer(bank, new_customer(bank, cid, opened_on=OPENED), now=T0)
    assert r.referred_on == dt.date(2026, 6, 1)
    return referral_transition(
        actor=bank.user("alice"), referral_id=r.pk, action="accept", now=T0 + dt.timedelta(hours=1)
    )


def test_the_sweep_converts_inside_the_window_and_expires_after_it(bank: Bank, lake: Path) -> None:
    a, b_, c, d = (_accepted(bank, cid) for cid in ("C900", "C901", "C902", "C903"))
    result = referrals_sweep()
    assert (result.converted, result.expired) == (2, 2)
    # 10 + ⌊95,000 ÷ 10,000⌋ = 10 + 9 = 19; 10 + ⌊2,000,000 ÷ 10,000⌋ = 210, capped at 100
    assert result.points == 19 + 100
    a.refresh_from_db()
    assert (a.state, a.product_id, a.purchase_amount, a.purchase_date, a.points) == (
        State.CONVERTED,
        "WMP",
        Decimal("95000.00"),
        dt.date(2026, 8, 30),
        19,
    )
    b_.refresh_from_db()
    d.refresh_from_db()
    assert (b_.state, b_.expiry_reason) == (State.EXPIRED, "no_purchase")
    assert (d.state, d.expiry_reason) == (State.EXPIRED, "no_purchase")
    # the referrer's ledger: two entries, running balance 19 then 119 (order of conversion)
    acct = PointsAccount.objects.get(pk="S-TERRY")
    assert (acct.balance, acct.entries) == (119, 2)
    entries = list(PointsEntry.objects.filter(account=acct).order_by("seq"))
    # converted in referral order: a (19 → balance 19), then c (100 → 19 + 100 = 119)
    assert [(e.seq, e.points, e.balance_after) for e in entries] == [(1, 19, 19), (2, 100, 119)]
    assert sum(e.points for e in entries) == acct.balance
    assert {e.referral_id for e in entries} == {a.pk, c.pk}
    assert AuditEvent.objects.filter(verb="referral.convert").count() == 2
    # a second sweep changes nothing and pays nothing twice
    again = referrals_sweep()
    assert (again.converted, again.expired, again.points) == (0, 0, 0)


def test_the_receiver_converts_when_the_purchase_is_in_the_lake(bank: Bank, lake: Path) -> None:
    r = _accepted(bank, "C900")
    r = referral_transition(actor=bank.user("alice"), referral_id=r.pk, action="contact")
    r = referral_transition(actor=bank.user("alice"), referral_id=r.pk, action="convert")
    assert (r.state, r.points) == (State.CONVERTED, 19)
    assert PointsAccount.objects.get(pk="S-TERRY").balance == 19


def test_a_created_referral_is_not_converted_by_a_purchase(bank: Bank, lake: Path) -> None:
    r = refer(bank, new_customer(bank, "C900", opened_on=OPENED), now=T0)
    referrals_sweep(now=T0 + dt.timedelta(hours=1))
    r.refresh_from_db()
    assert r.state == State.CREATED
