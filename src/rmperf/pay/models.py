"""Pay (DOMAIN §6): quarterly pay runs from confirmed ratings, their statements and lines,
the approval chain, and RMs' inquiries about a statement or score line.

A run is prepared by HR (or the system) and approved by a second person; approved
statements are frozen and chained (`approval_seq`, `prev_digest`, `digest`), so an edit
is caught by `rmperf verify`. Regulated rows are never deleted: a new run of a quarter
not yet approved supersedes the last one, whose rows stay beside it.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet, unit_prefix_q
from rmperf.core.runs import BatchRun
from rmperf.performance.models import MANAGER_ROLES, Tier

#: Who may see pay at all: the RM (own), team leaders and branch managers (their unit),
#: HR and auditors (the bank, auditors read-only). Tellers, wealth managers, risk
#: officers and HQ analysts see no pay.
PAY_ROLES = frozenset({"rm", "team_leader", "branch_manager", "hr", "auditor"})


#: The engine's line kinds (`rmperf pay --lines`), as the pages name them.
LINE_LABELS = {
    "base": _("Base pay"),
    "loan_pay": _("Loan pay"),
    "excess_reward": _("Excess reward"),
    "deferred": _("Deferred"),
    "immediate": _("Immediate"),
    "held": _("Held"),
    "held_released": _("Held released"),
    "held_forfeited": _("Held forfeited"),
    "deferral_released": _("Deferral released"),
    "malus": _("Malus"),
    "clawback": _("Clawback"),
    "deferral_balance": _("Deferral balance"),
}

#: A money amount inside an engine text (two decimals).
_MONEY_RE = re.compile(r"-?\d+\.\d{2}\b")


def _user_fk(verbose: Any) -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )


def _money(verbose: Any) -> models.DecimalField[Any, Any]:
    return models.DecimalField(verbose, max_digits=18, decimal_places=2)


def _pay_scope_q(prefix: str, scope: Scope, action: Action) -> models.Q:
    """An RM sees their own pay; team leaders and branch managers their subtree's; the
    rows change only through the services (HR), never by scope."""
    if action is not Action.VIEW:
        return NOTHING
    if scope.unit_path is not None:
        if scope.role not in MANAGER_ROLES:
            return NOTHING
        return unit_prefix_q(f"{prefix}staff__unit__path", scope)
    return models.Q(**{f"{prefix}staff_id": scope.staff_id})


class PayRun(BatchRun):
    """One pay run of a quarter on the current lake, the pay plan in force and the
    confirmed ratings; approved by a second person, then frozen and chained."""

    run_id = models.UUIDField(_("run id"), default=uuid.uuid4, unique=True, editable=False)
    period = models.CharField(_("quarter"), max_length=8, db_index=True)
    #: The first quarter the state was carried from, and the quarters whose ratings it read.
    first_period = models.CharField(_("history from"), max_length=8)
    rated_periods = models.JSONField(_("quarters rated"), default=list, blank=True)
    ratings_digest = models.CharField(_("ratings digest"), max_length=64)
    targets_digest = models.CharField(_("targets digest"), max_length=64)
    #: RMs of the lake the app does not know (staff_id → reason).
    skipped = models.JSONField(_("RMs not paid"), default=dict, blank=True)
    total_paid = _money(_("total paid"))
    approved_by = _user_fk(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approval_seq = models.PositiveIntegerField(
        _("approval sequence"), null=True, blank=True, unique=True
    )
    prev_digest = models.CharField(_("previous approval digest"), max_length=64, blank=True)
    digest = models.CharField(_("approval digest"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("pay run")
        verbose_name_plural = _("pay runs")
        ordering = ("-period", "-started_at")

    def __str__(self) -> str:
        return f"{self.period} {self.run_id}"

    @property
    def audit_id(self) -> str:
        return str(self.run_id)

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Which quarters have been paid, when and by whom, is open to those who see pay."""
        return None if action is Action.VIEW else NOTHING

    restrict_roles = PAY_ROLES


class PayStatement(models.Model):
    """One RM's statement for the run's quarter: every column of `rmperf pay --out`."""

    run = models.ForeignKey(
        PayRun, verbose_name=_("pay run"), on_delete=models.PROTECT, related_name="statements"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    period = models.CharField(_("quarter"), max_length=8)
    rank = models.CharField(_("rank"), max_length=16)
    rating = models.CharField(_("rating"), max_length=16, blank=True)
    coefficient = models.DecimalField(
        _("coefficient"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    npl_ratio = models.DecimalField(_("NPL ratio"), max_digits=18, decimal_places=6)
    base = _money(_("base pay"))
    loan_pay = _money(_("loan pay"))
    excess_reward = _money(_("excess reward"))
    performance_pay = _money(_("performance pay"))
    deferred = _money(_("deferred"))
    immediate = _money(_("immediate"))
    held = _money(_("held"))
    held_released = _money(_("held released"))
    deferral_released = _money(_("deferral released"))
    malus = _money(_("malus"))
    clawback = _money(_("clawback"))
    total_paid = _money(_("total paid"))
    deferral_balance = _money(_("deferral balance"))
    #: The lake's leaving day of the RM at the run (empty: still employed).
    left_on = models.DateField(_("left on"), null=True, blank=True)
    #: Set at the approval: SHA-256 of the row and its lines (services.statement_payload).
    digest = models.CharField(_("digest"), max_length=64, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_roles = PAY_ROLES

    class Meta:
        verbose_name = _("pay statement")
        verbose_name_plural = _("pay statements")
        ordering = ("run", "staff_id")
        constraints = (
            models.UniqueConstraint(fields=("run", "staff"), name="pay_statement_one_per_rm"),
        )

    def __str__(self) -> str:
        return f"{self.period} {self.staff_id} {self.total_paid}"

    @property
    def rating_label(self) -> str:
        return str(dict(Tier.choices).get(self.rating, self.rating)) if self.rating else ""

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        return _pay_scope_q("", scope, action)


class PayLine(models.Model):
    """One line of a statement (every column of `rmperf pay --lines`): the loan, quarter
    or deferred part it comes from, the bracket portions, rate and coefficient."""

    statement = models.ForeignKey(
        PayStatement,
        verbose_name=_("pay statement"),
        on_delete=models.PROTECT,
        related_name="lines",
    )
    position = models.PositiveIntegerField(_("position"))
    line = models.CharField(_("line"), max_length=32)
    amount = _money(_("amount"))
    loan_id = models.CharField(_("loan"), max_length=64, blank=True)
    source_period = models.CharField(_("from quarter"), max_length=8, blank=True)
    part = models.IntegerField(_("part"), null=True, blank=True)
    due_period = models.CharField(_("due quarter"), max_length=8, blank=True)
    month = models.CharField(_("month"), max_length=8, blank=True)
    portions = models.CharField(_("bracket portions"), max_length=500, blank=True)
    rate = models.DecimalField(
        _("rate (‱)"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    coefficient = models.DecimalField(
        _("coefficient"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_roles = PAY_ROLES

    class Meta:
        verbose_name = _("pay line")
        verbose_name_plural = _("pay lines")
        ordering = ("statement", "position")
        constraints = (
            models.UniqueConstraint(fields=("statement", "position"), name="pay_line_position"),
        )

    def __str__(self) -> str:
        return f"{self.statement_id} {self.line} {self.amount}"

    @property
    def line_label(self) -> str:
        return str(LINE_LABELS.get(self.line, self.line))

    @property
    def portions_display(self) -> str:
        """The bracket portions with thousands separators (`2,000,000.00 × 15‱ + …`)."""
        return _MONEY_RE.sub(lambda m: f"{Decimal(m.group(0)):,.2f}", self.portions)

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        return _pay_scope_q("statement__", scope, action)


class InquiryStatus(models.TextChoices):
    """open → answered (HR or the manager) → closed (the RM, HR or the manager)."""

    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class PayInquiry(models.Model):
    """An RM's question about one line of their pay statement or of their score result."""

    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    pay_line = models.ForeignKey(
        PayLine,
        verbose_name=_("pay line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inquiries",
    )
    score_line = models.ForeignKey(
        "performance.LineResult",
        verbose_name=_("score line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=InquiryStatus.choices, default=InquiryStatus.OPEN
    )
    opened_by = _user_fk(_("opened by"))
    opened_at = models.DateTimeField(_("opened at"))

    objects = RestrictedQuerySet.as_manager()
    restrict_roles = PAY_ROLES

    class Meta:
        verbose_name = _("pay inquiry")
        verbose_name_plural = _("pay inquiries")
        ordering = ("-opened_at",)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(pay_line__isnull=False, score_line__isnull=True)
                | models.Q(pay_line__isnull=True, score_line__isnull=False),
                name="pay_inquiry_one_subject",
            ),
        )

    def __str__(self) -> str:
        return f"{self.staff_id} {self.subject}"

    @property
    def subject_display(self) -> str:
        """The subject in the reader's language: the pay line's or the indicator's name
        instead of the id the stored subject holds (the stored text stays as written)."""
        if self.pay_line_id is not None and self.pay_line is not None:
            ln = self.pay_line
            return f"{ln.statement.period} {ln.line_label} {ln.amount:,.2f}"
        if self.score_line is not None:
            from rmperf.performance.selectors import indicator_label

            line = self.score_line.line
            name = indicator_label(line, language=get_language() or "en")
            return self.subject.replace(line, name)
        return self.subject

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """The RM sees their own inquiries; their team leader and branch manager see and
        answer them (CHANGE); HR sees and answers all (bank-wide scope)."""
        if scope.unit_path is not None:
            if scope.role not in MANAGER_ROLES:
                return NOTHING
            return unit_prefix_q("staff__unit__path", scope)
        if action is Action.VIEW:
            return models.Q(staff_id=scope.staff_id)
        return NOTHING


class InquiryStep(models.TextChoices):
    ASKED = "asked", _("Asked")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class PayInquiryEntry(models.Model):
    """One step of an inquiry's resolution trail: the question, an answer, the close."""

    inquiry = models.ForeignKey(
        PayInquiry, verbose_name=_("inquiry"), on_delete=models.PROTECT, related_name="entries"
    )
    step = models.CharField(_("step"), max_length=16, choices=InquiryStep.choices)
    text = models.TextField(_("text"), blank=True)
    actor = _user_fk(_("by"))
    actor_label = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("at"))

    objects = RestrictedQuerySet.as_manager()
    restrict_roles = PAY_ROLES

    class Meta:
        verbose_name = _("inquiry entry")
        verbose_name_plural = _("inquiry entries")
        ordering = ("inquiry", "at", "pk")

    def __str__(self) -> str:
        return f"{self.inquiry_id} {self.step}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        return _prefixed(scope, action)


def _prefixed(scope: Scope, action: Action) -> models.Q:
    if scope.unit_path is not None:
        if scope.role not in MANAGER_ROLES:
            return NOTHING
        return unit_prefix_q("inquiry__staff__unit__path", scope)
    if action is Action.VIEW:
        return models.Q(inquiry__staff_id=scope.staff_id)
    return NOTHING
