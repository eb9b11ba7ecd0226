"""The Spark backend against a plain PySpark job doing the same work (bench/spark.md).

    .venv/bin/python bench/bench_spark.py --lake /work/lakes/medium --as-of 2026-09-30 \
        [--rounds 1] [--sides plain,cold,warm,tags_warm,duckdb]

Equal work: both sides read the lake's Parquet files and write, per customer opened on or
before D, customer_id, unit_id, rm_id, recency_days, frequency, monetary (decimal) and tier
under the shipped segmentation policy (segment(..., with_tags=False), RFM_SCHEMA), sorted
by customer_id. The plain job is hand-written Spark SQL that trusts the files (no
validation); the backend validates (`cold`: empty valid-row cache) or reads its cache
(`warm`). `tags_warm` is the whole `rmperf segment` table (24 columns, warm) and `duckdb`
the DuckDB backend (warm), for scale. Every side runs in its own process (its own JVM) in
the order given, round after round (interleaved). CPU is user+sys of the process and its
children (the JVM), read from /proc before the side exits; wall is the side's own clock
from before the session starts to the written result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIDES = ("plain", "cold", "warm", "tags_warm", "duckdb")


def tree_cpu() -> float:
    """user+sys seconds of this process and every live descendant (the JVM)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    me = os.getpid()
    total, todo = 0.0, [me]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(p for p, parent in parents.items() if parent == pid)
    return total


def plain_job(lake: Path, as_of: dt.date) -> object:
    """Hand-written Spark SQL: the R/F/M/tier columns from the raw files."""
    from pyspark.sql import SparkSession

    from rmperf.engine.backends.spark_backend import SESSION_CONFIG
    from rmperf.engine.segmentation.policy import load_segmentation_policy
    from rmperf.engine.segmentation.rfm import month_key, months_back

    builder = SparkSession.builder.master("local[2]").appName("plain")  # type: ignore[attr-defined]
    for key, value in SESSION_CONFIG.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    policy = load_segmentation_policy().policy
    tz = policy.time_zone
    for name in ("customers", "assignments"):
        spark.read.parquet(str(lake / f"{name}.parquet")).createOrReplaceTempView(name)
    for name in ("transactions", "balances"):
        spark.read.parquet(str(lake / name)).createOrReplaceTempView(name)

    def start(day: dt.date) -> str:
        return f"to_utc_timestamp(TIMESTAMP_NTZ'{day} 00:00:00', '{tz}')"

    f_start = as_of - dt.timedelta(days=policy.frequency_window_days - 1)
    m = policy.monetary
    cats = ", ".join(f"'{c}'" for c in m.asset_categories)
    tiers = " ".join(
        "WHEN "
        + " AND ".join(
            cond
            for cond in (
                f"recency_days <= {r.recency_max}" if r.recency_max is not None else "",
                f"recency_days >= {r.recency_min}" if r.recency_min is not None else "",
                f"frequency >= {r.frequency_min}" if r.frequency_min is not None else "",
                f"m_cents >= {int(r.monetary_min * 100)}" if r.monetary_min is not None else "",
            )
            if cond
        )
        + f" THEN '{r.tier.value}'"
        for r in policy.tiers
    )
    sql = f"""
    WITH t AS (
      SELECT customer_id, max(ts) AS last_ts,
             count_if(ts >= {start(f_start)}) AS frequency
      FROM transactions WHERE ts < {start(as_of + dt.timedelta(days=1))}
      GROUP BY customer_id),
    a AS (
      SELECT customer_id, sum(CAST(avg_daily_balance * 100 AS BIGINT)) AS aum_cents
      FROM balances
      WHERE category IN ({cats}) AND month >= '{months_back(as_of, m.months)}'
        AND month <= '{month_key(as_of)}'
      GROUP BY customer_id),
    r AS (
      SELECT customer_id, staff_id AS rm_id FROM (
        SELECT customer_id, staff_id, row_number() OVER (
          PARTITION BY customer_id ORDER BY valid_from DESC, staff_id) AS n
        FROM assignments
        WHERE valid_from <= DATE'{as_of}' AND (valid_to IS NULL OR valid_to >= DATE'{as_of}'))
      WHERE n = 1),
    j AS (
      SELECT c.customer_id, c.unit_id, r.rm_id,
        CAST(datediff(DATE'{as_of}', coalesce(to_date(from_utc_timestamp(t.last_ts, '{tz}')),
                                            c.opened_on)) AS BIGINT) AS recency_days,
        CAST(coalesce(t.frequency, 0) AS BIGINT) AS frequency,
        div(2 * coalesce(a.aum_cents, 0) + {m.months}, {2 * m.months}) AS m_cents
      FROM customers c LEFT JOIN t USING (customer_id) LEFT JOIN a USING (customer_id)
        LEFT JOIN r USING (customer_id)
      WHERE c.opened_on <= DATE'{as_of}')
    SELECT customer_id, unit_id, rm_id, recency_days, frequency,
           CAST(m_cents AS DECIMAL(20,0)) / 100 AS monetary,
           CASE {tiers} ELSE '{policy.fallback.value}' END AS tier
    FROM j ORDER BY customer_id
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    table = spark.sql(sql).toArrow()
    money = pc.cast(table["monetary"], pa.decimal128(18, 2))
    return table.set_column(table.schema.get_field_index("monetary"), "monetary", money)


def run_side(side: str, lake_dir: Path, as_of: dt.date, out: Path) -> None:
    began = time.perf_counter()
    import pyarrow.parquet as pq

    if side == "plain":
        table = plain_job(lake_dir, as_of)
    else:
        from rmperf.engine.lake import Lake
        from rmperf.engine.segmentation import segment
        from rmperf.engine.segmentation.policy import load_segmentation_policy

        policy = load_segmentation_policy().policy
        lake = Lake(lake_dir, today=as_of + dt.timedelta(days=1))
        backend = "duckdb" if side == "duckdb" else "spark"
        table = segment(
            lake, as_of=as_of, policy=policy, backend=backend, with_tags=side == "tags_warm"
        )
    pq.write_table(table, out)  # type: ignore[arg-type]
    wall = time.perf_counter() - began
    print(json.dumps({"side": side, "wall": wall, "cpu": tree_cpu(), "rows": table.num_rows}))  # type: ignore[attr-defined]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lake", type=Path, default=Path("/work/lakes/medium"))
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 9, 30))
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--sides", default=",".join(SIDES))
    ap.add_argument("--cache", type=Path, help="valid-row cache dir (default: a new temp dir)")
    ap.add_argument("--side", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        run_side(args.side, args.lake, args.as_of, args.out)
        return
    work = Path(tempfile.mkdtemp(prefix="bench-spark-"))
    cache = args.cache or work / "cache"
    print(f"# load average {os.getloadavg()}; lake {args.lake}; as of {args.as_of}")
    results: list[dict[str, object]] = []
    for rnd in range(args.rounds):
        for side in args.sides.split(","):
            side_cache = cache
            if side == "cold":
                side_cache = work / f"cold-{rnd}"  # empty: validates every table
            env = {**os.environ, "RMPERF_VALID_CACHE": str(side_cache)}
            out = work / f"{side}-{rnd}.parquet"
            argv = [sys.executable, __file__, "--side", side, "--lake", str(args.lake)]
            argv += ["--as-of", args.as_of.isoformat(), "--out", str(out)]
            load = os.getloadavg()[0]
            done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
            if done.returncode:
                print(done.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"{side} failed")
            line = json.loads(done.stdout.strip().splitlines()[-1])
            line.update(round=rnd, load=load)
            if side == "cold":  # the warm sides read what the cold run wrote
                for entry in side_cache.rglob("*.parquet"):
                    target = cache / entry.relative_to(side_cache)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if not target.exists():
                        os.link(entry, target)
            results.append(line)
            print(json.dumps(line), flush=True)
    import pyarrow.parquet as pq

    tables = {p.stem: pq.read_table(p) for p in work.glob("*.parquet") if "-" in p.stem}
    reference = tables.get("duckdb-0")
    for name, table in sorted(tables.items()):
        if reference is not None and not name.startswith("tags"):
            try:
                same = table.cast(reference.schema).equals(reference)
            except (ValueError, TypeError, NotImplementedError) as exc:
                same = f"not comparable ({exc})"  # type: ignore[assignment]
            print(f"# {name} equals duckdb (values, cast to its schema): {same}")
    print(f"# load average {os.getloadavg()}; outputs in {work}")


if __name__ == "__main__":
    main()
