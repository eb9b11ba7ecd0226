"""Reads about lakes: which lake the app uses, and what an import did."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from rmperf.engine import contract
from rmperf.lakes.models import LANDED_STATUSES, LakeImport, RegisteredTable


def lake_current() -> Path | None:
    """The lake the app reads fact tables from: RMPERF_LAKE_DIR when set, else the lake of
    the most recent import that succeeded (with or without rejects); None before any.
    A refused or failed import never becomes current: the lake before it stays live."""
    if settings.RMPERF_LAKE_DIR:
        return Path(settings.RMPERF_LAKE_DIR).resolve()
    run = (
        LakeImport.objects.filter(status__in=LANDED_STATUSES)
        .order_by("-finished_at", "-pk")
        .only("lake_path")
        .first()
    )
    return Path(run.lake_path) if run is not None else None


def registered_tables(*, lake_dir: Path) -> dict[str, RegisteredTable]:
    """The fact tables registered for a lake, by table name."""
    return {r.table: r for r in RegisteredTable.objects.filter(lake_path=str(lake_dir))}


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    """The first cell left-aligned, the numbers right-aligned, whatever the script."""
    out = []
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        pad = " " * max(width - _width(cell), 0)
        out.append(cell + pad if i == 0 else pad + cell)
    return "  " + " ".join(out)


def lake_import_summary(*, lake_import: LakeImport) -> str:
    """The run as plain text for the terminal: status, per-table counts, rejects files."""
    run = lake_import
    seconds = (run.finished_at - run.started_at).total_seconds()
    lines = [
        _("import #%(id)s of %(lake)s: %(status)s (validation day %(today)s, %(seconds).1f s)")
        % {
            "id": run.pk,
            "lake": run.lake_path,
            "status": run.get_status_display(),
            "today": run.today.isoformat(),
            "seconds": seconds,
        },
    ]
    for problem in run.problems:
        lines.append("  " + _("problem: %(problem)s") % {"problem": problem})
    for note in run.notes:
        lines.append("  " + _("note: %(note)s") % {"note": note})
    widths = (14, 11, 9, 9, 9, 10)
    header = (_("table"), _("rows"), _("rejected"), _("created"), _("updated"), _("unchanged"))
    lines.append(_row(header, widths))
    rejects: list[str] = []
    for name in contract.TABLES_BY_NAME:
        entry = run.tables.get(name)
        if entry is None:
            continue
        cells = [name] + [
            f"{v:,}" if isinstance(v := entry.get(k), int) else "–"
            for k in ("rows", "rejected", "created", "updated", "unchanged")
        ]
        lines.append(_row(cells, widths))
        if entry.get("rejects_file"):
            rejects.append(f"  {name}: {entry['rejects_file']}")
    if rejects:
        lines.append(_("rejected rows were written to:"))
        lines.extend(rejects)
    for name in contract.DIMENSION_TABLES:
        absent = run.tables.get(name, {}).get("absent", 0)
        if not absent:
            continue
        if name == "assignments":
            lines.append(
                _(
                    "%(count)s assignments in the database are no longer in the lake; they were "
                    "kept (listed on the import record)"
                )
                % {"count": absent}
            )
        else:
            lines.append(
                _("%(count)s rows of %(table)s in the database are no longer in the lake; kept")
                % {"count": absent, "table": name}
            )
    lines.append(
        _("%(rows)s rows checked, %(rejected)s rejected")
        % {"rows": f"{run.total_rows:,}", "rejected": f"{run.rejected:,}"}
    )
    return "\n".join(lines)
