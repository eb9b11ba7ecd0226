"""Segmentation runs: persistence, idempotent re-runs, history across dates, access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from rmperf.core.models import AuditEvent
from rmperf.core.runs import RunStatus
from rmperf.policies.models import PolicyVersion
from rmperf.segments.models import CustomerSegment, SegmentRun
from rmperf.segments.services import SegmentRunError, segment_run, segment_run_latest
from tests.segments.conftest import AS_OF, LakeBank

pytestmark = pytest.mark.django_db


def _tiers(run: SegmentRun) -> dict[str, str]:
    return dict(run.rows.values_list("customer_id", "tier"))


def test_a_run_stores_every_customer_with_policy_version_and_run(lake_bank: LakeBank) -> None:
    run = segment_run(actor=None, as_of=AS_OF)
    assert run.status == RunStatus.SUCCEEDED
    assert _tiers(run) == {"K1": "potential", "K2": "sleeping", "K3": "basic", "K4": "other"}
    assert run.tier_counts == {"potential": 1, "sleeping": 1, "basic": 1, "other": 1}
    assert run.row_count == 4 and run.skipped == 0
    k1 = run.rows.get(customer_id="K1")
    assert (k1.recency_days, k1.frequency, k1.monetary) == (1, 3, Decimal("516666.67"))
    assert k1.rm_id == "RM1" and k1.unit_id == "BR1" and k1.as_of == AS_OF
    assert k1.policy_version == run.policy and k1.run_id == run.pk
    assert k1.last_contact_on == dt.date(2026, 9, 20)
    k3 = run.rows.get(customer_id="K3")
    assert (k3.recency_days, k3.frequency, k3.monetary, k3.rm_id) == (
        59,
        2,
        Decimal("50000.00"),
        "RM2",
    )
    # The policy in force was the shipped default, recorded as a version on first use.
    version = PolicyVersion.objects.get()
    assert version.is_default and version.status == "active"
    event = AuditEvent.objects.get(verb="segments.run")
    assert event.object_id == str(run.run_id)
    assert event.after["customers"] == 4 and event.after["policy_digest"] == version.digest


def test_engine_tag_columns_are_stored_when_the_engine_gives_them(lake_bank: LakeBank) -> None:
    run = segment_run(actor=None, as_of=AS_OF)
    k1 = run.rows.get(customer_id="K1")
    columns = {f.name for f in CustomerSegment._meta.fields}
    assert {"holdings", "tags", "contribution", "product_count"} <= columns
    if k1.product_count is not None:  # the engine's tag columns are present
        assert "wealth" in k1.held and "deposit" in k1.held


def test_a_rerun_replaces_the_rows_of_the_same_date_and_policy(lake_bank: LakeBank) -> None:
    first = segment_run(actor=None, as_of=AS_OF)
    second = segment_run(actor=None, as_of=AS_OF)
    first.refresh_from_db()
    assert first.status == RunStatus.SUPERSEDED and not first.rows.exists()
    assert second.status == RunStatus.SUCCEEDED and second.run_id != first.run_id
    assert CustomerSegment.objects.count() == 4
    assert _tiers(second) == {"K1": "potential", "K2": "sleeping", "K3": "basic", "K4": "other"}


def test_other_dates_are_kept_so_the_tier_path_is_visible(lake_bank: LakeBank) -> None:
    earlier = segment_run(actor=None, as_of=dt.date(2026, 8, 31))
    later = segment_run(actor=None, as_of=AS_OF)
    assert earlier.rows.count() == 4 and later.rows.count() == 4
    # K3 on 2026-08-31: R = 29, F = 2, M = 0 (no balances Jun–Aug) → other.
    assert _tiers(earlier)["K3"] == "other" and _tiers(later)["K3"] == "basic"
    path = list(
        CustomerSegment.objects.filter(customer_id="K3")
        .order_by("as_of")
        .values_list("tier", flat=True)
    )
    assert path == ["other", "basic"]


def test_customers_opened_after_the_date_are_not_segmented(lake_bank: LakeBank) -> None:
    run = segment_run(actor=None, as_of=dt.date(2026, 5, 31))
    assert "K4" not in _tiers(run)


def test_the_latest_run_is_at_the_last_transaction_day(lake_bank: LakeBank) -> None:
    run = segment_run_latest()
    # K1's last transaction: 2026-09-29 23:30 bank time.
    assert run.as_of == dt.date(2026, 9, 29)


def test_only_managers_and_hr_start_runs(lake_bank: LakeBank) -> None:
    with pytest.raises(Http404):
        segment_run(actor=lake_bank.users["rm1"], as_of=AS_OF)
    with pytest.raises(Http404):
        segment_run(actor=lake_bank.users["tl1"], as_of=AS_OF)
    run = segment_run(actor=lake_bank.users["bm1"], as_of=AS_OF)
    assert run.actor_label == "bm1"


def test_a_draft_policy_cannot_be_run(lake_bank: LakeBank) -> None:
    from rmperf.policies.selectors import policy_active

    active = policy_active("segmentation")
    draft = PolicyVersion.objects.create(
        kind="segmentation", label="d1", yaml_text=active.yaml_text, digest=active.digest,
        created_at=active.created_at,
    )  # fmt: skip
    with pytest.raises(SegmentRunError):
        segment_run(actor=None, as_of=AS_OF, policy_version=draft)


def test_without_a_lake_a_run_says_so(db: None) -> None:
    with pytest.raises(SegmentRunError):
        segment_run(actor=None, as_of=AS_OF)


def test_the_task_and_the_command_run_the_service(lake_bank: LakeBank) -> None:
    from io import StringIO

    from django.core.management import call_command

    from rmperf.segments.background import segment_run_task

    run_id = segment_run_task.call(as_of=AS_OF.isoformat())
    assert SegmentRun.objects.get(run_id=run_id).status == RunStatus.SUCCEEDED
    out = StringIO()
    call_command("segment_run", "--as-of", "2026-09-30", stdout=out)
    assert "4 customers" in out.getvalue()
    assert SegmentRun.objects.filter(status=RunStatus.SUCCEEDED).count() == 1


def test_a_failing_engine_leaves_a_failed_run_and_no_rows(
    lake_bank: LakeBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rmperf.segments import services

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(services, "segment", broken)
    with pytest.raises(SegmentRunError, match="disk gone"):
        segment_run(actor=None, as_of=AS_OF)
    run = SegmentRun.objects.get()
    assert run.status == RunStatus.FAILED and "disk gone" in run.problem
    assert not CustomerSegment.objects.exists()
    assert AuditEvent.objects.filter(verb="segments.run.failed").count() == 1
