"""Dynamic-threshold proposals (issue #15, DOMAIN §8): one run of the threshold model over
the lake in use, kept with the model, its inputs and its backtest error, and what became
of it: proposed → drafted (a scorecard draft written through the policies' maker-checker)
→ approved, or rejected. Nothing applies until the draft is approved by another person
and activated (docs/analysis.md "Dynamic thresholds")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.runs import BatchRun

#: Branch managers see their branches' proposals; HR makes the draft (superusers pass too).
THRESHOLD_ROLES = frozenset({"branch_manager", "hr"})


class ThresholdDecision(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    DRAFTED = "drafted", _("Scorecard draft made, awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ThresholdProposal(BatchRun):
    """One run of the threshold model: `policy` (BatchRun) is the scorecard set in force it
    read, `inputs_digest` the engine's digest of its observations and series."""

    period_key = models.CharField(_("period"), max_length=16)
    model_name = models.CharField(_("model"), max_length=100)
    model_version = models.CharField(_("model version"), max_length=20)
    #: The economic series the model used, the periods of the history and the months of
    #: series read.
    series = models.JSONField(_("economic series"), default=list, blank=True)
    history = models.JSONField(_("history periods"), default=list, blank=True)
    series_months = models.JSONField(_("series months"), default=list, blank=True)
    #: {"rows": [...per branch × line...], "levels": [...per scorecard line...]}
    result = models.JSONField(_("proposals"), default=dict, blank=True)
    decision = models.CharField(
        _("decision"),
        max_length=16,
        choices=ThresholdDecision.choices,
        default=ThresholdDecision.PROPOSED,
    )
    draft = models.ForeignKey(
        "policies.PolicyVersion",
        verbose_name=_("scorecard draft"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("threshold proposal")
        verbose_name_plural = _("threshold proposals")
        ordering = ("-started_at", "-pk")

    restrict_roles = THRESHOLD_ROLES

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """A branch manager views every run (the rows shown are their subtree's)."""
        return None if action is Action.VIEW else models.Q(pk__in=[])
