"""`rmperf score` keeps the compiled SQL of the indicator library (rmperf.engine.sql_cache):
a warm run imports no Ibis, a kept entry is what runs, and any changed input (period,
parameters, indicators, the lake's rates and months) is a new key, never a stale SQL."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.engine.indicators import DEFAULT_PARAMS, compute_indicators, indicator_rows
from rmperf.engine.indicators.context import Context
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.sql_cache import entry_key
from tests.engine_indicators import bank

Q3 = Period.parse("2026Q3")

PROBE = """
import json, sys
from rmperf.cli import main
status = main(sys.argv[1:])
heavy = ("ibis", "pandas", "django", "sqlglot")
print(json.dumps({"status": status, "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def run_cli(*args: str, cache: Path) -> dict[str, object]:
    env = {**os.environ, "RMPERF_VALID_CACHE": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def lake_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bank.write(tmp_path_factory.mktemp("bank"))


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    """A fresh valid-row (and so SQL) cache directory for the test."""
    old = os.environ.get("RMPERF_VALID_CACHE")
    os.environ["RMPERF_VALID_CACHE"] = str(tmp_path / "cache")
    try:
        yield tmp_path / "cache"
    finally:
        if old is None:
            del os.environ["RMPERF_VALID_CACHE"]
        else:
            os.environ["RMPERF_VALID_CACHE"] = old


def uncached(lake: Lake, **kwargs: object) -> object:
    """compute_indicators with no cache at all: every SQL compiled now."""
    old = os.environ.get("RMPERF_VALID_CACHE")
    os.environ["RMPERF_VALID_CACHE"] = "off"
    try:
        return compute_indicators(lake, **kwargs)  # type: ignore[arg-type]
    finally:
        if old is None:
            del os.environ["RMPERF_VALID_CACHE"]
        else:
            os.environ["RMPERF_VALID_CACHE"] = old


def entries(cache: Path, prefix: str = "ind-") -> set[str]:
    return {p.name for p in cache.glob(f"*/sql/{prefix}*.sql")}


def test_a_warm_score_imports_no_ibis_pandas_or_django(lake_path: Path, tmp_path: Path) -> None:
    args = ["score", "--lake", str(lake_path), "--period", "2026Q3"]
    args += ["--today", bank.TODAY.isoformat()]
    cache = tmp_path / "cache"
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    first = run_cli(*args, "--out", str(a), "--lines", str(tmp_path / "a-l.csv"), cache=cache)
    second = run_cli(*args, "--out", str(b), "--lines", str(tmp_path / "b-l.csv"), cache=cache)
    assert first["status"] == second["status"] == 0
    # The first run compiles (Ibis, sqlglot); the second runs the kept SQL.
    assert first["loaded"] == ["ibis", "sqlglot"]
    assert second["loaded"] == []
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a-l.csv").read_bytes() == (tmp_path / "b-l.csv").read_bytes()
    assert entries(cache, "ind-values-")


def test_a_kept_sql_is_what_runs(lake_path: Path, cache: Path) -> None:
    lake = Lake(lake_path, bank.TODAY)
    first = compute_indicators(lake, period=Q3, indicators=["new_loans", "nps"])
    (entry,) = cache.glob("*/sql/ind-values-new_loans-*.sql")
    # A kept entry is run as it is: a marker in it shows it was read, not compiled again.
    entry.write_text(entry.read_text() + "\n-- kept\n")
    assert compute_indicators(lake, period=Q3, indicators=["new_loans", "nps"]).equals(first)
    assert entry.read_text().endswith("-- kept\n")
    assert first.equals(uncached(lake, period=Q3, indicators=["new_loans", "nps"]))


def test_changed_parameters_or_period_compile_again(lake_path: Path, cache: Path) -> None:
    lake = Lake(lake_path, bank.TODAY)
    wanted = ["new_valid_customers", "sleeping_wakeup_rate", "hnw_retention", "eva"]
    compute_indicators(lake, period=Q3, indicators=wanted)
    before = entries(cache)
    # A threshold the SQL spells out: a new key, and the value follows the new threshold.
    params = dataclasses.replace(DEFAULT_PARAMS, hnw_min_aum=Decimal("100.00"), sleeping_days=30)
    got = compute_indicators(lake, period=Q3, indicators=wanted, params=params)
    after = entries(cache)
    assert len([n for n in after - before if n.startswith("ind-values-")]) == len(wanted)
    assert any(n.startswith("ind-stage-transactions-") for n in after - before)
    assert got.equals(uncached(lake, period=Q3, indicators=wanted, params=params))
    # Another period: new keys again, and the values of that period.
    month = Period.parse("2026-08")
    got = compute_indicators(lake, period=month, indicators=wanted)
    assert len(entries(cache, "ind-values-")) == 3 * len(wanted)
    assert got.equals(uncached(lake, period=month, indicators=wanted))


def test_the_rows_behind_a_value_use_the_cache_too(lake_path: Path, cache: Path) -> None:
    lake = Lake(lake_path, bank.TODAY)
    first = indicator_rows(lake, period=Q3, staff_id="RM1", indicator="deposit_avg_growth")
    assert len(entries(cache, "ind-rows-deposit_avg_growth-")) == 1
    again = indicator_rows(lake, period=Q3, staff_id="RM1", indicator="deposit_avg_growth")
    assert again.equals(first)
    other = indicator_rows(lake, period=Q3, staff_id="RM2", indicator="deposit_avg_growth")
    assert len(entries(cache, "ind-rows-deposit_avg_growth-")) == 2  # the staff is in the key
    assert set(other.column("staff_id").to_pylist()) <= {"RM2"}


def test_the_key_of_an_indicator_changes_with_every_part_of_its_context() -> None:
    ctx = Context(
        backend="duckdb",
        period=Q3,
        time_zone="Asia/Shanghai",
        params=DEFAULT_PARAMS,
        last_balance_month="2026-09",
        last_loan_month="2026-09",
        rates={"P1": Decimal("0.015000")},
        categories={"P1": "wealth"},
    )
    pd = {**DEFAULT_PARAMS.pd_by_grade, "loss": Decimal("0.90")}
    variants = [
        ctx,
        dataclasses.replace(ctx, backend="spark"),
        dataclasses.replace(ctx, period=Period.parse("2026Q2")),
        dataclasses.replace(ctx, period=Period.parse("2026")),
        dataclasses.replace(ctx, time_zone="UTC"),
        dataclasses.replace(ctx, params=dataclasses.replace(DEFAULT_PARAMS, sleeping_days=90)),
        dataclasses.replace(ctx, params=dataclasses.replace(DEFAULT_PARAMS, pd_by_grade=pd)),
        dataclasses.replace(ctx, last_balance_month="2026-08"),
        dataclasses.replace(ctx, last_balance_month=None),
        dataclasses.replace(ctx, last_loan_month="2026-07"),
        dataclasses.replace(ctx, rates={"P1": Decimal("0.016000")}),
        dataclasses.replace(ctx, categories={"P1": "fund"}),
    ]
    keys = {entry_key("ind-values-eva", {"indicator": "eva", "context": c.key()}) for c in variants}
    assert len(keys) == len(variants)
    other = entry_key("ind-values-raroc", {"indicator": "raroc", "context": ctx.key()})
    assert other not in keys
