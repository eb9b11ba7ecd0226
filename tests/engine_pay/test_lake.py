"""`rmperf pay` on a hand-built lake: the file it writes, to the character, and bad input.

Lake (validation day 2026-11-30):
- RM1 (junior, hired 2020): L0 200,000.00 on 2026-01-10 (2026Q1, rated 称职, c 0.80):
  e = 200,000.00 × 15‱ × 0.80 = 240.00; D = 72.00 (24.00 × 3 due 2027Q1, 2028Q1, 2029Q1).
  L1 10,000,000.00 on 2026-07-15 and L2 500,000.00 on 2026-08-01 (2026Q3, 良好, c 1.00):
  L1 fills bracket 1: 15,000.00; L2 lies in bracket 2: 500,000.00 × 18‱ = 900.00.
  Loan pay 15,900.00; D = 4,770.00; I = 11,130.00.
  loan_status 2026-09: L0 200,000.00 substandard, L1 9,800,000.00 normal (L2 has no row):
  NPL = 200,000 / 10,000,000 = 2.00 % exactly → not held.
  L0 first substandard in 2026-09 (within 2026-03 + 36): cost 240.00 in 2026Q3, from the
  unreleased thirds of 2026Q1 (72.00) → malus 72.00, clawback −168.00.
  Base 3 × 2,300.00 = 6,900.00. Total 6,900.00 + 11,130.00 − 168.00 = 17,862.00.
  Balance: 2026Q3's 4,770.00 (2026Q1's thirds were taken).
- RM2 (senior) left on 2026-08-15: July 3,500.00; August 3,500.00 × 15 / 31 = 1,693.548…
  → 1,693.55; September none: base 5,193.55, no loans, no rating.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rmperf.cli import main
from rmperf.engine.pay.output import MONEY_COLUMNS
from tests.engine.conftest import spark  # noqa: F401 - the run's one Spark session
from tests.lakebuilder import LakeBuilder

COLUMNS = [
    "staff_id",
    "period",
    "rank",
    "rating",
    "coefficient",
    "npl_ratio",
    "base",
    "loan_pay",
    "excess_reward",
    "performance_pay",
    "deferred",
    "immediate",
    "held",
    "held_released",
    "deferral_released",
    "malus",
    "clawback",
    "total_paid",
    "deferral_balance",
]
RATINGS = "staff_id,period,tier,total\nRM1,2026Q1,competent,61.00\nRM1,2026Q3,good,80.00\n"


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = LakeBuilder()
    for row in b.tables["staff"]:
        if row["staff_id"] == "RM2":
            row["left_on"] = "2026-08-15"
    b.product("BL", "business_loan")
    b.customer("C1")
    b.loan("L0", "C1", "BL", "200000.00", "2026-01-10", "2028-01-10")
    b.loan("L1", "C1", "BL", "10000000.00", "2026-07-15", "2028-07-15")
    b.loan("L2", "C1", "BL", "500000.00", "2026-08-01", "2028-08-01")
    b.loan_status("L0", "2026-08", "200000.00", grade="special_mention", overdue="30")
    b.loan_status("L0", "2026-09", "200000.00", grade="substandard", overdue="95")
    b.loan_status("L1", "2026-09", "9800000.00")
    root = tmp_path_factory.mktemp("pay")
    b.write(root / "lake")
    (root / "ratings.csv").write_text(RATINGS, encoding="utf-8")
    return root


def _pay(root: Path, *extra: str, out: str = "out.csv") -> int:
    return main(
        [
            "pay",
            "--lake",
            str(root / "lake"),
            "--period",
            "2026Q3",
            "--today",
            "2026-11-30",
            "--out",
            str(root / out),
            *extra,
        ]
    )


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_statements_to_the_cent(lake: Path) -> None:
    lines = lake / "lines.csv"
    assert _pay(lake, "--ratings", str(lake / "ratings.csv"), "--lines", str(lines)) == 0
    with (lake / "out.csv").open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == COLUMNS
    rows = {r["staff_id"]: r for r in _rows(lake / "out.csv")}
    assert list(rows) == ["RM1", "RM2"]
    assert [rows["RM1"][c] for c in COLUMNS] == [
        "RM1",
        "2026Q3",
        "junior",
        "good",
        "1.00",
        "0.020000",
        "6900.00",
        "15900.00",
        "0.00",
        "15900.00",
        "4770.00",
        "11130.00",
        "0.00",
        "0.00",
        "0.00",
        "72.00",
        "-168.00",
        "17862.00",
        "4770.00",
    ]
    rm2 = rows["RM2"]
    assert (rm2["rating"], rm2["coefficient"], rm2["npl_ratio"]) == ("", "", "0.000000")
    assert (rm2["base"], rm2["total_paid"]) == ("5193.55", "5193.55")


def test_the_lines_explain_every_cent(lake: Path) -> None:
    lines = lake / "lines2.csv"
    assert _pay(lake, "--ratings", str(lake / "ratings.csv"), "--lines", str(lines)) == 0
    by_line: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    rows = _rows(lines)
    for r in rows:
        by_line[(r["staff_id"], r["line"])] += Decimal(r["amount"])
    for st in _rows(lake / "out.csv"):
        for col in MONEY_COLUMNS:
            if col in ("performance_pay", "total_paid"):
                continue
            assert by_line[(st["staff_id"], col)] == Decimal(st[col]), (st["staff_id"], col)
    loans = [(r["loan_id"], r["portions"], r["amount"]) for r in rows if r["line"] == "loan_pay"]
    assert loans == [
        ("L1", "10000000.00 × 15‱", "15000.00"),
        ("L2", "500000.00 × 18‱", "900.00"),
    ]
    malus = [
        (r["loan_id"], r["source_period"], r["part"], r["amount"])
        for r in rows
        if r["line"] == "malus"
    ]
    assert malus == [
        ("L0", "2026Q1", "1", "24.00"),
        ("L0", "2026Q1", "2", "24.00"),
        ("L0", "2026Q1", "3", "24.00"),
    ]


def test_parquet_output(lake: Path) -> None:
    assert _pay(lake, "--ratings", str(lake / "ratings.csv"), out="out.parquet") == 0
    table = pq.read_table(lake / "out.parquet")
    assert table.column_names == COLUMNS
    assert table.column("total_paid").to_pylist() == [Decimal("17862.00"), Decimal("5193.55")]


def test_without_a_ratings_file_it_scores_the_quarters(lake: Path) -> None:
    assert _pay(lake, out="scored.csv") == 0
    assert (
        main(
            [
                "score",
                "--lake",
                str(lake / "lake"),
                "--period",
                "2026Q3",
                "--today",
                "2026-11-30",
                "--out",
                str(lake / "score.csv"),
            ]
        )
        == 0
    )
    tiers = {r["staff_id"]: r["tier"] for r in _rows(lake / "score.csv")}
    rows = {r["staff_id"]: r for r in _rows(lake / "scored.csv")}
    assert rows["RM1"]["rating"] == tiers["RM1"]


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        (RATINGS + "RM2,2026Q3,excellent\n", "bad.csv:4: error [ratings.tier]"),
        (RATINGS + "RM1,2026Q3,competent\n", "bad.csv:4: error [ratings.unique]"),
        ("staff_id,period\nRM1,2026Q3\n", "bad.csv:1: error [ratings.columns]"),
        (RATINGS + "RM2,2026-09,good\n", "bad.csv:4: error [ratings.period]"),
        ("staff_id,period,tier\nRM1,2026Q3,good\n", "RM1 in 2026Q1"),
    ],
)
def test_bad_ratings_write_nothing(
    lake: Path, ratings: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (lake / "bad.csv").write_text(ratings, encoding="utf-8")
    out = lake / "nothing.csv"
    assert _pay(lake, "--ratings", str(lake / "bad.csv"), out="nothing.csv") == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_concatenated_score_files_are_read(lake: Path) -> None:
    text = RATINGS + "staff_id,period,tier,total\nRM2,2026Q3,good,80.00\n"
    (lake / "cat.csv").write_text(text, encoding="utf-8")
    assert _pay(lake, "--ratings", str(lake / "cat.csv"), out="cat_out.csv") == 0
    rows = {r["staff_id"]: r for r in _rows(lake / "cat_out.csv")}
    assert rows["RM2"]["rating"] == "good"


def test_period_must_be_a_quarter(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pay", "--lake", str(lake / "lake"), "--period", "2026-09", "--out", "x.csv"]) == 2
    assert "is not a quarter" in capsys.readouterr().err


def test_a_bad_plan_writes_nothing(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = lake / "plan.yaml"
    from importlib import resources

    text = resources.files("rmperf.policies").joinpath("defaults", "pay.yaml").read_text("utf-8")
    plan.write_text(text.replace('{rate: "20"}', '{rate: "-20"}'), encoding="utf-8")
    assert _pay(lake, "--plan", str(plan), "--ratings", str(lake / "ratings.csv"), out="p.csv") == 2
    err = capsys.readouterr().err
    assert f"{plan}:" in err and "[rate_non_negative]" in err
    assert not (lake / "p.csv").exists()


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
def test_spark_reads_the_same_statements(lake: Path, spark: object) -> None:  # noqa: F811
    ratings = str(lake / "ratings.csv")
    assert _pay(lake, "--ratings", ratings, out="duck.csv") == 0
    assert _pay(lake, "--ratings", ratings, "--engine", "spark", out="spark.csv") == 0
    duck = (lake / "duck.csv").read_text(encoding="utf-8")
    assert duck == (lake / "spark.csv").read_text(encoding="utf-8")
