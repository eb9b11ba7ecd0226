"""django-tables2 reads each render method's signature once per process, not once per
cell (issue #18, bench/load.md); what it passes the methods is unchanged."""

from __future__ import annotations

import inspect
from typing import Any

import django_tables2 as tables
import django_tables2.utils as tables_utils
import pytest

from rmperf.core import tables_signature


class Row:
    def __init__(self, n: int) -> None:
        self.n = n


class Numbers(tables.Table):
    n = tables.Column()
    twice = tables.Column(empty_values=())
    shown = tables.Column(empty_values=())

    def render_twice(self, record: Row) -> int:
        return record.n * 2

    def render_shown(self, value: Any, **kwargs: Any) -> str:
        return f"{kwargs['record'].n}:{value}"


def test_the_table_uses_the_kept_signatures() -> None:
    assert tables_utils.signature is tables_signature.signature


def test_cells_render_as_before_and_signatures_are_read_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[object] = []
    original = tables_signature._original

    def counting(fn: Any) -> Any:
        reads.append(fn)
        return original(fn)

    monkeypatch.setattr(tables_signature, "_original", counting)
    monkeypatch.setattr(tables_signature, "_known", {})
    table = Numbers([Row(1), Row(2), Row(3)])
    cells = [[row.get_cell(c) for c in ("n", "twice", "shown")] for row in table.rows]
    # twice = n * 2; shown = "n:" + the column's value (None: no attribute "shown")
    assert cells == [[1, 2, "1:None"], [2, 4, "2:None"], [3, 6, "3:None"]]
    # 3 rows × 3 columns = 9 cells, each through a render method (n: Column.render), but
    # each method's signature is read once: 3.
    assert len(reads) == 3
    table2 = Numbers([Row(5)])
    assert [table2.rows[0].get_cell(c) for c in ("twice", "shown")] == [10, "5:None"]
    assert len(reads) == 3  # another table, the same methods: nothing read again


def test_the_answer_is_the_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables_signature, "_known", {})
    table = Numbers([])
    for fn in (table.render_twice, table.render_shown, lambda a, *b, **c: a, len):
        expected = tables_signature._original(fn)
        assert tables_signature.signature(fn) == expected
        assert tables_signature.signature(fn) == expected  # the kept one
    assert tables_signature.signature(table.render_twice) == (("record",), None)
    assert tables_signature.signature(table.render_shown) == (("value",), "kwargs")
    assert inspect.isfunction(Numbers.render_twice)
