"""Customer segmentation: RFM tiers per customer at an as-of date (DOMAIN §1), with the
tags beside them (holdings, risk, behaviour and life events) and the value estimate."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from rmperf.engine.backends import BackendName, attach_lake, open_backend
from rmperf.engine.ibis_tables import compile_sql
from rmperf.engine.lake import Lake
from rmperf.engine.segmentation.finish import finish
from rmperf.engine.segmentation.policy import SegmentationPolicy, Tier, load_segmentation_policy
from rmperf.engine.segmentation.rfm import RFM_TABLES, rfm_counting_expr, rfm_expr
from rmperf.engine.segmentation.tags import HOLDS_COLUMNS, TAG_TABLES, profile_expr
from rmperf.engine.segmentation.value import (
    VALUE_TABLES,
    resolve_spreads,
    settlement_since,
    value_parts_expr,
)

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
    try:
        if with_tags:
            attach_lake(engine, lake, sorted({*RFM_TABLES, *TAG_TABLES, *VALUE_TABLES}))
            spreads = resolve_spreads(engine, backend, policy)
            profile = profile_expr(backend, as_of=as_of, policy=policy)
            # The settlement count comes from the R/F/M pass over the transactions.
            parts = value_parts_expr(
                backend, as_of=as_of, policy=policy, spreads=spreads, with_settlement=False
            )
            since = settlement_since(as_of, policy)
            expr = (
                rfm_counting_expr(backend, as_of=as_of, policy=policy, count_since=since)
                .inner_join(profile, "customer_id")
                .inner_join(parts, "customer_id")
                .order_by("customer_id")
            )
        else:
            attach_lake(engine, lake, list(RFM_TABLES))
            expr = rfm_expr(backend, as_of=as_of, policy=policy)
        raw = engine.to_arrow(compile_sql(expr, backend))
    finally:
        engine.close()
    # Money, tags and the contribution: one vectorised, exact pass (finish.py).
    return finish(
        raw, policy, with_tags=with_tags, schema=SEGMENT_SCHEMA if with_tags else RFM_SCHEMA
    )


__all__ = [
    "RFM_FIELDS",
    "RFM_SCHEMA",
    "SEGMENT_SCHEMA",
    "SegmentationPolicy",
    "Tier",
    "load_segmentation_policy",
    "segment",
]
