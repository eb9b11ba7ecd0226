"""Customer segmentation: RFM tiers per customer at an as-of date (DOMAIN §1)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from rmperf.engine.backends import BackendName, attach_lake, open_backend
from rmperf.engine.ibis_tables import compile_sql
from rmperf.engine.lake import Lake
from rmperf.engine.segmentation.policy import SegmentationPolicy, Tier, load_segmentation_policy
from rmperf.engine.segmentation.rfm import RFM_TABLES, cents_to_money, rfm_expr

SEGMENT_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("unit_id", pa.string(), nullable=False),
        pa.field("rm_id", pa.string(), nullable=True),
        pa.field("recency_days", pa.int64(), nullable=False),
        pa.field("frequency", pa.int64(), nullable=False),
        pa.field("monetary", pa.decimal128(18, 2), nullable=False),
        pa.field("tier", pa.string(), nullable=False),
    ]
)


def segment(
    lake: Lake,
    *,
    as_of: dt.date,
    policy: SegmentationPolicy,
    backend: BackendName = "duckdb",
) -> pa.Table:
    """One row per customer opened on or before `as_of`: home branch, the RM in charge
    that day, R, F, M (exact) and the tier."""
    engine = open_backend(backend)
    try:
        attach_lake(engine, lake, list(RFM_TABLES))
        raw = engine.to_arrow(compile_sql(rfm_expr(backend, as_of=as_of, policy=policy), backend))
    finally:
        engine.close()
    return pa.table(
        {
            "customer_id": raw["customer_id"],
            "unit_id": raw["unit_id"],
            "rm_id": raw["rm_id"],
            "recency_days": raw["recency_days"],
            "frequency": raw["frequency"],
            "monetary": cents_to_money(raw["monetary_cents"]),
            "tier": raw["tier"],
        }
    ).cast(SEGMENT_SCHEMA)


__all__ = ["SEGMENT_SCHEMA", "SegmentationPolicy", "Tier", "load_segmentation_policy", "segment"]
