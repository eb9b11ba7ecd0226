"""Performance periods, their scoring runs and results, calibration, and target sheets.

DOMAIN §5 (100-point composite, four tiers, calibration logged), §7 (一人一表 annual
targets co-set with the manager, time-progress) and §8/§9 (closed periods are immutable:
each close records a digest chained to the previous close, checked by `rmperf verify`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet, unit_prefix_q
from rmperf.core.runs import BatchRun

# The one run status (core.runs), also named here for this app's services and selectors.
from rmperf.core.runs import RunStatus as RunStatus


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Half-year")
    YEAR = "year", _("Year")


class PeriodStatus(models.TextChoices):
    """open → computed (a run) → calibrated (a person finalised the ratings) → closed."""

    OPEN = "open", _("Open")
    COMPUTED = "computed", _("Computed")
    CALIBRATED = "calibrated", _("Calibrated")
    CLOSED = "closed", _("Closed")


#: Period statuses whose ratings a person has confirmed: what pay and careers may read.
CONFIRMED_STATUSES = (PeriodStatus.CALIBRATED, PeriodStatus.CLOSED)


class Tier(models.TextChoices):
    """Rating tiers, best first (DOMAIN §5); the values are the engine's."""

    OUTSTANDING = "outstanding", _("Outstanding")
    GOOD = "good", _("Good")
    COMPETENT = "competent", _("Competent")
    NOT_COMPETENT = "not_competent", _("Not competent")


TIER_ORDER: tuple[str, ...] = tuple(Tier.values)


def _user_fk(verbose: Any, *, null: bool = True) -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose,
        null=null,
        blank=null,
        on_delete=models.PROTECT,
        related_name="+",
    )


class PerfPeriod(models.Model):
    """A scoring period (2026-09, 2026Q3, 2026H1, 2026) and where it is in its lifecycle.

    Closing stores `digest`: SHA-256 over the previous close's digest and every result row's
    digest, so a later edit of a closed result (or of the chain) is detectable.
    """

    key = models.CharField(_("period"), max_length=8, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=PeriodKind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    status = models.CharField(
        _("status"), max_length=16, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = _user_fk(_("opened by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = _user_fk(_("closed by"))
    close_seq = models.PositiveIntegerField(_("close sequence"), null=True, blank=True, unique=True)
    prev_digest = models.CharField(_("previous close digest"), max_length=64, blank=True)
    digest = models.CharField(_("close digest"), max_length=64, blank=True)
    #: Set at the close: digest of the manual-score entries (empty when there are none).
    manual_digest = models.CharField(_("manual scores digest"), max_length=64, blank=True)
    #: When a person confirmed the ratings (the calibration was confirmed); the talks'
    #: due dates count from here (reviews app).
    confirmed_at = models.DateTimeField(_("ratings confirmed at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("performance period")
        verbose_name_plural = _("performance periods")
        ordering = ("-start", "kind")

    def __str__(self) -> str:
        return self.key

    @property
    def is_closed(self) -> bool:
        return self.status == PeriodStatus.CLOSED

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Periods (keys, dates, status) are open to everyone signed in; the services say
        who may open, run, calibrate and close them."""
        return None if action is Action.VIEW else NOTHING


class ScoringRun(BatchRun):
    """One scoring of a period: the lake import, scorecards and targets it read.

    `inputs_digest` covers the lake's registered files, the scorecards' digests, the
    approved targets and the period; two runs with the same digest give the same results.
    `row_count` is the RMs scored.
    """

    run_id = models.UUIDField(_("run id"), default=uuid.uuid4, unique=True, editable=False)
    period = models.ForeignKey(
        PerfPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="runs"
    )
    lake_import = models.ForeignKey(
        "lakes.LakeImport",
        verbose_name=_("lake import"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: scorecard name → policy version (short digest) of every card loaded.
    policy_versions = models.JSONField(_("scorecard versions"), default=dict)
    policy_digest = models.CharField(_("scorecards digest"), max_length=64)
    targets_digest = models.CharField(_("targets digest"), max_length=64)
    #: The manual-score entries the run fed to the engine (empty when there were none).
    manual_digest = models.CharField(_("manual scores digest"), max_length=64, blank=True)
    #: scorecard name → {"digest": …, "policy": the validated card as JSON}: the cards the
    #: run used, so later pages (distribution guidance) read them, not today's files.
    cards = models.JSONField(_("scorecards used"), default=dict, blank=True)
    #: staff_id → why the RM was not scored.
    skipped = models.JSONField(_("RMs not scored"), default=dict, blank=True)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ("-finished_at", "-pk")

    def __str__(self) -> str:
        return f"{self.period_id} {self.run_id}"

    @property
    def result_count(self) -> int:
        """The RMs scored (`row_count`), under the name the period pages and API use."""
        return self.row_count

    @property
    def audit_id(self) -> str:
        return str(self.run_id)


#: Unit-scoped roles that read the results of the RMs in their subtree.
MANAGER_ROLES = frozenset({"team_leader", "branch_manager"})


def _result_scope_q(prefix: str, scope: Scope, action: Action) -> models.Q:
    """An RM sees their own result; managers their subtree's; only a branch manager may
    change (calibrate) one, within their branch."""
    if action is Action.VIEW:
        if scope.unit_path is not None:
            # Tellers, wealth managers and risk officers work in a branch but do not
            # read their colleagues' ratings.
            if scope.role not in MANAGER_ROLES:
                return NOTHING
            return unit_prefix_q(f"{prefix}unit__path", scope)
        return models.Q(**{f"{prefix}staff_id": scope.staff_id})
    if action is Action.CHANGE and scope.role == "branch_manager":
        return unit_prefix_q(f"{prefix}unit__path", scope)
    return NOTHING


class RmResult(models.Model):
    """One RM's score for a period as the engine computed it, and its calibration.

    The engine's `total` and `tier` are never overwritten by a person: a calibration sets
    `calibrated_*` with a reason (the original stays beside it; DOMAIN §5, PIPL art. 24).
    """

    period = models.ForeignKey(
        PerfPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="results"
    )
    run = models.ForeignKey(
        ScoringRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="results"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scorecard = models.CharField(_("scorecard"), max_length=64)
    policy_version = models.CharField(_("policy version"), max_length=64)
    base = models.DecimalField(_("base"), max_digits=8, decimal_places=2)
    bonus = models.DecimalField(_("bonus"), max_digits=8, decimal_places=2)
    deduction = models.DecimalField(_("deduction"), max_digits=8, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=8, decimal_places=2)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    rated_tier = models.CharField(_("tier from the bands"), max_length=16, choices=Tier.choices)
    veto = models.CharField(_("veto"), max_length=200, blank=True)
    engine_note = models.CharField(_("engine note"), max_length=500, blank=True)
    calibrated_total = models.DecimalField(
        _("calibrated total"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    calibrated_tier = models.CharField(
        _("calibrated tier"), max_length=16, choices=Tier.choices, blank=True
    )
    calibration_reason = models.TextField(_("calibration reason"), blank=True)
    calibrated_by = _user_fk(_("calibrated by"))
    calibrated_at = models.DateTimeField(_("calibrated at"), null=True, blank=True)
    #: Set when the period closes: SHA-256 of the row and its lines (see services.result_digest).
    digest = models.CharField(_("digest"), max_length=64, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("RM result")
        verbose_name_plural = _("RM results")
        ordering = ("period", "staff_id")
        constraints = (
            models.UniqueConstraint(fields=("period", "staff"), name="perf_result_one_per_rm"),
        )

    def __str__(self) -> str:
        return f"{self.period_id} {self.staff_id} {self.final_total}"

    @property
    def final_total(self) -> Decimal:
        return self.calibrated_total if self.calibrated_total is not None else self.total

    @property
    def final_tier(self) -> str:
        return self.calibrated_tier or self.tier

    @property
    def is_calibrated(self) -> bool:
        return bool(self.calibrated_tier)

    def get_final_tier_display(self) -> str:
        return str(dict(Tier.choices)[self.final_tier])

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        return _result_scope_q("staff__", scope, action)


def _unit_scope_q(scope: Scope, action: Action) -> models.Q:
    """A team leader or branch manager sees the units of their subtree (a branch manager
    their branch); RMs and other staff in a branch see no unit's score. Nobody changes one:
    a unit score is the engine's, computed again with its period."""
    if action is Action.VIEW and scope.unit_path is not None and scope.role in MANAGER_ROLES:
        return unit_prefix_q("unit__path", scope)
    return NOTHING


class UnitResult(models.Model):
    """One org unit's score for a period on a unit card (seed 003 §五, 功能差异化考核): the
    roll-up of its RMs' indicator values scored as the engine computed it, with its lines
    (`lines`: the engine's line fields, numbers as text). Stored with the period's run and
    replaced by the next run; never calibrated."""

    period = models.ForeignKey(
        PerfPeriod,
        verbose_name=_("period"),
        on_delete=models.PROTECT,
        related_name="unit_results",
    )
    run = models.ForeignKey(
        ScoringRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="unit_results"
    )
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    scorecard = models.CharField(_("scorecard"), max_length=64)
    policy_version = models.CharField(_("policy version"), max_length=64)
    staff_count = models.PositiveIntegerField(_("RMs rolled up"))
    base = models.DecimalField(_("base"), max_digits=8, decimal_places=2)
    bonus = models.DecimalField(_("bonus"), max_digits=8, decimal_places=2)
    deduction = models.DecimalField(_("deduction"), max_digits=8, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=8, decimal_places=2)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    veto = models.CharField(_("veto"), max_length=200, blank=True)
    lines = models.JSONField(_("scorecard lines"), default=list, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit result")
        verbose_name_plural = _("unit results")
        ordering = ("period", "unit_id")
        constraints = (
            models.UniqueConstraint(fields=("period", "unit"), name="perf_unit_result_one"),
        )

    def __str__(self) -> str:
        return f"{self.period_id} {self.unit_id} {self.total}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        return _unit_scope_q(scope, action)


class LineResult(models.Model):
    """One scorecard line of one RM's result: value, target, completion, method, points."""

    result = models.ForeignKey(
        RmResult, verbose_name=_("result"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    line = models.CharField(_("line"), max_length=64)
    indicator = models.CharField(_("indicator"), max_length=64)
    method = models.CharField(_("method"), max_length=16)
    weight = models.DecimalField(_("weight"), max_digits=10, decimal_places=4)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6, null=True, blank=True)
    target = models.DecimalField(
        _("target"), max_digits=24, decimal_places=6, null=True, blank=True
    )
    target_source = models.CharField(_("target source"), max_length=300, blank=True)
    completion = models.DecimalField(
        _("completion"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    share = models.DecimalField(_("share"), max_digits=14, decimal_places=4, null=True, blank=True)
    effective_weight = models.DecimalField(
        _("effective weight"), max_digits=10, decimal_places=4, null=True, blank=True
    )
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, null=True, blank=True)
    used = models.BooleanField(_("used"), default=True)
    breach = models.BooleanField(_("breach"), default=False)
    warning = models.BooleanField(_("warning"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("scorecard line result")
        verbose_name_plural = _("scorecard line results")
        ordering = ("result", "position")
        constraints = (models.UniqueConstraint(fields=("result", "line"), name="perf_line_unique"),)

    def __str__(self) -> str:
        return f"{self.result_id} {self.line} {self.points}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return NOTHING
        return _result_scope_q("result__staff__", scope, action)


class AdjustmentResult(models.Model):
    """One bonus or deduction item of one RM's result: the value it read and its points."""

    result = models.ForeignKey(
        RmResult, verbose_name=_("result"), on_delete=models.CASCADE, related_name="adjustments"
    )
    item = models.CharField(_("item"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16)
    indicator = models.CharField(_("indicator"), max_length=64, blank=True)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6, null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bonus or deduction item")
        verbose_name_plural = _("bonus and deduction items")
        ordering = ("result", "kind", "item")
        constraints = (
            models.UniqueConstraint(fields=("result", "item"), name="perf_adjustment_unique"),
        )

    def __str__(self) -> str:
        return f"{self.result_id} {self.item} {self.points}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return NOTHING
        return _result_scope_q("result__staff__", scope, action)


class Calibration(models.Model):
    """One calibration decision: before and after, by whom and why (never edited)."""

    period = models.ForeignKey(
        PerfPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    before_total = models.DecimalField(_("total before"), max_digits=8, decimal_places=2)
    before_tier = models.CharField(_("tier before"), max_length=16, choices=Tier.choices)
    after_total = models.DecimalField(_("total after"), max_digits=8, decimal_places=2)
    after_tier = models.CharField(_("tier after"), max_length=16, choices=Tier.choices)
    reason = models.TextField(_("reason"))
    actor = _user_fk(_("calibrated by"))
    actor_label = models.CharField(_("actor label"), max_length=150)
    at = models.DateTimeField(_("at"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("calibration")
        verbose_name_plural = _("calibrations")
        ordering = ("period", "staff_id", "at", "pk")

    def __str__(self) -> str:
        return f"{self.period_id} {self.staff_id} {self.before_tier}→{self.after_tier}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return NOTHING
        return _result_scope_q("staff__", scope, action)


class SheetStatus(models.TextChoices):
    """proposed (by the RM or their leader) → approved (by a manager, not the proposer).

    A mid-year change (a sheet approved before, changed once its year has begun) needs a
    reason and two approvals by two different managers: proposed → checked → approved.
    """

    PROPOSED = "proposed", _("Proposed")
    CHECKED = "checked", _("Approved once, awaiting the second approval")
    APPROVED = "approved", _("Approved")


class RmResponse(models.TextChoices):
    """The RM's answer to a sheet their manager proposed (co-setting, DOMAIN §7)."""

    NONE = "", _("No answer yet")
    ACCEPTED = "accepted", _("Accepted")
    COMMENTED = "commented", _("Commented")


class TargetSheet(models.Model):
    """An RM's annual target sheet (一人一表, DOMAIN §7); runs use approved sheets only."""

    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=16, choices=SheetStatus.choices, default=SheetStatus.PROPOSED
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    proposed_by = _user_fk(_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"))
    approved_by = _user_fk(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Co-setting and changes (services/goals.py).
    version = models.PositiveIntegerField(_("version"), default=0)
    rm_response = models.CharField(
        _("RM's answer"), max_length=16, choices=RmResponse.choices, blank=True, default=""
    )
    rm_comment = models.CharField(_("RM's comment"), max_length=1000, blank=True)
    rm_responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    mid_year = models.BooleanField(_("mid-year change"), default=False)
    change_reason = models.CharField(_("reason for the change"), max_length=500, blank=True)
    checked_by = _user_fk(_("first approval by"))
    checked_at = models.DateTimeField(_("first approval at"), null=True, blank=True)
    #: The lines last approved ([indicator, annual, q1, q2, q3, q4, weight] as strings):
    #: what the runs read while a change waits for approval; null before any approval.
    in_force = models.JSONField(_("lines in force"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("target sheet")
        verbose_name_plural = _("target sheets")
        ordering = ("-year", "staff_id")
        constraints = (
            models.UniqueConstraint(fields=("staff", "year"), name="perf_sheet_one_per_year"),
            # Maker-checker (ASVS level 3 on pay): nobody approves their own proposal.
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True)
                | models.Q(proposed_by__isnull=True)
                | ~models.Q(approved_by=models.F("proposed_by")),
                name="perf_sheet_maker_is_not_checker",
            ),
            # A mid-year change: the first approver is not the proposer, nor the second.
            models.CheckConstraint(
                condition=models.Q(checked_by__isnull=True)
                | (
                    (
                        models.Q(proposed_by__isnull=True)
                        | ~models.Q(checked_by=models.F("proposed_by"))
                    )
                    & (
                        models.Q(approved_by__isnull=True)
                        | ~models.Q(checked_by=models.F("approved_by"))
                    )
                ),
                name="perf_sheet_two_checkers",
            ),
        )

    def __str__(self) -> str:
        return f"{self.staff_id} {self.year} ({self.status})"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """An RM sees and proposes their own sheet; leaders and managers their subtree's."""
        if scope.unit_path is not None:
            if scope.role in MANAGER_ROLES:
                return unit_prefix_q("staff__unit__path", scope)
            return NOTHING
        if action in (Action.VIEW, Action.ADD, Action.CHANGE):
            return models.Q(staff_id=scope.staff_id)
        return NOTHING


class TargetLine(models.Model):
    """One indicator's annual target on a sheet, with its four quarter figures."""

    sheet = models.ForeignKey(
        TargetSheet, verbose_name=_("target sheet"), on_delete=models.CASCADE, related_name="lines"
    )
    indicator = models.CharField(_("indicator"), max_length=64)
    annual = models.DecimalField(_("annual target"), max_digits=20, decimal_places=2)
    q1 = models.DecimalField(_("Q1"), max_digits=20, decimal_places=2)
    q2 = models.DecimalField(_("Q2"), max_digits=20, decimal_places=2)
    q3 = models.DecimalField(_("Q3"), max_digits=20, decimal_places=2)
    q4 = models.DecimalField(_("Q4"), max_digits=20, decimal_places=2)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The RM's weight of the card line; empty: the card's weight."),
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("target line")
        verbose_name_plural = _("target lines")
        ordering = ("sheet", "indicator")
        constraints = (
            models.UniqueConstraint(fields=("sheet", "indicator"), name="perf_target_unique"),
        )

    def __str__(self) -> str:
        return f"{self.sheet_id} {self.indicator} {self.annual}"

    @property
    def quarters(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return (self.q1, self.q2, self.q3, self.q4)

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return NOTHING
        if scope.unit_path is not None:
            if scope.role in MANAGER_ROLES:
                return unit_prefix_q("sheet__staff__unit__path", scope)
            return NOTHING
        return models.Q(sheet__staff_id=scope.staff_id)


class SheetEvent(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted by the RM")
    COMMENTED = "commented", _("Commented by the RM")
    CHECKED = "checked", _("First approval")
    APPROVED = "approved", _("Approved")


class TargetSheetVersion(models.Model):
    """Every step of a target sheet, with the lines as they then were (never edited)."""

    sheet = models.ForeignKey(
        TargetSheet,
        verbose_name=_("target sheet"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    version = models.PositiveIntegerField(_("version"))
    event = models.CharField(_("event"), max_length=16, choices=SheetEvent.choices)
    by = _user_fk(_("by"))
    at = models.DateTimeField(_("at"))
    comment = models.CharField(_("comment or reason"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=SheetStatus.choices)
    #: [[indicator, annual, q1, q2, q3, q4, weight], …] as strings (weight "" = the card's).
    lines = models.JSONField(_("lines"), default=list)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("target sheet version")
        verbose_name_plural = _("target sheet versions")
        ordering = ("sheet", "at", "pk")

    def __str__(self) -> str:
        return f"{self.sheet_id} v{self.version} {self.event}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return NOTHING
        if scope.unit_path is not None:
            if scope.role in MANAGER_ROLES:
                return unit_prefix_q("sheet__staff__unit__path", scope)
            return NOTHING
        return models.Q(sheet__staff_id=scope.staff_id)


# --- manual (qualitative) scores: the self-review panel, peers, the risk department ------


class ManualKind(models.TextChoices):
    """Who gives a manual score (DOMAIN §5 360 feedback, §7 述职 panel)."""

    PANEL = "panel", _("Self-review panel")
    PEER = "peer", _("Peer feedback")
    RISK = "risk", _("Risk department")


def manual_kind(key: str) -> ManualKind:
    """The kind of reviewer a scorecard's manual key asks for: keys starting with `peer`
    are peers' 360 feedback, with `risk` the risk department's score, any other key
    (e.g. `self_review`) the self-review panel."""
    if key.startswith("peer"):
        return ManualKind.PEER
    if key.startswith("risk"):
        return ManualKind.RISK
    return ManualKind.PANEL


#: Period statuses in which an RM reads the manual scores given to them.
MANUAL_VISIBLE_TO_RM = ("computed", "calibrated", "closed")


class ManualReviewer(models.Model):
    """A person appointed to score one manual key of one RM for a period.

    The RM's branch manager sits on the self-review panel by right (the services seat
    them on their first score); HR or the branch manager appoint the others. Nobody
    scores themself (a check constraint). Risk officers are read-only elsewhere but
    write the risk department's scores they are appointed for (`read_only_writers`).
    """

    period = models.ForeignKey(
        PerfPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    key = models.CharField(_("manual score"), max_length=64)
    kind = models.CharField(_("kind"), max_length=8, choices=ManualKind.choices)
    reviewer = models.ForeignKey(
        "org.Staff", verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    appointed_by = _user_fk(_("appointed by"))
    appointed_by_label = models.CharField(_("appointed by"), max_length=150)
    appointed_at = models.DateTimeField(_("appointed at"))

    read_only_writers = frozenset({"risk_officer"})
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("manual-score reviewer")
        verbose_name_plural = _("manual-score reviewers")
        ordering = ("period", "staff_id", "key", "reviewer_id")
        constraints = (
            models.UniqueConstraint(
                fields=("period", "staff", "key", "reviewer"), name="perf_reviewer_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(reviewer=models.F("staff")), name="perf_reviewer_not_self"
            ),
        )

    def __str__(self) -> str:
        return f"{self.period_id} {self.staff_id} {self.key} {self.reviewer_id}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """A reviewer sees and scores their own seats; a branch manager (and team
        leaders, reading) the seats of their subtree's RMs; a branch manager appoints."""
        own = models.Q(reviewer_id=scope.staff_id)
        if action is Action.VIEW:
            if scope.unit_path is not None and scope.role in MANAGER_ROLES:
                return unit_prefix_q("staff__unit__path", scope) | own
            return own
        if action is Action.CHANGE:
            return own
        if scope.role == "branch_manager":
            return unit_prefix_q("staff__unit__path", scope)
        return NOTHING


class ManualScore(models.Model):
    """One reviewer's 0–100 score of one RM's manual key, with a comment.

    The RM's manual score for the key is the mean of the reviewers' scores, rounded half
    up to 2 places; it reaches the engine as `rmperf score --manual FILE` does.
    """

    period = models.ForeignKey(
        PerfPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    key = models.CharField(_("manual score"), max_length=64)
    kind = models.CharField(_("kind"), max_length=8, choices=ManualKind.choices)
    reviewer = models.ForeignKey(
        "org.Staff", verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)
    entered_by = _user_fk(_("entered by"))
    entered_at = models.DateTimeField(_("entered at"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("manual score")
        verbose_name_plural = _("manual scores")
        ordering = ("period", "staff_id", "key", "reviewer_id")
        constraints = (
            models.UniqueConstraint(
                fields=("period", "staff", "key", "reviewer"), name="perf_manual_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(reviewer=models.F("staff")), name="perf_manual_not_self"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100),
                name="perf_manual_0_100",
            ),
        )

    def __str__(self) -> str:
        return f"{self.period_id} {self.staff_id} {self.key} {self.score}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Reviewers read what they gave; managers their subtree's; an RM the scores
        given to them once the period is computed (the selectors hide peers' names).
        Writes go through the reviewer's seat (ManualReviewer), never this queryset."""
        if action is not Action.VIEW:
            return NOTHING
        own = models.Q(reviewer_id=scope.staff_id)
        if scope.unit_path is not None:
            if scope.role in MANAGER_ROLES:
                return unit_prefix_q("staff__unit__path", scope) | own
            return own
        return own | models.Q(staff_id=scope.staff_id, period__status__in=MANUAL_VISIBLE_TO_RM)


class ManualPanelScore(models.Model):
    """A panel's score for one RM's manual key (the 述职 panel of the reviews app): it
    replaces the mean of the reviewers' seat scores for that key, and links to the
    panel's individual scores (`source_url`)."""

    period = models.ForeignKey(
        PerfPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    key = models.CharField(_("manual score"), max_length=64)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    source_label = models.CharField(_("source"), max_length=200)
    source_url = models.CharField(_("link to the scores"), max_length=300)
    filled_by = _user_fk(_("filled by"))
    filled_by_label = models.CharField(_("filled by"), max_length=150)
    filled_at = models.DateTimeField(_("filled at"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("panel score")
        verbose_name_plural = _("panel scores")
        ordering = ("period", "staff_id", "key")
        constraints = (
            models.UniqueConstraint(fields=("period", "staff", "key"), name="perf_panel_once"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100),
                name="perf_panel_0_100",
            ),
        )

    def __str__(self) -> str:
        return f"{self.period_id} {self.staff_id} {self.key} {self.score}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Managers read their subtree's; an RM their own once the period is computed.
        Written only through performance.services.manual.manual_panel_fill."""
        if action is not Action.VIEW:
            return NOTHING
        if scope.unit_path is not None:
            return unit_prefix_q("staff__unit__path", scope)
        return models.Q(staff_id=scope.staff_id, period__status__in=MANUAL_VISIBLE_TO_RM)


# --- the close chain --------------------------------------------------------------------


class ChainKind(models.TextChoices):
    CLOSE = "close", _("Closed")
    REOPEN = "reopen", _("Reopened")


class ChainEntry(models.Model):
    """One link of the append-only chain of closes and reopenings (DOMAIN §9).

    Each entry's digest covers the previous entry's. A close covers the period's result
    rows and manual scores; a reopening covers its reason and a snapshot of the results
    and manual scores as they were closed (`snapshot`), so the earlier close still
    verifies and its figures stay readable after a re-run. Entries are never edited.
    """

    seq = models.PositiveIntegerField(_("sequence"), unique=True)
    period = models.ForeignKey(
        PerfPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="chain"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ChainKind.choices)
    prev_digest = models.CharField(_("previous digest"), max_length=64)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    manual_digest = models.CharField(_("manual scores digest"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    #: For a reopening: {"results": {staff_id: canonical result}, "manual": [[…], …]}.
    snapshot = models.JSONField(_("results as closed"), default=dict, blank=True)
    actor = _user_fk(_("actor"))
    actor_label = models.CharField(_("actor label"), max_length=150)
    at = models.DateTimeField(_("at"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("close chain entry")
        verbose_name_plural = _("close chain entries")
        ordering = ("seq",)

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.period_id}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Closes and reopenings (dates, reasons, digests) are open to everyone signed in;
        the snapshot's rows are filtered per reader by the selectors."""
        return None if action is Action.VIEW else NOTHING


# --- 360 feedback recorded in the app --------------------------------------------------


class FeedbackEntry(models.Model):
    """A 360 feedback row recorded outside the lake (a closed review round of the
    `feedback` app), with the meaning of a row of the lake's `feedback` table: a run hands
    the entries dated in its period to the engine beside the lake's rows
    (`FeedbackRow`), so the indicator of the kind (e.g. peer_review) reads both.

    Written only through `performance.services.feedback.feedback_entries_replace`, one
    `source` (e.g. `round-12`) at a time; never edited in a closed period.
    """

    source = models.CharField(_("source"), max_length=64)
    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("person rated"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32)
    date = models.DateField(_("date"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    recorded_at = models.DateTimeField(_("recorded at"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("360 feedback entry")
        verbose_name_plural = _("360 feedback entries")
        ordering = ("date", "staff_id", "kind", "pk")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=100),
                name="perf_feedback_0_100",
            ),
        )

    def __str__(self) -> str:
        return f"{self.source} {self.staff_id} {self.kind} {self.score}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Anonymous rows of a person: managers read their subtree's; nobody writes them
        through the queryset (the service does, for the feedback app)."""
        if action is not Action.VIEW or scope.unit_path is None:
            return NOTHING
        if scope.role in MANAGER_ROLES:
            return unit_prefix_q("staff__unit__path", scope)
        return NOTHING


# --- innovation proposals recorded in the app ------------------------------------------


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ADOPTED = "adopted", _("Adopted")
    REJECTED = "rejected", _("Rejected")


class InnovationProposal(models.Model):
    """An innovation proposal (创新建议) an RM submits in the app and a reviewer (the
    author's team leader or branch manager, or HR) adopts or rejects with a note. A run
    hands the proposals adopted in its period (decision day) to the engine beside the
    lake's `proposals` rows (`ProposalRow`), so `innovation_proposals` counts both.

    Written only through `performance.proposals`; a decision is final.
    """

    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    submitted_at = models.DateTimeField(_("submitted at"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ProposalStatus.choices,
        default=ProposalStatus.SUBMITTED,
    )
    reviewer = models.ForeignKey(
        "org.Staff",
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("innovation proposal")
        verbose_name_plural = _("innovation proposals")
        ordering = ("-submitted_at", "-pk")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(
                    status="submitted", reviewer__isnull=True, decided_at__isnull=True
                )
                | (
                    ~models.Q(status="submitted")
                    & models.Q(reviewer__isnull=False, decided_at__isnull=False)
                ),
                name="perf_proposal_decision_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(reviewer=models.F("staff")),
                name="perf_proposal_not_own_reviewer",
            ),
        )

    def __str__(self) -> str:
        return f"P{self.pk} {self.staff_id} {self.title}"

    @property
    def proposal_id(self) -> str:
        """The id a run gives the engine (distinct from the lake's ids)."""
        return f"app-{self.pk}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """The author sees their own; managers see their subtree's (the services check who
        may decide). Nobody writes through the queryset."""
        if action is not Action.VIEW:
            return NOTHING
        q = models.Q(staff_id=scope.staff_id) if scope.staff_id else NOTHING
        if scope.unit_path is not None and scope.role in MANAGER_ROLES:
            q = q | unit_prefix_q("staff__unit__path", scope)
        return q
