"""R, F, M and tiers against implementations that share no code with the engine.

1. A plain pandas reading of DOMAIN §1, written from its words (not from rfm.py), on a
   generated tiny bank: every customer's R, F, M and tier must be equal.
2. The `lifetimes` package's `summary_data_from_transaction_data` on the transaction data
   it ships (its synthetic example set and the CDNOW sample of 1997–98 CD purchases).
   lifetimes counts differently, so the mapping is (freq = "D", one period per day):
   - lifetimes `recency` is the age of the customer at the last purchase (last − first
     purchase day) and `T` the age at the end of observation, so our R = T − recency;
   - lifetimes `frequency` counts *repeat purchase days* (distinct days − 1), so our F
     over a window spanning the whole history = frequency + 1 + the purchases that share
     a day with another purchase of the same customer;
   - lifetimes `monetary_value` is the mean per-day spend over the repeat days (the first
     day left out), so our M with measure transaction_amount over the whole history =
     the first day's spend + monetary_value × frequency (lifetimes uses floats: compared
     to a cent).
   lifetimes 0.11.3 (2020) is in the dev dependency group: it installs and runs on
   Python 3.12 with pandas 3 (its `lifetimes.datasets` loader needs setuptools'
   pkg_resources, so the shipped files are read directly; importing `lifetimes.utils`
   warns that a pandas option it sets is deprecated). Without it that part is skipped.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from rmperf.engine.lake import Lake
from rmperf.engine.policy import load_policy_text
from rmperf.engine.segmentation import segment
from rmperf.engine.segmentation.policy import RULES, SegmentationPolicy, load_segmentation_policy
from rmperf.synth import generate
from tests.lakebuilder import LakeBuilder

DEFAULT = load_segmentation_policy().policy
ASSETS = ("deposit", "wealth", "fund", "insurance")


# ---- 1. DOMAIN §1 in pandas ------------------------------------------------------------


def read(lake: Path, table: str) -> pd.DataFrame:
    """A table of a generated Parquet lake (one file or a folder of parts)."""
    single = lake / f"{table}.parquet"
    return pq.read_table(single if single.exists() else lake / table).to_pandas()


def domain_rfm(lake: Path, d: dt.date) -> pd.DataFrame:
    """R, F, M and tier per customer at `d`, by the words of DOMAIN §1."""
    customers = read(lake, "customers")
    customers = customers[customers["opened_on"] <= d]  # opened after D: not a customer
    txn = read(lake, "transactions")
    # A timestamp's business date is its calendar date in Asia/Shanghai.
    txn["day"] = txn["ts"].dt.tz_convert("Asia/Shanghai").dt.date
    txn = txn[txn["day"] <= d]  # transactions after D are ignored
    last = txn.groupby("customer_id")["day"].max()
    window = txn[txn["day"] >= d - dt.timedelta(days=89)]  # D − 89 … D
    freq = window.groupby("customer_id").size()
    # M: mean over the 3 calendar months ending with D's month of the month's summed
    # average daily balances in the asset categories; a month without rows counts 0.
    months = {f"{y:04d}-{m:02d}" for y, m in _three_months(d)}
    bal = read(lake, "balances")
    bal = bal[bal["category"].isin(ASSETS) & bal["month"].isin(months)]
    total = bal.groupby("customer_id")["avg_daily_balance"].agg(lambda s: sum(s, Decimal(0)))

    rows = []
    for cid, opened in zip(customers["customer_id"], customers["opened_on"], strict=True):
        r = (d - (last[cid] if cid in last.index else opened)).days
        f = int(freq.get(cid, 0))
        m = (Decimal(total.get(cid, Decimal(0))) / 3).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        rows.append({"customer_id": cid, "R": r, "F": f, "M": m, "tier": _tier(r, f, m)})
    return pd.DataFrame(rows).set_index("customer_id").sort_index()


def _three_months(d: dt.date) -> list[tuple[int, int]]:
    out = []
    y, m = d.year, d.month
    for _ in range(3):
        out.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def _tier(r: int, f: int, m: Decimal) -> str:
    # DOMAIN §1's table, boundaries inclusive, first match wins.
    if r <= 30 and f >= 5 and m >= 500_000:
        return "core"
    if r <= 60 and f >= 3 and m >= 200_000:
        return "potential"
    if r <= 90 and f >= 2 and m >= 50_000:
        return "basic"
    if r >= 180:
        return "sleeping"
    return "other"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("crosscheck") / "lake"
    generate("tiny", seed=3, out=out, start=dt.date(2024, 1, 1), end=dt.date(2026, 9, 30))
    return out


@pytest.mark.parametrize("d", [dt.date(2026, 9, 30), dt.date(2026, 3, 1), dt.date(2025, 12, 31)])
def test_pandas_from_the_domain_words_agrees(tiny: Path, d: dt.date) -> None:
    expected = domain_rfm(tiny, d)
    got = (
        segment(Lake(tiny, today=dt.date(2026, 10, 1)), as_of=d, policy=DEFAULT, with_tags=False)
        .to_pandas()
        .set_index("customer_id")
        .sort_index()
    )
    assert list(got.index) == list(expected.index)
    mismatches = [
        (cid, (e.R, e.F, e.M, e.tier), (g.recency_days, g.frequency, g.monetary, g.tier))
        for (cid, e), (_, g) in zip(expected.iterrows(), got.iterrows(), strict=True)
        if (e.R, e.F, e.M, e.tier) != (g.recency_days, g.frequency, g.monetary, g.tier)
    ]
    assert mismatches == []
    # The data exercises the rules: several tiers and customers on both sides of R 180.
    assert expected["tier"].nunique() >= 4


# ---- 2. lifetimes ---------------------------------------------------------------------

# Whole-history windows: F counts every transaction, M sums every amount.
WHOLE_HISTORY = load_policy_text(
    """
frequency_window_days: 3660
monetary: {measure: transaction_amount, window_days: 3660}
tiers:
  - {tier: sleeping, recency_min: 180}
""",
    SegmentationPolicy,
    rules=RULES,
).policy


def shipped(name: str) -> pd.DataFrame:
    """One of lifetimes' datasets as (customer_id, day, amount), amounts > 0 only."""
    path = resources.files("lifetimes") / "datasets" / name
    with resources.as_file(path) as p:
        if name == "CDNOW_master.txt":
            df = pd.read_csv(
                p, sep=r"\s+", header=0, names=["customer_id", "date", "cds", "amount"],
                dtype={"customer_id": str, "date": str, "amount": str},
            )  # fmt: skip
            df["day"] = pd.to_datetime(df["date"], format="%Y%m%d").dt.date
        else:  # example_transactions.csv: date, id; no amounts
            df = pd.read_csv(p, dtype={"id": str})
            df = df.rename(columns={"id": "customer_id"})
            df["day"] = pd.to_datetime(df["date"]).dt.date
            df["amount"] = "1.00"
    df["amount"] = df["amount"].map(Decimal)
    # The lake contract refuses amounts ≤ 0 (CDNOW has 80 purchases of $0.00).
    return df[df["amount"] > 0][["customer_id", "day", "amount"]].reset_index(drop=True)


def lake_of(df: pd.DataFrame, path: Path) -> Path:
    b = LakeBuilder()
    first = df.groupby("customer_id")["day"].min()
    for cid, opened in first.items():
        b.customer(
            f"L{cid}",
            rm=None,  # the base RMs were hired after these years
            opened_on=opened.isoformat(),
            risk_assessed_on=opened.isoformat(),
            contact_verified_on=opened.isoformat(),
        )
    for n, (cid, day, amount) in enumerate(df.itertuples(index=False)):
        # No offset: bank time, so the business date is the purchase date.
        b.txn(f"L{cid}", f"{day.isoformat()}T12:00:00", f"{amount:.2f}", txn_id=f"X{n}")
    return b.write(path)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("dataset", "end"),
    [("example_transactions.csv", dt.date(2014, 12, 31)), ("CDNOW_master.txt", dt.date(1998, 6, 30))],
)  # fmt: skip
def test_lifetimes_summary_maps_onto_ours(tmp_path: Path, dataset: str, end: dt.date) -> None:
    pytest.importorskip(
        "lifetimes",
        reason="lifetimes (dev dependency group) is not installed",
    )
    from lifetimes.utils import summary_data_from_transaction_data

    df = shipped(dataset)
    frame = df.assign(date=pd.to_datetime(df["day"]), value=df["amount"].astype(float))
    summary: Any = summary_data_from_transaction_data(
        frame, "customer_id", "date", monetary_value_col="value",
        observation_period_end=pd.Timestamp(end), freq="D",
    )  # fmt: skip
    lake = Lake(lake_of(df, tmp_path / "lake"), today=end + dt.timedelta(days=1))
    ours = segment(lake, as_of=end, policy=WHOLE_HISTORY, with_tags=False).to_pandas()
    ours["customer_id"] = ours["customer_id"].str.removeprefix("L")
    ours = ours.set_index("customer_id").sort_index()
    summary = summary.sort_index()
    assert list(ours.index) == [str(i) for i in summary.index]
    assert len(ours) > 1000

    # R = T − recency, for every customer.
    t_minus_recency = (summary["T"] - summary["recency"]).astype(int).to_numpy()
    assert (ours["recency_days"].to_numpy() == t_minus_recency).all()

    # F = repeat days + 1 + purchases sharing a day (counted here from the raw rows).
    per_day = df.groupby(["customer_id", "day"]).size()
    sharing = (per_day - 1).groupby(level="customer_id").sum().sort_index()
    expected_f = (summary["frequency"].astype(int) + 1).to_numpy() + sharing.to_numpy()
    assert (ours["frequency"].to_numpy() == expected_f).all()
    assert (sharing > 0).any()  # both sets have same-day purchases: the term matters

    # M = first day's spend + mean repeat-day spend × repeat days (lifetimes in floats).
    first_day = df.groupby("customer_id")["day"].transform("min") == df["day"]
    first_spend = df[first_day].groupby("customer_id")["amount"].sum().sort_index()
    repeat_spend = (summary["monetary_value"] * summary["frequency"]).to_numpy()
    total = first_spend.map(float).to_numpy() + repeat_spend
    assert abs(ours["monetary"].map(float).to_numpy() - total).max() < 0.005
