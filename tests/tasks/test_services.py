"""The daily run: dedupe on re-run, done/dismissed stay so, self-closing with a reason,
windowed tasks stay overdue, the app-side contact verification, interactions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rmperf.core.models import AuditEvent
from rmperf.customers.models import Assignment, Customer
from rmperf.tasks.models import CloseReason, Interaction, Task, TaskStatus
from rmperf.tasks.services import (
    interaction_log,
    task_dismiss,
    task_done,
    task_run,
    task_snooze,
)
from tests.factories import Bank
from tests.tasks.conftest import iso, make_task, persona_lake

pytestmark = pytest.mark.django_db


def request(b, rid: str, cid: str, received: dt.date, resolved: str = "") -> None:  # type: ignore[no-untyped-def]
    b.add(
        "requests",
        {"request_id": rid, "customer_id": cid, "staff_id": "RM1",
         "received_at": f"{iso(received)}T09:00:00+08:00", "resolved_at": resolved},
    )  # fmt: skip


def keys(**filters: object) -> set[tuple[str, str, str, str, str]]:
    return set(
        Task.objects.filter(**filters).values_list(
            "staff_id", "customer_id", "kind", "source_key", "status"
        )
    )


def test_run_creates_then_rerun_creates_nothing(bank: Bank, tmp_path: Path) -> None:
    today = timezone.localdate()
    b = persona_lake(today)
    request(b, "Q1", "C001", today)
    request(b, "Q2", "ZZ9", today)  # ZZ9 is not in the app: skipped
    lake = b.write(tmp_path / "lake")
    first = task_run(actor=None, as_of=today, lake_dir=lake)
    assert (first.proposed, first.created, first.closed, first.skipped) == (1, 1, 0, 1)
    assert keys() == {("S-ALICE", "C001", "request_sla", "Q1", "open")}
    task = Task.objects.get()
    assert task.due_date == today + dt.timedelta(days=1)  # 09:00 + 24 h
    # Done stays done; a re-run the same day creates no duplicate.
    task_done(actor=bank.user("alice"), task_ids=[task.pk])
    again = task_run(actor=None, as_of=today, lake_dir=lake)
    assert (again.created, again.closed) == (0, 0)
    assert keys() == {("S-ALICE", "C001", "request_sla", "Q1", "done")}
    assert AuditEvent.objects.filter(verb="tasks.run").count() == 2


def test_dismissed_stays_dismissed(bank: Bank, tmp_path: Path) -> None:
    today = timezone.localdate()
    b = persona_lake(today)
    request(b, "Q1", "C001", today)
    lake = b.write(tmp_path / "lake")
    task_run(actor=None, as_of=today, lake_dir=lake)
    task = Task.objects.get()
    task_dismiss(actor=bank.user("alice"), task_ids=[task.pk], reason="已电话沟通")
    task_run(actor=None, as_of=today, lake_dir=lake)
    task.refresh_from_db()
    assert (task.status, task.note) == (TaskStatus.DISMISSED, "已电话沟通")


def test_answered_request_closes_its_task(bank: Bank, tmp_path: Path) -> None:
    today = timezone.localdate()
    b = persona_lake(today)
    request(b, "Q1", "C001", today - dt.timedelta(days=1))
    task_run(actor=None, as_of=today - dt.timedelta(days=1), lake_dir=b.write(tmp_path / "a"))
    b2 = persona_lake(today)
    request(b2, "Q1", "C001", today - dt.timedelta(days=1), f"{iso(today)}T08:00:00+08:00")
    run = task_run(actor=None, as_of=today, lake_dir=b2.write(tmp_path / "b"))
    assert run.closed == 1
    task = Task.objects.get()
    assert (task.status, task.close_reason) == (TaskStatus.CLOSED, CloseReason.ANSWERED)


def test_reassigned_customer_closes_the_old_rms_task(bank: Bank, tmp_path: Path) -> None:
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    b = persona_lake(today)
    request(b, "Q1", "C001", yesterday)
    task_run(actor=None, as_of=yesterday, lake_dir=b.write(tmp_path / "a"))
    # C001 moves to bob today, in the lake and in the app.
    b2 = persona_lake(today)
    b2.tables["assignments"] = [a for a in b2.tables["assignments"] if a["customer_id"] != "C001"]
    b2.add(
        "assignments",
        {"customer_id": "C001", "staff_id": "S-ALICE", "valid_from": "2020-01-01",
         "valid_to": iso(yesterday)},
        {"customer_id": "C001", "staff_id": "S-BOB", "valid_from": iso(today), "valid_to": ""},
    )  # fmt: skip
    request(b2, "Q1", "C001", yesterday)
    Assignment.objects.filter(customer_id="C001").update(valid_to=yesterday)
    Assignment.objects.create(customer_id="C001", staff=bank.bob, valid_from=today)
    run = task_run(actor=None, as_of=today, lake_dir=b2.write(tmp_path / "b"))
    assert (run.created, run.closed) == (1, 1)
    assert keys() == {
        ("S-ALICE", "C001", "request_sla", "Q1", "closed"),
        ("S-BOB", "C001", "request_sla", "Q1", "open"),
    }
    old = Task.objects.get(staff=bank.alice)
    assert old.close_reason == CloseReason.REASSIGNED


def test_a_passed_birthday_stays_overdue_then_expires(bank: Bank, tmp_path: Path) -> None:
    today = timezone.localdate()
    birthday = today - dt.timedelta(days=3)
    b = persona_lake(today)
    b.tables["customers"][0]["birth_date"] = f"1990-{birthday:%m-%d}"
    lake = b.write(tmp_path / "lake")
    task_run(actor=None, as_of=today - dt.timedelta(days=5), lake_dir=lake)  # window D … D+3
    assert keys(kind="birthday") == {("S-ALICE", "C001", "birthday", iso(birthday), "open")}
    run = task_run(actor=None, as_of=today, lake_dir=lake)
    # On D − 5 nobody had transacted yet (the lake's transactions are on D − 1), so both
    # customers were sleeping; on D they are active again: those two close as woken.
    assert run.closed == 2
    assert set(Task.objects.filter(status="closed").values_list("kind", "close_reason")) == {
        ("wake_up", CloseReason.WOKEN)
    }
    # The birthday went by: it stays open (overdue), its cause did not go away.
    assert keys(kind="birthday") == {("S-ALICE", "C001", "birthday", iso(birthday), "open")}
    # expire_after_days = 30: due D − 31 is expired at D.
    task = Task.objects.get(kind="birthday")
    Task.objects.filter(pk=task.pk).update(due_date=today - dt.timedelta(days=31))
    task_run(actor=None, as_of=today, lake_dir=lake)
    task.refresh_from_db()
    assert (task.status, task.close_reason) == (TaskStatus.CLOSED, CloseReason.EXPIRED)


def test_verified_interaction_refreshes_contact_and_closes_refresh_task(
    bank: Bank, tmp_path: Path
) -> None:
    today = timezone.localdate()
    b = persona_lake(today)
    b.tables["customers"][0]["contact_verified_on"] = "2020-01-01"  # stale in the lake
    lake = b.write(tmp_path / "lake")
    task_run(actor=None, as_of=today, lake_dir=lake)
    task = Task.objects.get(kind="contact_refresh")
    assert task.source_key == "2020-01-01"
    item = interaction_log(
        actor=bank.user("alice"),
        customer=bank.c001,
        channel="phone",
        outcome="reached",
        contact_verified=True,
        next_step="季度资产检视",
        task=task,
        complete_task=True,
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert item.task == task
    assert Customer.objects.get(pk="C001").contact_verified_on == today
    # The lake still says 2020-01-01; the app's verification wins: no new task.
    again = task_run(actor=None, as_of=today, lake_dir=lake)
    assert again.created == 0
    assert Task.objects.filter(kind="contact_refresh").count() == 1


def test_verified_interaction_without_task_closes_open_refresh_task(bank: Bank) -> None:
    task = make_task(staff=bank.alice, customer=bank.c001, kind="contact_refresh")
    interaction_log(
        actor=bank.user("alice"), customer=bank.c001, channel="wechat", outcome="reached",
        contact_verified=True,
    )  # fmt: skip
    task.refresh_from_db()
    assert (task.status, task.close_reason) == (TaskStatus.CLOSED, CloseReason.CONTACT_VERIFIED)


def test_unverified_interaction_changes_nothing_else(bank: Bank) -> None:
    before = Customer.objects.get(pk="C001").contact_verified_on
    interaction_log(actor=bank.user("alice"), customer=bank.c001, channel="sms",
                    outcome="no_answer")  # fmt: skip
    assert Customer.objects.get(pk="C001").contact_verified_on == before
    assert Interaction.objects.count() == 1


def test_interaction_out_of_scope_or_bad_is_refused(bank: Bank) -> None:
    with pytest.raises(PermissionDenied):
        interaction_log(actor=bank.user("bob"), customer=bank.c001, channel="sms",
                        outcome="reached")  # fmt: skip
    with pytest.raises(PermissionDenied):
        interaction_log(actor=bank.user("audrey"), customer=bank.c001, channel="sms",
                        outcome="reached")  # fmt: skip
    with pytest.raises(ValidationError):
        interaction_log(actor=bank.user("alice"), customer=bank.c001, channel="fax",
                        outcome="reached")  # fmt: skip
    other = make_task(staff=bank.alice, customer=bank.c002)
    with pytest.raises(ValidationError):
        interaction_log(actor=bank.user("alice"), customer=bank.c001, channel="sms",
                        outcome="reached", task=other)  # fmt: skip
    assert Interaction.objects.count() == 0


def test_actions_only_on_own_open_tasks_all_or_nothing(bank: Bank) -> None:
    mine = make_task(staff=bank.alice, customer=bank.c001, key="a")
    bobs = make_task(staff=bank.bob, customer=bank.c100, key="b")
    with pytest.raises(PermissionDenied):
        task_done(actor=bank.user("alice"), task_ids=[mine.pk, bobs.pk])
    mine.refresh_from_db()
    assert mine.status == TaskStatus.OPEN  # nothing written
    with pytest.raises(PermissionDenied):  # the team leader views but does not act
        task_done(actor=bank.user("tina"), task_ids=[mine.pk])
    with pytest.raises(ValidationError):
        task_dismiss(actor=bank.user("alice"), task_ids=[mine.pk], reason="  ")
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        task_snooze(actor=bank.user("alice"), task_ids=[mine.pk], until=today)
    with pytest.raises(ValidationError):  # snooze_max_days = 90
        task_snooze(actor=bank.user("alice"), task_ids=[mine.pk],
                    until=today + dt.timedelta(days=91))  # fmt: skip
    assert task_snooze(actor=bank.user("alice"), task_ids=[mine.pk],
                       until=today + dt.timedelta(days=90)) == 1  # fmt: skip
    task_done(actor=bank.user("alice"), task_ids=[mine.pk])
    with pytest.raises(ValidationError):  # already done
        task_dismiss(actor=bank.user("alice"), task_ids=[mine.pk], reason="x")


def test_run_reuses_the_days_stored_segmentation(bank: Bank, tmp_path: Path) -> None:
    # The stored run says C001 is sleeping (the lake says active): the wake-up task comes
    # from the stored tiers, which shows they were read instead of recomputed.
    from decimal import Decimal

    from rmperf.core.runs import RunStatus
    from rmperf.policies.kinds import PolicyKind
    from rmperf.policies.selectors import policy_active
    from rmperf.segments.models import CustomerSegment, SegmentRun

    today = timezone.localdate()
    lake = persona_lake(today).write(tmp_path / "lake")
    version = policy_active(PolicyKind.SEGMENTATION)
    run = SegmentRun.objects.create(
        as_of=today, policy=version, lake_path=str(lake.resolve()),
        status=RunStatus.SUCCEEDED, finished_at=timezone.now(),
    )  # fmt: skip
    CustomerSegment.objects.create(
        run=run, policy_version=version, as_of=today, customer=bank.c001, unit=bank.branch_a,
        rm=bank.alice, recency_days=200, frequency=0, monetary=Decimal("0.00"), tier="sleeping",
        product_count=0, contribution=Decimal("0.00"),
    )  # fmt: skip
    task_run(actor=None, as_of=today, lake_dir=lake)
    wake = Task.objects.get(kind="wake_up")
    assert (wake.staff_id, wake.customer_id) == ("S-ALICE", "C001")
    assert wake.source_key == f"since:{iso(today - dt.timedelta(days=200))}"
