"""Excel export of the customer list: masked, formula-safe, capped and audited.

DOMAIN.md §9: exports of customer lists are logged, limited and formula-safe (OWASP CSV
/ formula injection, ASVS 5.0 level 3). Every text cell that a spreadsheet could read as a
formula (leading = + - @ TAB CR) is prefixed with ' and stored as text; numbers stay
numbers; phones are masked; names are shown as the actor's role sees them on screen.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING, WriteOnlyCell

from rmperf.core.access import may_see_customer_names, scope_of
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.core.masking import mask_phone
from rmperf.customers.tables import display_name
from rmperf.engine.formula_safe import FORMULA_PREFIXES as FORMULA_PREFIXES  # re-exported
from rmperf.engine.formula_safe import formula_safe
from rmperf.segments.tables import tier_label

EXPORT_VERB = "customers.export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
#: The formats of every list export: Excel, and CSV beside it.
FORMATS = {"xlsx": XLSX, "csv": CSV}


class ExportTooLarge(Exception):
    """More rows than the actor may export; `count` and `limit` say how many."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"{count} rows, limit {limit}")
        self.count = count
        self.limit = limit


def safe_text(value: str) -> str:
    """A text cell a spreadsheet will never evaluate: control characters that XLSX cannot
    hold are dropped first, then a leading formula character is escaped with an apostrophe."""
    return formula_safe(ILLEGAL_CHARACTERS_RE.sub("", value))


def export_limit(*, actor: Actor) -> int | None:
    """Rows the actor may export at once: the setting's cap; HR and superusers unlimited."""
    scope = scope_of(actor)
    if scope is not None and (scope.superuser or scope.role == "hr"):
        return None
    return int(settings.RMPERF_EXPORT_MAX_ROWS)


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal | float | dt.date):
        return value
    return safe_text(str(value))


def workbook_bytes(headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    """An .xlsx with one sheet, streamed (write-only: memory stays flat for large HR
    exports); text cells are always typed as text, never as formulas."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("customers")

    def cells(values: Iterable[Any]) -> list[Any]:
        out = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = TYPE_STRING  # openpyxl would read a leading "=" as a formula
            out.append(cell)
        return out

    ws.append(cells(safe_text(h) for h in headers))
    for row in rows:
        ws.append(cells(_cell_value(v) for v in row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    """A UTF-8 CSV (with a BOM, so Excel reads the Chinese right) under the same rule as
    the workbook: every text cell formula-safe; numbers and dates written as they are."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([safe_text(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else _cell_value(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def table_bytes(fmt: str, headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    """The list as `fmt` (xlsx or csv); any other format is refused."""
    if fmt == "xlsx":
        return workbook_bytes(headers, rows)
    if fmt == "csv":
        return csv_bytes(headers, rows)
    raise ValueError(f"unknown export format {fmt!r}: xlsx or csv")


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes
    rows: int
    sha256: str


def _headers() -> list[str]:
    return [
        _("Customer id"),
        _("Name"),
        _("Kind"),
        _("Home branch"),
        _("Tier"),
        _("AUM"),
        _("Contribution"),
        _("Transactions (F)"),
        _("Recency (days)"),
        _("Last contact"),
        _("Risk tolerance"),
        _("Phone"),
    ]


def customer_list_export(
    *, actor: Actor, customers: Any, filters: Mapping[str, Any], fmt: str = "xlsx"
) -> Export:
    """The filtered customer list as Excel (or CSV); refuses above the actor's limit;
    audited with the filter, the format, the row count and the file's sha256."""
    limit = export_limit(actor=actor)
    count = customers.count()
    if limit is not None and count > limit:
        raise ExportTooLarge(count, limit)
    mask_names = not may_see_customer_names(actor)
    rows = [
        [
            c.customer_id,
            display_name(c, mask_names=mask_names),
            str(c.get_kind_display()),
            c.unit.name,
            tier_label(c.seg_tier) if c.seg_tier else None,
            c.seg_monetary,
            c.seg_contribution,
            c.seg_frequency,
            c.seg_recency_days,
            c.seg_last_contact_on,
            c.risk_level,
            mask_phone(c.phone),
        ]
        for c in customers
    ]
    content = table_bytes(fmt, _headers(), rows)
    digest = hashlib.sha256(content).hexdigest()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    clean = {k: v for k, v in filters.items() if v not in ("", None)}
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            verb=EXPORT_VERB,
            object_type="customer_list",
            object_id=digest[:16],
            after={
                "filters": clean,
                "format": fmt,
                "rows": len(rows),
                "sha256": digest,
                "limit": limit,
            },
        )
    return Export(
        filename=f"customers-{stamp}.{fmt}", content=content, rows=len(rows), sha256=digest
    )
