"""Workload runs with each RM's load, rebalancing proposals, and the gaming review queue
(DOMAIN §8, docs/analysis.md "In the app")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet, unit_prefix_q
from rmperf.core.runs import BatchRun

#: Who sees the team and branch views of workload and the gaming queue (besides
#: superusers): the managers of their subtree, HR and auditors bank-wide.
MANAGER_ROLES = frozenset({"branch_manager", "team_leader"})
VIEW_ROLES = frozenset({*MANAGER_ROLES, "hr", "auditor"})
#: Rebalancing moves customers between the teams of a branch: the branch manager's call.
PROPOSAL_ROLES = frozenset({"branch_manager", "hr", "auditor"})


class Load(models.TextChoices):
    """Where an RM's utilisation lies against the workload policy's rebalancing bounds."""

    OVER = "over", _("Over-loaded")
    NORMAL = "normal", _("Within bounds")
    UNDER = "under", _("Under-loaded")
    UNKNOWN = "unknown", _("No working day available")


class WorkloadRun(BatchRun):
    """One run of the workload engine over the lake in use for a period, with the
    rebalancing proposals it made. A later run of the same period supersedes it."""

    period_key = models.CharField(_("period"), max_length=16, db_index=True)
    policy_digest = models.CharField(_("workload policy"), max_length=64)
    over = models.DecimalField(_("over-loaded above"), max_digits=12, decimal_places=4)
    under = models.DecimalField(_("under-loaded below"), max_digits=12, decimal_places=4)

    class Meta:
        verbose_name = _("workload run")
        verbose_name_plural = _("workload runs")
        ordering = ("-started_at", "-pk")

    def __str__(self) -> str:
        return f"{self.period_key} #{self.pk} ({self.status})"


def _managed_q(scope: Scope, action: Action, field: str) -> models.Q:
    """Managers view their subtree's rows (the staff member's unit under `field`)."""
    if action is not Action.VIEW or scope.unit_path is None:
        return NOTHING
    return unit_prefix_q(field, scope)


class RmLoad(models.Model):
    """An RM's workload in a run: `rmperf workload`'s row, with the branch it counts in."""

    run = models.ForeignKey(
        WorkloadRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="loads"
    )
    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("RM"), on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    loans = models.PositiveIntegerField(_("loans"))
    demand_days = models.DecimalField(_("person-days demanded"), max_digits=18, decimal_places=4)
    available_days = models.PositiveIntegerField(_("working days available"))
    utilisation = models.DecimalField(
        _("utilisation"), null=True, blank=True, max_digits=12, decimal_places=4
    )
    customers = models.PositiveIntegerField(_("customers"))
    avg_assets_per_customer = models.DecimalField(
        _("average assets per customer"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    benchmark_position = models.CharField(_("against the benchmark"), max_length=8, blank=True)
    load = models.CharField(_("load"), max_length=8, choices=Load.choices)

    objects = RestrictedQuerySet.as_manager()
    restrict_roles = VIEW_ROLES

    class Meta:
        verbose_name = _("RM workload")
        verbose_name_plural = _("RM workloads")
        ordering = ("run", "staff")
        constraints = (models.UniqueConstraint(fields=("run", "staff"), name="rmload_once"),)

    def __str__(self) -> str:
        return f"{self.staff_id} {self.utilisation}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        return _managed_q(scope, action, "staff__unit__path")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    SUPERSEDED = "superseded", _("Superseded by a later run")


class RebalanceProposal(models.Model):
    """A branch's rebalancing what-if from one workload run: the customers to move from
    over- to under-loaded RMs. Accepting it exports an assignments change file for the
    core system; the lake stays the source of truth (nothing here changes a book)."""

    run = models.ForeignKey(
        WorkloadRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="proposals"
    )
    branch = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    period_key = models.CharField(_("period"), max_length=16)
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_roles = PROPOSAL_ROLES

    class Meta:
        verbose_name = _("rebalancing proposal")
        verbose_name_plural = _("rebalancing proposals")
        ordering = ("-run", "branch")

    def __str__(self) -> str:
        return f"{self.branch_id} {self.period_key} ({self.status})"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """A branch manager views and decides their branch's proposals."""
        if scope.unit_path is None or (
            action is not Action.VIEW and scope.role != "branch_manager"
        ):
            return NOTHING
        return unit_prefix_q("branch__path", scope)


class RebalanceMove(models.Model):
    """One customer to move, with both RMs' utilisation just before and after the move."""

    proposal = models.ForeignKey(
        RebalanceProposal,
        verbose_name=_("proposal"),
        on_delete=models.PROTECT,
        related_name="moves",
    )
    seq = models.PositiveIntegerField(_("order"))
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    tier = models.CharField(_("tier"), max_length=16)
    from_staff = models.ForeignKey(
        "org.Staff", verbose_name=_("from RM"), on_delete=models.PROTECT, related_name="+"
    )
    to_staff = models.ForeignKey(
        "org.Staff", verbose_name=_("to RM"), on_delete=models.PROTECT, related_name="+"
    )
    demand_days = models.DecimalField(_("person-days moved"), max_digits=18, decimal_places=4)
    from_before = models.DecimalField(_("giver before"), max_digits=12, decimal_places=4)
    from_after = models.DecimalField(_("giver after"), max_digits=12, decimal_places=4)
    to_before = models.DecimalField(_("receiver before"), max_digits=12, decimal_places=4)
    to_after = models.DecimalField(_("receiver after"), max_digits=12, decimal_places=4)

    objects = RestrictedQuerySet.as_manager()
    restrict_roles = PROPOSAL_ROLES

    class Meta:
        verbose_name = _("customer move")
        verbose_name_plural = _("customer moves")
        ordering = ("proposal", "seq")
        constraints = (models.UniqueConstraint(fields=("proposal", "seq"), name="move_seq_once"),)

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_staff_id} → {self.to_staff_id}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if scope.unit_path is None or action is not Action.VIEW:
            return NOTHING
        return unit_prefix_q("proposal__branch__path", scope)


class GamingRun(BatchRun):
    """One run of the gaming-detection engine over the lake in use for a period."""

    period_key = models.CharField(_("period"), max_length=16, db_index=True)
    policy_digest = models.CharField(_("gaming policy"), max_length=64)

    class Meta:
        verbose_name = _("gaming-detection run")
        verbose_name_plural = _("gaming-detection runs")
        ordering = ("-started_at", "-pk")

    def __str__(self) -> str:
        return f"{self.period_key} #{self.pk} ({self.status})"


class GamingKind(models.TextChoices):
    """The engine's rules (engine/analysis/gaming.py)."""

    BALANCE_PUMP = "balance_pump", _("Balance pumped at month end (时点冲量)")
    LOAN_BUNCHING = "loan_bunching", _("Loans bunched at the period's end")
    SPLIT_TRANSACTIONS = "split_transactions", _("Transactions split to inflate frequency")
    CIRCULAR_REFERRALS = "circular_referrals", _("Referrals in a circle")
    BULK_TASK_CLOSING = "bulk_task_closing", _("Tasks closed in bulk without an interaction")


class FlagStatus(models.TextChoices):
    """Open until a manager decides; `cleared` when a later run no longer finds it."""

    OPEN = "open", _("Open")
    DISMISSED = "dismissed", _("Dismissed")
    CONFIRMED = "confirmed", _("Confirmed")
    CLEARED = "cleared", _("No longer found")


DECIDED = (FlagStatus.DISMISSED, FlagStatus.CONFIRMED)


class GamingFlag(models.Model):
    """A gaming-detection finding for one staff member, rule and period, waiting for (or
    with) a manager's decision. A flag never changes a score: scoring does not read it."""

    run = models.ForeignKey(
        GamingRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="flags"
    )
    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    period_key = models.CharField(_("period"), max_length=16)
    kind = models.CharField(_("rule"), max_length=32, choices=GamingKind.choices)
    instances = models.PositiveIntegerField(_("instances"))
    measure = models.CharField(_("measure"), max_length=300)
    threshold = models.CharField(_("threshold"), max_length=300)
    policy_version = models.CharField(_("policy version"), max_length=12)
    status = models.CharField(
        _("status"), max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    note = models.CharField(_("note"), max_length=1000, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by_label = models.CharField(_("decided by"), max_length=150, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("gaming flag")
        verbose_name_plural = _("gaming flags")
        ordering = ("period_key", "staff", "kind")
        constraints = (
            models.UniqueConstraint(fields=("period_key", "staff", "kind"), name="flag_once"),
        )

    def __str__(self) -> str:
        return f"{self.staff_id} {self.period_key} {self.kind} ({self.status})"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Managers view and decide their subtree's flags; the flagged person sees a
        decided flag of their own (it is shown on their explanation), never an open one."""
        if scope.unit_path is not None and scope.role in MANAGER_ROLES:
            return unit_prefix_q("staff__unit__path", scope)
        if action is not Action.VIEW:
            return NOTHING
        return models.Q(staff_id=scope.staff_id, status__in=DECIDED)


class GamingEvidence(models.Model):
    """A lake row behind a flag (`rmperf gaming --evidence`)."""

    flag = models.ForeignKey(
        GamingFlag, verbose_name=_("flag"), on_delete=models.CASCADE, related_name="evidence"
    )
    customer_id = models.CharField(_("customer id"), max_length=64, blank=True)
    instance = models.CharField(_("instance"), max_length=200)
    table = models.CharField(_("lake table"), max_length=32)
    row_key = models.CharField(_("row key"), max_length=500)
    row_values = models.TextField(_("row values"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("gaming evidence row")
        verbose_name_plural = _("gaming evidence rows")
        ordering = ("flag", "instance", "table", "pk")

    def __str__(self) -> str:
        return f"{self.instance} {self.table}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return NOTHING
        if scope.unit_path is not None and scope.role in MANAGER_ROLES:
            return unit_prefix_q("flag__staff__unit__path", scope)
        return models.Q(flag__staff_id=scope.staff_id, flag__status__in=DECIDED)


# The what-if runs of the approval page and the threshold proposals live in their own
# modules (registered here).
from rmperf.analysis.thresholds_models import (  # noqa: E402, F401
    ThresholdDecision,
    ThresholdProposal,
)
from rmperf.analysis.whatif_models import WhatIfHistory, WhatIfRun  # noqa: E402, F401
