"""Stored policy versions: YAML validated by the engine, maker-checker, one active per kind."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet
from rmperf.policies.kinds import PolicyKind


class PolicyStatus(models.TextChoices):
    """draft → approved (by someone other than its author) → active → retired."""

    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


def policy_version_fk() -> models.ForeignKey[Any, Any]:
    """The stored policy version a run or record used (empty: a policy file given on the
    command line, named in the matching `policy_label`)."""
    return models.ForeignKey(
        "policies.PolicyVersion",
        verbose_name=_("policy version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )


def policy_label_field() -> models.CharField[Any, Any]:
    """How a run names the policy it used: the kind and version label, or `file PATH`."""
    return models.CharField(_("policy used"), max_length=300, blank=True)


class PolicyVersion(models.Model):
    """One version of a policy document. Immutable once approved: a change is a new
    version (DESIGN.md "Policies"); results record the version they were computed with."""

    kind = models.CharField(_("kind"), max_length=32, choices=PolicyKind.choices)
    label = models.CharField(_("version label"), max_length=64)
    yaml_text = models.TextField(_("policy (YAML)"))
    digest = models.CharField(_("digest"), max_length=64, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    is_default = models.BooleanField(_("shipped default"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ("kind", "-created_at", "-pk")
        constraints = (
            models.UniqueConstraint(
                fields=("kind",),
                condition=models.Q(status="active"),
                name="policy_one_active_per_kind",
            ),
            models.UniqueConstraint(fields=("kind", "label"), name="policy_label_unique"),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True)
                | models.Q(created_by__isnull=True)
                | ~models.Q(approved_by=models.F("created_by")),
                name="policy_maker_is_not_checker",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label} ({self.get_status_display()})"

    @property
    def run_label(self) -> str:
        """How runs name this version: `<kind> <label>`."""
        return f"{self.kind} {self.label}"

    @property
    def short_digest(self) -> str:
        return self.digest[:12]

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Everyone signed in may read the rules they are measured by; only bank-wide
        roles (HR) and superusers write them (they pass before this rule is asked)."""
        return None if action is Action.VIEW else NOTHING
