"""A pay statement as PDF, in the reader's language, money to the cent; audited as an export
(the font, money format and table style every printed page shares: core/pdf.py)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.core.pdf import PDF, grid_style, money, styles
from rmperf.pay.models import PayStatement
from rmperf.pay.services import MONEY_FIELDS, PayExport

PDF_VERB = "pay.statement.pdf"


def _render(statement: PayStatement) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    title, body = styles()
    staff = statement.staff
    grid = grid_style()
    facts = [
        [_("Relationship manager"), f"{staff.name} ({staff.staff_id})"],
        [_("Quarter"), statement.period],
        [_("rank"), statement.rank],
        [_("rating"), statement.rating or "—"],
        [_("coefficient"), "—" if statement.coefficient is None else f"{statement.coefficient}"],
        [_("NPL ratio"), f"{statement.npl_ratio}"],
    ]
    fields = {f.name: f for f in PayStatement._meta.get_fields() if hasattr(f, "verbose_name")}
    amounts = [
        [str(fields[name].verbose_name), money(getattr(statement, name))] for name in MONEY_FIELDS
    ]
    lines = [[_("Pay line"), _("Source"), _("Detail"), _("Amount")]]
    for ln in statement.lines.all():
        source = " ".join(x for x in (ln.loan_id, ln.source_period, ln.month, ln.due_period) if x)
        lines.append(
            [
                ln.line_label,
                source,
                Paragraph(ln.portions_display or ln.detail or "", body),
                money(ln.amount),
            ]
        )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=f"{staff.staff_id} {statement.period}")
    story: list[Any] = [
        Paragraph(_("Pay statement %(key)s") % {"key": statement.period}, title),
        Table(facts, colWidths=[140, 320], style=grid),
        Spacer(1, 10),
        Table(amounts, colWidths=[200, 120], style=grid),
        Spacer(1, 10),
        Table(lines, colWidths=[90, 90, 220, 80], style=grid, repeatRows=1),
    ]
    doc.build(story)
    return buf.getvalue()


def statement_pdf(*, actor: Actor, statement: PayStatement) -> PayExport:
    """The statement (already fetched through `selectors.statement_get`, so in the actor's
    scope) as a PDF in the active language, audited as an export with its digest."""
    content = _render(statement)
    digest = hashlib.sha256(content).hexdigest()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    export = PayExport(
        f"pay-{statement.staff_id}-{statement.period}-{stamp}.pdf",
        content,
        PDF,
        statement.lines.count(),
        digest,
    )
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            verb=PDF_VERB,
            object_type="pay.statement",
            object_id=str(statement.pk),
            after={"sha256": digest, "filename": export.filename, "period": statement.period},
        )
    return export
