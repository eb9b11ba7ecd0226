"""The inbox's counts (to accept, overdue, in progress) in one aggregate query, with the
same figures as counting each (issue #18, bench/load.md)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rmperf.referrals.models import Referral, State
from rmperf.referrals.selectors import inbox_counts
from tests.factories import Bank
from tests.referrals.helpers import new_customer, refer


def test_inbox_counts_in_one_query(bank: Bank) -> None:
    late = timezone.now() - dt.timedelta(days=30)
    opened = timezone.localdate() - dt.timedelta(days=32)
    # created a month ago (two days after the customer opened): overdue
    old = refer(bank, new_customer(bank, "C901", opened_on=opened), now=late)
    refer(bank, new_customer(bank, "C902"))  # created now: waiting, not overdue
    accepted = refer(bank, new_customer(bank, "C903"))
    contacted = refer(bank, new_customer(bank, "C904"))
    Referral.objects.filter(pk=accepted.pk).update(state=State.ACCEPTED)
    Referral.objects.filter(pk=contacted.pk).update(state=State.CONTACTED)
    assert old.due_at < timezone.now()
    alice = bank.user("alice")
    inbox_counts(actor=alice)  # alice's staff record, loaded
    with CaptureQueriesContext(connection) as ctx:
        counts = inbox_counts(actor=alice)
    # new: C901, C902 = 2; overdue: C901 = 1; open (accepted or contacted): C903, C904 = 2
    assert counts == {"new": 2, "overdue": 1, "open": 2}
    assert len(ctx.captured_queries) == 1
    # terry made them: none waits for him
    assert inbox_counts(actor=bank.user("terry")) == {"new": 0, "overdue": 0, "open": 0}
