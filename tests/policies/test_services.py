"""Policy versions: engine validation with lines, maker-checker, immutability, one active."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import translation

from rmperf.core.models import AuditEvent
from rmperf.policies.kinds import KINDS
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.selectors import policy_active, policy_loaded
from rmperf.policies.services import (
    policy_version_activate,
    policy_version_approve,
    policy_version_create,
)
from tests.factories import Bank

DEFAULT = KINDS["segmentation"].default_text()
STRICTER = DEFAULT.replace("frequency_min: 5", "frequency_min: 6")


def _superuser() -> object:
    from django.contrib.auth.models import User

    return User.objects.create(username="root", is_superuser=True, is_staff=True)


def test_the_shipped_default_is_recorded_on_first_use(db: None) -> None:
    first = policy_active("segmentation")
    assert first.is_default and first.status == PolicyStatus.ACTIVE
    assert first.yaml_text == DEFAULT
    assert policy_active("segmentation") == first  # once
    assert PolicyVersion.objects.count() == 1
    assert AuditEvent.objects.filter(verb="policy.default").count() == 1
    assert policy_loaded(first).digest == first.digest


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.mark.usefixtures("english")
def test_maker_checker_then_activation_retires_the_previous(bank: Bank) -> None:
    hannah = bank.user("hannah")
    default = policy_active("segmentation")
    draft = policy_version_create(actor=hannah, kind="segmentation", yaml_text=STRICTER, label="v2")
    assert draft.status == PolicyStatus.DRAFT and draft.digest != default.digest
    with pytest.raises(ValidationError, match="someone other than its author"):
        policy_version_approve(actor=hannah, version_id=draft.pk)
    with pytest.raises(ValidationError, match="approved version"):
        policy_version_activate(actor=hannah, version_id=draft.pk)
    checker = _superuser()
    approved = policy_version_approve(actor=checker, version_id=draft.pk)
    assert approved.status == PolicyStatus.APPROVED and approved.approved_by == checker
    with pytest.raises(ValidationError, match="Only a draft"):
        policy_version_approve(actor=checker, version_id=draft.pk)  # immutable now
    active = policy_version_activate(actor=hannah, version_id=draft.pk)
    default.refresh_from_db()
    assert active.status == PolicyStatus.ACTIVE and default.status == PolicyStatus.RETIRED
    assert policy_active("segmentation") == active
    assert policy_loaded(active).policy.tiers[0].frequency_min == 6
    verbs = list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))
    assert verbs == [
        "policy.default", "policy.create", "policy.approve", "policy.retire", "policy.activate",
    ]  # fmt: skip
    # The old one can come back: it was approved once and never changed.
    policy_version_activate(actor=hannah, version_id=default.pk)
    assert policy_active("segmentation") == default


def test_the_database_keeps_one_active_version_and_maker_is_not_checker(bank: Bank) -> None:
    default = policy_active("segmentation")
    hannah = bank.user("hannah")
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.create(
            kind="segmentation", label="x", yaml_text=DEFAULT, digest=default.digest,
            status=PolicyStatus.ACTIVE, created_at=default.created_at,
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.create(
            kind="segmentation", label="y", yaml_text=DEFAULT, digest=default.digest,
            created_by=hannah, approved_by=hannah, created_at=default.created_at,
        )  # fmt: skip


@pytest.mark.usefixtures("english")
def test_an_invalid_policy_is_refused_with_its_line(bank: Bank) -> None:
    broken = DEFAULT.replace("frequency_min: 5", "frequency_min: -5")
    with pytest.raises(ValidationError) as info:
        policy_version_create(actor=bank.user("hannah"), kind="segmentation", yaml_text=broken)
    (message,) = info.value.messages
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "frequency_min: -5" in text)
    assert f"segmentation.yaml:{line}:" in message and "frequency_min" in message
    with pytest.raises(ValidationError, match="yaml_syntax"):
        policy_version_create(actor=bank.user("hannah"), kind="segmentation", yaml_text="a: [")
    assert not PolicyVersion.objects.exclude(is_default=True).exists()


@pytest.mark.parametrize("persona", ["alice", "mike", "audrey", "terry"])
def test_only_hr_writes_policies(bank: Bank, persona: str) -> None:
    with pytest.raises(Http404):
        policy_version_create(actor=bank.user(persona), kind="segmentation", yaml_text=DEFAULT)
