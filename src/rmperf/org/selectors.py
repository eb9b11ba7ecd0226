"""Reads of the org tree and its people, always through `restrict(actor)` first.

Customer numbers here are aggregates over the reverse relations `Staff.assignments` and
`OrgUnit.customers`, so that org never imports the customers app (apps depend one way).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from rmperf.core.access import scope_of
from rmperf.core.actors import Actor
from rmperf.org.models import OrgUnit, Role, Staff

#: The order roles are listed in on unit pages: managers first, then who serves customers.
ROLE_ORDER: tuple[str, ...] = (
    Role.BRANCH_MANAGER,
    Role.TEAM_LEADER,
    Role.RM,
    Role.WEALTH_MANAGER,
    Role.TELLER,
    Role.RISK_OFFICER,
    Role.HR,
    Role.AUDITOR,
)


def _current_assignment_q(day: dt.date) -> Q:
    """An RM's assignments in force on `day` (the rule of customers.models.current_on)."""
    return Q(assignments__valid_from__lte=day) & (
        Q(assignments__valid_to__isnull=True) | Q(assignments__valid_to__gte=day)
    )


def staff_with_customer_counts(*, actor: Actor, day: dt.date | None = None) -> QuerySet[Staff]:
    """Staff the actor may see, each with `customer_count`: customers assigned on `day`
    (default today), in the same query."""
    day = day or timezone.localdate()
    staff: QuerySet[Staff] = (
        Staff.objects.restrict(actor)
        .select_related("unit")
        .annotate(
            customer_count=Count(
                "assignments__customer", filter=_current_assignment_q(day), distinct=True
            )
        )
    )
    return staff


def unit_get(*, actor: Actor, unit_id: str) -> OrgUnit:
    """One unit in the actor's scope; out of scope answers 404 like a missing one."""
    unit: OrgUnit = get_object_or_404(
        OrgUnit.objects.restrict(actor).select_related("parent"), pk=unit_id
    )
    return unit


def unit_list(*, actor: Actor) -> QuerySet[OrgUnit]:
    """The units the actor may see, in tree order."""
    return OrgUnit.objects.restrict(actor).select_related("parent").order_by("path")


def staff_get(*, actor: Actor, staff_id: str) -> Staff:
    """One staff member in scope, with their current customer count; else 404."""
    staff: Staff = get_object_or_404(staff_with_customer_counts(actor=actor), pk=staff_id)
    return staff


@dataclass
class RoleCount:
    role: str
    label: str
    count: int


@dataclass
class TreeNode:
    """One unit of the org tree with the head counts of its whole subtree."""

    unit: OrgUnit
    children: list[TreeNode] = field(default_factory=list)
    by_role: dict[str, int] = field(default_factory=dict)

    @property
    def head_count(self) -> int:
        return sum(self.by_role.values())

    @property
    def open_by_default(self) -> bool:
        """The bank and its regions start expanded; branches and teams folded."""
        return self.unit.kind in ("bank", "region")

    @property
    def role_counts(self) -> list[RoleCount]:
        labels = dict(Role.choices)
        return [
            RoleCount(role=r, label=str(labels[r]), count=self.by_role[r])
            for r in ROLE_ORDER
            if self.by_role.get(r)
        ]


def org_tree(*, actor: Actor) -> list[TreeNode]:
    """The part of the tree the actor may see (roots: units whose parent is out of view),
    with head counts per unit and per role over each subtree. Two queries."""
    units = list(unit_list(actor=actor))
    nodes = {u.unit_id: TreeNode(unit=u) for u in units}
    rows = (
        Staff.objects.restrict(actor).values("unit_id", "role").annotate(n=Count("pk")).order_by()
    )
    own: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        own[row["unit_id"]][row["role"]] = row["n"]
    roots: list[TreeNode] = []
    for unit in units:  # path order: parents come before their children
        node = nodes[unit.unit_id]
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    # Sum the subtrees bottom-up: deepest paths first.
    for unit in sorted(units, key=lambda u: u.path.count("/"), reverse=True):
        node = nodes[unit.unit_id]
        totals: dict[str, int] = defaultdict(int)
        for role, n in own.get(unit.unit_id, {}).items():
            totals[role] += n
        for child in node.children:
            for role, n in child.by_role.items():
                totals[role] += n
        node.by_role = dict(totals)
    return roots


@dataclass
class RoleGroup:
    role: str
    label: str
    members: list[Staff]


@dataclass
class UnitGroup:
    """The people working directly in one unit, by role."""

    unit: OrgUnit
    roles: list[RoleGroup]


@dataclass
class KindCount:
    kind: str
    label: str
    count: int


@dataclass
class UnitOverview:
    """A unit page: its people grouped by team and role, with RM books and totals."""

    unit: OrgUnit
    groups: list[UnitGroup]
    staff_count: int
    rm_count: int
    assigned_customers: int
    customers_by_kind: list[KindCount]

    @property
    def customer_total(self) -> int:
        return sum(k.count for k in self.customers_by_kind)


def unit_overview(*, actor: Actor, unit: OrgUnit, day: dt.date | None = None) -> UnitOverview:
    """Staff of `unit`'s subtree that the actor may see, grouped by unit then role, with each
    one's current customer count (one aggregate query) and the unit's customers by kind
    (customers homed in the subtree; shown to managers and bank-wide roles only)."""
    staff = list(
        staff_with_customer_counts(actor=actor, day=day)
        .filter(unit__path__startswith=unit.path)
        .order_by("unit__path", "name", "staff_id")
    )
    labels = dict(Role.choices)
    by_unit: dict[str, dict[str, list[Staff]]] = {}
    units: dict[str, OrgUnit] = {}
    for member in staff:
        units[member.unit_id] = member.unit
        by_unit.setdefault(member.unit_id, defaultdict(list))[member.role].append(member)
    groups = [
        UnitGroup(
            unit=units[unit_id],
            roles=[
                RoleGroup(role=r, label=str(labels[r]), members=roles[r])
                for r in ROLE_ORDER
                if roles.get(r)
            ],
        )
        for unit_id, roles in by_unit.items()
    ]
    scope = scope_of(actor)
    kinds: list[KindCount] = []
    if scope is not None and (scope.everything or scope.unit_path is not None):
        rows = (
            OrgUnit.objects.restrict(actor)
            .filter(path__startswith=unit.path, customers__isnull=False)
            .values("customers__kind")
            .annotate(n=Count("customers"))
            .order_by("customers__kind")
        )
        kind_labels = _customer_kind_labels()
        kinds = [
            KindCount(
                kind=row["customers__kind"],
                label=kind_labels.get(row["customers__kind"], row["customers__kind"]),
                count=row["n"],
            )
            for row in rows
        ]
    rms = [m for m in staff if m.role == Role.RM]
    return UnitOverview(
        unit=unit,
        groups=groups,
        staff_count=len(staff),
        rm_count=len(rms),
        assigned_customers=sum(m.customer_count for m in rms),  # type: ignore[attr-defined]
        customers_by_kind=kinds,
    )


def _customer_kind_labels() -> dict[str, str]:
    """Labels of the customer kinds, read from the model field so org need not import it."""
    customer_model: Any = OrgUnit._meta.get_field("customers").related_model
    choices = customer_model._meta.get_field("kind").choices or []
    return {str(k): str(v) for k, v in choices}
