"""Tiers are a pure function of (R, F, M, policy), and better R/F/M never gives a worse tier.

Three properties, each with random valid policies (any subset and order of tier rules, any
bounds, any fallback, windows and month counts):
- the engine's tier CASE (rfm.tier_case compiled to DuckDB SQL, run over a table of
  (R, F, M) points) agrees with SegmentationPolicy.classify for every point;
- a lake built so that each customer has exactly a drawn (R, F, M) gives those R, F, M
  back from segment(), and the tier classify gives: nothing but R, F, M decides the tier;
- under the default policy, lowering R or raising F or M never moves a customer in an
  active tier (core, potential, basic) to a worse tier, nor anyone into `sleeping`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmperf.engine.lake import Lake
from rmperf.engine.segmentation import segment
from rmperf.engine.segmentation.policy import SegmentationPolicy, Tier, load_segmentation_policy
from rmperf.engine.segmentation.rfm import tier_case
from tests.lakebuilder import LakeBuilder

DEFAULT = load_segmentation_policy().policy
RANK = {Tier.CORE.value: 3, Tier.POTENTIAL.value: 2, Tier.BASIC.value: 1}

Point = tuple[int, int, int]  # R days, F count, M cents

# Values drawn near zero hit equal-to-threshold cases often; the wide range covers the rest.
recency = st.one_of(st.integers(0, 200), st.integers(0, 100_000))
frequency = st.one_of(st.integers(0, 12), st.integers(0, 10**6))
cents = st.one_of(st.integers(0, 600), st.integers(0, 10**14))
points = st.lists(st.tuples(recency, frequency, cents), min_size=1, max_size=40)


@st.composite
def policies(draw: st.DrawFn) -> SegmentationPolicy:
    fallback = draw(st.sampled_from(list(Tier)))
    named = draw(st.permutations([t for t in Tier if t != fallback]))
    rules = []
    # At least one rule: a policy with none is accepted but breaks the engine (see below).
    for tier in named[: draw(st.integers(1, len(named)))]:
        kinds = draw(
            st.sets(
                st.sampled_from(["recency_max", "recency_min", "frequency_min", "monetary_min"]),
                min_size=1,
            )
        )
        bounds: dict[str, Any] = {}
        for kind in sorted(kinds):
            if kind == "monetary_min":
                bounds[kind] = str(Decimal(draw(cents)).scaleb(-2))
            else:
                bounds[kind] = draw(frequency if kind == "frequency_min" else recency)
        rules.append({"tier": tier.value, **bounds})
    categories = draw(
        st.lists(
            st.sampled_from(["deposit", "wealth", "fund", "insurance"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    return SegmentationPolicy.model_validate(
        {
            "frequency_window_days": draw(st.integers(1, 200)),
            "monetary": {"months": draw(st.integers(1, 6)), "asset_categories": categories},
            "tiers": rules,
            "fallback": fallback.value,
        }
    )


POINTS = ibis.table(
    {"i": "int64", "recency_days": "int64", "frequency": "int64", "monetary_cents": "int64"},
    name="rfm_points",
)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def case_sql(policy: SegmentationPolicy) -> str:
    """The engine's tier CASE for `policy` over the table rfm_points, as DuckDB SQL."""
    sql: str = ibis.to_sql(POINTS.mutate(tier=tier_case(POINTS, policy)).order_by("i"), "duckdb")
    return sql


DEFAULT_SQL = case_sql(DEFAULT)


def engine_tiers(
    con: duckdb.DuckDBPyConnection, policy: SegmentationPolicy | str, pts: Sequence[Point]
) -> list[str]:
    """The tier of each point by the engine's own CASE expression, run in DuckDB."""
    rfm_points = pa.table(  # noqa: F841 - DuckDB reads the local by its name
        {
            "i": list(range(len(pts))),
            "recency_days": [p[0] for p in pts],
            "frequency": [p[1] for p in pts],
            "monetary_cents": [p[2] for p in pts],
        }
    )
    sql = policy if isinstance(policy, str) else case_sql(policy)
    return [str(t) for t in con.sql(sql).fetch_arrow_table()["tier"].to_pylist()]


def classify(policy: SegmentationPolicy, p: Point) -> str:
    return policy.classify(p[0], p[1], Decimal(p[2]).scaleb(-2)).value


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=policies(), pts=points)
def test_the_sql_case_is_classify(
    con: duckdb.DuckDBPyConnection, policy: SegmentationPolicy, pts: list[Point]
) -> None:
    assert engine_tiers(con, policy, pts) == [classify(policy, p) for p in pts]


def better(p: Point, dr: int, df: int, dm: int) -> Point:
    return (max(p[0] - dr, 0), p[1] + df, p[2] + dm)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pairs=st.lists(
        st.tuples(
            st.tuples(recency, frequency, cents),
            st.integers(0, 200),
            st.integers(0, 10),
            st.one_of(st.integers(0, 600), st.integers(0, 10**12)),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_better_rfm_never_gives_a_worse_tier(
    con: duckdb.DuckDBPyConnection, pairs: list[tuple[Point, int, int, int]]
) -> None:
    base = [p for p, *_ in pairs]
    improved = [better(p, dr, df, dm) for p, dr, df, dm in pairs]
    both = engine_tiers(con, DEFAULT_SQL, base + improved)
    before, after = both[: len(base)], both[len(base) :]
    for p, q, t, u in zip(base, improved, before, after, strict=True):
        if t in RANK:
            assert u in RANK and RANK[u] >= RANK[t], (p, q, t, u)
        if t != Tier.SLEEPING.value:
            assert u != Tier.SLEEPING.value, (p, q, t, u)


def test_monotonicity_at_the_default_boundaries(con: duckdb.DuckDBPyConnection) -> None:
    # One step across each default line, worked out by hand.
    pairs = {
        (31, 5, 50_000_000): "potential",  # R 31 → 30: core
        (30, 4, 50_000_000): "potential",  # F 4 → 5: core
        (30, 5, 49_999_999): "potential",  # M 499,999.99 → 500,000.00: core
        (61, 3, 20_000_000): "basic",  # R 61 → 60: potential
        (91, 2, 5_000_000): "other",  # R 91 → 90: basic
    }
    steps = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 0, 0), (1, 0, 0)]
    base = list(pairs)
    assert engine_tiers(con, DEFAULT, base) == list(pairs.values())
    stepped = [better(p, *s) for p, s in zip(base, steps, strict=True)]
    assert engine_tiers(con, DEFAULT, stepped) == ["core", "core", "core", "potential", "basic"]


D = dt.date(2026, 9, 30)


@st.composite
def lake_cases(draw: st.DrawFn) -> tuple[SegmentationPolicy, dt.date, list[Point]]:
    """A policy, an as-of date and customers whose R, F, M a lake can hold exactly."""
    policy = draw(policies())
    as_of = draw(st.dates(dt.date(2025, 1, 1), D))
    window = policy.frequency_window_days
    pts = []
    for _ in range(draw(st.integers(1, 30))):
        f = draw(st.integers(0, 6))
        # A transaction in the window makes R < window; with F = 0, R is anything.
        r = draw(st.integers(0, window - 1)) if f else draw(st.integers(0, 400))
        m = draw(st.one_of(st.integers(0, 600), st.integers(0, 10**11)))
        pts.append((r, f, m))
    return policy, as_of, pts


def build_lake(policy: SegmentationPolicy, as_of: dt.date, pts: Sequence[Point]) -> LakeBuilder:
    b = LakeBuilder()
    window = policy.frequency_window_days
    month = f"{as_of.year:04d}-{as_of.month:02d}"
    category = policy.monetary.asset_categories[0]
    for n, (r, f, m) in enumerate(pts):
        cid = f"C{n:03d}"
        last = as_of - dt.timedelta(days=r)
        if f == 0 and r < window:
            # No transaction at all: R counts from the opening day.
            b.customer(cid, opened_on=last.isoformat(), since=last.isoformat())
        else:
            b.customer(cid, opened_on="2020-01-01")
            for _ in range(max(f, 1)):  # F = 0 here means one transaction before the window
                b.txn(cid, f"{last.isoformat()}T12:00:00+08:00")
        if m:
            # The month's average times the month count: the mean over the months is m.
            total = Decimal(m * policy.monetary.months).scaleb(-2)
            b.balance(cid, month, category, str(total))
    return b


# Each example writes and validates a lake (about a second), so fewer, larger examples.
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=lake_cases())
def test_segment_gives_back_the_drawn_rfm_and_its_tier(
    case: tuple[SegmentationPolicy, dt.date, list[Point]],
) -> None:
    policy, as_of, pts = case
    with tempfile.TemporaryDirectory() as tmp:
        lake = Lake(
            build_lake(policy, as_of, pts).write(Path(tmp) / "lake"), today=dt.date(2026, 11, 23)
        )
        rows = segment(lake, as_of=as_of, policy=policy, with_tags=False).to_pylist()
    assert len(rows) == len(pts)
    for row, p in zip(rows, pts, strict=True):
        got = (row["recency_days"], row["frequency"], int(row["monetary"] * 100))
        assert got == p, row["customer_id"]
        assert row["tier"] == classify(policy, p), row["customer_id"]


def test_a_policy_without_rules_gives_everyone_the_fallback(
    con: duckdb.DuckDBPyConnection,
) -> None:
    policy = SegmentationPolicy.model_validate({"tiers": [], "fallback": "other"})
    assert engine_tiers(con, policy, [(0, 0, 0)]) == ["other"]
