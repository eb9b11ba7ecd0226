"""A monthly report as PDF (for printing and signing, core/pdf.py's font and table style,
like the pay statement) and as Excel (openpyxl, every text cell formula-safe), in the
reader's language; each download audited with the file's digest."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.core.pdf import PDF, grid_style, styles
from rmperf.reports.selectors import ReportView, RollUp, Totals
from rmperf.segments.export import safe_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_VERB = "reports.monthly.pdf"
XLSX_VERB = "reports.monthly.xlsx"
ROLLUP_VERB = "reports.rollup.xlsx"
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")
_GROUPED = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
#: How a spreadsheet shows the figures: counts and amounts with separators, amounts and
#: scores to the cent, shares in percent.
COUNT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"


@dataclass(frozen=True)
class Download:
    """A file to send, with its name, type and SHA-256 digest."""

    filename: str
    content_type: str
    content: bytes
    digest: str

    @classmethod
    def of(cls, filename: str, content_type: str, content: bytes) -> Download:
        return cls(filename, content_type, content, hashlib.sha256(content).hexdigest())


def _audited(
    download: Download,
    *,
    actor: Actor,
    verb: str,
    object_type: str,
    object_id: str,
    after: dict[str, Any],
) -> Download:
    """Record the export in the audit log (what was sent, with the file's SHA-256) and
    hand the file on."""
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            verb=verb,
            object_type=object_type,
            object_id=object_id,
            after={**after, "sha256": download.digest},
        )
    return download


def _title(view: ReportView) -> str:
    r = view.report
    return _("Monthly work report %(month)s: %(name)s (%(staff)s)") % {
        "month": r.month,
        "name": r.staff.name,
        "staff": r.staff_id,
    }


def _target_header() -> list[str]:
    return [_("Indicator"), _("Annual target"), _("Quarter target"), _("Actual"), _("Completion")]


def _target_rows(view: ReportView) -> list[list[str]]:
    return [[t.name, t.annual, t.quarter_target, t.actual, t.completion] for t in view.targets]


def _expected_line(view: ReportView) -> str:
    return _("Targets of %(quarter)s; time-progress (序时进度) at the month's end: %(pct)s") % {
        "quarter": view.target_quarter,
        "pct": view.target_expected,
    }


def _render_pdf(view: ReportView) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    title, body = styles()
    grid = grid_style()
    story: list[Any] = [Paragraph(_title(view), title)]
    r = view.report
    story.append(
        Paragraph(
            _("Unit: %(unit)s · generated %(at)s · digest %(digest)s")
            % {
                "unit": r.unit.name,
                "at": timezone.localtime(r.generated_at).strftime("%Y-%m-%d %H:%M"),
                "digest": r.digest[:16],
            },
            body,
        )
    )
    for section in view.sections:
        story.append(Spacer(1, 8))
        story.append(Paragraph(section.title, body))
        rows = [[Paragraph(label, body), value] for label, value in section.rows]
        story.append(Table(rows, colWidths=[300, 180], style=grid))
    story.append(Spacer(1, 8))
    story.append(Paragraph(_expected_line(view), body))
    if view.has_sheet:
        rows = [_target_header()] + [
            [Paragraph(row[0], body), *row[1:]] for row in _target_rows(view)
        ]
        story.append(Table(rows, colWidths=[160, 80, 80, 80, 80], style=grid, repeatRows=1))
    else:
        story.append(Paragraph(_("No approved target sheet for the year."), body))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=f"{r.staff_id} {r.month}").build(story)
    return buf.getvalue()


def _cell(value: str) -> str | int | Decimal:
    """A figure as a number when it is one (so a spreadsheet can add it up; 1,234 too),
    otherwise formula-safe text."""
    number = value.replace(",", "") if _GROUPED.fullmatch(value) else value
    if _INTEGER.fullmatch(number):
        return int(number)
    if _DECIMAL.fullmatch(number):
        return Decimal(number)
    return safe_text(value)


def _append(ws: Any, values: list[Any], *, percent: frozenset[int] = frozenset()) -> None:
    """Append a row, numbers formatted as a bank reads them: the columns in `percent` as
    percentages, other decimals to the cent, counts with thousands separators."""
    ws.append(values)
    for i, cell in enumerate(ws[ws.max_row]):
        if isinstance(cell.value, bool) or not isinstance(cell.value, int | float | Decimal):
            continue
        if i in percent:
            cell.number_format = PERCENT_FORMAT
        elif isinstance(cell.value, int):
            cell.number_format = COUNT_FORMAT
        else:
            cell.number_format = DECIMAL_FORMAT


def _render_xlsx(view: ReportView) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.worksheets[0]
    r = view.report
    ws.title = r.month
    ws.append([safe_text(_title(view))])
    ws.append([safe_text(_("Relationship manager")), safe_text(r.staff.name)])
    ws.append([safe_text(_("Staff id")), safe_text(r.staff_id)])
    ws.append([safe_text(_("Unit")), safe_text(r.unit.name)])
    ws.append([safe_text(_("Month")), safe_text(r.month)])
    ws.append(
        [safe_text(_("Generated at")), safe_text(timezone.localtime(r.generated_at).isoformat())]
    )
    ws.append([safe_text(_("Digest")), safe_text(r.digest)])
    for section in view.sections:
        ws.append([])
        ws.append([safe_text(section.title)])
        for label, value in section.rows:
            _append(ws, [safe_text(label), _cell(value)])
    ws.append([])
    ws.append([safe_text(_expected_line(view))])
    if view.has_sheet:
        ws.append([safe_text(h) for h in _target_header()])
        for t in view.targets:
            _append(
                ws,
                [safe_text(t.name), *(_figure_cell(v) for v in t.figures)],
                percent=frozenset({4}),
            )
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 28
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_download(*, actor: Actor, view: ReportView, kind: str) -> Download:
    """The report (fetched through the selectors, so in the actor's scope) as `pdf` or
    `xlsx`, audited as an export with its digest."""
    r = view.report
    if kind == "pdf":
        content, content_type, verb = _render_pdf(view), PDF, PDF_VERB
    elif kind == "xlsx":
        content, content_type, verb = _render_xlsx(view), XLSX, XLSX_VERB
    else:
        raise ValueError(f"unknown format {kind!r} (pdf or xlsx)")
    return _audited(
        Download.of(f"monthly-report-{r.staff_id}-{r.month}.{kind}", content_type, content),
        actor=actor,
        verb=verb,
        object_type="monthly_report",
        object_id=str(r.pk),
        after={"staff_id": r.staff_id, "month": r.month},
    )


def _rollup_header() -> list[str]:
    return [
        _("Unit"),
        _("Staff id"),
        _("RM"),
        _("Served per working day"),
        _("Contacts"),
        _("Customers in the book"),
        _("Up a tier"),
        _("Down a tier"),
        _("Woken"),
        _("Referrals made"),
        _("Referrals received"),
        _("Tasks done"),
        _("Overdue at the month's end"),
        _("Quarter score so far"),
    ]


def _figure_cell(value: Any) -> str | int | Decimal | None:
    """A frozen figure (text in the report's JSON) as a number, or empty when absent."""
    if value is None:
        return None
    return _cell(str(value))


def _totals_row(totals: Totals, label: str) -> list[Any]:
    sums = totals.sums
    return [
        safe_text(label),
        None,
        safe_text(ngettext("%(n)s RM", "%(n)s RMs", totals.rms) % {"n": totals.rms}),
        totals.served_per_day,
        sums["contacts"],
        sums["customers"],
        sums["up"],
        sums["down"],
        sums["woken"],
        sums["made"],
        sums["received"],
        sums["done"],
        sums["overdue_at_end"],
        totals.avg_score,
    ]


def rollup_download(*, actor: Actor, rollup: RollUp) -> Download:
    """The month's roll-up the actor may read (report_rollup went through restrict) as one
    Excel sheet: a row per RM as frozen in their report, a subtotal per unit and the
    total (customers served per day averaged over RMs, the score over the RMs scored, as
    on the page); text formula-safe, figures as numbers; audited with the digest."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = rollup.month
    ws.append([safe_text(_("Monthly reports %(month)s") % {"month": rollup.month})])
    ws.append([safe_text(h) for h in _rollup_header()])
    staff_ids: list[str] = []
    for totals, reports in rollup.groups:
        for r in reports:
            f = r.figures
            staff_ids.append(r.staff_id)
            _append(
                ws,
                [
                    safe_text(r.unit.name),
                    safe_text(r.staff_id),
                    safe_text(r.staff.name),
                    _figure_cell(f["activity"]["served_per_day"]),
                    _figure_cell(f["activity"]["contacts"]),
                    _figure_cell(f["book"]["customers"]),
                    _figure_cell(f["book"]["up"]),
                    _figure_cell(f["book"]["down"]),
                    _figure_cell(f["book"]["woken"]),
                    _figure_cell(f["referrals"]["made"]),
                    _figure_cell(f["referrals"]["received"]),
                    _figure_cell(f["tasks"]["done"]),
                    _figure_cell(f["tasks"]["overdue_at_end"]),
                    _figure_cell(f["score"]["total"]),
                ],
            )
        _append(ws, _totals_row(totals, totals.label))
    if len(rollup.groups) > 1:
        _append(ws, _totals_row(rollup.total, rollup.total.label))
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["C"].width = 16
    buf = io.BytesIO()
    wb.save(buf)
    return _audited(
        Download.of(f"monthly-reports-{rollup.month}.xlsx", XLSX, buf.getvalue()),
        actor=actor,
        verb=ROLLUP_VERB,
        object_type="monthly_report_rollup",
        object_id=rollup.month,
        after={"month": rollup.month, "staff": staff_ids},
    )
