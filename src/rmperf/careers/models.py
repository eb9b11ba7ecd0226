"""Careers (DOMAIN §6): year-end ladder checks and promotion proposals, the negative list
with its fitness review, improvement plan, feedback talks and outcome.

Both are computed by the engine (rmperf.engine.career) from stored, confirmed results;
people act on them here. Nothing is hard-deleted once somebody has acted on it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet, unit_prefix_q
from rmperf.performance.models import MANAGER_ROLES, Tier


def _user_fk(verbose: Any) -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )


class CheckStatus(models.TextChoices):
    """not eligible (no decision) | proposed → confirmed or rejected by a branch manager."""

    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


DECIDED = (CheckStatus.CONFIRMED, CheckStatus.REJECTED)


class CareerCheck(models.Model):
    """One RM's year-end check for the next rank; an eligible one is a promotion proposal.

    A confirmed promotion takes effect from the quarter after the confirmation
    (`effective_quarter`), so pay from that quarter on uses the new rank.
    """

    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    rank_from = models.CharField(_("rank"), max_length=16)
    rank_to = models.CharField(_("next rank"), max_length=16, blank=True)
    eligible = models.BooleanField(_("eligible"), default=False)
    #: The engine's row (docs/career.md columns) as text, for the page and the audit.
    measured = models.JSONField(_("measured values"), default=dict, blank=True)
    rating = models.CharField(_("annual rating"), max_length=16, choices=Tier.choices, blank=True)
    grade_steps = models.PositiveSmallIntegerField(_("grade steps"), null=True, blank=True)
    honours = models.BooleanField(_("honours eligible"), default=False)
    training_priority = models.BooleanField(_("training priority"), default=False)
    policy_version = models.CharField(_("policy version"), max_length=64)
    computed_at = models.DateTimeField(_("computed at"))
    status = models.CharField(
        _("status"), max_length=16, choices=CheckStatus.choices, default=CheckStatus.NOT_ELIGIBLE
    )
    decided_by = _user_fk(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    effective_quarter = models.CharField(_("effective from"), max_length=8, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("career check")
        verbose_name_plural = _("career checks")
        ordering = ("-year", "staff_id")
        constraints = (
            models.UniqueConstraint(fields=("staff", "year"), name="careers_check_one_per_year"),
        )

    def __str__(self) -> str:
        return f"{self.staff_id} {self.year} {self.rank_from}→{self.rank_to or '-'}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """An RM sees their own check; leaders and managers their subtree's; only a branch
        manager decides, within their branch."""
        if action is Action.VIEW:
            if scope.unit_path is not None:
                if scope.role not in MANAGER_ROLES:
                    return NOTHING
                return unit_prefix_q("staff__unit__path", scope)
            return models.Q(staff_id=scope.staff_id)
        if action is Action.CHANGE and scope.role == "branch_manager":
            return unit_prefix_q("staff__unit__path", scope)
        return NOTHING


#: Who may see the negative list at all (DOMAIN §6): the RM, the team leader, the branch
#: manager and HR; not auditors, tellers, wealth managers or risk officers.
NEGATIVE_LIST_ROLES = frozenset({"rm", "team_leader", "branch_manager", "hr"})


def _negative_q(prefix: str, scope: Scope, action: Action) -> models.Q:
    if scope.unit_path is not None:
        if scope.role not in MANAGER_ROLES:
            return NOTHING
        return unit_prefix_q(f"{prefix}staff__unit__path", scope)
    if action is Action.VIEW:
        return models.Q(**{f"{prefix}staff_id": scope.staff_id})
    return NOTHING


class NegativeListRun(models.Model):
    """The negative list computed for a quarter from its stored results (one per quarter)."""

    period = models.CharField(_("quarter"), max_length=8, unique=True)
    policy_version = models.CharField(_("policy version"), max_length=64)
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = _user_fk(_("computed by"))
    scored = models.PositiveIntegerField(_("RMs compared"), default=0)
    listed = models.PositiveIntegerField(_("RMs listed"), default=0)

    objects = RestrictedQuerySet.as_manager()
    restrict_roles = NEGATIVE_LIST_ROLES

    class Meta:
        verbose_name = _("negative list run")
        verbose_name_plural = _("negative list runs")
        ordering = ("-period",)

    def __str__(self) -> str:
        return self.period

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Which quarters have a list is no secret to those who may see the list."""
        return None if action is Action.VIEW else NOTHING


class ListingStatus(models.TextChoices):
    """listed → review (fitness reviewed) → plan (improvement plan set) → closed (outcome)."""

    LISTED = "listed", _("Listed")
    REVIEWED = "reviewed", _("Fitness reviewed")
    PLAN = "plan", _("Improvement plan")
    CLOSED = "closed", _("Closed")


class Fitness(models.TextChoices):
    """岗位适配性评估: the result of the fitness review."""

    SUITED = "suited", _("Suited to the post")
    NEEDS_SUPPORT = "needs_support", _("Suited with support")
    UNSUITED = "unsuited", _("Not suited to the post")


class Outcome(models.TextChoices):
    """What the improvement plan came to at its review date."""

    IMPROVED = "improved", _("Improved")
    NOT_IMPROVED = "not_improved", _("Not improved")
    REASSIGNED = "reassigned", _("Moved to another post")


class NegativeListing(models.Model):
    """An RM lowest on their card in their branch two quarters running (负面清单)."""

    run = models.ForeignKey(
        NegativeListRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="listings"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    period = models.CharField(_("quarter"), max_length=8)
    previous_period = models.CharField(_("previous quarter"), max_length=8)
    branch = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    scorecard = models.CharField(_("scorecard"), max_length=64)
    total = models.DecimalField(_("total"), max_digits=8, decimal_places=2)
    previous_total = models.DecimalField(_("previous total"), max_digits=8, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=ListingStatus.choices, default=ListingStatus.LISTED
    )
    fitness = models.CharField(
        _("fitness review"), max_length=16, choices=Fitness.choices, blank=True
    )
    fitness_note = models.TextField(_("fitness review note"), blank=True)
    fitness_by = _user_fk(_("reviewed by"))
    fitness_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_date = models.DateField(_("review date"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    outcome_by = _user_fk(_("outcome recorded by"))
    outcome_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_roles = NEGATIVE_LIST_ROLES

    class Meta:
        verbose_name = _("negative list entry")
        verbose_name_plural = _("negative list entries")
        ordering = ("-period", "staff_id")
        constraints = (
            models.UniqueConstraint(fields=("staff", "period"), name="careers_listing_once"),
        )

    def __str__(self) -> str:
        return f"{self.period} {self.staff_id}"

    @property
    def acted_on(self) -> bool:
        return self.status != ListingStatus.LISTED

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """The RM reads their own entry; team leaders and branch managers read and act on
        their subtree's; HR on every entry (bank-wide); nobody else sees any."""
        return _negative_q("", scope, action)


class ImprovementGoal(models.Model):
    """One goal of a listed RM's improvement plan."""

    listing = models.ForeignKey(
        NegativeListing, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="goals"
    )
    text = models.CharField(_("goal"), max_length=500)
    created_by = _user_fk(_("set by"))
    created_at = models.DateTimeField(_("set at"))

    objects = RestrictedQuerySet.as_manager()
    restrict_roles = NEGATIVE_LIST_ROLES

    class Meta:
        verbose_name = _("improvement goal")
        verbose_name_plural = _("improvement goals")
        ordering = ("listing", "pk")

    def __str__(self) -> str:
        return self.text

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        return _negative_q("listing__", scope, action)


class FeedbackTalk(models.Model):
    """A feedback talk held with a listed RM (date and what was said)."""

    listing = models.ForeignKey(
        NegativeListing, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="talks"
    )
    held_on = models.DateField(_("held on"))
    notes = models.TextField(_("notes"))
    created_by = _user_fk(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"))

    objects = RestrictedQuerySet.as_manager()
    restrict_roles = NEGATIVE_LIST_ROLES

    class Meta:
        verbose_name = _("feedback talk")
        verbose_name_plural = _("feedback talks")
        ordering = ("listing", "held_on", "pk")

    def __str__(self) -> str:
        return f"{self.listing_id} {self.held_on}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        return _negative_q("listing__", scope, action)
