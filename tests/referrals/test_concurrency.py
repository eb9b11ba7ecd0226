"""Concurrent writers on real connections: two receivers' clicks on one referral, two
approvals against one balance. Exactly one wins; the balance never goes negative.

Runs on PostgreSQL (DATABASE_URL) and SQLite. On PostgreSQL the loser's conditional UPDATE
waits for the winner's row lock, re-reads the row and matches nothing: a ValidationError.
SQLite's test database is a shared-cache in-memory database whose table locks fail fast
("database table is locked") instead of waiting (production SQLite waits: WAL, busy_timeout,
IMMEDIATE transactions); either way exactly one writer wins, which is what is asserted."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections

from rmperf.core.models import AuditEvent
from rmperf.referrals.models import PointsAccount, PointsEntry, Referral
from rmperf.referrals.services import redemption_decide, redemption_request, referral_transition
from tests.factories import Bank, build_bank
from tests.referrals.helpers import refer
from tests.referrals.test_points import give

pytestmark = pytest.mark.django_db(transaction=True)


def lost(outcome: Any) -> bool:
    """The losing writer's outcome: refused by the service, or (SQLite) by a table lock."""
    if isinstance(outcome, ValidationError):
        return True
    return (
        connection.vendor == "sqlite"
        and isinstance(outcome, OperationalError)
        and "locked" in str(outcome)
    )


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at once on their own connections; their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, fn: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def tbank() -> Bank:
    return build_bank()


def _transition_befores(rid: int) -> list[str]:
    return [
        e.before["state"]
        for e in AuditEvent.objects.filter(object_type="referral", object_id=str(rid))
        .exclude(verb="referral.create")
        .order_by("seq")
    ]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"action": "accept"}, {"action": "accept"}),  # a double click, two tabs
        (
            {"action": "lose", "lost_reason": "declined"},
            {"action": "lose", "lost_reason": "unreachable"},
        ),
        ({"action": "accept"}, {"action": "lose", "lost_reason": "declined"}),
    ],
)
def test_two_transitions_from_one_state_cannot_both_win(
    tbank: Bank, first: dict[str, str], second: dict[str, str]
) -> None:
    """Both clicks are made on a page showing `created`. Whatever the interleaving, no two
    transitions leave the same state: a second writer either waited and finds the state
    moved (refused), or (only when it started after the first committed) saw the new state
    and made a move valid from it (accept, then lose from accepted)."""
    for _ in range(5):
        Referral.objects.all().delete()
        r = refer(tbank, tbank.c001.__class__.objects.filter(pk="C900").first())
        alice, rid = tbank.user("alice"), r.pk
        out = race(
            functools.partial(referral_transition, actor=alice, referral_id=rid, **first),
            functools.partial(referral_transition, actor=alice, referral_id=rid, **second),
        )
        wins = [o for o in out if isinstance(o, Referral)]
        assert all(isinstance(o, Referral) or lost(o) for o in out), out
        assert wins, out
        befores = _transition_befores(rid)
        assert len(befores) == len(wins)
        assert len(set(befores)) == len(befores), befores  # never two moves from one state
        if first == second:
            assert len(wins) == 1  # the same move twice: the second is always refused


def test_two_approvals_cannot_overdraw_the_balance(tbank: Bank) -> None:
    give("S-ALICE", 450)
    alice = tbank.user("alice")
    first = redemption_request(actor=alice, item_id="leave_half_day")  # 250
    PointsAccount.objects.filter(pk="S-ALICE").update(balance=900)
    second = redemption_request(actor=alice, item_id="leave_half_day")  # 250
    PointsAccount.objects.filter(pk="S-ALICE").update(balance=300)  # covers one of the two
    out = race(
        lambda: redemption_decide(actor=tbank.user("tina"), redemption_id=first.pk, approve=True),
        lambda: redemption_decide(actor=tbank.user("mike"), redemption_id=second.pk, approve=True),
    )
    assert sum(lost(o) for o in out) == 1, out
    acct = PointsAccount.objects.get(pk="S-ALICE")
    assert acct.balance == 50  # 300 − 250
    debits = PointsEntry.objects.filter(account=acct, points__lt=0)
    assert [(e.points, e.balance_after) for e in debits] == [(-250, 50)]


def test_two_requests_cannot_both_count_the_same_free_points(tbank: Bank) -> None:
    give("S-ALICE", 250)
    alice = tbank.user("alice")
    out = race(
        lambda: redemption_request(actor=alice, item_id="leave_half_day"),
        lambda: redemption_request(actor=alice, item_id="leave_half_day"),
    )
    assert sum(lost(o) for o in out) == 1, out
