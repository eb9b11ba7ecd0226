"""The table body rendered in Python (core/tables_render.py) is byte for byte what the
template's row loop rendered (issue #18, bench/load.md): values escaped and localised
alike, cell attributes computed from the record, row classes, the empty table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import django_tables2 as tables
import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation
from django.utils.html import format_html

#: The row loop of templates/tables/table.html before it became `{% table_body table %}`.
LOOP = """{% load django_tables2 %}<tbody>
    {% for row in table.paginated_rows %}
      <tr {{ row.attrs.as_html }}>
      {% for column, cell in row.items %}
        <td {{ column.attrs.td.as_html }} data-label="{{ column.header }}"><span class="cell">{{ cell }}</span></td>
      {% endfor %}
      </tr>
    {% empty %}
      <tr><td colspan="{{ table.columns|length }}">{{ table.empty_text }}</td></tr>
    {% endfor %}
    </tbody>"""
TAG = """{% load tables_body %}<tbody>
    {% table_body table %}
    </tbody>"""


class Mixed(tables.Table):
    name = tables.Column(verbose_name="Name <&>")
    amount = tables.Column(attrs={"td": {"class": "num"}})
    day = tables.DateColumn(short=True)
    count = tables.Column()
    flag = tables.Column(attrs={"td": {"data-v": lambda value: f"v-{value}"}})
    link = tables.Column(empty_values=(), orderable=False)

    class Meta:
        attrs = {"class": "table"}  # noqa: RUF012
        row_attrs = {"data-id": lambda record: record["name"]}  # noqa: RUF012
        empty_text = "Nothing <here>"

    def render_link(self, record: dict[str, Any]) -> str:
        return format_html('<a href="/x/{}/">{}</a>', record["name"], record["name"])


ROWS = [
    {"name": "Ann <b>", "amount": Decimal("1234.50"), "day": dt.date(2026, 3, 4),
     "count": 12345, "flag": True},
    {"name": "Bo & Co", "amount": None, "day": None, "count": 0, "flag": False},
    {"name": "张三", "amount": Decimal("-0.01"), "day": dt.date(2025, 12, 31),
     "count": None, "flag": None},
]  # fmt: skip


def _both(rows: list[dict[str, Any]], **kwargs: Any) -> tuple[str, str]:
    request = RequestFactory().get("/x/", {"sort": "-amount"})
    out = []
    for source in (LOOP, TAG):
        table = Mixed(rows, **kwargs)
        table.paginate(per_page=2)
        out.append(Template(source).render(Context({"table": table, "request": request})))
    return out[0], out[1]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_rows_render_as_the_template_loop(language: str) -> None:
    with translation.override(language):
        loop, tag = _both(ROWS, order_by="-amount")
    assert 'data-id="Ann &lt;b&gt;"' in loop  # escaped, the row attrs from the record
    assert 'data-v="v-True"' in loop  # a cell attribute computed from the value
    assert loop.count("<tr ") == 2  # one page of two rows
    assert tag == loop


def test_the_empty_table_renders_as_the_template_loop() -> None:
    loop, tag = _both([])
    assert 'colspan="6">Nothing &lt;here&gt;</td>' in loop
    assert tag == loop
