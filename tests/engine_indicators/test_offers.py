"""Golden tests of the offers indicators on a hand-built lake and offers file.

Period 2026Q3 (1 July – 30 September), bank time Asia/Shanghai (UTC+8). Window 60
days for purchases, 30 days for complaints, both ends included.

Lake (RM1 looks after A–E, RM2 after F; products WM wealth, FD fund, INS insurance,
CARD credit card):
- holdings: A WM 20,000 from 2026-06-01 (before any offer); A WM 100,000 from 07-10;
  B FD 50,000 from 08-30; B WM 30,000 from 07-02; C INS 10,000 from 10-01;
  D CARD 0 from 09-12; E WM 80,000 from 07-15.
- events: A `complaint.mis_selling` 08-02 01:00 Shanghai; B `complaint` 2026-07-31T16:30Z
  (08-01 00:30 in Shanghai); C `complaint` 07-30; D `inquiry.wealth` 09-11.

Offers (offering RM, customer, product, when → what happens):
- O1 RM1 A WM 07-03 accepted: A's WM from 07-10 (7 days) converts it.
- O2 RM1 B FD 2026-06-30T23:30Z = 07-01 07:30 Shanghai (in Q3) declined: B's FD from
  08-30 is 60 days later, the window's last day: converts.
- O3 RM1 C INS 08-01 accepted: C's INS from 10-01 is 61 days later: not converted.
- O4 RM1 D CARD 09-10 accepted: D's CARD from 09-12 converts (not a wealth sale).
- O5 RM1 A WM 07-05: A's WM from 07-10 converts it too (sold once, to O1).
- O6 RM1 E WM 2026-05-20 (Q2): E's WM from 07-15 (56 days) is a Q3 sale for RM1.
- O7 RM2 B WM 07-02 (B is RM1's customer; the offering RM is credited): B's WM from
  07-02 (same day) converts.
- O8 RM2 F FD 09-20: nothing bought.
- O9 RM2 A WM 07-04: A's WM from 07-10 converts it; the sale is O1's (earlier).
- O10 RM1 D FD 2026-09-30T16:30Z = 10-01 Shanghai: not in Q3.

Complaints within 30 days of the offer day:
- A's on 08-02: O1 (07-03, 30 days: included), O5 (28), O9 (29).
- B's on 08-01 (Shanghai): O2 (07-01, 31 days: out; in UTC it would be 07-31, in),
  O7 (07-02, 30 days: in).
- C's on 07-30 is before O3.

RM1 (Q3 offers O1–O5): converted O1, O2, O4, O5 → 4/5; complaints O1, O5 → 2/5;
wealth sales A 100,000 (O1) + B 50,000 (O2) + E 80,000 (O6) = 230,000.
RM2 (O7, O8, O9): converted O7, O9 → 2/3; complaints O7, O9 → 2/3; sales B 30,000 (O7).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from rmperf.engine.indicators import compute_indicators, indicator_rows
from rmperf.engine.indicators.offers import (
    Offer,
    Offers,
    OffersError,
    load_offers,
    write_offers,
)
from rmperf.engine.indicators.params import IndicatorParams
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from tests.lakebuilder import LakeBuilder

Q3 = Period.parse("2026Q3")
TODAY = dt.date(2026, 11, 23)
IDS = ["offer_conversion_rate", "offer_wealth_sales", "offer_complaint_rate"]

HEADER = "offer_id,staff_id,customer_id,product_id,offered_at,outcome,campaign_id\n"
ROWS = """\
O1,RM1,A,WM,2026-07-03T10:00:00+08:00,accepted,
O2,RM1,B,FD,2026-06-30T23:30:00Z,declined,7
O3,RM1,C,INS,2026-08-01T09:00:00+08:00,accepted,
O4,RM1,D,CARD,2026-09-10T15:00:00+08:00,accepted,
O5,RM1,A,WM,2026-07-05T10:00:00+08:00,offered,
O6,RM1,E,WM,2026-05-20T10:00:00+08:00,accepted,
O7,RM2,B,WM,2026-07-02T09:00:00+08:00,accepted,7
O8,RM2,F,FD,2026-09-20T09:00:00+08:00,no_answer,
O9,RM2,A,WM,2026-07-04T09:00:00+08:00,declined,
O10,RM1,D,FD,2026-09-30T16:30:00Z,offered,
"""


def build() -> LakeBuilder:
    b = LakeBuilder()
    b.product("WM", "wealth", risk_level="R2").product("FD", "fund").product("INS", "insurance")
    b.product("CARD", "credit_card", "0")
    for c in "ABCDE":
        b.customer(c)
    b.customer("F", rm="RM2")
    b.holding("A", "WM", "20000.00", "2026-06-01")
    b.holding("A", "WM", "100000.00", "2026-07-10")
    b.holding("B", "FD", "50000.00", "2026-08-30")
    b.holding("B", "WM", "30000.00", "2026-07-02")
    b.holding("C", "INS", "10000.00", "2026-10-01")
    b.holding("D", "CARD", "0.00", "2026-09-12")
    b.holding("E", "WM", "80000.00", "2026-07-15")
    b.event("A", "2026-08-02T01:00:00+08:00", "complaint.mis_selling")
    b.event("B", "2026-07-31T16:30:00Z", "complaint")
    b.event("C", "2026-07-30T10:00:00+08:00", "complaint")
    b.event("D", "2026-09-11T10:00:00+08:00", "inquiry.wealth")
    return b


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    return Lake(build().write(tmp_path_factory.mktemp("lake")), TODAY)


@pytest.fixture(scope="module")
def offers_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("offers") / "offers.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def offers(offers_csv: Path) -> Offers:
    return load_offers(offers_csv)


def _values(table: pa.Table) -> dict[tuple[str, str], Decimal | None]:
    return {(r["staff_id"], r["indicator"]): r["value"] for r in table.to_pylist()}


EXPECTED = {
    ("RM1", "offer_conversion_rate"): Decimal("0.800000"),  # 4 / 5
    ("RM1", "offer_wealth_sales"): Decimal("230000.000000"),
    ("RM1", "offer_complaint_rate"): Decimal("0.400000"),  # 2 / 5
    ("RM2", "offer_conversion_rate"): Decimal("0.666667"),  # 2 / 3, half up
    ("RM2", "offer_wealth_sales"): Decimal("30000.000000"),
    ("RM2", "offer_complaint_rate"): Decimal("0.666667"),
}


def test_values_match_the_hand_computation(lake: Lake, offers: Offers) -> None:
    got = compute_indicators(lake, period=Q3, indicators=IDS, offers=offers)
    assert _values(got) == EXPECTED
    by = {(r["staff_id"], r["indicator"]): r for r in got.to_pylist()}
    assert (
        by[("RM1", "offer_conversion_rate")]["numerator"],
        by[("RM1", "offer_conversion_rate")]["denominator"],
    ) == (4, 5)
    assert (
        by[("RM2", "offer_complaint_rate")]["numerator"],
        by[("RM2", "offer_complaint_rate")]["denominator"],
    ) == (2, 3)


def test_parquet_written_by_the_app_gives_the_same(
    lake: Lake, offers: Offers, tmp_path: Path
) -> None:
    path = write_offers(offers.rows, tmp_path / "offers.parquet")
    again = load_offers(path)
    assert again.digest == offers.digest
    assert again.rows[0].offered_at.tzinfo is not None
    got = compute_indicators(lake, period=Q3, indicators=IDS, offers=again)
    assert _values(got) == EXPECTED


def test_no_offers_in_the_period(lake: Lake, offers: Offers) -> None:
    got = _values(
        compute_indicators(lake, period=Period.parse("2026Q1"), indicators=IDS, offers=offers)
    )
    assert got[("RM1", "offer_conversion_rate")] is None  # 0 / 0: undefined
    assert got[("RM1", "offer_complaint_rate")] is None
    assert got[("RM1", "offer_wealth_sales")] == 0


def test_windows_are_parameters(lake: Lake, offers: Offers) -> None:
    # A 61-day window also converts O3 (C's INS from 10-01): RM1 5 / 5; a 31-day
    # complaint window also catches B's complaint for O2: RM1 3 / 5.
    params = IndicatorParams(offer_window_days=61, offer_complaint_days=31)
    got = _values(compute_indicators(lake, period=Q3, indicators=IDS, offers=offers, params=params))
    assert got[("RM1", "offer_conversion_rate")] == Decimal(1)
    assert got[("RM1", "offer_complaint_rate")] == Decimal("0.6")


def test_drill_down_names_the_offers_and_purchases(lake: Lake, offers: Offers) -> None:
    conv = indicator_rows(
        lake, period=Q3, staff_id="RM1", indicator="offer_conversion_rate", offers=offers
    ).to_pylist()
    assert [r["ref_id"] for r in conv] == ["O2", "O1", "O5", "O3", "O4"]  # by day
    o2 = conv[0]
    assert (o2["source"], o2["customer_id"], o2["day"]) == ("offers", "B", "2026-07-01")
    assert (o2["numerator"], o2["denominator"], o2["flag"]) == (1, 1, "purchased")
    assert o2["note"] == "product FD, logged declined, bought 2026-08-30"
    assert conv[3]["note"] == "product INS, logged accepted, not bought"
    assert conv[3]["flag"] is None
    sales = indicator_rows(
        lake, period=Q3, staff_id="RM1", indicator="offer_wealth_sales", offers=offers
    ).to_pylist()
    assert [(r["customer_id"], r["ref_id"], r["day"], r["contribution"]) for r in sales] == [
        ("A", "WM", "2026-07-10", Decimal("100000")),
        ("E", "WM", "2026-07-15", Decimal("80000")),
        ("B", "FD", "2026-08-30", Decimal("50000")),
    ]
    assert sales[0]["note"] == "offer O1 on 2026-07-03, logged accepted"
    complaints = indicator_rows(
        lake, period=Q3, staff_id="RM2", indicator="offer_complaint_rate", offers=offers
    ).to_pylist()
    flagged = {r["ref_id"]: r["note"] for r in complaints if r["flag"] == "complaint"}
    assert flagged == {
        "O7": "product WM, logged accepted, 1 complaint(s) from 2026-08-01",
        "O9": "product WM, logged declined, 1 complaint(s) from 2026-08-02",
    }


def test_the_offers_indicators_need_the_offers(lake: Lake) -> None:
    with pytest.raises(OffersError, match="offer_conversion_rate need the offers input"):
        compute_indicators(lake, period=Q3, indicators=["offer_conversion_rate"])
    # The whole library without offers leaves them out (nothing to compute them from).
    every = compute_indicators(lake, period=Q3)
    assert not {i for i in every.column("indicator").to_pylist() if i.startswith("offer_")}


def test_offers_the_lake_does_not_know_are_refused(lake: Lake, tmp_path: Path) -> None:
    path = tmp_path / "offers.csv"
    path.write_text(
        HEADER
        + "X1,RM9,A,WM,2026-07-03T10:00:00+08:00,accepted,\n"
        + "X2,RM1,A,NOPE,2026-07-03T10:00:00+08:00,accepted,\n",
        encoding="utf-8",
    )
    with pytest.raises(OffersError) as info:
        compute_indicators(lake, period=Q3, indicators=IDS, offers=load_offers(path))
    assert "offer X1: staff_id 'RM9' is not in the lake" in str(info.value)
    assert "offer X2: product_id 'NOPE' is not in the lake" in str(info.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            HEADER + "O1,RM1,A,WM,2026-07-03T10:00:00,accepted,\n",
            "row 2: offered_at: no UTC offset",
        ),
        (HEADER + "O1,RM1,A,WM,2026-07-03T10:00:00Z,sold,\n", "outcome 'sold' is not one of"),
        (
            HEADER
            + "O1,RM1,A,WM,2026-07-03T10:00:00Z,accepted,\nO1,RM1,B,WM,2026-07-03T10:00:00Z,accepted,\n",
            "row 3: offer_id 'O1' repeats row 2",
        ),
        (HEADER + "O1,,A,WM,2026-07-03T10:00:00Z,accepted,\n", "row 2: staff_id is empty"),
        (HEADER + "O1,RM1,A,WM,yesterday,accepted,\n", "not an ISO 8601 timestamp"),
        ("offer_id,staff_id,customer_id,product_id,outcome\n", "missing column(s) offered_at"),
        (HEADER.replace("\n", ",amount\n"), "unknown column(s) amount"),
    ],
)
def test_bad_offers_files_are_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "offers.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OffersError) as info:
        load_offers(path)
    assert problem in str(info.value)
    assert str(path) in str(info.value)


def test_naive_parquet_timestamps_are_refused(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "offers.parquet"
    table = pa.table(
        {
            "offer_id": ["O1"],
            "staff_id": ["RM1"],
            "customer_id": ["A"],
            "product_id": ["WM"],
            "offered_at": pa.array([dt.datetime(2026, 7, 3, 10)], pa.timestamp("us")),  # noqa: DTZ001
            "outcome": ["accepted"],
        }
    )
    pq.write_table(table, path)
    with pytest.raises(OffersError, match="without a time zone"):
        load_offers(path)


def test_digest_ignores_order_and_zone() -> None:
    at = dt.datetime(2026, 7, 3, 2, tzinfo=dt.UTC)
    one = Offer("O1", "RM1", "A", "WM", at, "accepted")
    two = Offer("O2", "RM1", "B", "WM", at, "offered", "7")
    shifted = Offer(
        "O1", "RM1", "A", "WM", at.astimezone(dt.timezone(dt.timedelta(hours=8))), "accepted"
    )
    assert Offers((one, two), "a").digest == Offers((two, shifted), "b").digest
    assert Offers((one,), "a").digest != Offers((two,), "a").digest


@pytest.mark.spark
def test_spark_matches_duckdb(spark: object, lake: Lake, offers: Offers) -> None:
    on_spark = compute_indicators(lake, period=Q3, indicators=IDS, offers=offers, backend="spark")
    assert _values(on_spark) == EXPECTED


CARD = Path(__file__).resolve().parents[2] / "docs" / "examples" / "retail_marketing.yaml"


def test_cli_score_and_explain_with_offers(
    lake: Lake, offers_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rmperf.cli import main

    base = ["--lake", str(lake.path), "--period", "2026Q3", "--scorecard", str(CARD)]
    base += ["--today", "2026-11-23"]
    lines = tmp_path / "lines.csv"
    out = tmp_path / "totals.csv"
    argv = ["score", *base, "--offers", str(offers_csv), "--out", str(out), "--lines", str(lines)]
    assert main(argv) == 0
    import pyarrow.csv as pa_csv

    got = {
        (r["staff_id"], r["indicator"]): r["value"]
        for r in pa_csv.read_csv(lines).to_pylist()
        if str(r["indicator"]).startswith("offer_")
    }
    assert got[("RM1", "offer_conversion_rate")] == 0.8
    assert got[("RM1", "offer_wealth_sales")] == 230000
    assert got[("RM2", "offer_complaint_rate")] == pytest.approx(0.666667)
    capsys.readouterr()
    explain = ["explain", *base, "--offers", str(offers_csv), "--staff", "RM1", "--top", "5"]
    assert main(explain) == 0
    text = capsys.readouterr().out
    assert "offer_conversion_rate" in text
    assert "product FD, logged declined, bought 2026-08-30" in text
    # Without the offers the card cannot be scored, and says why.
    assert main(["score", *base, "--out", str(out)]) == 2
    assert "need the offers input" in capsys.readouterr().err
