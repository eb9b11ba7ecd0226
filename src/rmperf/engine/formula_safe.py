"""Formula-safe text cells for every CSV or spreadsheet written with lake content.

OWASP CSV / formula injection (ASVS 5.0 level 3, DOMAIN.md §9): a spreadsheet evaluates a
cell that starts with = + - @ (and splits on a leading TAB or CR), so a lake value such
as `=HYPERLINK(...)` would run in the reader's spreadsheet beside the customer's phone and
id number. Such a text cell is written with a leading apostrophe, which every spreadsheet
shows as text. Numbers written as numbers stay numbers; only text is touched. The app's
Excel exports use the same rule (segments.export.safe_text).
"""

from __future__ import annotations

import pyarrow as pa

#: Characters that make a spreadsheet treat a cell as a formula (or split it).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: What a neutralised cell starts with.
ESCAPE = "'"
_PATTERN = "^([=+@\\t\\r-])"  # the leading character, kept as group 1


def formula_safe(value: str) -> str:
    """`value`, with an apostrophe in front when a spreadsheet would evaluate it."""
    return ESCAPE + value if value.startswith(FORMULA_PREFIXES) else value


def formula_safe_sql(expr: str) -> str:
    """DuckDB SQL of `expr` (a VARCHAR) made formula-safe the same way (NULL stays NULL)."""
    prefixes = ", ".join(f"chr({ord(p)})" for p in FORMULA_PREFIXES)
    escape = "'" + ESCAPE.replace("'", "''") + "'"
    return f"(CASE WHEN left({expr}, 1) IN ({prefixes}) THEN {escape} || {expr} ELSE {expr} END)"


def formula_safe_table(table: pa.Table) -> pa.Table:
    """`table` with every text column made formula-safe (other types untouched).

    One regex replacement per column, with no Python value turned into Arrow (that would
    make pyarrow import pandas, which the engine's commands keep out of their start-up).
    pyarrow.compute (and numpy with it) is imported here, for CSV results only."""
    import pyarrow.compute as pc

    columns = []
    for fld, column in zip(table.schema, table.columns, strict=True):
        kind = fld.type.value_type if pa.types.is_dictionary(fld.type) else fld.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            if pa.types.is_dictionary(fld.type):
                column = column.cast(kind)
            column = pc.replace_substring_regex(
                column, pattern=_PATTERN, replacement=ESCAPE + "\\1", max_replacements=1
            )
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


__all__ = ["ESCAPE", "FORMULA_PREFIXES", "formula_safe", "formula_safe_sql", "formula_safe_table"]
