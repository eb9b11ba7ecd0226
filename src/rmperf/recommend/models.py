"""Recommendation runs, what they recommend and withhold per customer, and the offers RMs
log. Suitability is decided by the engine's single gate (`engine.recommend.core.present`);
recommended and withheld rows live in separate tables, so no query that lists
recommendations can pick up a withheld product."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet
from rmperf.customers.models import customer_scope_q


class RecommendationRun(models.Model):
    """One engine run over the lake in use at an as-of date under one policy version."""

    as_of = models.DateField(_("as of"))
    policy_version = models.CharField(_("policy version"), max_length=64)
    lake_path = models.CharField(_("lake"), max_length=500)
    model_used = models.BooleanField(_("propensity model used"), default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    recommended = models.PositiveIntegerField(_("recommendations"), default=0)
    withheld = models.PositiveIntegerField(_("withheld findings"), default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("recommendation run")
        verbose_name_plural = _("recommendation runs")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.as_of} ({self.policy_version})"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Run records (dates, counts) are open to everyone signed in; runs are started
        from the command line by operators."""
        return None if action is Action.VIEW else NOTHING


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
