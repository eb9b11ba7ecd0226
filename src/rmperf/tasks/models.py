"""RM tasks from the daily run, their lifecycle, and the interaction log (DOMAIN §3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import RestrictedQuerySet, unit_prefix_q
from rmperf.core.runs import BatchRun
from rmperf.org.models import Staff


class TaskKind(models.TextChoices):
    """The engine's task kinds (rmperf.engine.tasks.TaskKind)."""

    BIRTHDAY = "birthday", _("Birthday")
    MATURITY = "maturity", _("Product maturity")
    WAKE_UP = "wake_up", _("Wake a sleeping customer")
    REQUEST_SLA = "request_sla", _("Request to answer")
    CONTACT_REFRESH = "contact_refresh", _("Contact data to re-verify")
    RISK_ASSESSMENT = "risk_assessment", _("Risk assessment to renew")
    HIGH_POTENTIAL = "high_potential", _("High potential")
    CORE_REVIEW = "core_review", _("Quarterly asset review")
    HOLIDAY_BENEFIT = "holiday_benefit", _("Holiday benefit")


class TaskStatus(models.TextChoices):
    """Open until the RM acts (done, dismissed) or the run closes it (closed)."""

    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DISMISSED = "dismissed", _("Dismissed")
    CLOSED = "closed", _("Closed by the system")


class CloseReason(models.TextChoices):
    """Why the daily run closed a task: its cause disappeared, or it went stale."""

    REASSIGNED = "reassigned", _("Customer reassigned to another RM")
    BIRTHDAY_CHANGED = "birthday_changed", _("Birthday data changed")
    RENEWED = "renewed", _("Product renewed or no longer maturing")
    WOKEN = "woken", _("Customer active again")
    ANSWERED = "answered", _("Request answered")
    CONTACT_VERIFIED = "contact_verified", _("Contact data verified")
    ASSESSED = "assessed", _("Risk assessment renewed")
    DELISTED = "delisted", _("No longer on the high-potential list")
    TIER_CHANGED = "tier_changed", _("Customer no longer in the tier")
    EXPIRED = "expired", _("Expired: past due without action")


#: What "the cause disappeared" means for each kind.
CAUSE_GONE: dict[str, CloseReason] = {
    TaskKind.BIRTHDAY: CloseReason.BIRTHDAY_CHANGED,
    TaskKind.MATURITY: CloseReason.RENEWED,
    TaskKind.WAKE_UP: CloseReason.WOKEN,
    TaskKind.REQUEST_SLA: CloseReason.ANSWERED,
    TaskKind.CONTACT_REFRESH: CloseReason.CONTACT_VERIFIED,
    TaskKind.RISK_ASSESSMENT: CloseReason.ASSESSED,
    TaskKind.HIGH_POTENTIAL: CloseReason.DELISTED,
    TaskKind.CORE_REVIEW: CloseReason.TIER_CHANGED,
    TaskKind.HOLIDAY_BENEFIT: CloseReason.TIER_CHANGED,
}


def _staff_scope_q(scope: Scope, action: Action, field: str = "staff") -> models.Q:
    """Own rows for everyone; a manager also views (never changes) their subtree's."""
    own = models.Q(**{f"{field}_id": scope.staff_id})
    if scope.unit_path is None or action is not Action.VIEW:
        return own
    # One `IN` over the subtree's staff (the manager included), not `own OR path LIKE`:
    # PostgreSQL then reads each person's rows through the (staff, status, due_date) index
    # instead of scanning every task of the bank (a branch's overdue list: 187 → 18 ms on
    # the medium bank).
    subtree = Staff.objects.filter(
        unit_prefix_q("unit__path", scope) | models.Q(staff_id=scope.staff_id)
    ).values("staff_id")
    return models.Q(**{f"{field}_id__in": subtree})


class TaskRun(BatchRun):
    """One daily run of the engine's tasks over the lake in use, with what it changed.
    `row_count` is the tasks created and closed together."""

    as_of = models.DateField(_("as of"))
    policy_digest = models.CharField(_("tasks policy"), max_length=64)
    kinds = models.JSONField(_("kinds computed"), default=list)
    proposed = models.PositiveIntegerField(_("tasks proposed"), default=0)
    created = models.PositiveIntegerField(_("tasks created"), default=0)
    closed = models.PositiveIntegerField(_("tasks closed"), default=0)
    skipped = models.PositiveIntegerField(_("rows skipped"), default=0)

    restrict_roles = frozenset({"branch_manager", "hr", "auditor"})

    class Meta:
        verbose_name = _("task run")
        verbose_name_plural = _("task runs")
        ordering = ("-started_at",)

    def __str__(self) -> str:
        return f"{self.as_of} ({self.pk})"


class Task(models.Model):
    """One task for one RM about one customer; (staff, customer, kind, source_key) is its
    natural key, so a re-run of the same day finds it instead of creating another."""

    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("RM"), on_delete=models.PROTECT, related_name="tasks"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=TaskKind.choices)
    source_key = models.CharField(_("about"), max_length=128)
    due_date = models.DateField(_("due"))
    reason = models.TextField(_("reason"))
    reason_zh = models.TextField(_("reason (Chinese)"))
    action = models.TextField(_("suggested action"))
    action_zh = models.TextField(_("suggested action (Chinese)"))
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    close_reason = models.CharField(
        _("closed because"), max_length=32, choices=CloseReason.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    first_run = models.ForeignKey(
        TaskRun, verbose_name=_("first run"), on_delete=models.PROTECT, related_name="+"
    )
    created_on = models.DateField(_("created on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ("due_date", "kind", "customer_id")
        constraints = (
            models.UniqueConstraint(
                fields=("staff", "customer", "kind", "source_key"), name="task_natural_key"
            ),
        )
        indexes = (models.Index(fields=("staff", "status", "due_date")),)

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} → {self.staff_id} ({self.due_date})"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """An RM sees and acts on their own tasks; team leaders and branch managers view
        their subtree's (to follow up), but only the RM acts on a task."""
        return _staff_scope_q(scope, action)


class Channel(models.TextChoices):
    """How the contact happened (the lake's interactions.channel)."""

    PHONE = "phone", pgettext_lazy("channel", "Phone")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("Visit")
    BRANCH = "branch", _("In branch")
    WECHAT = "wechat", _("WeChat")


class Outcome(models.TextChoices):
    """What came of the contact."""

    REACHED = "reached", _("Reached the customer")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_CONTACT = "wrong_contact", _("Contact data wrong")
    LEFT_MESSAGE = "left_message", _("Left a message")
    DECLINED = "declined", _("Customer declined")


class Interaction(models.Model):
    """A contact between an RM and a customer; a verified contact refreshes the
    customer's contact data date (seed 002: keep contact data fresh)."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="interactions",
    )
    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("staff"), on_delete=models.PROTECT, related_name="interactions"
    )
    ts = models.DateTimeField(_("when"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    contact_verified = models.BooleanField(
        _("contact data verified"),
        default=False,
        help_text=_("Tick when the phone and address were confirmed during this contact."),
    )
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_on = models.DateField(_("next step on"), null=True, blank=True)
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interactions",
    )
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ("-ts", "-pk")
        indexes = (
            models.Index(fields=("customer", "-ts")),
            models.Index(fields=("customer", "contact_verified")),
        )

    def __str__(self) -> str:
        return f"{self.channel} {self.customer_id} {self.ts:%Y-%m-%d}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Own interactions; managers view their subtree's."""
        return _staff_scope_q(scope, action)
