"""Reads of the approval page's what-if runs: the runs of a draft and one run with its
comparison laid out for the page (per RM with names, the tier distribution, the pay cost
and the RMs whose tier changes). Only HR and superusers read them (WhatIfRun's rule)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.analysis.whatif_models import WhatIfRun
from rmperf.core.actors import Actor
from rmperf.core.runs import RunStatus
from rmperf.org.models import Staff
from rmperf.performance.models import PerfPeriod, Tier

#: The tiers best first, as the engine orders them, then RMs no card rates.
TIERS = ("outstanding", "good", "competent", "not_competent", "unrated")


def whatif_runs(*, actor: Actor, version_id: int) -> QuerySet[WhatIfRun]:
    """The what-if runs of a draft the actor may read, newest first."""
    return (
        WhatIfRun.objects.restrict(actor)
        .filter(policy_id=version_id)
        .order_by("-started_at", "-pk")
    )


def whatif_run_get(*, actor: Actor, run_id: int) -> WhatIfRun:
    found: WhatIfRun | None = (
        WhatIfRun.objects.restrict(actor)
        .select_related("policy", "actor__staff")
        .filter(pk=run_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


#: A run still `running` this long after it started was cut off (the web process that ran
#: it stopped): the page stops waiting for it and says so.
STALE_AFTER = dt.timedelta(hours=1)


def whatif_stale(run: WhatIfRun) -> bool:
    return run.status == RunStatus.RUNNING and run.started_at < timezone.now() - STALE_AFTER


def whatif_periods() -> list[str]:
    """Past periods the bank has scored, latest end first: the usual choices to compare on
    (any other past period can be typed)."""
    keys = (
        PerfPeriod.objects.filter(end__lt=timezone.localdate())
        .order_by("-end", "key")
        .values_list("key", flat=True)
    )
    return list(keys)


def tier_label(tier: str | None) -> str:
    """A tier in the reader's language; RMs no card rates are "unrated"."""
    if tier is None or tier == "unrated":
        return str(_("Unrated"))
    return str(Tier(tier).label)


@dataclass(frozen=True)
class TierCount:
    tier: str
    in_force: int
    draft: int

    @property
    def label(self) -> str:
        return tier_label(self.tier)

    @property
    def change(self) -> int:
        return self.draft - self.in_force


@dataclass(frozen=True)
class WhatIfView:
    """A finished run laid out for the page."""

    rows: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    tiers: list[TierCount]
    paid: bool
    pay_in_force: Decimal
    pay_draft: Decimal
    performance_in_force: Decimal
    performance_draft: Decimal
    skipped: list[tuple[str, str, str]]

    @property
    def pay_change(self) -> Decimal:
        return self.pay_draft - self.pay_in_force

    @property
    def performance_change(self) -> Decimal:
        return self.performance_draft - self.performance_in_force


def _sum(rows: list[dict[str, Any]], field: str) -> Decimal:
    return sum((Decimal(r[field]) for r in rows if r.get(field) is not None), Decimal("0.00"))


def whatif_view(run: WhatIfRun) -> WhatIfView | None:
    """The comparison of a succeeded run (None before it is done): every RM with their
    name, tier counts under both sides, the quarter's pay cost under both."""
    if not run.result:
        return None
    rows: list[dict[str, Any]] = [dict(r) for r in run.result.get("rows", [])]
    names = dict(
        Staff.objects.filter(staff_id__in=[r["staff_id"] for r in rows]).values_list(
            "staff_id", "name"
        )
    )
    for r in rows:
        r["name"] = names.get(r["staff_id"], "")
        r["tier_in_force_label"] = tier_label(r["tier_in_force"])
        r["tier_draft_label"] = tier_label(r["tier_draft"])
    counts = []
    for tier in TIERS:
        counts.append(
            TierCount(
                tier=tier,
                in_force=sum(1 for r in rows if (r["tier_in_force"] or "unrated") == tier),
                draft=sum(1 for r in rows if (r["tier_draft"] or "unrated") == tier),
            )
        )
    skipped = [
        (side, sid, why)
        for side, key in (("in_force", "skipped_in_force"), ("draft", "skipped_draft"))
        for sid, why in sorted(run.result.get(key, {}).items())
    ]
    return WhatIfView(
        rows=rows,
        changed=[r for r in rows if r["tier_changed"]],
        tiers=counts,
        paid=bool(run.result.get("paid")),
        pay_in_force=_sum(rows, "pay_in_force"),
        pay_draft=_sum(rows, "pay_draft"),
        performance_in_force=_sum(rows, "performance_pay_in_force"),
        performance_draft=_sum(rows, "performance_pay_draft"),
        skipped=skipped,
    )
