"""The team rhythm (seed 002, DOMAIN §7): meeting boards (晨会, 周一例会), the team leader's
daily one-to-one check-ins, and training records entered in the app.

Access: managers see their subtree, an RM the boards of their own team and their own
check-ins and trainings; HR and auditors the bank. The services say who may write.
Check-ins and trainings are regulated records: never deleted.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import RestrictedQuerySet, unit_prefix_q

#: Roles that lead a team's meetings and write its boards.
BOARD_ROLES = frozenset({"team_leader", "branch_manager"})
#: Roles that record check-ins (the team leader's daily one-to-one, seed 002 ②).
CHECKIN_ROLES = frozenset({"team_leader"})
#: Roles that enter training records.
TRAINING_ROLES = frozenset({"team_leader", "branch_manager", "hr"})


def _staff_q(scope: Scope, field: str) -> models.Q:
    """Managers: the people of their subtree; anyone else: themselves."""
    if scope.unit_path is not None:
        return unit_prefix_q(f"{field}__unit__path", scope)
    return models.Q(**{f"{field}_id": scope.staff_id})


class BoardKind(models.TextChoices):
    DAILY = "daily", _("Daily meeting (晨会)")
    WEEKLY = "weekly", _("Monday review (周一例会)")


class Board(models.Model):
    """One meeting of a team: the lake's figures of the days it looks back on (stored
    when the board is filled, so a page never scans the lake) and the leader's notes."""

    team = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("team"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=BoardKind.choices)
    day = models.DateField(_("meeting day"))
    covers_from = models.DateField(_("reviewed from"))
    covers_to = models.DateField(_("reviewed to"))
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    aum_month = models.CharField(_("AUM month"), max_length=7, blank=True)
    filled_at = models.DateTimeField(_("filled at"), null=True, blank=True)
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lake_path = models.CharField(_("lake"), max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting board")
        verbose_name_plural = _("meeting boards")
        ordering = ("-day", "team_id")
        constraints = (
            models.UniqueConstraint(fields=("team", "kind", "day"), name="teams_board_one_a_day"),
        )

    def __str__(self) -> str:
        return f"{self.team_id} {self.kind} {self.day}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Managers: the teams of their subtree; an RM: their own team's boards (read)."""
        if scope.unit_path is not None:
            return unit_prefix_q("team__path", scope)
        if action is not Action.VIEW:
            return models.Q(pk__in=[])
        return models.Q(team__staff__staff_id=scope.staff_id)


class BoardRow(models.Model):
    """One member's figures on a board: the reviewed days' new assets and accounts, the
    month to date (for the done-by-the-16th line), open customer questions, AUM."""

    board = models.ForeignKey(
        Board, verbose_name=_("board"), on_delete=models.CASCADE, related_name="rows"
    )
    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("RM"), on_delete=models.PROTECT, related_name="+"
    )
    new_assets = models.DecimalField(_("new assets"), max_digits=20, decimal_places=2)
    new_accounts = models.PositiveIntegerField(_("new accounts"))
    month_assets = models.DecimalField(
        _("new assets, month to date"), max_digits=20, decimal_places=2
    )
    month_accounts = models.PositiveIntegerField(_("new accounts, month to date"))
    open_questions = models.PositiveIntegerField(_("open customer questions"))
    aum = models.DecimalField(_("AUM at month-end"), max_digits=22, decimal_places=2, null=True)
    aum_before = models.DecimalField(
        _("AUM at the month-end before"), max_digits=22, decimal_places=2, null=True
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("board row")
        verbose_name_plural = _("board rows")
        ordering = ("board", "staff_id")
        constraints = (
            models.UniqueConstraint(fields=("board", "staff"), name="teams_board_row_unique"),
        )

    def __str__(self) -> str:
        return f"{self.board_id} {self.staff_id}"

    @property
    def aum_change(self) -> Decimal | None:
        if self.aum is None or self.aum_before is None:
            return None
        return self.aum - self.aum_before

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        if action is not Action.VIEW:
            return models.Q(pk__in=[])
        if scope.unit_path is not None:
            return unit_prefix_q("board__team__path", scope)
        return models.Q(board__team__staff__staff_id=scope.staff_id)


class CheckIn(models.Model):
    """The team leader's one-to-one with an RM on a day (seed 002 日常一对一管理): a short
    note, optionally about a customer or a task. Seen by the RM, the leader and up the tree."""

    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("RM"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        "org.Staff", verbose_name=_("team leader"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    note = models.CharField(_("note"), max_length=1000)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    task = models.ForeignKey(
        "rm_tasks.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ("-day", "-created_at")

    def __str__(self) -> str:
        return f"{self.staff_id} {self.day}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        return _staff_q(scope, "staff")


class TrainingKind(models.TextChoices):
    COURSE = "course", _("Course")
    CERTIFICATION = "certification", _("Certification")


class Training(models.Model):
    """A course attended or a certification obtained, entered in the app (the lake's
    `trainings` rows are read beside these, never copied)."""

    staff = models.ForeignKey(
        "org.Staff", verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=16, choices=TrainingKind.choices)
    name = models.CharField(_("name"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=9, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ("staff_id", "day", "name")

    def __str__(self) -> str:
        return f"{self.staff_id} {self.day} {self.name}"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        return _staff_q(scope, "staff")
