"""The demo's worked referral: chosen from the lake's history, made through the services,
converted by the sweep with the customer's real purchase.

Customer C900 opened 2026-05-30, 60,000.00 credited to a deposit product on 2026-05-31,
bought 95,000.00 of wealth on 2026-06-20. The referral day is the day before the purchase
(2026-06-19, inside the 30-day opening window 05-30 … 06-28); the purchase converts it and
pays terry 10 + ⌊95,000 ÷ 10,000⌋ = 19 points.
C901 has only 40,000.00 deposited (under 50,000.00); C902 bought on its opening day (no day
for a referral before the purchase): neither fits.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rmperf.referrals.demo import STORY_NOTE, demo_referral_story
from rmperf.referrals.models import PointsAccount, Referral, State
from tests.factories import Bank
from tests.lakebuilder import LakeBuilder
from tests.referrals.helpers import new_customer

pytestmark = pytest.mark.django_db
OPENED = dt.date(2026, 5, 30)


def _deposit(b: LakeBuilder, cid: str, amount: str) -> None:
    n = len(b.tables.get("transactions", []))
    b.add(
        "transactions",
        {
            "txn_id": f"T{n:08d}",
            "customer_id": cid,
            "ts": "2026-05-31T10:00:00+08:00",
            "amount": amount,
            "direction": "credit",
            "channel": "counter",
            "product_id": "DEP",
        },
    )


@pytest.fixture
def lake(tmp_path: Path, settings: Any) -> Path:
    b = LakeBuilder()
    b.product("WMP", "wealth", risk_level="R2")  # the base lake has DEP, a deposit product
    for cid in ("C900", "C901", "C902"):
        b.customer(cid, opened_on=OPENED.isoformat())
    _deposit(b, "C900", "60000.00")
    _deposit(b, "C901", "40000.00")
    _deposit(b, "C902", "80000.00")
    b.holding("C900", "WMP", "95000.00", "2026-06-20")
    b.holding("C901", "WMP", "95000.00", "2026-06-20")
    b.holding("C902", "WMP", "95000.00", OPENED.isoformat())
    path = b.write(tmp_path / "lake")
    settings.RMPERF_LAKE_DIR = str(path)
    return path


def test_the_story_converts_with_the_real_purchase_and_pays_the_teller(
    bank: Bank, lake: Path
) -> None:
    for cid in ("C900", "C901", "C902"):
        new_customer(bank, cid, opened_on=OPENED)

    story = demo_referral_story(teller=bank.user("terry"), rm=bank.user("alice"))

    assert story is not None
    assert (story.customer_id, story.referred_on, story.state) == (
        "C900",
        dt.date(2026, 6, 19),
        State.CONVERTED,
    )
    assert (story.deposit, story.purchase_amount, story.purchase_date, story.points) == (
        Decimal("60000.00"),
        Decimal("95000.00"),
        dt.date(2026, 6, 20),
        19,
    )
    assert PointsAccount.objects.get(pk="S-TERRY").balance == 19
    # made once: a second demo run changes nothing
    assert demo_referral_story(teller=bank.user("terry"), rm=bank.user("alice")) is None
    assert Referral.objects.filter(note=STORY_NOTE).count() == 1


def test_no_story_when_no_customer_of_the_rm_fits(bank: Bank, lake: Path) -> None:
    new_customer(bank, "C901", opened_on=OPENED)
    assert demo_referral_story(teller=bank.user("terry"), rm=bank.user("alice")) is None
    assert not Referral.objects.exists()


def test_when_the_demos_rm_has_no_fitting_customer_another_rm_of_the_branch_does_it(
    bank: Bank, lake: Path
) -> None:
    """A small generated bank may give the demo's RM login no fitting customer: the story
    goes to the first other RM of the teller's branch who has one (alice, for carol)."""
    from rmperf.referrals.demo import demo_referral_any_rm

    for cid in ("C900", "C901", "C902"):
        new_customer(bank, cid, opened_on=OPENED)  # all alice's
    story = demo_referral_any_rm(teller=bank.user("terry"), first=bank.user("carol"))
    assert story is not None
    assert (story.customer_id, story.to_staff_id, story.state) == (
        "C900",
        "S-ALICE",
        State.CONVERTED,
    )
    # made once: the next demo run makes nothing more
    assert demo_referral_any_rm(teller=bank.user("terry"), first=bank.user("carol")) is None
    assert Referral.objects.filter(note=STORY_NOTE).count() == 1
