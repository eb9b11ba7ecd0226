"""360 reviews (DOMAIN §5, §7; docs/feedback.md): a round opened by HR or a branch
manager over an org unit for a quarter, one invitation per (reviewer, reviewee,
relation), one response per invitation.

Anonymity: a reviewee's results of a relation are shown (page, API, export) and fed to
scoring only when the group has at least the policy's `min_responses` responses, and
never with a reviewer's name. The rows keep who answered (to refuse a second answer and
to count participation); only the selectors' aggregates leave the app.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet, unit_prefix_q
from rmperf.policies.models import policy_label_field, policy_version_fk

#: Roles that open and close rounds (over their scope).
ROUND_MANAGERS = frozenset({"hr", "branch_manager"})
#: Roles that read a round's aggregates for the people of their scope.
RESULT_READERS = frozenset({"hr", "branch_manager", "team_leader"})


class Relation(models.TextChoices):
    PEER = "peer", _("Peer review")
    UPWARD = "upward", _("Upward review (of the team leader)")
    SELF = "self", _("Self review")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


def _user_fk(verbose: Any) -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )


class FeedbackRound(models.Model):
    """A round of 360 reviews of the staff of `unit`'s subtree for one quarter."""

    title = models.CharField(_("title"), max_length=200)
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("quarter"), max_length=8)
    status = models.CharField(
        _("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    #: The validated policy the round was opened with (questionnaires, scale, threshold).
    questionnaire = models.JSONField(_("questionnaire"))
    policy = policy_version_fk()
    policy_label = policy_label_field()
    opened_by = _user_fk(_("opened by"))
    opened_at = models.DateTimeField(_("opened at"))
    closed_by = _user_fk(_("closed by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("360 review round")
        verbose_name_plural = _("360 review rounds")
        ordering = ("-opened_at", "-pk")

    def __str__(self) -> str:
        return f"{self.title} ({self.period})"

    @property
    def min_responses(self) -> int:
        return int(self.questionnaire["min_responses"])

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Managers see and (HR, branch managers) change the rounds over a unit of their
        subtree; everyone else sees the rounds that invited them (as reviewer)."""
        if scope.unit_path is not None and scope.role in RESULT_READERS:
            if action is not Action.VIEW and scope.role not in ROUND_MANAGERS:
                return NOTHING
            return unit_prefix_q("unit__path", scope)
        if action is not Action.VIEW or not scope.staff_id:
            return NOTHING
        return models.Q(invitations__reviewer_id=scope.staff_id) | models.Q(
            invitations__reviewee_id=scope.staff_id
        )


class Invitation(models.Model):
    """One reviewer asked to review one person in one relation."""

    round = models.ForeignKey(
        FeedbackRound,
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    reviewer = models.ForeignKey(
        "org.Staff", verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    reviewee = models.ForeignKey(
        "org.Staff", verbose_name=_("person reviewed"), on_delete=models.PROTECT, related_name="+"
    )
    relation = models.CharField(_("relation"), max_length=8, choices=Relation.choices)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("360 review invitation")
        verbose_name_plural = _("360 review invitations")
        ordering = ("round", "reviewee_id", "relation", "pk")
        constraints = (
            models.UniqueConstraint(
                fields=("round", "reviewer", "reviewee", "relation"), name="feedback_invite_once"
            ),
            models.CheckConstraint(
                condition=models.Q(relation="self", reviewer=models.F("reviewee"))
                | (~models.Q(relation="self") & ~models.Q(reviewer=models.F("reviewee"))),
                name="feedback_self_only_self",
            ),
        )

    def __str__(self) -> str:
        return f"{self.round_id} {self.relation} {self.reviewee_id}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """A reviewer sees (and answers) their own invitations; nobody else reads them
        one by one (results leave the app only as aggregates)."""
        if not scope.staff_id or scope.read_only:
            return NOTHING
        return models.Q(reviewer_id=scope.staff_id)


class Response(models.Model):
    """The answers of one invitation and its score 0–100 (engine.feedback.response_score)."""

    invitation = models.OneToOneField(
        Invitation, verbose_name=_("invitation"), on_delete=models.PROTECT, related_name="response"
    )
    answers = models.JSONField(_("answers"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    submitted_at = models.DateTimeField(_("submitted at"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("360 review response")
        verbose_name_plural = _("360 review responses")
        ordering = ("invitation", "pk")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100),
                name="feedback_score_0_100",
            ),
        )

    def __str__(self) -> str:
        return f"{self.invitation_id} {self.score}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Only the reviewer reads their own answers; aggregates go through selectors."""
        if not scope.staff_id or action is not Action.VIEW:
            return NOTHING
        return models.Q(invitation__reviewer_id=scope.staff_id)
