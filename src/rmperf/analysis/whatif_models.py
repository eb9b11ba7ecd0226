"""What-if runs of the approval page (issue #15 "What-if before adoption"): a draft
scorecard set or pay plan compared with the version in force for a past period, run out of
the request and polled. The run row keeps the comparison to show it (JSON); nothing is
stored as a scoring or pay result (docs/analysis.md "What-if in the app")."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING
from rmperf.core.runs import BatchRun


class WhatIfHistory(models.TextChoices):
    """Where the ratings of the quarters before the period came from."""

    CONFIRMED = "confirmed", _("the confirmed ratings, the same on both sides")
    SCORED = "scored", _("each side's own scoring of every quarter")
    NONE = "none", _("no earlier quarter needed")


class WhatIfRun(BatchRun):
    """One comparison of a draft policy version with the versions in force for a period.
    `policy` (BatchRun) is the draft; `result` holds the rows and the summary once done."""

    period_key = models.CharField(_("period"), max_length=16)
    history = models.CharField(
        _("earlier ratings"), max_length=16, choices=WhatIfHistory.choices, blank=True
    )
    #: {"rows": [...], "summary": [...], "skipped": {...}, "paid": bool} (docs/analysis.md)
    result = models.JSONField(_("comparison"), default=dict, blank=True)

    class Meta:
        verbose_name = _("what-if run")
        verbose_name_plural = _("what-if runs")
        ordering = ("-started_at", "-pk")

    #: Per-RM pay under a draft: only those who make and check policies (HR; superusers
    #: pass too) read it, as policies.services.policy_may_edit says who they are.
    restrict_roles = frozenset({"hr"})

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """HR below the bank level sees none (HR is bank-wide; fail closed)."""
        return NOTHING
