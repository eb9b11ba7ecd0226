"""The body of a django-tables2 table (templates/tables/table.html) rendered in Python.

The template's row loop did per cell: the column's attributes rebuilt (BoundColumn.attrs
merges the table's and the column's attrs and sorts their classes on every access), the
header read again, four template variable lookups and a template node walk; 25 rows of 11
columns are 275 of each on a customer list page, about half of its table's time
(bench/load.md). Here what does not depend on the row is computed once per column: the
cell attributes (unless one of them is computed from the record, a callable), the header.
The cells are still django-tables2's (`BoundRow.get_cell`: accessors, render methods,
links), and every value goes through the template engine's own
`render_value_in_context`, so the HTML is byte for byte the template loop's
(tests/core/test_tables_render.py).
"""

from __future__ import annotations

from typing import Any

from django.template.base import render_value_in_context
from django.utils.safestring import SafeString, mark_safe


def _has_callable(value: Any) -> bool:
    if callable(value):
        return True
    if isinstance(value, dict):
        return any(_has_callable(v) for v in value.values())
    return False


def _static_td(column: Any) -> bool:
    """True when a column's cell attributes do not depend on the row."""
    table_attrs = column._table.attrs
    column_attrs = column.column.attrs
    return not any(
        _has_callable(attrs.get(key))
        for attrs in (table_attrs, column_attrs)
        for key in ("td", "cell")
    )


def table_body(table: Any, context: Any) -> SafeString:
    """What `{% for row in table.paginated_rows %}…{% empty %}…{% endfor %}` rendered
    between <tbody> and </tbody> in templates/tables/table.html."""
    columns = list(table.columns)
    plans = []
    for column in columns:
        column.current_record = None
        column.current_value = None
        td = (
            render_value_in_context(column.attrs["td"].as_html(), context)
            if _static_td(column)
            else None
        )
        header = render_value_in_context(column.header, context)
        plans.append((column, column.name, td, header))
    parts: list[str] = []
    for row in table.paginated_rows:
        parts.append(
            f"\n      <tr {render_value_in_context(row.attrs.as_html(), context)}>\n      "
        )
        record = row.record
        for column, name, td, header in plans:
            cell = row.get_cell(name)
            column.current_value = cell
            column.current_record = record
            if td is None:
                td_html = render_value_in_context(column.attrs["td"].as_html(), context)
            else:
                td_html = td
            parts.append(
                f'\n        <td {td_html} data-label="{header}"><span class="cell">'
                f"{render_value_in_context(cell, context)}</span></td>\n      "
            )
        parts.append("\n      </tr>\n    ")
    if not parts:
        colspan = render_value_in_context(len(columns), context)
        empty = render_value_in_context(table.empty_text, context)
        parts.append(f'\n      <tr><td colspan="{colspan}">{empty}</td></tr>\n    ')
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above
