"""Segmentation runs and the tier and tags of every customer at each as-of date."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet
from rmperf.core.runs import BatchRun
from rmperf.customers.models import customer_scope_q


class Tier(models.TextChoices):
    """Customer tiers, best first (DOMAIN §1); `other` keeps unnamed customers visible."""

    CORE = "core", _("Core")
    POTENTIAL = "potential", _("Potential")
    BASIC = "basic", _("Basic")
    SLEEPING = "sleeping", _("Sleeping")
    OTHER = "other", _("Other")


#: Tiers from the top down (for pyramids and "next tier up").
TIER_ORDER: tuple[str, ...] = tuple(Tier.values)


class SegmentRun(BatchRun):
    """One segmentation of the whole bank at an as-of date under one policy version.

    Re-running (as_of, policy version) replaces the earlier run's rows (that run is kept
    as `superseded`, its rows removed); runs at other dates stay, so tiers have a history.
    `row_count` is the customers segmented.
    """

    run_id = models.UUIDField(_("run id"), default=uuid.uuid4, unique=True, editable=False)
    as_of = models.DateField(_("as of"), db_index=True)
    #: Always a stored version: the app segments only with an approved policy.
    policy = models.ForeignKey(
        "policies.PolicyVersion",
        verbose_name=_("policy version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    lake_import = models.ForeignKey(
        "lakes.LakeImport",
        verbose_name=_("lake import"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="segment_runs",
    )
    skipped = models.PositiveIntegerField(_("customers not in the app"), default=0)
    tier_counts = models.JSONField(_("customers per tier"), default=dict, blank=True)

    class Meta:
        verbose_name = _("segmentation run")
        verbose_name_plural = _("segmentation runs")
        ordering = ("-as_of", "-started_at", "-pk")
        constraints = (
            models.UniqueConstraint(
                fields=("as_of", "policy"),
                condition=models.Q(status="succeeded"),
                name="segment_run_one_per_date_and_policy",
            ),
        )

    def __str__(self) -> str:
        return f"{self.as_of} {self.run_id} ({self.status})"

    @property
    def tiers(self) -> list[tuple[str, str, int]]:
        """(tier, label, count), best tier first."""
        labels = dict(Tier.choices)
        return [(t, str(labels[t]), int(self.tier_counts.get(t, 0))) for t in TIER_ORDER]

    @property
    def audit_id(self) -> str:
        return str(self.run_id)


class CustomerSegment(models.Model):
    """A customer's R, F, M, tier and tags at one as-of date, from one run under one
    policy version (every result row names both; DESIGN.md "Policies")."""

    run = models.ForeignKey(
        SegmentRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="rows"
    )
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        verbose_name=_("policy version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    as_of = models.DateField(_("as of"))
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="segments",
    )
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("home branch"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    rm = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recency_days = models.IntegerField(_("recency (days)"))
    frequency = models.IntegerField(_("frequency"))
    monetary = models.DecimalField(_("AUM"), max_digits=18, decimal_places=2)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    #: Product categories held, as ";deposit;wealth;" so one category is a plain LIKE.
    holdings = models.CharField(_("products held"), max_length=400, blank=True)
    product_count = models.PositiveSmallIntegerField(_("products held (count)"), null=True)
    risk_level = models.CharField(_("risk tolerance"), max_length=2, blank=True)
    risk_assessment_current = models.BooleanField(_("risk assessment current"), null=True)
    #: Behaviour and event tags, as ";tag;tag;".
    tags = models.TextField(_("tags"), blank=True)
    contribution = models.DecimalField(
        _("contribution"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer segment")
        verbose_name_plural = _("customer segments")
        ordering = ("run", "customer")
        constraints = (
            models.UniqueConstraint(fields=("run", "customer"), name="segment_unique_per_run"),
        )
        indexes = (
            models.Index(fields=("customer", "as_of")),
            models.Index(fields=("run", "tier")),
            models.Index(fields=("run", "rm")),
        )

    def __str__(self) -> str:
        return f"{self.customer_id} {self.as_of} {self.tier}"

    @property
    def held(self) -> list[str]:
        return [c for c in self.holdings.split(";") if c]

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(";") if t]

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Rows follow today's access to the customer (customers.Customer.restrict_q): an
        RM the customers assigned to them today, managers their subtree's. Results are
        written by runs only."""
        if action is not Action.VIEW:
            return NOTHING
        return customer_scope_q(scope, "customer")
