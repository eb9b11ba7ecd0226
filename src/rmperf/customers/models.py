"""Customers, who looks after them (time-sliced assignments) and the product shelf."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet, unit_prefix_q


def current_on(day: dt.date, prefix: str = "") -> models.Q:
    """Assignments in force on `day` (valid_to is inclusive; empty means still valid)."""
    return models.Q(**{f"{prefix}valid_from__lte": day}) & (
        models.Q(**{f"{prefix}valid_to__isnull": True})
        | models.Q(**{f"{prefix}valid_to__gte": day})
    )


#: What the lake contract refuses in any text (engine.validity's CONTROL_RE): C0 and C1
#: control characters, line breaks and tabs included. The app's own edits obey the same rule.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def validate_no_control_characters(value: str) -> None:
    """Text may hold no control character (NUL, tab, line break, escape …), as in the lake."""
    if _CONTROL.search(value):
        raise ValidationError(
            _("Contains a control character (tab, line break …); text may hold none."),
            code="control_character",
        )


#: The customer profile's fields (seed 002 篇二 三.3–三.4): personal data, shown to the
#: customer's RM masked, revealed with a purpose, edited by that RM.
PROFILE_FIELDS = ("industry", "household", "hobbies", "preferred_contact_times")


class CustomerKind(models.TextChoices):
    """Retail customers are people (their data is personal data); corporate ones companies."""

    RETAIL = "retail", _("Retail")
    CORPORATE = "corporate", _("Corporate")


class RiskTolerance(models.TextChoices):
    """A customer's assessed risk tolerance; a product's R level may not exceed it."""

    C1 = "C1", _("C1 conservative")
    C2 = "C2", _("C2 cautious")
    C3 = "C3", _("C3 balanced")
    C4 = "C4", _("C4 growth")
    C5 = "C5", _("C5 aggressive")


class ProductRisk(models.TextChoices):
    """A product's risk level R1–R5, matched against the customer's C1–C5 (suitability)."""

    R1 = "R1", _("R1 low")
    R2 = "R2", _("R2 medium-low")
    R3 = "R3", _("R3 medium")
    R4 = "R4", _("R4 medium-high")
    R5 = "R5", _("R5 high")


class ProductCategory(models.TextChoices):
    """The product shelf's categories (the lake contract's `products.category`)."""

    DEPOSIT = "deposit", _("Demand deposit")
    TIME_DEPOSIT = "time_deposit", _("Time deposit")
    WEALTH = "wealth", _("Wealth management")
    FUND = "fund", _("Fund")
    INSURANCE = "insurance", _("Insurance")
    CREDIT_CARD = "credit_card", _("Credit card")
    MORTGAGE = "mortgage", _("Mortgage")
    CONSUMER_LOAN = "consumer_loan", _("Consumer loan")
    BUSINESS_LOAN = "business_loan", _("Business loan")
    PAYROLL = "payroll", _("Payroll service")
    FX = "fx", _("Foreign exchange")
    TRUST = "trust", _("Trust")


class Customer(models.Model):
    """A retail or corporate customer; phone, id number and birth date are personal data."""

    customer_id = models.CharField(_("customer id"), max_length=64, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=CustomerKind.choices)
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("home branch"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    id_number = models.CharField(_("id number"), max_length=32, blank=True)
    risk_level = models.CharField(
        _("risk tolerance"), max_length=2, choices=RiskTolerance.choices, blank=True
    )
    risk_assessed_on = models.DateField(_("risk assessed on"), null=True, blank=True)
    contact_verified_on = models.DateField(_("contact verified on"), null=True, blank=True)
    marketing_opt_out = models.BooleanField(_("opted out of personalised marketing"), default=False)
    industry = models.CharField(
        _("industry"),
        max_length=100,
        blank=True,
        validators=[validate_no_control_characters],
        help_text=_("A corporate customer's own; a retail customer's employer's."),
    )
    household = models.CharField(
        _("household"),
        max_length=200,
        blank=True,
        validators=[validate_no_control_characters],
        help_text=_("Household members, in words or as a count."),
    )
    hobbies = models.CharField(
        _("hobbies"), max_length=200, blank=True, validators=[validate_no_control_characters]
    )
    preferred_contact_times = models.CharField(
        _("preferred contact times"),
        max_length=100,
        blank=True,
        validators=[validate_no_control_characters],
        help_text=_("For example: weekday evenings after 19:00."),
    )
    #: Set when the customer's RM edits the profile in the app: from then on a lake import
    #: leaves the profile as the RM wrote it (lakes.services, "app_kept").
    profile_edited_at = models.DateTimeField(_("profile edited at"), null=True, blank=True)
    profile_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("profile edited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ("customer_id",)
        indexes = (models.Index(fields=("unit", "kind")), models.Index(fields=("name",)))

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_id})"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """An RM sees the customers assigned to them today; managers those of their
        subtree: customers homed in it or looked after by someone who works in it."""
        return customer_scope_q(scope)


def customer_scope_q(scope: Scope, customer: str = "") -> models.Q:
    """Today's access to a customer, for Customer itself (`customer=""`) or for rows that
    point at one (`customer="customer"`): an RM the customers assigned to them today;
    managers those homed in their subtree or looked after by someone who works in it.
    Every model whose rows follow their customer's access uses this one rule."""
    today = timezone.localdate()
    # Uncorrelated `IN (subquery)` rather than a correlated EXISTS: under the manager's OR,
    # PostgreSQL runs an EXISTS once per candidate row (3.4 s for a branch's first page of
    # 25 customers on the medium bank), while an IN list is built once and hashed.
    field = f"{customer}_id__in" if customer else "pk__in"
    if scope.unit_path is None:
        mine = Assignment.objects.filter(current_on(today), staff_id=scope.staff_id)
        return models.Q(**{field: mine.values("customer_id")})
    looked_after_here = Assignment.objects.filter(
        current_on(today), staff__unit__path__startswith=scope.unit_path
    )
    path = f"{customer}__unit__path" if customer else "unit__path"
    return unit_prefix_q(path, scope) | models.Q(**{field: looked_after_here.values("customer_id")})


class Assignment(models.Model):
    """Which RM looks after a customer from `valid_from` to `valid_to` (inclusive; open = now)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="assignments"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ("customer_id", "valid_from")
        constraints = (
            models.UniqueConstraint(
                fields=("customer", "valid_from"), name="assignment_unique_customer_start"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="assignment_valid_range",
            ),
        )
        indexes = (models.Index(fields=("staff", "valid_to")),)

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.staff_id} ({self.valid_from}–{self.valid_to or ''})"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """An RM sees their own assignments and the history of the customers they look after
        today; managers the assignments touching their subtree."""
        if scope.unit_path is None:
            mine_today = Assignment.objects.filter(
                current_on(timezone.localdate()), staff_id=scope.staff_id
            ).values("customer_id")
            return models.Q(staff_id=scope.staff_id) | models.Q(customer_id__in=mine_today)
        return unit_prefix_q("staff__unit__path", scope) | unit_prefix_q(
            "customer__unit__path", scope
        )


class Product(models.Model):
    """A product on the shelf, with its risk level (R1–R5) and revenue rate to the bank."""

    product_id = models.CharField(_("product id"), max_length=64, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=32, choices=ProductCategory.choices)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=ProductRisk.choices)
    term_days = models.PositiveIntegerField(_("term (days)"), null=True, blank=True)
    revenue_rate = models.DecimalField(_("revenue rate"), max_digits=12, decimal_places=6)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ("product_id",)

    def __str__(self) -> str:
        return f"{self.name} ({self.product_id})"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """The product shelf is public inside the bank; it changes only by lake import."""
        return None if action is Action.VIEW else NOTHING
