"""Scoring a hand-built lake: a customer reassigned mid-quarter to an RM who joined mid-quarter.

Q3 2026 has 92 days. Customer C1 (deposits: April–June 100,000.00 a day, July–September
400,000.00 a day) is RM1's until 2026-08-15 and RM2's from 2026-08-16; RM2 was hired on
2026-08-16. Crediting is by days (docs/indicators.md): each RM holds C1 for 46 days, so
each is credited 400,000 × 46 / 92 = 200,000 of average deposits, less half the base
(100,000 × 46 / 92 = 50,000): deposit_avg_growth = 150,000 each.

Card: deposit growth 80 (annual target 1,200,000 → Q3 300,000), complaints 20.
- RM1: 150,000 / 300,000 = 0.5 → 40.00; no complaints → 20.00; total 60.00, competent.
- RM2 joined for 46 of 92 days (factor 0.5000): target 150,000.00, completion 1 → 80.00;
  total 100.00, outstanding. Without pro-rating RM2 would score 60.00 too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from rmperf.cli import main
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.scoring import load_scorecards
from rmperf.engine.scoring.run import score_lake, staff_info
from tests.lakebuilder import LakeBuilder

TODAY = dt.date(2026, 11, 23)
TEXT = pa_csv.ConvertOptions(column_types={"total": pa.string()})
CARD = """\
name: lake_test
names: {zh: 测试, en: test}
applies_to: {business_line: retail}
lines:
  - {indicator: deposit_avg_growth, weight: 80, method: ratio, target: {value: "1200000"}}
  - {indicator: complaints, weight: 20, method: deduction, per_occurrence: "5"}
"""


@pytest.fixture(scope="module")
def lake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = LakeBuilder()
    for row in b.tables["staff"]:
        if row["staff_id"] == "RM2":
            row["hired_on"] = "2026-08-16"
    b.add("customers", {**_customer("C1")})
    b.add(
        "assignments",
        {
            "customer_id": "C1",
            "staff_id": "RM1",
            "valid_from": "2020-01-01",
            "valid_to": "2026-08-15",
        },
        {"customer_id": "C1", "staff_id": "RM2", "valid_from": "2026-08-16", "valid_to": ""},
    )
    for month in ("2026-04", "2026-05", "2026-06"):
        b.balance("C1", month, "deposit", "100000.00")
    for month in ("2026-07", "2026-08", "2026-09"):
        b.balance("C1", month, "deposit", "400000.00")
    root = tmp_path_factory.mktemp("lake")
    b.write(root / "lake")
    (root / "card.yaml").write_text(CARD, encoding="utf-8")
    return root


def _customer(cid: str) -> dict[str, str]:
    from tests.lakebuilder import customer

    return customer(cid)


def test_staff_and_card_assignment(lake_dir: Path) -> None:
    staff = staff_info(Lake(lake_dir / "lake", today=TODAY), period=Period.parse("2026Q3"))
    assert sorted(staff) == ["RM1", "RM2"]
    assert staff["RM2"].hired_on == dt.date(2026, 8, 16)
    assert staff["RM1"].team == "TM1" and staff["RM1"].branch == "BR1"
    assert staff["RM1"].business_line == "retail"
    # RM2 was not yet hired in Q2, so only RM1 is scored then.
    assert sorted(
        staff_info(Lake(lake_dir / "lake", today=TODAY), period=Period.parse("2026Q2"))
    ) == ["RM1"]


def test_staff_business_line_picks_the_card(tmp_path: Path) -> None:
    """The staff table's business_line wins over the book's kinds; empty falls back to them."""
    b = LakeBuilder()
    for row in b.tables["staff"]:
        row["business_line"] = {"RM1": "sci_tech"}.get(row["staff_id"], "")
    # RM2 looks after one corporate customer only, and has no line of their own.
    b.add("customers", {**_customer("C1"), "kind": "corporate"})
    b.add(
        "assignments",
        {"customer_id": "C1", "staff_id": "RM2", "valid_from": "2020-01-01", "valid_to": ""},
    )
    b.write(tmp_path / "lake")
    staff = staff_info(Lake(tmp_path / "lake", today=TODAY), period=Period.parse("2026Q3"))
    assert (staff["RM1"].business_line, staff["RM1"].business_line_source) == (
        "sci_tech",
        "staff.business_line",
    )
    assert (staff["RM2"].business_line, staff["RM2"].business_line_source) == (
        "corporate",
        "customers: 1 corporate, 0 retail",
    )


def test_reassigned_customer_and_joiner(lake_dir: Path) -> None:
    cards = load_scorecards(lake_dir / "card.yaml")
    scored = score_lake(
        Lake(lake_dir / "lake", today=TODAY), period=Period.parse("2026Q3"), cards=cards
    )
    result = scored.result
    rm1 = {ln.line: ln for ln in result.lines_of("RM1")}
    rm2 = {ln.line: ln for ln in result.lines_of("RM2")}
    assert rm1["deposit_avg_growth"].value == Decimal("150000")
    assert rm2["deposit_avg_growth"].value == Decimal("150000")
    assert rm1["deposit_avg_growth"].target == Decimal("300000.00")
    assert rm2["deposit_avg_growth"].target == Decimal("150000.00")
    assert "0.5000" in rm2["deposit_avg_growth"].target_source
    assert result.total_of("RM1").total == Decimal("60.00")
    assert str(result.total_of("RM1").tier) == "competent"
    assert result.total_of("RM2").total == Decimal("100.00")
    assert str(result.total_of("RM2").tier) == "outstanding"


def test_cli_score_writes_totals_and_lines(
    lake_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, lines = lake_dir / "totals.csv", lake_dir / "lines.csv"
    code = main(
        [
            "score", "--lake", str(lake_dir / "lake"), "--period", "2026Q3",
            "--scorecard", str(lake_dir / "card.yaml"), "--today", TODAY.isoformat(),
            "--out", str(out), "--lines", str(lines),
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    totals = pa_csv.read_csv(out, convert_options=TEXT).to_pylist()
    assert [(t["staff_id"], t["total"], t["tier"]) for t in totals] == [
        ("RM1", "60.00", "competent"),
        ("RM2", "100.00", "outstanding"),
    ]
    assert {"staff_id", "scorecard", "total", "tier", "policy_version"} <= set(totals[0])
    rows = pa_csv.read_csv(lines).to_pylist()
    assert {"staff_id", "indicator", "value", "target", "completion", "method", "points"} <= set(
        rows[0]
    )
    assert len(rows) == 4
    assert "2 RMs scored for 2026Q3" in capsys.readouterr().out


def test_cli_explain(lake_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows_out = lake_dir / "rows.csv"
    code = main(
        [
            "explain", "--lake", str(lake_dir / "lake"), "--period", "2026Q3", "--staff", "RM2",
            "--scorecard", str(lake_dir / "card.yaml"), "--today", TODAY.isoformat(),
            "--out", str(rows_out),
        ]
    )  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0
    assert "total 100.00  tier outstanding (优秀)" in text
    assert "× 0.5000 (joined 2026-08-16)" in text
    assert "rows behind deposit_avg_growth" in text and "C1" in text
    assert rows_out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026Q5"], "is not a period"),
        (["--staff", "NOBODY"], "unknown staff 'NOBODY'"),
        (["--staff", "TE1"], "unknown staff 'TE1'"),
    ],
)
def test_cli_explain_bad_input_exits_2(
    lake_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    base = {"--period": "2026Q3", "--staff": "RM1"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = ["explain", "--lake", str(lake_dir / "lake"), "--scorecard", str(lake_dir / "card.yaml")]
    for k, v in base.items():
        argv += [k, v]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_invalid_scorecard_names_file_and_line(
    lake_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = lake_dir / "bad.yaml"
    bad.write_text(CARD.replace("weight: 80", "weight: 85"), encoding="utf-8")
    code = main(
        ["score", "--lake", str(lake_dir / "lake"), "--period", "2026Q3", "--scorecard", str(bad),
         "--out", str(lake_dir / "x.csv")]
    )  # fmt: skip
    assert code == 2
    assert f"{bad}:4: error [weights_sum_to_100]" in capsys.readouterr().err


def test_cli_missing_lake_and_bad_output(
    lake_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "score",
                "--lake",
                str(lake_dir / "nope"),
                "--period",
                "2026Q3",
                "--out",
                str(lake_dir / "x.csv"),
            ]
        )
        == 2
    )
    assert "is not a directory" in capsys.readouterr().err
    assert (
        main(
            [
                "score",
                "--lake",
                str(lake_dir / "lake"),
                "--period",
                "2026Q3",
                "--out",
                str(lake_dir / "x.txt"),
            ]
        )
        == 2
    )
    assert ".csv or .parquet" in capsys.readouterr().err


def test_cli_time_progress_and_annual(lake_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = lake_dir / "progress.csv"
    argv = ["score", "--lake", str(lake_dir / "lake"), "--scorecard", str(lake_dir / "card.yaml"),
            "--today", TODAY.isoformat(), "--out", str(lake_dir / "t.csv"), "--lines", str(lines)]  # fmt: skip
    assert main([*argv, "--period", "2026Q3", "--as-of", "2026-08-15"]) == 0
    opts = pa_csv.ConvertOptions(column_types={"time_progress": pa.string()})
    rows = {
        (r["staff_id"], r["line"]): r
        for r in pa_csv.read_csv(lines, convert_options=opts).to_pylist()
    }
    # 46 of 92 days elapsed: 0.5000; RM1 is at 0.5 of target, so not behind.
    assert rows[("RM1", "deposit_avg_growth")]["time_progress"] == "0.5000"
    assert rows[("RM1", "deposit_avg_growth")]["behind"] is False
    assert not rows[("RM1", "complaints")]["time_progress"]
    # The year: scored on the year's values against the annual target (not an average of quarters).
    assert main([*argv, "--period", "2026"]) == 0
    year = {
        r["staff_id"]: r
        for r in pa_csv.read_csv(lines).to_pylist()
        if r["line"] == "deposit_avg_growth"
    }
    assert year["RM1"]["target"] == 1200000
    capsys.readouterr()
