"""Tasks, recommendation runs, campaigns' rules and referrals use the active version of
their policy and record it (the scorecards: tests/performance/test_policy_version.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from rmperf.core.models import AuditEvent
from rmperf.policies.kinds import KINDS
from rmperf.policies.models import PolicyVersion
from rmperf.policies.selectors import policy_active
from rmperf.policies.services import (
    policy_version_activate,
    policy_version_approve,
    policy_version_create,
)
from rmperf.recommend.services import recommendation_run
from rmperf.referrals.services import referrals_sweep
from rmperf.tasks.models import Task
from rmperf.tasks.services import task_run
from tests.factories import Bank
from tests.recommend.test_app import D
from tests.recommend.test_app import lake as recommend_lake
from tests.referrals.helpers import refer
from tests.tasks.conftest import iso, persona_lake

pytestmark = pytest.mark.django_db


def _activate(bank: Bank, kind: str, old: str, new: str, label: str = "v2") -> PolicyVersion:
    """HR (hannah) drafts the shipped text with one change, a superuser approves it, hannah
    activates it."""
    text = KINDS[kind].default_text()
    assert text.count(old) == 1, old
    draft = policy_version_create(
        actor=bank.user("hannah"), kind=kind, yaml_text=text.replace(old, new), label=label
    )
    checker = User.objects.create(username=f"checker-{kind}", is_superuser=True)
    policy_version_approve(actor=checker, version_id=draft.pk)
    return policy_version_activate(actor=bank.user("hannah"), version_id=draft.pk)


def test_a_task_run_uses_and_records_the_active_tasks_policy(bank: Bank, tmp_path: Path) -> None:
    today = timezone.localdate()
    b = persona_lake(today)
    b.add(
        "requests",
        {"request_id": "Q1", "customer_id": "C001", "staff_id": "RM1",
         "received_at": f"{iso(today)}T09:00:00+08:00", "resolved_at": ""},
    )  # fmt: skip
    lake = b.write(tmp_path / "lake")
    first = task_run(actor=None, as_of=today, lake_dir=lake)
    default = policy_active("tasks")
    assert first.policy == default and first.policy_label == f"tasks {default.label}"
    # 09:00 + 24 h → due tomorrow (the shipped response_hours: 24).
    assert Task.objects.get(source_key="Q1").due_date == today + dt.timedelta(days=1)
    v2 = _activate(bank, "tasks", "response_hours: 24", "response_hours: 72")
    Task.objects.all().delete()
    second = task_run(actor=None, as_of=today, lake_dir=lake)
    assert second.policy == v2 and second.policy_label == "tasks v2"
    assert second.policy_digest == v2.digest
    # 09:00 + 72 h → due in three days under v2.
    assert Task.objects.get(source_key="Q1").due_date == today + dt.timedelta(days=3)
    event = AuditEvent.objects.filter(verb="tasks.run").order_by("-seq").first()
    assert event is not None and event.after["policy_version"] == "tasks v2"


def test_a_recommendation_run_records_the_active_rules_or_the_file(
    bank: Bank, tmp_path: Path
) -> None:
    path = recommend_lake(tmp_path)
    run = recommendation_run(actor=None, as_of=D, lake_dir=path)
    default = policy_active("recommend")
    assert run.policy == default and run.policy_label == f"recommend {default.label}"
    assert run.policy_version == default.digest[:12]
    v2 = _activate(bank, "recommend", "typical_ticket:", "typical_ticket:  # 2027")
    again = recommendation_run(actor=None, as_of=D, lake_dir=path)
    assert again.policy == v2 and again.policy_label == "recommend v2"
    # A policy file given to the run (the CLI's --policy) is named, not a stored version.
    file = tmp_path / "rules.yaml"
    file.write_text(KINDS["recommend"].default_text(), encoding="utf-8")
    by_file = recommendation_run(actor=None, as_of=D, lake_dir=path, policy_path=file)
    assert by_file.policy is None and by_file.policy_label == f"file {file}"


def test_referrals_record_the_rule_book_version_and_the_sweep_names_it(bank: Bank) -> None:
    first = refer(bank)
    default = policy_active("referrals")
    assert first.policy == default and first.policy_label == f"referrals {default.label}"
    assert (first.expires_at - first.created_at) == dt.timedelta(hours=48)
    _activate(bank, "referrals", "expire_after_hours: 48", "expire_after_hours: 72")
    from tests.referrals.helpers import new_customer

    second = refer(bank, new_customer(bank, "C901"))
    assert second.policy_label == "referrals v2"
    assert (second.expires_at - second.created_at) == dt.timedelta(hours=72)
    assert AuditEvent.objects.filter(verb="referral.create").order_by("-seq")[0].after[
        "policy"
    ] == ("referrals v2")
    assert referrals_sweep(actor=None).policy_label == "referrals v2"


def test_a_campaign_records_the_recommend_rules_it_was_listed_with(
    bank: Bank, tmp_path: Path
) -> None:
    from tests.factories import make_assignment, make_customer
    from tests.recommend import test_campaigns as tc
    from tests.segments.factories import make_run

    long_ago = tc.TODAY - dt.timedelta(days=400)
    for cid, rm in (("C020", bank.alice), ("C030", bank.carol), ("C031", bank.carol)):
        c = make_customer(customer_id=cid, name=f"客户{cid}", unit=bank.branch_a)
        make_assignment(customer=c, staff=rm, valid_from=long_ago)
    make_run()
    v2 = _activate(bank, "recommend", "typical_ticket:", "typical_ticket:  # 2027")
    campaign = tc.create(bank, tc.lake(tmp_path))
    assert campaign.policy == v2 and campaign.policy_label == "recommend v2"
    event = AuditEvent.objects.get(verb="recommend.campaign_create")
    assert event.after["policy"] == "recommend v2"
    page = Client()
    page.force_login(bank.user("mike"))
    body = page.get(f"/recommend/campaigns/{campaign.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Rules: Recommendation and suitability rules · v2" in body.content.decode()
