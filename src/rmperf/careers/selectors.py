"""Careers reads, always through restrict(): year-end checks, ranks by quarter, the
negative list and its recovery share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from rmperf.careers.models import (
    NEGATIVE_LIST_ROLES,
    CareerCheck,
    CheckStatus,
    NegativeListing,
    NegativeListRun,
)
from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor, user_of
from rmperf.engine.career.negative import Recovery, recovery_of
from rmperf.engine.career.policy import CareerPolicy, NegativeListRules
from rmperf.engine.periods import Period, PeriodKind
from rmperf.engine.scoring.policy import Tier
from rmperf.org.models import OrgUnit, Staff
from rmperf.performance.models import CONFIRMED_STATUSES, RmResult
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_in_force


def branch_of(staff: Staff) -> OrgUnit | None:
    """The branch an RM works in: their unit, or the team's parent."""
    unit = staff.unit
    if unit.kind == "branch":
        return unit
    if unit.kind == "team" and unit.parent is not None and unit.parent.kind == "branch":
        return unit.parent
    return None


def confirmed_annual_tiers(*, years: list[int]) -> dict[tuple[str, int], Tier]:
    """(staff_id, year) → the final (calibrated) annual tier of confirmed years only."""
    out: dict[tuple[str, int], Tier] = {}
    rows = RmResult.objects.filter(
        period__key__in=[str(y) for y in years], period__status__in=CONFIRMED_STATUSES
    ).select_related("period")
    for r in rows:
        out[(r.staff_id, int(r.period.key))] = Tier(r.final_tier)
    return out


def rank_in_quarter(*, staff: Staff, key: str) -> str:
    """The RM's rank in quarter `key`: the latest promotion confirmed to take effect by
    then, else the staff record's rank (the lake's)."""
    promoted = (
        CareerCheck.objects.filter(
            staff=staff, status=CheckStatus.CONFIRMED, effective_quarter__lte=key
        )
        .exclude(effective_quarter="")
        .order_by("-effective_quarter", "-year")
        .first()
    )
    return promoted.rank_to if promoted is not None else staff.rank


def promoted_ranks(staff: Sequence[Staff], key: str) -> dict[str, str]:
    """staff_id → rank in quarter `key` of those with a confirmed promotion in effect by
    then (as rank_in_quarter, for many at once): the base of pay follows it. A system read
    for the pay run (registered in org.ranks); the caller has restricted `staff`."""
    ids = [s.staff_id for s in staff]
    out: dict[str, str] = {}
    rows = (
        CareerCheck.objects.filter(
            staff_id__in=ids, status=CheckStatus.CONFIRMED, effective_quarter__lte=key
        )
        .exclude(effective_quarter="")
        .order_by("staff_id", "effective_quarter", "year")
        .values_list("staff_id", "rank_to")
    )
    for staff_id, rank_to in rows:
        if rank_to:
            out[staff_id] = rank_to  # the latest in effect wins
    return out


def career_years(*, actor: Actor) -> list[int]:
    return sorted(
        set(CareerCheck.objects.restrict(actor, Action.VIEW).values_list("year", flat=True)),
        reverse=True,
    )


def career_checks(*, actor: Actor, year: int) -> QuerySet[CareerCheck]:
    return (
        CareerCheck.objects.restrict(actor, Action.VIEW)
        .filter(year=year)
        .select_related("staff", "staff__unit", "decided_by")
        .order_by("staff__unit__path", "staff_id")
    )


#: Who confirms or rejects a promotion proposal (DOMAIN §6 "a manager confirms"): the
#: branch manager over the RM (and superusers). HR computes the checks but does not decide.
DECIDE_ROLES = frozenset({"branch_manager"})


def career_checks_for_decision(*, actor: Actor) -> QuerySet[CareerCheck]:
    """The checks the actor may decide on: restrict(CHANGE) for the deciding roles only."""
    scope = scope_of(actor)
    if scope is None or not (scope.superuser or scope.role in DECIDE_ROLES):
        return CareerCheck.objects.none()
    return CareerCheck.objects.restrict(actor, Action.CHANGE)


def career_check_for_change(*, actor: Actor, check_id: int) -> CareerCheck:
    """A check the actor may decide on (branch manager over the RM); 404 otherwise."""
    found: CareerCheck | None = career_checks_for_decision(actor=actor).filter(pk=check_id).first()
    if found is None:
        raise Http404
    return found


def career_decidable_ids(*, actor: Actor, year: int) -> set[int]:
    """The proposals of `year` the actor may confirm or reject (not their own)."""
    return set(
        career_checks_for_decision(actor=actor)
        .filter(year=year, status=CheckStatus.PROPOSED)
        .exclude(staff__user=user_of(actor))
        .values_list("pk", flat=True)
    )


def may_see_negative_list(actor: Actor) -> bool:
    """The RM, team leaders, branch managers and HR (and superusers); nobody else."""
    scope = scope_of(actor)
    return scope is not None and (scope.superuser or scope.role in NEGATIVE_LIST_ROLES)


def negative_runs(*, actor: Actor) -> QuerySet[NegativeListRun]:
    return NegativeListRun.objects.restrict(actor, Action.VIEW).order_by("-period")


def negative_listings(*, actor: Actor, period: str | None = None) -> QuerySet[NegativeListing]:
    qs = NegativeListing.objects.restrict(actor, Action.VIEW).select_related("staff", "branch")
    if period:
        qs = qs.filter(period=period)
    return qs.order_by("-period", "branch_id", "staff_id")


def listing_get(*, actor: Actor, listing_id: int) -> NegativeListing:
    found: NegativeListing | None = negative_listings(actor=actor).filter(pk=listing_id).first()
    if found is None:
        raise Http404
    return found


def listing_may_act(*, actor: Actor, listing: NegativeListing) -> bool:
    """Team leader, branch manager over the RM or HR; never the listed RM."""
    if listing.staff.user_id is not None and listing.staff.user_id == getattr(actor, "pk", None):
        return False
    return NegativeListing.objects.restrict(actor, Action.CHANGE).filter(pk=listing.pk).exists()


@dataclass(frozen=True)
class RecoveryShare:
    """Listed RMs (in the actor's scope) who left the list within the recovery window."""

    recovered: int
    decided: int
    pending: int
    share: Decimal | None


def recovery(
    *, actor: Actor, rules: NegativeListRules
) -> tuple[RecoveryShare, dict[int, Recovery]]:
    """The recovery share over the listings the actor sees, and each listing's outcome.

    Whether an RM is still listed in a later quarter is read from every stored list
    (a quarter without a computed list is not known yet: its listings are pending).
    """
    listed: dict[str, set[str]] = defaultdict(set)
    for run_period in NegativeListRun.objects.values_list("period", flat=True):
        listed.setdefault(run_period, set())  # a computed quarter is known even if empty
    for period, staff_id in NegativeListing.objects.values_list("period", "staff_id"):
        listed[period].add(staff_id)
    outcomes: dict[int, Recovery] = {}
    for pk, staff_id, period in negative_listings(actor=actor).values_list(
        "pk", "staff_id", "period"
    ):
        outcomes[pk] = recovery_of(staff_id, Period.parse(period), listed=listed, rules=rules)
    recovered = sum(o is Recovery.RECOVERED for o in outcomes.values())
    pending = sum(o is Recovery.PENDING for o in outcomes.values())
    decided = len(outcomes) - pending
    share = Decimal(recovered) / Decimal(decided) if decided else None
    return RecoveryShare(recovered, decided, pending, share), outcomes


def career_rules() -> CareerPolicy:
    """The career policy in force (the shipped default until a version is activated)."""
    policy: CareerPolicy = policy_in_force(PolicyKind.CAREER)[1].policy
    return policy


def recovery_in_force(*, actor: Actor) -> tuple[RecoveryShare, dict[int, Recovery]]:
    """The recovery share and each listing's outcome under the policy in force."""
    return recovery(actor=actor, rules=career_rules().negative_list)


def quarter_key(text: str) -> str | None:
    """A quarter's key from a page's query (`2026q3` → `2026Q3`), None when empty; anything
    else is not a page (404)."""
    text = text.strip().upper()
    if not text:
        return None
    try:
        period = Period.parse(text)
    except ValueError:
        raise Http404 from None
    if period.kind is not PeriodKind.QUARTER:
        raise Http404
    return period.key


def previous_quarter_key(today: Any) -> str:
    """The last quarter that ended before `today`."""
    return Period.containing(today, PeriodKind.QUARTER).previous().key
