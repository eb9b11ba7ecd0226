"""Runs of `rmperf import` and the fact tables they registered for the engine."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    SUCCEEDED_WITH_REJECTS = "succeeded_with_rejects", _("Succeeded with rejected rows")
    FAILED = "failed", _("Failed")
    # The delivery broke the lake policy (a table missing, unreadable, empty or losing more
    # than the allowed share of its rows): nothing was loaded and it never becomes current.
    REFUSED = "refused", _("Refused")


#: The statuses of imports whose lake the app may use.
LANDED_STATUSES = (ImportStatus.SUCCEEDED, ImportStatus.SUCCEEDED_WITH_REJECTS)


class LakeImport(models.Model):
    """One run of `rmperf import`: what was validated, loaded and rejected, and by whom.

    A failed or refused run wrote nothing but its own record; `tables` holds per-table counts
    (rows, rejected, created, updated, unchanged, absent) so the run explains itself.
    """

    lake_path = models.CharField(_("lake path"), max_length=1000)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150)
    status = models.CharField(_("status"), max_length=32, choices=ImportStatus.choices)
    today = models.DateField(_("validation day"))
    total_rows = models.PositiveBigIntegerField(_("rows checked"), default=0)
    rejected = models.PositiveBigIntegerField(_("rows rejected"), default=0)
    tables = models.JSONField(_("per-table counts"), default=dict, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    # Allowed but worth knowing (an optional column absent, an extra column ignored).
    notes = models.JSONField(_("notes"), default=list, blank=True)
    # Assignments in the database that the lake no longer has: kept, never deleted
    # silently (a regulated history of who looked after whom), and listed here.
    stale_assignments = models.JSONField(
        _("assignments no longer in the lake"), default=list, blank=True
    )

    class Meta:
        verbose_name = _("lake import")
        verbose_name_plural = _("lake imports")
        ordering = ("-started_at", "-pk")
        indexes = (models.Index(fields=("status", "-finished_at")),)

    def __str__(self) -> str:
        return f"#{self.pk} {self.lake_path} ({self.status})"

    @property
    def succeeded(self) -> bool:
        return self.status in LANDED_STATUSES

    @property
    def exit_status(self) -> int:
        """The command's exit status: 0 clean, 1 rows rejected, 2 refused or failed."""
        if not self.succeeded:
            return 2
        return 1 if self.status == ImportStatus.SUCCEEDED_WITH_REJECTS else 0


class RegisteredTable(models.Model):
    """A fact table the engine reads in place: its files and their digest, never its rows.

    One row per (lake, table); a re-import of unchanged files leaves it as it was, so the
    digest says which import first saw exactly these files.
    """

    lake_path = models.CharField(_("lake path"), max_length=1000)
    table = models.CharField(_("table"), max_length=64)
    files = models.JSONField(_("files"), default=list)
    digest = models.CharField(_("digest"), max_length=64)
    rows = models.PositiveBigIntegerField(_("rows"))
    rejected = models.PositiveBigIntegerField(_("rows rejected"))
    lake_import = models.ForeignKey(
        LakeImport,
        verbose_name=_("lake import"),
        on_delete=models.PROTECT,
        related_name="registered_tables",
    )

    class Meta:
        verbose_name = _("registered table")
        verbose_name_plural = _("registered tables")
        ordering = ("lake_path", "table")
        constraints = (
            models.UniqueConstraint(fields=("lake_path", "table"), name="registered_table_unique"),
        )

    def __str__(self) -> str:
        return f"{self.table} @ {self.lake_path}"
