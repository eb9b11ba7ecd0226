"""`rmperf demo` says so when its worked referral cannot be made (#16: it failed silently
and every referral page stayed empty)."""

from __future__ import annotations

import pytest

from rmperf.commands.app_commands import DemoStepError, _demo_referral
from tests.factories import Bank

pytestmark = pytest.mark.django_db


def test_no_fitting_customer_stops_the_demo_with_why(bank: Bank) -> None:
    # The persona bank has no lake: no customer fits a referral rule, nothing is made.
    logins = [("teller", "terry", "Terry Tian"), ("rm", "alice", "Alice An")]
    with pytest.raises(
        DemoStepError, match="could not be made: no customer of an RM in terry's branch"
    ):
        _demo_referral(logins)


def test_a_missing_login_stops_the_demo_with_why(bank: Bank) -> None:
    with pytest.raises(DemoStepError, match="needs a teller and an RM login"):
        _demo_referral([("rm", "alice", "Alice An")])
