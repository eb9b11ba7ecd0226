"""Referrals (转介, DOMAIN §4): the state machine, the points ledger and redemptions.

Rows change only through rmperf.referrals.services (conditional updates, audited).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet, unit_prefix_q
from rmperf.policies.models import policy_label_field, policy_version_fk


class Need(models.TextChoices):
    """What the customer needs (the rule book's needs, DOMAIN §4)."""

    WEALTH = "wealth", _("Wealth products")
    CORPORATE_LOAN = "corporate_loan", _("Corporate loan")
    CORPORATE_SETTLEMENT = "corporate_settlement", _("Corporate settlement")
    FAMILY_TRUST = "family_trust", _("Family trust")
    MEDICAL_INSURANCE = "medical_insurance", _("High-end medical insurance")


class State(models.TextChoices):
    """created → accepted → contacted → converted | lost | expired (the lake's statuses)."""

    CREATED = "created", _("Created")
    ACCEPTED = "accepted", _("Accepted")
    CONTACTED = "contacted", _("Contacted")
    CONVERTED = "converted", _("Converted")
    LOST = "lost", _("Lost")
    EXPIRED = "expired", _("Expired")


OPEN_STATES = (State.CREATED, State.ACCEPTED, State.CONTACTED)


class LostReason(models.TextChoices):
    """Why a referral did not convert; `other` needs words."""

    DECLINED = "declined", _("Customer declined")
    UNREACHABLE = "unreachable", _("Customer unreachable")
    NOT_SUITABLE = "not_suitable", _("Product not suitable for the customer")
    ELSEWHERE = "elsewhere", _("Customer went to another bank")
    OTHER = "other", _("Other")


class ExpiryReason(models.TextChoices):
    NO_RESPONSE = "no_response", _("Not answered in time")
    NO_PURCHASE = "no_purchase", _("No purchase within the conversion window")


def _mine_or_unit(scope: Scope, *fields: str) -> models.Q:
    """Rows naming the actor in one of `fields`, or (managers, tellers, WMs) their subtree."""
    q = models.Q()
    for f in fields:
        q |= models.Q(**{f: scope.staff_id})
        if scope.unit_path is not None:
            q |= unit_prefix_q(f.replace("_id", "__unit__path"), scope)
    return q


class Referral(models.Model):
    """A customer handed from a colleague to the right receiver with a need; the receiver
    answers within the SLA, and a purchase in the lake within the window converts it."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    from_staff = models.ForeignKey(
        "org.Staff", verbose_name=_("referred by"), on_delete=models.PROTECT, related_name="+"
    )
    to_staff = models.ForeignKey(
        "org.Staff", verbose_name=_("referred to"), on_delete=models.PROTECT, related_name="+"
    )
    need = models.CharField(_("need"), max_length=32, choices=Need.choices)
    rule_id = models.CharField(_("rule met"), max_length=64)
    policy_version = models.CharField(_("rule book version"), max_length=12)
    policy = policy_version_fk()
    policy_label = policy_label_field()
    deposit = models.DecimalField(
        _("deposit"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.CREATED
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)
    referred_on = models.DateField(_("referred on"))
    due_at = models.DateTimeField(_("answer due by"))
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        "org.Staff",
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lost_reason = models.CharField(
        _("reason lost"), max_length=16, choices=LostReason.choices, blank=True
    )
    lost_detail = models.CharField(_("reason in words"), max_length=500, blank=True)
    expiry_reason = models.CharField(
        _("reason expired"), max_length=16, choices=ExpiryReason.choices, blank=True
    )
    product_id = models.CharField(_("product bought"), max_length=64, blank=True)
    purchase_amount = models.DecimalField(
        _("purchase amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    points = models.PositiveIntegerField(_("points awarded"), default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ("-created_at", "-pk")
        constraints = (
            models.CheckConstraint(
                condition=~models.Q(from_staff=models.F("to_staff")), name="referral_not_self"
            ),
            # One open referral per customer and need (DOMAIN §4: no double handling).
            models.UniqueConstraint(
                fields=("customer", "need"),
                condition=models.Q(state__in=("created", "accepted", "contacted")),
                name="referral_one_open_per_need",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="lost") | ~models.Q(lost_reason=""),
                name="referral_lost_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="converted") | models.Q(purchase_date__isnull=False),
                name="referral_converted_has_purchase",
            ),
        )
        indexes = (
            models.Index(fields=("to_staff", "state")),
            models.Index(fields=("from_staff", "created_at")),
            models.Index(fields=("state", "due_at")),
        )

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer_id} {self.from_staff_id}→{self.to_staff_id}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """The referrer, the receiver and the team leader it was escalated to see it;
        managers, tellers and WMs also see the referrals made or received in their subtree.
        Changes go through the services, which check the role of each transition."""
        q = _mine_or_unit(scope, "from_staff_id", "to_staff_id")
        return q | models.Q(escalated_to_id=scope.staff_id)


class PointsAccount(models.Model):
    """A person's running points balance; the check constraint keeps it from going below
    zero whatever the code does, and debits are conditional updates (never read-modify-write)."""

    staff = models.OneToOneField(
        "org.Staff",
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="points_account",
    )
    balance = models.IntegerField(_("balance"), default=0)
    entries = models.PositiveIntegerField(_("entries"), default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="points_balance_not_negative"
            ),
        )

    def __str__(self) -> str:
        return f"{self.staff_id}: {self.balance}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """One's own account; managers their subtree's. Nobody edits one directly."""
        if action is not Action.VIEW:
            return NOTHING
        return _mine_or_unit(scope, "staff_id")


class EntryKind(models.TextChoices):
    EARNED = "earned", _("Earned by a conversion")
    REDEEMED = "redeemed", _("Redeemed")


class PointsEntry(models.Model):
    """One line of the append-only points ledger; the balance is the sum of the points and
    `balance_after` the running balance, numbered per person (`seq`)."""

    account = models.ForeignKey(
        PointsAccount,
        verbose_name=_("points account"),
        on_delete=models.PROTECT,
        related_name="ledger",
    )
    seq = models.PositiveIntegerField(_("number"))
    ts = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    redemption = models.ForeignKey(
        "referrals.Redemption",
        verbose_name=_("redemption"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ("account_id", "-seq")
        constraints = (
            models.UniqueConstraint(fields=("account", "seq"), name="points_entry_seq"),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="points_entry_not_negative"
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="earned") & models.Q(points__gte=0))
                | (models.Q(kind="redeemed") & models.Q(points__lt=0)),
                name="points_entry_sign",
            ),
            # A conversion pays once.
            models.UniqueConstraint(
                fields=("referral",),
                condition=models.Q(referral__isnull=False),
                name="points_entry_one_per_referral",
            ),
        )

    def __str__(self) -> str:
        return f"{self.account_id} #{self.seq} {self.points:+d}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return NOTHING
        return _mine_or_unit(scope, "account__staff_id")


class RedemptionState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Redemption(models.Model):
    """Points exchanged for training or leave: requested by the holder (maker), approved
    or rejected by a manager over them (checker); the points leave the balance on approval."""

    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    item_id = models.CharField(_("item"), max_length=64)
    item_name = models.CharField(_("item name"), max_length=200)
    points = models.PositiveIntegerField(_("points"))
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=RedemptionState.choices,
        default=RedemptionState.REQUESTED,
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        "org.Staff",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ("-requested_at", "-pk")
        constraints = (
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("staff")),
                name="redemption_not_self_approved",
            ),
        )

    def __str__(self) -> str:
        return f"#{self.pk} {self.staff_id} {self.item_id} ({self.state})"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        return _mine_or_unit(scope, "staff_id")
