"""The batch run every app that runs the engine stores: one status, one lifecycle.

`BatchRun` is the abstract model behind `SegmentRun`, `ScoringRun`, `RecommendationRun`
and `TaskRun`; the pay, workload and review runs to come inherit it too, so every run
answers the same questions (what state, when, who, under which policy version, from
which inputs, how many rows, what went wrong) with the same field names. Each concrete
run adds only what is its own (as-of date or period, per-kind counts, lake import).
The lifecycle (start, succeed, supersede, fail, each audited) is in `core.run_services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet


class RunStatus(models.TextChoices):
    """Where a run is: `running` until it succeeds or fails; a succeeded run becomes
    `superseded` when a later run of the same key (date and policy, or period) replaces
    its results."""

    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    SUPERSEDED = "superseded", _("Superseded")
    FAILED = "failed", _("Failed")


class BatchRun(models.Model):
    """One run of an engine batch, recorded with who started it, the policy version and
    inputs it used and what it wrote, so every result row can name the run behind it
    (DESIGN "Policies": every result row records the policy version and the run)."""

    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    #: Empty while the run is running.
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    #: Empty for the system (command line, demo, scheduled task); `actor_label` names it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150)
    #: The stored policy version the run used (empty: a policy file given on the command
    #: line, named in `policy_label`).
    policy = models.ForeignKey(
        "policies.PolicyVersion",
        verbose_name=_("policy version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    policy_label = models.CharField(_("policy used"), max_length=300, blank=True)
    #: The lake directory the run read (empty for a run that reads no lake).
    lake_path = models.CharField(_("lake path"), max_length=1000, blank=True)
    #: A digest of everything the run read, for runs that compute one: two runs with the
    #: same digest give the same results.
    inputs_digest = models.CharField(_("inputs digest"), max_length=64, blank=True, db_index=True)
    #: Result rows the run wrote or changed (customers segmented, RMs scored, …).
    row_count = models.PositiveIntegerField(_("rows written"), default=0)
    #: Why a failed run failed.
    problem = models.TextField(_("problem"), blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def audit_id(self) -> str:
        """The id the run's audit events name it by."""
        return str(self.pk)

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Run records (dates, counts) are open to everyone signed in; only the services
        start runs, and they check who may."""
        return None if action is Action.VIEW else NOTHING
