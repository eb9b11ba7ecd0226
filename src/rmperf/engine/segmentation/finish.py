"""The last step of `segment()`: the backend's raw rows → the result columns, in one
vectorised projection. On DuckDB it wraps the segmentation query itself (the rows leave
the engine once); Spark's rows are finished by an in-memory DuckDB over their Arrow:

- integer cents → exact decimal(18,2) (`monetary`);
- the tag flags → the ids of the flags set, sorted and joined with ';' ("" for none);
- the contribution parts → the contribution in cents, rounded half up once
  (`value.contribution_cents`, the reference formula, written in SQL).

Only 128-bit integer (HUGEINT) and DECIMAL arithmetic, never a float; an overflow is an
error, never a wrong number. The rows come out sorted by customer.

Why not pyarrow or Python: a per-row Python pass over 200,000 customers took seconds, and
building pyarrow arrays or scalars from Python objects imports pandas (pyarrow checks for
pandas objects), which is most of a second of start-up for a command that needs none.
"""

# ruff: noqa: S608 - SQL over the policy's tag ids; identifiers and literals are quoted

from __future__ import annotations

import pyarrow as pa

from rmperf.engine.segmentation.names import HOLDS_COLUMNS, MICRO, TAG_SEPARATOR, flag_column
from rmperf.engine.segmentation.policy import SegmentationPolicy
from rmperf.engine.validity import DUCKDB

RFM_COLUMNS = ("customer_id", "unit_id", "rm_id", "recency_days", "frequency")
PROFILE_COLUMNS = (*HOLDS_COLUMNS, "product_count", "risk_level", "risk_assessment_current")


def money_sql(cents: str) -> str:
    """Integer cents → decimal(18,2), exactly (the unscaled value is the cents)."""
    return f"CAST(CAST({cents} AS DECIMAL(18, 0)) * CAST(0.01 AS DECIMAL(3, 2)) AS DECIMAL(18, 2))"


def tags_sql(policy: SegmentationPolicy) -> str:
    """The ids of the tag flags set, sorted and joined with ';' ("" for none)."""
    cases = [
        f"CASE WHEN {DUCKDB.ident(flag_column(tag))} THEN {DUCKDB.lit(tag.id)} END"
        for tag in sorted(policy.tags, key=lambda t: t.id)
    ]
    if not cases:
        return "''"
    return f"concat_ws({DUCKDB.lit(TAG_SEPARATOR)}, {', '.join(cases)})"


def contribution_cents_sql(policy: SegmentationPolicy) -> str:
    """`value.contribution_cents` over the PART_COLUMNS of a row, as HUGEINT cents.

    numerator   = deposit_e8 × m + (fee_e8 + loan_e8) × deposit_months × m
                  + settlement_count × fee_cents × 10⁶ × 12 × deposit_months
    denominator = deposit_months × m × 10⁶          (m: the settlement window in months)
    cents       = floor((2 × numerator + denominator) / (2 × denominator))

    DuckDB's integer `//` truncates towards zero, so the floor is taken as
    (x − ((x % d) + d) % d) // d, exact for a negative x too (d > 0).
    """
    settlement = policy.value.settlement
    fee_cents = int(settlement.fee_per_transaction * 100)
    months = settlement.months
    numerator = (
        f"(deposit_e8::HUGEINT * {months}"
        f" + (fee_e8::HUGEINT + loan_e8::HUGEINT) * deposit_months * {months}"
        f" + settlement_count::HUGEINT * {fee_cents * MICRO * 12} * deposit_months)"
    )
    denominator = f"(deposit_months::HUGEINT * {months * MICRO})"
    x = f"(2 * {numerator} + {denominator})"
    d = f"(2 * {denominator})"
    return f"(({x} - ((({x}) % {d}) + {d}) % {d}) // {d})"


def contribution_only_sql(policy: SegmentationPolicy, source: str = "raw") -> str:
    """The contribution (decimal(18,2)) of each row of `source` (value.PART_COLUMNS)."""
    return f"SELECT {money_sql(contribution_cents_sql(policy))} AS contribution FROM {source}"


def finish_sql(policy: SegmentationPolicy, *, with_tags: bool, source: str = "raw") -> str:
    """The query turning `source` (the raw rows) into the result's columns, in order,
    its rows sorted by customer (the order of every segmentation result)."""
    cols = [DUCKDB.ident(c) for c in RFM_COLUMNS]
    cols += [f"{money_sql('monetary_cents')} AS monetary", "tier"]
    if with_tags:
        cols += [
            f"CAST({DUCKDB.ident(c)} AS BIGINT) AS {DUCKDB.ident(c)}"
            if c == "product_count"
            else DUCKDB.ident(c)
            for c in PROFILE_COLUMNS
        ]
        cols += [
            f"{tags_sql(policy)} AS tags",
            f"{money_sql(contribution_cents_sql(policy))} AS contribution",
        ]
    return f"SELECT {', '.join(cols)} FROM {source} ORDER BY customer_id"


def run_finish(sql: str, raw: pa.Table) -> pa.Table:
    """Run a finish query over the Arrow table `raw` (named `raw` in the query)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("raw", raw)
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


def with_schema(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` under `schema` (names, types, nullability). When the types already match,
    the columns are re-labelled as they are (Table.cast would import pyarrow.compute, a
    tenth of the command's start-up, to change nothing); otherwise they are cast."""
    if table.schema.names == schema.names and all(
        have.type == want.type for have, want in zip(table.schema, schema, strict=True)
    ):
        return pa.Table.from_arrays(table.columns, schema=schema)
    return table.cast(schema)
