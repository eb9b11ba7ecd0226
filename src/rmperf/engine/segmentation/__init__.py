"""Customer segmentation: RFM tiers per customer at an as-of date (DOMAIN §1), with the
tags beside them (holdings, risk, behaviour and life events) and the value estimate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from rmperf.engine.backends import Backend, BackendName, attach_lake, open_backend
from rmperf.engine.contract import CUSTOMER_KINDS
from rmperf.engine.lake import Lake
from rmperf.engine.segmentation.finish import finish_sql, run_finish, with_schema
from rmperf.engine.segmentation.names import (
    HOLDS_COLUMNS,
    RFM_TABLES,
    TAG_TABLES,
    VALUE_TABLES,
    ValueSourceError,
    rate_micros,
)
from rmperf.engine.segmentation.policy import SegmentationPolicy, Tier, load_segmentation_policy
from rmperf.engine.sql_cache import SqlCache

#: The R/F/M/tier columns, first and unchanged in every segmentation result.
RFM_FIELDS = [
    pa.field("customer_id", pa.string(), nullable=False),
    pa.field("unit_id", pa.string(), nullable=False),
    pa.field("rm_id", pa.string(), nullable=True),
    pa.field("recency_days", pa.int64(), nullable=False),
    pa.field("frequency", pa.int64(), nullable=False),
    pa.field("monetary", pa.decimal128(18, 2), nullable=False),
    pa.field("tier", pa.string(), nullable=False),
]

#: segment(..., with_tags=False): the R/F/M/tier columns only.
RFM_SCHEMA = pa.schema(RFM_FIELDS)
SEGMENT_SCHEMA = pa.schema(
    [
        *RFM_FIELDS,
        *(pa.field(name, pa.bool_(), nullable=False) for name in HOLDS_COLUMNS),
        pa.field("product_count", pa.int64(), nullable=False),
        pa.field("risk_level", pa.string(), nullable=True),
        pa.field("risk_assessment_current", pa.bool_(), nullable=False),
        pa.field("tags", pa.string(), nullable=False),
        pa.field("contribution", pa.decimal128(18, 2), nullable=False),
    ]
)


def segment(
    lake: Lake,
    *,
    as_of: dt.date,
    policy: SegmentationPolicy,
    backend: BackendName = "duckdb",
    with_tags: bool = True,
) -> pa.Table:
    """One row per customer opened on or before `as_of`: home branch, the RM in charge
    that day, R, F, M (exact), the tier, holdings by category, risk tolerance, the policy's
    tags and the expected annual contribution (SEGMENT_SCHEMA).

    `with_tags=False` computes the R/F/M/tier columns only (RFM_SCHEMA), for callers that
    need no more (a migration matrix) and should not pay for the tags.
    """
    engine = open_backend(backend)
    # The query's SQL is compiled once per set of inputs (sql_cache.py); only the DuckDB
    # backend keeps it, beside its valid-row cache.
    sqls = SqlCache.for_lake(lake) if backend == "duckdb" else SqlCache(None)
    inputs: dict[str, Any] = {
        "backend": backend,
        "as_of": as_of.isoformat(),
        "policy": policy.model_dump(mode="json"),
    }
    schema = SEGMENT_SCHEMA if with_tags else RFM_SCHEMA
    # Money, tags and the contribution: one vectorised, exact projection (finish.py) that
    # also sorts the rows. On DuckDB it wraps the query itself, so the rows leave the
    # engine once; Spark's rows are finished by an in-memory DuckDB over their Arrow.
    final = finish_sql(policy, with_tags=with_tags, source="raw")
    try:
        if with_tags:
            attach_lake(engine, lake, sorted({*RFM_TABLES, *TAG_TABLES, *VALUE_TABLES}))
            spreads = _spreads(engine, backend, policy, sqls)
            sql = sqls.sql(
                "segment",
                {**inputs, "spreads": spreads},
                lambda: _compile(_segment_expr(backend, as_of, policy, spreads), backend),
            )
        else:
            attach_lake(engine, lake, list(RFM_TABLES))
            sql = sqls.sql(
                "segment-rfm", inputs, lambda: _compile(_rfm_expr(backend, as_of, policy), backend)
            )
        if backend == "duckdb":
            return with_schema(engine.to_arrow(f"WITH raw AS ({sql}) {final}"), schema)
        raw = engine.to_arrow(sql)
    finally:
        engine.close()
    return with_schema(run_finish(final, raw), schema)


def _compile(expr: Any, backend: BackendName) -> str:
    from rmperf.engine.ibis_tables import compile_sql

    return compile_sql(expr, backend)


def _rfm_expr(backend: BackendName, as_of: dt.date, policy: SegmentationPolicy) -> Any:
    from rmperf.engine.segmentation.rfm import rfm_counting_expr

    # Unsorted: the finishing projection sorts once.
    return rfm_counting_expr(backend, as_of=as_of, policy=policy, count_since=None, ordered=False)


def _segment_expr(
    backend: BackendName, as_of: dt.date, policy: SegmentationPolicy, spreads: dict[str, int]
) -> Any:
    """R/F/M/tier, holdings, risk, tag flags and the value parts, one row per customer
    (unsorted: the finishing projection sorts)."""
    from rmperf.engine.segmentation.combined import segment_expr

    return segment_expr(backend, as_of=as_of, policy=policy, spreads=spreads)


def _spreads(
    engine: Backend, backend: BackendName, policy: SegmentationPolicy, sqls: SqlCache
) -> dict[str, int]:
    """The deposit spread of each customer kind in micro-units, reading products if asked."""
    spreads: dict[str, int] = {}
    wanted: dict[str, str] = {}
    for kind in CUSTOMER_KINDS:
        source = policy.value.deposit.spread.for_kind(kind)
        if source.rate is not None:
            spreads[kind] = rate_micros(source.rate)
        elif source.product_id is not None:
            wanted[kind] = source.product_id
    if wanted:
        ids = sorted(set(wanted.values()))

        def build() -> str:
            from rmperf.engine.segmentation.value import spreads_expr

            return _compile(spreads_expr(ids), backend)

        sql = sqls.sql("spreads", {"backend": backend, "products": ids}, build)
        found = {row["product_id"]: int(row["micros"]) for row in engine.to_arrow(sql).to_pylist()}
        for kind, product_id in wanted.items():
            if product_id not in found:
                raise ValueSourceError(
                    f"value.deposit.spread.{kind}: product {product_id!r} is not among the "
                    "lake's valid products"
                )
            spreads[kind] = found[product_id]
    return spreads


__all__ = [
    "RFM_FIELDS",
    "RFM_SCHEMA",
    "SEGMENT_SCHEMA",
    "SegmentationPolicy",
    "Tier",
    "ValueSourceError",
    "load_segmentation_policy",
    "segment",
]
