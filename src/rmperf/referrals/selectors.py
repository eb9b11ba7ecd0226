"""Reads about referrals and points, always through `restrict(actor)` first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from rmperf.core.access import may_see_customer_names, staff_of
from rmperf.core.actors import Actor
from rmperf.customers.filters import CustomerFilterSet
from rmperf.customers.models import Customer
from rmperf.customers.tables import display_name
from rmperf.org.models import Staff
from rmperf.referrals.filters import ReferralFilterSet
from rmperf.referrals.models import (
    OPEN_STATES,
    PointsEntry,
    Redemption,
    RedemptionState,
    Referral,
    State,
)

_RELATED = ("customer", "from_staff", "to_staff", "escalated_to")


def referral_list(
    *, actor: Actor, box: str = "all", filters: Mapping[str, Any] | None = None
) -> ReferralFilterSet:
    """Referrals the actor may see: `inbox` those made to them (or escalated to them),
    `sent` those they made, `all` everything in scope; narrowed by the filters."""
    qs = Referral.objects.restrict(actor).select_related(*_RELATED, "to_staff__unit")
    staff = staff_of(actor)
    if box == "inbox":
        qs = qs.filter(to_staff=staff) | qs.filter(escalated_to=staff)
    elif box == "sent":
        qs = qs.filter(from_staff=staff)
    return ReferralFilterSet(
        data=filters if filters is not None else {},
        queryset=qs,
        search_names=may_see_customer_names(actor),
    )


def customer_referrals(*, actor: Actor, customer_id: str) -> QuerySet[Referral]:
    """The app's referrals of one customer the actor may see, newest first."""
    return (
        Referral.objects.restrict(actor)
        .filter(customer_id=customer_id)
        .select_related("from_staff", "to_staff")
        .order_by("-created_at", "-pk")
    )


def referral_get(*, actor: Actor, referral_id: int) -> Referral:
    """One referral in scope; out of scope answers 404 like a missing one."""
    referral: Referral = get_object_or_404(
        Referral.objects.restrict(actor).select_related(*_RELATED), pk=referral_id
    )
    return referral


def inbox_counts(*, actor: Actor) -> dict[str, int]:
    """Open referrals waiting for the actor: to accept, overdue (past the SLA), in progress
    (one aggregate query)."""
    staff = staff_of(actor)
    if staff is None:
        return {"new": 0, "overdue": 0, "open": 0}
    mine = Referral.objects.restrict(actor).filter(to_staff=staff)
    now = timezone.now()
    row = mine.aggregate(
        new=Count("pk", filter=Q(state=State.CREATED)),
        overdue=Count("pk", filter=Q(state=State.CREATED, due_at__lt=now)),
        open=Count("pk", filter=Q(state__in=(State.ACCEPTED, State.CONTACTED))),
    )
    return {"new": row["new"], "overdue": row["overdue"], "open": row["open"]}


def referral_deadline(referral: Referral) -> dt.datetime:
    """The clock a receiver works against: the answer SLA while the referral waits to be
    accepted, then the end of the conversion window."""
    return referral.due_at if referral.state == State.CREATED else referral.expires_at


def referrals_waiting(*, actor: Actor, limit: int = 20) -> list[Referral]:
    """Open referrals made to the actor (or escalated to them), the nearest deadline first
    (`referral_deadline`; overdue ones lead)."""
    staff = staff_of(actor)
    if staff is None:
        return []
    qs = Referral.objects.restrict(actor).filter(state__in=OPEN_STATES)
    mine = (qs.filter(to_staff=staff) | qs.filter(escalated_to=staff)).select_related(*_RELATED)
    return sorted(mine, key=lambda r: (referral_deadline(r), r.pk))[:limit]


@dataclass(frozen=True)
class FunnelRow:
    """One referrer (person, team or branch): how far its referrals got, and the success
    rate = converted ÷ made (the referral_success_rate indicator's definition)."""

    key: str
    name: str
    made: int
    accepted: int
    contacted: int
    converted: int
    lost: int
    expired: int

    @property
    def success_rate(self) -> Decimal | None:
        if not self.made:
            return None
        return (Decimal(self.converted) / Decimal(self.made)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP
        )


GROUPS = ("person", "team", "branch")


def referral_funnel(
    *, actor: Actor, group: str, start: dt.date, end: dt.date
) -> tuple[FunnelRow, list[FunnelRow]]:
    """Referrals made from `start` to `end` (both included, bank dates) by referrer, grouped
    by person, team (the referrer's unit) or branch (the team's parent; a referrer working in
    a branch directly counts there); the total first. A referral counts as accepted once it
    was accepted, whatever happened after."""
    if group not in GROUPS:
        raise ValueError(f"group must be one of {GROUPS}")
    rows = (
        Referral.objects.restrict(actor)
        .filter(referred_on__gte=start, referred_on__lte=end)
        .values_list(
            "from_staff_id",
            "from_staff__name",
            "from_staff__unit_id",
            "from_staff__unit__name",
            "from_staff__unit__kind",
            "from_staff__unit__parent_id",
            "from_staff__unit__parent__name",
            "state",
            "accepted_at",
            "contacted_at",
        )
    )
    counts: dict[tuple[str, str], list[int]] = {}
    total = [0] * 6
    for sid, sname, uid, uname, ukind, pid, pname, state, acc, con in rows:
        if group == "person":
            key = (sid, sname)
        elif group == "team" or ukind != "team":
            key = (uid, uname)
        else:
            key = (pid or uid, pname or uname)
        c = counts.setdefault(key, [0] * 6)
        flags = (
            1,
            1 if acc is not None else 0,
            1 if con is not None else 0,
            1 if state == State.CONVERTED else 0,
            1 if state == State.LOST else 0,
            1 if state == State.EXPIRED else 0,
        )
        for i, f in enumerate(flags):
            c[i] += f
            total[i] += f
    out = [FunnelRow(k, n, *c) for (k, n), c in counts.items()]
    out.sort(
        key=lambda r: (-(r.success_rate if r.success_rate is not None else -1), -r.made, r.key)
    )
    return FunnelRow("", "", *total), out


def cases_that_worked(*, actor: Actor, month: str) -> QuerySet[Referral]:
    """Referrals converted in `month` (YYYY-MM, bank time), best first: the morning
    meeting's three-minute case review (seed 000)."""
    year, mon = (int(p) for p in month.split("-"))
    first = dt.date(year, mon, 1)
    after = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    stop = dt.datetime.combine(after, dt.time(), tzinfo=tz)
    return (
        Referral.objects.restrict(actor)
        .filter(state=State.CONVERTED, closed_at__gte=start, closed_at__lt=stop)
        .select_related(*_RELATED)
        .order_by("-points", "-purchase_amount", "pk")
    )


def points_ledger(*, actor: Actor, staff_id: str) -> QuerySet[PointsEntry]:
    """A person's points entries in scope, newest first."""
    return (
        PointsEntry.objects.restrict(actor)
        .filter(account__staff_id=staff_id)
        .select_related("referral", "redemption")
        .order_by("-seq")
    )


def redemptions_pending(*, actor: Actor) -> QuerySet[Redemption]:
    """Requests waiting for a decision by the actor (others' requests in their scope)."""
    staff = staff_of(actor)
    return (
        Redemption.objects.restrict(actor)
        .filter(state=RedemptionState.REQUESTED)
        .exclude(staff=staff)
        .select_related("staff")
        .order_by("requested_at")
    )


def redemptions_of(*, actor: Actor, staff_id: str) -> QuerySet[Redemption]:
    return (
        Redemption.objects.restrict(actor)
        .filter(staff_id=staff_id)
        .select_related("decided_by")
        .order_by("-requested_at")
    )


#: The lake contract's `referrals` columns, in order (engine/contract.py).
LAKE_COLUMNS = (
    "referral_id",
    "from_staff_id",
    "to_staff_id",
    "customer_id",
    "need",
    "created_at",
    "status",
    "responded_at",
    "converted_at",
)


def referrals_lake_rows(*, prefix: str = "APP-") -> list[dict[str, str]]:
    """Every app referral as a row of the lake's `referrals` table, so the next import feeds
    the collaboration indicators (docs/referrals.md): responded_at is when the receiver first
    answered (accepted, or closed as lost without accepting), converted_at is set exactly for
    converted rows. For the batch export; no actor, no masking (ids only)."""

    def iso(value: dt.datetime | None) -> str:
        return timezone.localtime(value).isoformat() if value is not None else ""

    rows = []
    for r in Referral.objects.order_by("pk").iterator(chunk_size=2000):
        responded = r.accepted_at or (r.closed_at if r.state == State.LOST else None)
        rows.append(
            {
                "referral_id": f"{prefix}{r.pk}",
                "from_staff_id": r.from_staff_id,
                "to_staff_id": r.to_staff_id,
                "customer_id": r.customer_id,
                "need": r.need,
                "created_at": iso(r.created_at),
                "status": r.state,
                "responded_at": iso(responded),
                "converted_at": iso(r.closed_at) if r.state == State.CONVERTED else "",
            }
        )
    return rows


#: How many matches a picker lists (type more to narrow).
PICK_LIMIT = 10
#: Roles a referral can be made to (the rule book's `to_role`s).
RECEIVER_ROLES = ("rm", "wealth_manager")


@dataclass(frozen=True)
class Pick:
    """One match of a picker: the id the form sends and what the person reads."""

    value: str
    label: str
    detail: str


def customers_pick(*, actor: Actor, q: str) -> list[Pick]:
    """Customers in the actor's scope matching `q` (id part, phone tail, and the name for
    the roles that see names in full), names masked as the role requires."""
    term = q.strip()
    if not term:
        return []
    names = may_see_customer_names(actor)
    found = CustomerFilterSet(
        data={"q": term}, queryset=Customer.objects.restrict(actor), search_names=names
    ).qs.order_by("customer_id")[:PICK_LIMIT]
    return [
        Pick(c.customer_id, display_name(c, mask_names=not names), c.get_kind_display())
        for c in found
    ]


def colleagues_pick(*, actor: Actor, q: str) -> list[Pick]:
    """Colleagues in the actor's scope who can receive a referral, matching `q` (a part
    of the staff id or name); never the actor."""
    term = q.strip()
    if not term:
        return []
    me = staff_of(actor)
    found = (
        Staff.objects.restrict(actor)
        .filter(role__in=RECEIVER_ROLES)
        .filter(Q(staff_id__icontains=term) | Q(name__icontains=term))
        .exclude(pk=me.pk if me is not None else None)
        .select_related("unit")
        .order_by("name", "staff_id")[:PICK_LIMIT]
    )
    return [Pick(s.staff_id, s.name, f"{s.get_role_display()} · {s.unit.name}") for s in found]


def customer_picked(*, actor: Actor, customer_id: str) -> Pick | None:
    """The chosen customer, if in the actor's scope (else None: the picker stays empty)."""
    customer_id = customer_id.strip()
    if not customer_id:
        return None
    c = Customer.objects.restrict(actor).filter(pk=customer_id).first()
    if c is None:
        return None
    names = may_see_customer_names(actor)
    return Pick(c.customer_id, display_name(c, mask_names=not names), c.get_kind_display())


def colleague_picked(*, actor: Actor, staff_id: str) -> Pick | None:
    """The chosen colleague, if in the actor's scope and one who receives referrals."""
    staff_id = staff_id.strip()
    if not staff_id:
        return None
    s = (
        Staff.objects.restrict(actor)
        .filter(pk=staff_id, role__in=RECEIVER_ROLES)
        .select_related("unit")
        .first()
    )
    if s is None:
        return None
    return Pick(s.staff_id, s.name, f"{s.get_role_display()} · {s.unit.name}")
