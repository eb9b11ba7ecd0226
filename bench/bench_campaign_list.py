"""Benchmark a campaign's list (`engine.recommend.campaign.campaign_list`): every customer
of a generated bank, one R3 product, through the suitability gate.

    .venv/bin/python bench/bench_campaign_list.py --lake /tmp/campaigns_small [--runs 3]

The lake is made with `rmperf generate --scale small --seed 7 --out DIR`. Wall time of each
run in this process (the first run includes DuckDB's cold start); bench/campaign_list.md
quotes the output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import time
from pathlib import Path

from rmperf.engine.lake import Lake
from rmperf.engine.recommend.campaign import campaign_list
from rmperf.engine.recommend.policy import load_recommend_policy


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 9, 30))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    policy = load_recommend_policy().policy
    lake = Lake(args.lake, today=dt.date(2026, 11, 23))
    ids = [r["customer_id"] for r in lake.valid_rows("customers").to_pylist()]
    product = next(
        p["product_id"] for p in lake.valid_rows("products").to_pylist() if p["risk_level"] == "R3"
    )
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        out = campaign_list(
            lake, as_of=args.as_of, policy=policy, product_id=product, customer_ids=ids
        )
        times.append(time.perf_counter() - start)
    print(f"machine: {platform.machine()} {platform.system()}, python {platform.python_version()}")
    print(f"customers {len(ids):,}, product {product}: targets {len(out.targets):,}, "
          f"blocked {len(out.blocked):,}, not in lake {len(out.unknown):,}")  # fmt: skip
    print(
        f"runs (s): {', '.join(f'{t:.2f}' for t in times)}; median {statistics.median(times):.2f}"
    )


if __name__ == "__main__":
    main()
