"""`{% table_body table %}`: a django-tables2 table's rows (core/tables_render.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from rmperf.core.tables_render import table_body as _table_body

register = template.Library()


@register.simple_tag(takes_context=True)
def table_body(context: Any, table: Any) -> SafeString:
    return _table_body(table, context)
