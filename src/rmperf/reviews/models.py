"""Talks and 述职 panels (DOMAIN §7): the quarterly performance talk (绩效面谈) per RM, and
the half-year / annual 述职 with its report, attachments, panel and private scores.

Nothing here is ever deleted: a talk is acknowledged, a panel closed. Reads go through
`restrict()`; the selectors add what a queryset rule cannot say (a member reads only
their own score until the panel closes, even an HR member whose scope is bank-wide).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet, unit_prefix_q

#: Roles that lead RMs: they see their subtree's talks and 述职.
LEAD_ROLES = frozenset({"team_leader", "branch_manager"})


def _user_fk(verbose: Any) -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )


def _rm_q(scope: Scope, field: str = "staff") -> models.Q:
    """The RM's own rows, or a lead's subtree (tellers and risk officers see none)."""
    own = models.Q(**{f"{field}_id": scope.staff_id})
    if scope.unit_path is not None and scope.role in LEAD_ROLES:
        return unit_prefix_q(f"{field}__unit__path", scope) | own
    return own


class Talk(models.Model):
    """One quarter's performance talk with one RM: the manager's record, the RM's
    acknowledgement and comment."""

    period = models.ForeignKey(
        "performance.PerfPeriod",
        verbose_name=_("quarter"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    manager = models.ForeignKey(
        "org.Staff", verbose_name=_("manager"), on_delete=models.PROTECT, related_name="+"
    )
    strengths = models.TextField(_("strengths"))
    problems = models.TextField(_("problems"))
    focus = models.TextField(_("next quarter's focus"))
    actions = models.TextField(_("agreed actions"))
    held_on = models.DateField(_("held on"))
    recorded_by = _user_fk(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))
    rm_comment = models.TextField(_("RM's comment"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("performance talk")
        verbose_name_plural = _("performance talks")
        ordering = ("-period__start", "staff_id")
        constraints = (
            models.UniqueConstraint(fields=("period", "staff"), name="reviews_talk_once"),
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("staff")), name="reviews_talk_not_self"
            ),
        )

    def __str__(self) -> str:
        return f"{self.period_id} {self.staff_id}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """View: the RM their own, leads their subtree's. Change: the RM (acknowledge)
        and the leads of the RM (record); the services say which field."""
        if action is Action.VIEW or action is Action.CHANGE:
            return _rm_q(scope)
        if scope.role in LEAD_ROLES:
            return unit_prefix_q("staff__unit__path", scope)
        return NOTHING


def _seated(scope: Scope) -> models.QuerySet[Any]:
    """The ids of the 述职 whose panel the scope's person sits on."""
    return PanelMember.objects.filter(member_id=scope.staff_id).values("review_id")


class ReviewKind(models.TextChoices):
    HALF = "half", _("Half-year 述职")
    ANNUAL = "annual", _("Annual 述职")


class ReviewStatus(models.TextChoices):
    """draft (the RM writes) → submitted (the panel scores) → closed (the score filled)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CLOSED = "closed", _("Closed")


class SelfReview(models.Model):
    """One RM's half-year or annual 述职: the report, then the panel and its score."""

    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ReviewKind.choices)
    #: The half-year or year reviewed: 2026H1, 2026H2 or 2026.
    span = models.CharField(_("half-year or year"), max_length=8)
    report = models.TextField(_("report"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    #: Set at the close: the period whose manual line it filled, the key, the score.
    period = models.ForeignKey(
        "performance.PerfPeriod",
        verbose_name=_("period filled"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    manual_key = models.CharField(_("manual score"), max_length=64, blank=True)
    score = models.DecimalField(
        _("panel score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    #: The members whose scores counted (after trimming), for the record.
    counted = models.JSONField(_("scores counted"), default=list, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = _user_fk(_("closed by"))
    policy_version = models.CharField(_("policy version"), max_length=64, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("述职")
        verbose_name_plural = _("述职")
        ordering = ("-span", "staff_id")
        constraints = (
            models.UniqueConstraint(fields=("staff", "span"), name="reviews_selfreview_once"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True)
                | (models.Q(score__gte=0) & models.Q(score__lte=100)),
                name="reviews_selfreview_0_100",
            ),
        )

    def __str__(self) -> str:
        return f"{self.staff_id} {self.span}"

    @property
    def is_closed(self) -> bool:
        return self.status == ReviewStatus.CLOSED

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """The RM their own, leads their subtree's, and a panel member the 述职 they sit on."""
        member = models.Q(pk__in=_seated(scope))
        if action is Action.VIEW:
            return _rm_q(scope) | member
        if action is Action.CHANGE:
            return (
                models.Q(staff_id=scope.staff_id)
                | member
                | (
                    unit_prefix_q("staff__unit__path", scope)
                    if scope.role == "branch_manager"
                    else NOTHING
                )
            )
        return models.Q(staff_id=scope.staff_id)


class Attachment(models.Model):
    """A file of the report, checked by size and by its content (not its name)."""

    review = models.ForeignKey(
        SelfReview, verbose_name=_("述职"), on_delete=models.PROTECT, related_name="attachments"
    )
    name = models.CharField(_("file name"), max_length=200)
    file_type = models.CharField(_("type"), max_length=8)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    data = models.BinaryField(_("content"))
    uploaded_at = models.DateTimeField(_("uploaded at"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ("review", "uploaded_at", "pk")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return NOTHING
        return _rm_q(scope, "review__staff") | models.Q(review_id__in=_seated(scope))


class PanelMember(models.Model):
    """A member of one 述职's panel; `conflict` holds a conflict they declared (they no
    longer score, and are never appointed again to this panel)."""

    review = models.ForeignKey(
        SelfReview, verbose_name=_("述职"), on_delete=models.PROTECT, related_name="members"
    )
    member = models.ForeignKey(
        "org.Staff", verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    appointed_by = _user_fk(_("appointed by"))
    appointed_by_label = models.CharField(_("appointed by"), max_length=150)
    appointed_at = models.DateTimeField(_("appointed at"))
    conflict = models.TextField(_("declared conflict"), blank=True)
    conflict_at = models.DateTimeField(_("conflict declared at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        ordering = ("review", "member_id")
        constraints = (
            models.UniqueConstraint(fields=("review", "member"), name="reviews_member_once"),
        )

    def __str__(self) -> str:
        return f"{self.review_id} {self.member_id}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return models.Q(member_id=scope.staff_id)
        return _rm_q(scope, "review__staff") | models.Q(review_id__in=_seated(scope))


class PanelScore(models.Model):
    """One member's private score (0–100, 2 decimals) of a 述职 and their comment."""

    review = models.ForeignKey(
        SelfReview, verbose_name=_("述职"), on_delete=models.PROTECT, related_name="scores"
    )
    member = models.ForeignKey(
        "org.Staff", verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("comment"))
    scored_at = models.DateTimeField(_("scored at"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("panel score")
        verbose_name_plural = _("panel scores")
        ordering = ("review", "member_id")
        constraints = (
            models.UniqueConstraint(fields=("review", "member"), name="reviews_score_once"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100),
                name="reviews_score_0_100",
            ),
        )

    def __str__(self) -> str:
        return f"{self.review_id} {self.member_id} {self.score}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Before the close a member reads only their own score; after it, the RM and
        their leads read them all (bank-wide roles read every row: the selectors hide
        the others' scores until the close)."""
        own = models.Q(member_id=scope.staff_id)
        if action is not Action.VIEW:
            return own
        return own | (models.Q(review__status=ReviewStatus.CLOSED) & _rm_q(scope, "review__staff"))
