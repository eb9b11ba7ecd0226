"""The hash-chained audit log: appended in order, and any edit or removal is detected."""

from __future__ import annotations

import pytest

from rmperf.core.audit import GENESIS, audit_record, audit_verify
from rmperf.core.models import AuditEvent
from tests.factories import Bank


@pytest.fixture
def three_events(bank: Bank) -> list[AuditEvent]:
    alice = bank.user("alice")
    return [
        audit_record(actor=alice, verb="customer.reveal_pi", object_type="customer",
                     object_id="C001", after={"fields": ["phone"]}),
        audit_record(actor=None, verb="lake.import", object_type="lake", object_id="demo"),
        audit_record(actor=alice, verb="customer.reveal_pi", object_type="customer",
                     object_id="C002"),
    ]  # fmt: skip


def test_events_chain_from_genesis(three_events: list[AuditEvent]) -> None:
    first, second, third = three_events
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert first.actor_label == "alice" and second.actor_label == "system"
    assert audit_verify() == []


def test_an_edited_event_is_detected(three_events: list[AuditEvent]) -> None:
    AuditEvent.objects.filter(pk=three_events[1].pk).update(object_id="other")
    assert audit_verify() == [f"event {three_events[1].seq} was changed after it was written"]


def test_a_removed_event_is_detected(three_events: list[AuditEvent]) -> None:
    middle = three_events[1].seq
    AuditEvent.objects.filter(pk=middle).delete()
    problems = audit_verify()
    assert f"events {middle}..{middle} are missing" in problems
    assert f"event {three_events[2].seq} does not link to the event before it" in problems
