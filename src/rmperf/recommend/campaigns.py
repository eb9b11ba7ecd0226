"""Writes of campaigns: create (the target list through the suitability gate), the RM's
offer log on a target, and tracking results from the lake (purchases, complaints).
Every write is atomic and audited (shared/STYLE.md convention 2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rmperf.core.access import Action, scope_of, staff_of
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.customers.models import Assignment, Customer, current_on
from rmperf.engine.contract import PRODUCT_CATEGORIES
from rmperf.engine.lake import Lake
from rmperf.engine.recommend.campaign import CampaignListError, campaign_list
from rmperf.lakes.selectors import lake_current
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_in_force
from rmperf.recommend.models import (
    Campaign,
    CampaignStatus,
    CampaignTarget,
    CampaignWithheld,
    Outcome,
)
from rmperf.recommend.services import first_purchase, holding_starts
from rmperf.segments.models import CustomerSegment, SegmentRun, Tier
from rmperf.segments.selectors import segment_run_current

CENT = Decimal("0.01")
#: Roles that create campaigns for their unit's customers.
CAMPAIGN_ROLES = frozenset({"branch_manager"})


class CampaignError(ValueError):
    """A campaign that cannot be created or an offer that cannot be logged, with why."""


def campaign_may_create(*, actor: Actor) -> bool:
    scope = scope_of(actor)
    return (
        scope is not None
        and not scope.read_only
        and scope.role in CAMPAIGN_ROLES
        and staff_of(actor) is not None
    )


def _check(
    name: str,
    tiers: Sequence[str],
    gap_category: str,
    starts_on: dt.date,
    ends_on: dt.date,
) -> None:
    if not name.strip():
        raise CampaignError("name: " + _("a name is required"))
    unknown = sorted(set(tiers) - set(Tier.values))
    if unknown:
        raise CampaignError("tiers: " + _("unknown tier %(tiers)s") % {"tiers": ", ".join(unknown)})
    if gap_category and gap_category not in PRODUCT_CATEGORIES:
        raise CampaignError(
            "gap_category: " + _("unknown category %(category)s") % {"category": gap_category}
        )
    if ends_on < starts_on:
        raise CampaignError("ends_on: " + _("The campaign cannot end before it starts."))


def _segment(
    actor: Actor, run: SegmentRun, tiers: Sequence[str], tags: Sequence[str], gap_category: str
) -> dict[str, CustomerSegment]:
    """The segment's rows of `run` in the actor's scope, by customer id."""
    rows = CustomerSegment.objects.restrict(actor).filter(run=run)
    if tiers:
        rows = rows.filter(tier__in=list(tiers))
    for tag in tags:
        rows = rows.filter(tags__contains=f";{tag};")
    if gap_category:
        rows = rows.exclude(holdings__contains=f";{gap_category};")
    return {r.customer_id: r for r in rows.order_by("customer_id")}


def campaign_create(
    *,
    actor: Actor,
    name: str,
    product_id: str,
    tiers: Sequence[str] = (),
    tags: Sequence[str] = (),
    gap_category: str = "",
    starts_on: dt.date,
    ends_on: dt.date,
    lake_dir: Path | None = None,
) -> Campaign:
    """Create a campaign of the actor's branch: customers in the latest segmentation run
    (in the actor's scope) with one of `tiers` (none: any), every one of `tags`, and not
    holding `gap_category`, passed through the suitability gate for the product. Blocked
    customers are kept apart with the rule and reason, never on the target list."""
    staff = staff_of(actor)
    if staff is None or not campaign_may_create(actor=actor):
        raise Http404
    _check(name, tiers, gap_category, starts_on, ends_on)
    run = segment_run_current()
    if run is None:
        raise CampaignError(_("No segmentation run yet: run the segmentation first."))
    lake_dir = lake_dir or lake_current()
    if lake_dir is None:
        raise CampaignError(_("No lake has been imported yet."))
    segment = _segment(actor, run, tiers, tags, gap_category)
    if not segment:
        raise CampaignError(_("No customer in your scope matches this segment."))
    policy, loaded = policy_in_force(PolicyKind.RECOMMEND)
    lake = Lake(lake_dir, today=timezone.localdate(), time_zone=loaded.policy.time_zone)
    try:
        listed = campaign_list(
            lake,
            as_of=run.as_of,
            policy=loaded.policy,
            product_id=product_id,
            customer_ids=segment,
        )
    except CampaignListError:
        raise CampaignError(
            "product_id: "
            + _("product %(product)s is not in the lake's products") % {"product": product_id}
        ) from None
    today = timezone.localdate()
    rm_today = dict(
        Assignment.objects.filter(current_on(today), customer_id__in=list(segment)).values_list(
            "customer_id", "staff_id"
        )
    )
    product = listed.product
    with transaction.atomic(durable=True):
        campaign = Campaign.objects.create(
            name=name.strip(),
            product_id=product_id,
            product_name=product.name,
            category=product.category,
            revenue_rate=product.revenue_rate,
            tiers=sorted(tiers),
            tags=sorted(tags),
            gap_category=gap_category,
            unit=staff.unit,
            created_by=staff,
            segment_run=run,
            policy=policy,
            policy_label=policy.run_label,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        CampaignTarget.objects.bulk_create(
            CampaignTarget(
                campaign=campaign,
                customer_id=t.scored.customer.customer_id,
                rm_id=rm_today.get(t.scored.customer.customer_id)
                or segment[t.scored.customer.customer_id].rm_id,
                unit_id=segment[t.scored.customer.customer_id].unit_id,
                tier=segment[t.scored.customer.customer_id].tier,
                flags=";".join(f.rule for f in t.flags),
                flag_reason_en="; ".join(f.reason_en for f in t.flags),
                flag_reason_zh="；".join(f.reason_zh for f in t.flags),
            )
            for t in listed.targets
        )
        CampaignWithheld.objects.bulk_create(
            CampaignWithheld(
                campaign=campaign,
                customer_id=b.scored.customer.customer_id,
                rm_id=rm_today.get(b.scored.customer.customer_id)
                or segment[b.scored.customer.customer_id].rm_id,
                product_risk=f"R{b.scored.product.risk}",
                customer_risk=f"C{b.scored.customer.risk}" if b.scored.customer.risk else "",
                rule=f.rule,
                reason_en=f.reason_en,
                reason_zh=f.reason_zh,
            )
            for b in listed.blocked
            for f in b.findings
        )
        audit_record(
            actor=actor,
            verb="recommend.campaign_create",
            object_type="recommend.Campaign",
            object_id=str(campaign.pk),
            after={
                "name": campaign.name,
                "product_id": product_id,
                "unit_id": staff.unit_id,
                "tiers": sorted(tiers),
                "tags": sorted(tags),
                "gap_category": gap_category,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
                "segment_run": str(run.run_id),
                "policy": campaign.policy_label,
                "targeted": len(listed.targets),
                "withheld_customers": len(listed.blocked),
                "not_in_lake": len(listed.unknown),
            },
        )
    return campaign


def campaign_offer_log(*, actor: Actor, target_id: int, outcome: str) -> CampaignTarget:
    """Log the offer of a campaign's product to a target, or its outcome (offered →
    accepted / declined / no answer), while the campaign runs. Only staff who may change
    the customer's records do so; a target out of scope is the same as a missing one."""
    staff = staff_of(actor)
    if outcome not in Outcome.values:
        raise CampaignError(
            "outcome: " + _("one of %(values)s") % {"values": ", ".join(Outcome.values)}
        )
    target: CampaignTarget | None = (
        CampaignTarget.objects.restrict(actor)
        .select_related("campaign")
        .filter(pk=target_id)
        .first()
    )
    allowed = Customer.objects.restrict(actor, Action.CHANGE)
    if target is None or staff is None or not allowed.filter(pk=target.customer_id).exists():
        raise Http404
    today = timezone.localdate()
    c = target.campaign
    if c.status != CampaignStatus.ACTIVE or not c.starts_on <= today <= c.ends_on:
        raise CampaignError(_("Campaign %(name)s is not running today.") % {"name": c.name})
    if target.withdrawn_on is not None:
        raise CampaignError(
            _("%(customer)s was withdrawn from the campaign: %(reason)s")
            % {
                "customer": target.customer_id,
                "reason": target.withdrawn_reason_zh
                if (get_language() or "").startswith("zh")
                else target.withdrawn_reason_en,
            }
        )
    with transaction.atomic(durable=True):
        target = CampaignTarget.objects.select_for_update().get(pk=target.pk)
        before = {"outcome": target.outcome} if target.outcome else None
        if not target.outcome:
            target.offered_by = staff
            target.offered_on = today
            target.offered_at = timezone.now()
        target.outcome = outcome
        target.updated_at = timezone.now()
        target.save(
            update_fields=["outcome", "offered_by", "offered_on", "offered_at", "updated_at"]
        )
        audit_record(
            actor=actor,
            verb="recommend.campaign_offer",
            object_type="recommend.CampaignTarget",
            object_id=str(target.pk),
            before=before,
            after={
                "campaign": c.pk,
                "customer_id": target.customer_id,
                "product_id": c.product_id,
                "outcome": outcome,
            },
        )
    return target


def _complaint(kind: str) -> bool:
    return kind == "complaint" or kind.startswith("complaint.")


def campaign_track(*, actor: Actor, lake_dir: Path | None = None) -> int:
    """Refresh every campaign's results from the lake: accepted targets are attributed
    when the product appears in the holdings within the policy window from the offer day
    (revenue estimate = amount × the product's revenue rate, to the cent), and each
    target's complaints are the lake's `complaint` events (and sub-kinds) whose business
    date lies in the campaign's dates. Returns how many targets changed."""
    lake_dir = lake_dir or lake_current()
    if lake_dir is None:
        raise CampaignError(_("No lake has been imported yet."))
    _policy, loaded = policy_in_force(PolicyKind.RECOMMEND)
    window = loaded.policy.attribution.window_days
    zone = ZoneInfo(loaded.policy.time_zone)
    lake = Lake(lake_dir, today=timezone.localdate(), time_zone=loaded.policy.time_zone)
    starts = holding_starts(lake)
    complaints: dict[str, list[dt.date]] = {}
    for row in lake.valid_rows("events").to_pylist():
        if _complaint(row["kind"]):
            complaints.setdefault(row["customer_id"], []).append(row["ts"].astimezone(zone).date())
    changed = 0
    with transaction.atomic(durable=True):
        for campaign in Campaign.objects.order_by("pk"):
            moved = 0
            for t in CampaignTarget.objects.filter(campaign=campaign).order_by("pk"):
                fields = []
                n = sum(
                    1
                    for d in complaints.get(t.customer_id, [])
                    if campaign.starts_on <= d <= campaign.ends_on
                )
                if n != t.complaints:
                    t.complaints = n
                    fields.append("complaints")
                if (
                    t.outcome == Outcome.ACCEPTED
                    and t.purchased_on is None
                    and t.offered_on is not None
                ):
                    seen = first_purchase(
                        starts, t.customer_id, campaign.product_id, t.offered_on, window
                    )
                    if seen is not None:
                        t.purchased_on, t.purchase_amount = seen
                        t.revenue = (seen[1] * campaign.revenue_rate).quantize(
                            CENT, rounding=ROUND_HALF_UP
                        )
                        fields += ["purchased_on", "purchase_amount", "revenue"]
                if fields:
                    t.save(update_fields=fields)
                    moved += 1
            campaign.tracked_at = timezone.now()
            campaign.save(update_fields=["tracked_at"])
            if moved:
                audit_record(
                    actor=actor,
                    verb="recommend.campaign_track",
                    object_type="recommend.Campaign",
                    object_id=str(campaign.pk),
                    after={"targets_changed": moved},
                )
            changed += moved
    return changed


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh changed on a campaign's list."""

    campaign: Campaign
    added: list[str]
    withdrawn: list[str]
    reinstated: list[str]
    withheld: int  # customers of the segment left off (blocked), new and old
    not_in_lake: int


def _reasons(findings: Sequence[Any]) -> dict[str, str]:
    return {
        "withdrawn_rule": ";".join(f.rule for f in findings)[:200],
        "withdrawn_reason_en": "; ".join(f.reason_en for f in findings),
        "withdrawn_reason_zh": "；".join(f.reason_zh for f in findings),
    }


def campaign_refresh(
    *, actor: Actor, campaign_id: int, lake_dir: Path | None = None
) -> RefreshResult:
    """Re-evaluate a running campaign's segment on the latest segmentation run and lake:
    customers who now match and pass the suitability gate are added; targets for whom
    the product is no longer suitable are withdrawn with the rule and the reason (an
    offer already logged, and its results, stay); withdrawn targets that are suitable
    again come back. Targets who merely left the segment (e.g. they bought the product)
    stay. Only a branch manager of the campaign's unit; atomic and audited."""
    campaign: Campaign | None = (
        Campaign.objects.restrict(actor, Action.CHANGE)
        .filter(pk=campaign_id, status=CampaignStatus.ACTIVE)
        .first()
    )
    if campaign is None or not campaign_may_create(actor=actor):
        raise Http404
    run = segment_run_current()
    if run is None:
        raise CampaignError(_("No segmentation run yet: run the segmentation first."))
    lake_dir = lake_dir or lake_current()
    if lake_dir is None:
        raise CampaignError(_("No lake has been imported yet."))
    segment = _segment(actor, run, campaign.tiers, campaign.tags, campaign.gap_category)
    existing = {
        t.customer_id: t
        for t in CampaignTarget.objects.restrict(actor).filter(campaign=campaign).order_by("pk")
    }
    # The rules in force today decide suitability (they may be stricter than at creation).
    policy, loaded = policy_in_force(PolicyKind.RECOMMEND)
    lake = Lake(lake_dir, today=timezone.localdate(), time_zone=loaded.policy.time_zone)
    try:
        listed = campaign_list(
            lake,
            as_of=run.as_of,
            policy=loaded.policy,
            product_id=campaign.product_id,
            customer_ids=sorted(set(segment) | set(existing)),
        )
    except CampaignListError:
        raise CampaignError(
            _("product %(product)s is not in the lake's products")
            % {"product": campaign.product_id}
        ) from None
    suitable = {t.scored.customer.customer_id: t for t in listed.targets}
    blocked = {b.scored.customer.customer_id: b for b in listed.blocked}
    today = timezone.localdate()
    rm_today = dict(
        Assignment.objects.filter(
            current_on(today), customer_id__in=sorted(set(segment) | set(existing))
        ).values_list("customer_id", "staff_id")
    )
    added: list[str] = []
    withdrawn: list[str] = []
    reinstated: list[str] = []
    with transaction.atomic(durable=True):
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        before = {
            "segment_run": str(campaign.segment_run.run_id),
            "targets": len(existing),
            "policy": campaign.policy_label,
        }
        for cid, t in sorted(suitable.items()):
            flags = {
                "flags": ";".join(f.rule for f in t.flags),
                "flag_reason_en": "; ".join(f.reason_en for f in t.flags),
                "flag_reason_zh": "；".join(f.reason_zh for f in t.flags),
            }
            target = existing.get(cid)
            if target is None:
                if cid not in segment:
                    continue
                row = segment[cid]
                CampaignTarget.objects.create(
                    campaign=campaign,
                    customer_id=cid,
                    rm_id=rm_today.get(cid) or row.rm_id,
                    unit_id=row.unit_id,
                    tier=row.tier,
                    added_on=today,
                    **flags,
                )
                added.append(cid)
                continue
            fields = [k for k, v in flags.items() if getattr(target, k) != v]
            for k in fields:
                setattr(target, k, flags[k])
            if target.withdrawn_on is not None:
                target.withdrawn_on = None
                for k in _reasons(()):
                    setattr(target, k, "")
                fields += ["withdrawn_on", *_reasons(())]
                reinstated.append(cid)
            if fields:
                target.save(update_fields=fields)
        for cid, b in sorted(blocked.items()):
            target = existing.get(cid)
            if target is not None and target.withdrawn_on is None:
                target.withdrawn_on = today
                for k, v in _reasons(b.findings).items():
                    setattr(target, k, v)
                target.save(update_fields=["withdrawn_on", *_reasons(b.findings)])
                withdrawn.append(cid)
            if target is None and cid not in segment:
                continue
            have = set(
                CampaignWithheld.objects.filter(campaign=campaign, customer_id=cid).values_list(
                    "rule", flat=True
                )
            )
            CampaignWithheld.objects.bulk_create(
                CampaignWithheld(
                    campaign=campaign,
                    customer_id=cid,
                    rm_id=rm_today.get(cid) or (segment[cid].rm_id if cid in segment else None),
                    product_risk=f"R{b.scored.product.risk}",
                    customer_risk=f"C{b.scored.customer.risk}" if b.scored.customer.risk else "",
                    rule=f.rule,
                    reason_en=f.reason_en,
                    reason_zh=f.reason_zh,
                )
                for f in b.findings
                if f.rule not in have
            )
        # Customers on the list now are no longer "left off".
        listed_now = [c for c in suitable if c in existing or c in added]
        CampaignWithheld.objects.filter(campaign=campaign, customer_id__in=listed_now).delete()
        campaign.segment_run = run
        campaign.refreshed_at = timezone.now()
        campaign.policy, campaign.policy_label = policy, policy.run_label
        campaign.save(update_fields=["segment_run", "refreshed_at", "policy", "policy_label"])
        audit_record(
            actor=actor,
            verb="recommend.campaign_refresh",
            object_type="recommend.Campaign",
            object_id=str(campaign.pk),
            before=before,
            after={
                "segment_run": str(run.run_id),
                "policy": policy.run_label,
                "added": added,
                "withdrawn": withdrawn,
                "reinstated": reinstated,
                "withheld_customers": len(blocked),
                "not_in_lake": len(listed.unknown),
            },
        )
    return RefreshResult(campaign, added, withdrawn, reinstated, len(blocked), len(listed.unknown))


def campaign_close(*, actor: Actor, campaign_id: int) -> Campaign:
    """Close a campaign of the actor's scope (no more offers logged)."""
    campaign: Campaign | None = (
        Campaign.objects.restrict(actor, Action.CHANGE)
        .filter(Q(pk=campaign_id), status=CampaignStatus.ACTIVE)
        .first()
    )
    if campaign is None or not campaign_may_create(actor=actor):
        raise Http404
    with transaction.atomic(durable=True):
        campaign.status = CampaignStatus.CLOSED
        campaign.save(update_fields=["status"])
        audit_record(
            actor=actor,
            verb="recommend.campaign_close",
            object_type="recommend.Campaign",
            object_id=str(campaign.pk),
            before={"status": CampaignStatus.ACTIVE},
            after={"status": CampaignStatus.CLOSED},
        )
    return campaign


__all__ = [
    "CAMPAIGN_ROLES",
    "CampaignError",
    "campaign_close",
    "campaign_create",
    "campaign_may_create",
    "campaign_offer_log",
    "campaign_refresh",
    "campaign_track",
]
