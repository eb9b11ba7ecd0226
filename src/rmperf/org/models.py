"""The org tree (bank → [region →] branch [→ team]: regions and teams optional) and the
people in it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rmperf.core.access import Action, Scope
from rmperf.core.querysets import NOTHING, RestrictedQuerySet, unit_prefix_q


def unit_path(parent_path: str | None, unit_id: str) -> str:
    """The materialised path of a unit: its ancestors' ids and its own, each closed by "/".

    `/BANK/R1/B01/` — a subtree is then a plain prefix, and the trailing "/" keeps `B1`
    from matching `B10`. The root's parent path is None (or "").
    """
    if "/" in unit_id:
        raise ValueError(f"unit id {unit_id!r} may not contain '/'")
    return f"{parent_path or '/'}{unit_id}/"


class OrgKind(models.TextChoices):
    """The levels of the org tree, top down: bank → region → branch → team."""

    BANK = "bank", _("Bank")
    REGION = "region", _("Region")
    BRANCH = "branch", _("Branch")
    TEAM = "team", _("Team")


class Role(models.TextChoices):
    """A person's job; it decides their scope (core.access) and their first page."""

    RM = "rm", _("Relationship manager")
    TELLER = "teller", _("Teller")
    WEALTH_MANAGER = "wealth_manager", _("Wealth manager")
    TEAM_LEADER = "team_leader", _("Team leader")
    BRANCH_MANAGER = "branch_manager", _("Branch manager")
    RISK_OFFICER = "risk_officer", _("Risk officer")
    HR = "hr", _("HR")
    AUDITOR = "auditor", _("Auditor")


class Rank(models.TextChoices):
    """The RM career ladder (DOMAIN.md §6): assistant → junior → intermediate → senior."""

    ASSISTANT = "assistant", _("Assistant RM")
    JUNIOR = "junior", _("Junior RM")
    INTERMEDIATE = "intermediate", _("Intermediate RM")
    SENIOR = "senior", _("Senior RM")


class OrgUnit(models.Model):
    """A node of the org tree; `path` holds the ids from the bank down so a subtree is a prefix."""

    unit_id = models.CharField(_("unit id"), max_length=64, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=400, db_index=True, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ("path",)

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        """Levels below the bank: 0 for the bank, 1 for what hangs under it (a region, or a
        branch in a bank without regions), and so on (from the materialised path)."""
        return max(self.path.count("/") - 2, 0)

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Managers see their subtree; an RM sees the unit they work in. The tree itself
        comes from the lake import, so nobody but HR changes it."""
        if action is not Action.VIEW:
            return NOTHING
        if scope.unit_path is not None:
            return unit_prefix_q("path", scope)
        return models.Q(staff__staff_id=scope.staff_id)


class BusinessLine(models.TextChoices):
    """An RM's line (DOMAIN.md §5), which picks their scorecard."""

    RETAIL = "retail", pgettext_lazy("business line", "Retail")
    CORPORATE = "corporate", pgettext_lazy("business line", "Corporate")
    SCI_TECH = "sci_tech", pgettext_lazy("business line", "Sci-tech finance")


class Staff(models.Model):
    """A person in the bank; RMs carry a rank. A login user may be linked to one staff record."""

    staff_id = models.CharField(_("staff id"), max_length=64, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    rank = models.CharField(_("rank"), max_length=16, choices=Rank.choices, blank=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="staff"
    )
    hired_on = models.DateField(_("hired on"))
    business_line = models.CharField(
        _("business line"),
        max_length=16,
        choices=BusinessLine.choices,
        blank=True,
        help_text=_("Empty: the scorecard follows the kinds of the RM's customers."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ("staff_id",)
        indexes = (models.Index(fields=("unit", "role")),)

    def __str__(self) -> str:
        return f"{self.name} ({self.staff_id})"

    @classmethod
    def restrict_q(cls, scope: Scope, action: Action) -> models.Q | None:
        """Managers see the people of their subtree; everyone else only themselves.
        Staff records come from the lake import: only HR changes them."""
        if action is not Action.VIEW:
            return NOTHING
        if scope.unit_path is not None:
            return unit_prefix_q("unit__path", scope)
        return models.Q(staff_id=scope.staff_id)
