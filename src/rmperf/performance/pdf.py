"""An RM's quarter scorecard as PDF, in the reader's language, for printing and signing:
the total and tier, then each line (indicator by name, value, target, completion, weight,
points) formatted as the why page formats them (`why.format_value`: money to the cent with
separators, ratios as percentages); audited as an export like the
period's Excel (core/pdf.py holds the font and table style every printed page shares)."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.core.pdf import grid_style, styles
from rmperf.performance.export import Export
from rmperf.performance.models import RmResult
from rmperf.performance.selectors import LineView
from rmperf.performance.why import format_value

PDF_VERB = "performance.scorecard.pdf"
_CENT = Decimal("0.01")


def _render(result: RmResult, lines: list[LineView], period_key: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    title, body = styles()
    grid = grid_style()
    staff = result.staff
    total = result.calibrated_total if result.calibrated_total is not None else result.total
    facts = [
        [_("Relationship manager"), f"{staff.name} ({staff.staff_id})"],
        [_("Quarter"), period_key],
        [_("Total"), f"{total:.2f}"],
        [_("Tier"), str(result.get_tier_display())],
    ]
    rows: list[list[Any]] = [
        [_("Indicator"), _("Value"), _("Target"), _("Completion"), _("Weight"), _("Points")]
    ]
    for view in lines:
        ln = view.line
        rows.append(
            [
                Paragraph(view.name, body),
                format_value(ln.value, view.unit),
                format_value(ln.target, view.unit),
                "—" if ln.completion is None else f"{(ln.completion * 100).quantize(_CENT)}%",
                f"{ln.weight.quantize(_CENT)}",
                "—" if ln.points is None or not ln.used else f"{ln.points:.2f}",
            ]
        )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=f"{staff.staff_id} {period_key}")
    story: list[Any] = [
        Paragraph(_("Scorecard %(key)s") % {"key": period_key}, title),
        Table(facts, colWidths=[140, 320], style=grid),
        Spacer(1, 10),
        Table(rows, colWidths=[160, 80, 80, 60, 50, 50], style=grid, repeatRows=1),
    ]
    doc.build(story)
    return buf.getvalue()


def scorecard_pdf(
    *, actor: Actor, result: RmResult, lines: list[LineView], period_key: str
) -> Export:
    """The result (fetched through the selectors, so in the actor's scope) as a PDF in the
    active language, audited as an export with its digest."""
    content = _render(result, lines, period_key)
    digest = hashlib.sha256(content).hexdigest()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    export = Export(f"scorecard-{result.staff_id}-{period_key}-{stamp}.pdf", content, 1, digest)
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            verb=PDF_VERB,
            object_type="performance.result",
            object_id=str(result.pk),
            after={"sha256": digest, "filename": export.filename, "period": period_key},
        )
    return export
