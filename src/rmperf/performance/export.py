"""Excel export of a period's results and lines: formula-safe, audited.

Cells are written as the customer export writes them (segments.export.safe_text: a
leading = + - @ TAB CR is escaped and the cell typed as text); numbers stay numbers.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING, WriteOnlyCell

from rmperf.core.access import Action
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.performance.models import LineResult, RmResult
from rmperf.segments.export import CSV, XLSX, csv_bytes, safe_text

EXPORT_VERB = "performance.export"
__all__ = ["CSV", "XLSX", "Export", "results_export"]


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes
    rows: int
    sha256: str


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | Decimal):
        return value
    return safe_text(str(value))


def _sheet(wb: Workbook, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    ws = wb.create_sheet(title)

    def cells(values: Iterable[Any]) -> list[Any]:
        out = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = TYPE_STRING  # never read as a formula
            out.append(cell)
        return out

    ws.append(cells(safe_text(h) for h in headers))
    for row in rows:
        ws.append(cells(_value(v) for v in row))


def _result_headers() -> list[str]:
    return [
        _("Staff id"), _("Name"), _("Unit"), _("Scorecard"), _("Policy version"),
        _("Base"), _("Bonus"), _("Deduction"), _("Total"), _("Tier"),
        _("Calibrated total"), _("Calibrated tier"), _("Calibration reason"),
        _("Final total"), _("Final tier"),
    ]  # fmt: skip


def _result_rows(results: Sequence[RmResult]) -> list[list[Any]]:
    return [
        [
            r.staff_id, r.staff.name, r.staff.unit.name, r.scorecard, r.policy_version,
            r.base, r.bonus, r.deduction, r.total, r.tier, r.calibrated_total,
            r.calibrated_tier, r.calibration_reason, r.final_total, r.final_tier,
        ]
        for r in results
    ]  # fmt: skip


def results_export(
    *, actor: Actor, period_key: str, results: Sequence[RmResult], fmt: str = "xlsx"
) -> Export:
    """Excel: two sheets, one row per RM (engine and calibrated figures) and one per line.
    CSV (one table per file): the RMs' rows, under the same formula-safe rule."""
    if fmt == "csv":
        return _audited(
            actor,
            period_key,
            csv_bytes(_result_headers(), _result_rows(results)),
            rows=len(results),
            fmt="csv",
        )
    if fmt != "xlsx":
        raise ValueError(f"unknown export format {fmt!r}: xlsx or csv")
    wb = Workbook(write_only=True)
    _sheet(wb, "results", _result_headers(), _result_rows(results))
    lines = (
        LineResult.objects.restrict(actor, Action.VIEW)
        .filter(result__in=[r.pk for r in results])
        .select_related("result")
        .order_by("result__staff_id", "position")
    )
    _sheet(
        wb,
        "lines",
        [
            _("Staff id"), _("Line"), _("Indicator"), _("Method"), _("Weight"), _("Value"),
            _("Target"), _("Target source"), _("Completion"), _("Effective weight"),
            _("Points"), _("Note"),
        ],
        (
            [
                ln.result.staff_id, ln.line, ln.indicator, ln.method, ln.weight, ln.value,
                ln.target, ln.target_source, ln.completion, ln.effective_weight, ln.points,
                ln.note,
            ]
            for ln in lines
        ),
    )  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    return _audited(actor, period_key, buf.getvalue(), rows=len(results), fmt="xlsx")


def _audited(actor: Actor, period_key: str, content: bytes, *, rows: int, fmt: str) -> Export:
    """The file, its export recorded in the audit log (who, rows, fingerprint, name)."""
    digest = hashlib.sha256(content).hexdigest()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    export = Export(f"performance-{period_key}-{stamp}.{fmt}", content, rows, digest)
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            verb=EXPORT_VERB,
            object_type="performance.period",
            object_id=period_key,
            after={"rows": export.rows, "sha256": digest, "filename": export.filename},
        )
    return export
