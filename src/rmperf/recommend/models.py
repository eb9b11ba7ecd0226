"""Recommendation runs, what they recommend and withhold per customer, and the offers RMs
log. Suitability is decided by the engine's single gate (`engine.recommend.core.present`);
recommended and withheld rows live in separate tables, so no query that lists
recommendations can pick up a withheld product."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet, unit_prefix_q
from rmperf.core.runs import BatchRun
from rmperf.customers.models import customer_scope_q
from rmperf.policies.models import policy_label_field, policy_version_fk


class RecommendationRun(BatchRun):
    """One engine run over the lake in use at an as-of date under one policy version.
    `row_count` is the recommended and withheld rows together."""

    as_of = models.DateField(_("as of"))
    #: The version string of the recommendation policy the engine loaded.
    policy_version = models.CharField(_("policy version"), max_length=64)
    model_used = models.BooleanField(_("propensity model used"), default=False)
    recommended = models.PositiveIntegerField(_("recommendations"), default=0)
    withheld = models.PositiveIntegerField(_("withheld findings"), default=0)

    class Meta:
        verbose_name = _("recommendation run")
        verbose_name_plural = _("recommendation runs")
        ordering = ("-started_at", "-pk")

    def __str__(self) -> str:
        return f"{self.as_of} ({self.policy_version})"


def _customer_scope(scope: Scope) -> models.Q:
    """Rows follow today's access to their customer (customers.Customer.restrict_q)."""
    return customer_scope_q(scope, "customer")


class _Row(models.Model):
    """Columns shared by recommended and withheld rows (engine output, one per product)."""

    run = models.ForeignKey(
        RecommendationRun,
        verbose_name=_("run"),
        on_delete=models.CASCADE,
        related_name="%(class)s_rows",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="%(class)s_rows",
    )
    rm = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    product_id = models.CharField(_("product"), max_length=64)
    product_name = models.CharField(_("product name"), max_length=200)
    category = models.CharField(_("category"), max_length=32)
    product_risk = models.CharField(_("product risk"), max_length=2)
    customer_risk = models.CharField(_("risk tolerance"), max_length=2, blank=True)

    class Meta:
        abstract = True


class Recommendation(_Row):
    """A suitable product recommended to a customer, with the rule(s) in words and the
    safeguards (flags) the RM must follow."""

    rank = models.PositiveSmallIntegerField(_("rank"))
    propensity = models.FloatField(_("propensity"))
    propensity_source = models.CharField(_("propensity source"), max_length=8)
    expected_value = models.DecimalField(_("expected value"), max_digits=18, decimal_places=2)
    rule_ids = models.CharField(_("rules"), max_length=400)
    reason_en = models.TextField(_("reason (English)"))
    reason_zh = models.TextField(_("reason (Chinese)"))
    flags = models.CharField(_("safeguards"), max_length=400, blank=True)
    flag_reason_en = models.TextField(_("safeguard (English)"), blank=True)
    flag_reason_zh = models.TextField(_("safeguard (Chinese)"), blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ("run", "customer", "rank")
        constraints = (
            models.UniqueConstraint(
                fields=("run", "customer", "product_id"), name="recommendation_unique"
            ),
        )
        indexes = (models.Index(fields=("customer", "run")), models.Index(fields=("run", "rm")))

    def __str__(self) -> str:
        return f"{self.customer_id} #{self.rank} {self.product_id}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Visible as the customer is; written by runs only."""
        if action is not Action.VIEW:
            return NOTHING
        return _customer_scope(scope)


class Withheld(_Row):
    """A candidate the suitability filter blocked, with the rule and the reason."""

    candidate_rule_ids = models.CharField(_("candidate rules"), max_length=400)
    rule = models.CharField(_("suitability rule"), max_length=64)
    reason_en = models.TextField(_("reason (English)"))
    reason_zh = models.TextField(_("reason (Chinese)"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("withheld recommendation")
        verbose_name_plural = _("withheld recommendations")
        ordering = ("run", "customer", "product_id", "rule")
        indexes = (models.Index(fields=("customer", "run")),)

    def __str__(self) -> str:
        return f"{self.customer_id} {self.product_id} {self.rule}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return NOTHING
        return _customer_scope(scope)


class Outcome(models.TextChoices):
    OFFERED = "offered", _("offered")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    NO_ANSWER = "no_answer", _("no answer")


class Offer(models.Model):
    """An RM offered a recommended product; the outcome is logged (offered → accepted /
    declined / no answer) and an accepted offer is attributed when the product appears in
    the lake's holdings within the policy window. Never deleted (a sales record)."""

    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        on_delete=models.PROTECT,
        related_name="offers",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="offers",
    )
    product_id = models.CharField(_("product"), max_length=64)
    offered_by = models.ForeignKey(
        "org.Staff", verbose_name=_("offered by"), on_delete=models.PROTECT, related_name="+"
    )
    offered_on = models.DateField(_("offered on"))
    #: When the offer was first logged (rows from before this column: the start of
    #: offered_on in bank time, set by the migration).
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    purchased_on = models.DateField(_("purchase seen in the lake on"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ("-offered_on", "-pk")
        indexes = (models.Index(fields=("customer", "product_id")),)

    def __str__(self) -> str:
        return f"{self.customer_id} {self.product_id} {self.outcome}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Offers follow the customer; only RMs and their managers in scope log them."""
        return _customer_scope(scope)


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    CLOSED = "closed", _("closed")


class Campaign(models.Model):
    """A branch manager offers one product to a segment of their branch (tiers, tags, a
    product gap). The target list is made when the campaign is created, from the latest
    segmentation run, and every target passed the suitability gate; a refresh re-runs
    the segment on a newer run (new customers added, unsuitable ones withdrawn)."""

    name = models.CharField(_("name"), max_length=200)
    product_id = models.CharField(_("product"), max_length=64)
    product_name = models.CharField(_("product name"), max_length=200)
    category = models.CharField(_("category"), max_length=32)
    revenue_rate = models.DecimalField(_("revenue rate"), max_digits=9, decimal_places=6)
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    gap_category = models.CharField(_("product gap (not holding)"), max_length=32, blank=True)
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        "org.Staff", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    segment_run = models.ForeignKey(
        "segments.SegmentRun",
        verbose_name=_("segmentation run"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    #: the recommendation rules (suitability, window) the target list was built with.
    policy = policy_version_fk()
    policy_label = policy_label_field()
    tracked_at = models.DateTimeField(_("results tracked at"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("list refreshed at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ("-starts_on", "-pk")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        )

    def __str__(self) -> str:
        return self.name

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Viewed by managers of the campaign's unit (or above) and by anyone who may see
        one of its targets (a team leader, an RM: their customers'); changed (closed) only
        within the unit's subtree."""
        own_unit = unit_prefix_q("unit__path", scope)
        if action is not Action.VIEW:
            return own_unit if scope.unit_path is not None else NOTHING
        seen = CampaignTarget.objects.filter(_customer_scope(scope), campaign=models.OuterRef("pk"))
        return own_unit | models.Q(models.Exists(seen))


class CampaignTarget(models.Model):
    """A customer on a campaign's list (the product is suitable for them at the run's
    date), the offer outcome their RM logs, and what the lake later shows."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="targets"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="campaign_targets",
    )
    rm = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("home branch"), on_delete=models.PROTECT, related_name="+"
    )
    tier = models.CharField(_("tier"), max_length=16)
    flags = models.CharField(_("safeguards"), max_length=400, blank=True)
    flag_reason_en = models.TextField(_("safeguard (English)"), blank=True)
    flag_reason_zh = models.TextField(_("safeguard (Chinese)"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    offered_by = models.ForeignKey(
        "org.Staff",
        verbose_name=_("offered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    offered_on = models.DateField(_("offered on"), null=True, blank=True)
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    #: Set when a refresh added the customer (empty: on the list since creation).
    added_on = models.DateField(_("added on"), null=True, blank=True)
    #: Set when a refresh found the product no longer suitable: the customer leaves the
    #: list (no more offers); an offer already logged and its results stay.
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_rule = models.CharField(_("withdrawn by rule"), max_length=200, blank=True)
    withdrawn_reason_en = models.TextField(_("withdrawal reason (English)"), blank=True)
    withdrawn_reason_zh = models.TextField(_("withdrawal reason (Chinese)"), blank=True)
    purchased_on = models.DateField(_("purchase seen in the lake on"), null=True, blank=True)
    purchase_amount = models.DecimalField(
        _("purchase amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    revenue = models.DecimalField(
        _("revenue estimate"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    complaints = models.PositiveIntegerField(_("complaints"), default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        ordering = ("campaign", "customer")
        constraints = (
            models.UniqueConstraint(fields=("campaign", "customer"), name="campaign_target_once"),
        )

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.customer_id}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Targets follow the customer (like offers); written by services only."""
        return _customer_scope(scope)


class CampaignWithheld(models.Model):
    """A customer of the segment for whom suitability blocks the campaign's product: never
    on the target list; one row per blocking rule, with the reason."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="withheld"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
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
    product_risk = models.CharField(_("product risk"), max_length=2)
    customer_risk = models.CharField(_("risk tolerance"), max_length=2, blank=True)
    rule = models.CharField(_("suitability rule"), max_length=64)
    reason_en = models.TextField(_("reason (English)"))
    reason_zh = models.TextField(_("reason (Chinese)"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign exclusion")
        verbose_name_plural = _("campaign exclusions")
        ordering = ("campaign", "customer", "rule")

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.customer_id} {self.rule}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return NOTHING
        return _customer_scope(scope)
