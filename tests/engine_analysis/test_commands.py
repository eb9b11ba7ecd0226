"""`rmperf workload` and `rmperf gaming` end to end: results written, and bad input named
by file, line and rule with nothing written."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rmperf.cli import main
from tests.lakebuilder import LakeBuilder

TODAY = "2026-11-23"


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = LakeBuilder()
    b.product("BL", "business_loan", "0.030000")
    b.customer("C1")
    for n, day in enumerate(("2026-07-10", "2026-08-10", "2026-09-29")):
        b.loan(f"L{n}", "C1", "BL", "100000.00", day, "2027-12-31")
    b.balance("C1", "2026-07", "deposit", "100000.00", "250000.00")
    b.balance("C1", "2026-08", "deposit", "100000.00", "100000.00")
    return b.write(tmp_path_factory.mktemp("cmd") / "lake")


def test_workload_writes_csv(lake: Path, tmp_path: Path) -> None:
    out = tmp_path / "wl.csv"
    code = main(
        ["workload", "--lake", str(lake), "--period", "2026Q3", "--out", str(out), "--today", TODAY]
    )
    assert code == 0
    with out.open(encoding="utf-8") as fh:
        rows = {r["staff_id"]: r for r in csv.DictReader(fh)}
    assert sorted(rows) == ["RM1", "RM2"]
    assert rows["RM1"]["loans"] == "3"
    assert rows["RM1"]["demand_days"] == "10.5000"  # 3 × (2 + 0.5 + 1)
    assert rows["RM1"]["utilisation"] == "0.1591"  # 10.5 / 66 = 0.159090…
    assert rows["RM2"]["utilisation"] == "0.0000"


def test_gaming_writes_flags_and_evidence(lake: Path, tmp_path: Path) -> None:
    out, evidence = tmp_path / "flags.parquet", tmp_path / "evidence.csv"
    # One customer's spike flags the RM only below the default 10 customers per RM-month.
    policy = tmp_path / "gaming.yaml"
    policy.write_text("balance_pump: {min_customers: 1}\n", encoding="utf-8")
    code = main(
        [
            "gaming",
            *("--lake", str(lake), "--period", "2026Q3", "--today", TODAY),
            *("--out", str(out), "--evidence", str(evidence), "--policy", str(policy)),
        ]
    )
    assert code == 0
    flags = pq.read_table(out).to_pylist()
    # The three loans: 100,000 of 300,000 in the last 10 days is 33%, under 40%.
    assert [(f["staff_id"], f["kind"]) for f in flags] == [("RM1", "balance_pump")]
    with evidence.open(encoding="utf-8") as fh:
        assert [r["table"] for r in csv.DictReader(fh)] == ["balances", "balances"]


BAD_WORKLOAD = """\
loan_activities:
  loan_investigation: "2"
activities:
  - id: visit
    source: interactions
    channels: [visit]
    days_each: "0.5"
    reason: one
  - id: visit
    source: interactions
    channels: [carrier_pigeon]
    days_each: "0.5"
    reason: two
"""


def test_workload_policy_error_names_file_line_and_rule(
    lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "workload.yaml"
    policy.write_text(BAD_WORKLOAD, encoding="utf-8")
    out = tmp_path / "wl.csv"
    code = main(
        [
            "workload",
            *("--lake", str(lake), "--period", "2026Q3", "--policy", str(policy)),
            *("--out", str(out), "--today", TODAY),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"{policy}:9: error [activity_ids_unique]" in err
    assert f"{policy}:11: error [interaction_channels_known]" in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [policy]


def test_gaming_policy_schema_error_and_nothing_written(
    lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "gaming.yaml"
    policy.write_text(
        'time_zone: Asia/Shanghai\nloan_bunching:\n  last_days: 10\n  max_share: "1.5"\n',
        encoding="utf-8",
    )
    out, evidence = tmp_path / "flags.csv", tmp_path / "evidence.csv"
    code = main(
        [
            "gaming",
            *("--lake", str(lake), "--period", "2026Q3", "--policy", str(policy)),
            *("--out", str(out), "--evidence", str(evidence), "--today", TODAY),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"{policy}:4: error [schema.less_than]" in err
    assert "loan_bunching.max_share" in err
    assert not out.exists() and not evidence.exists()


def test_gaming_split_rule_check(
    lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "gaming.yaml"
    policy.write_text(
        'split_transactions:\n  min_count: 2\n  max_amount: "100.00"\n  round_to: "10000.00"\n',
        encoding="utf-8",
    )
    out = tmp_path / "flags.csv"
    code = main(
        [
            "gaming",
            *("--lake", str(lake), "--period", "2026Q3", "--policy", str(policy)),
            *("--out", str(out), "--today", TODAY),
        ]
    )
    assert code == 2
    assert f"{policy}:4: error [split_round_within_small]" in capsys.readouterr().err
    assert not out.exists()


def test_unknown_calendar_year_writes_nothing(
    lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "wl.csv"
    code = main(
        ["workload", "--lake", str(lake), "--period", "2027Q1", "--out", str(out), "--today", TODAY]
    )
    assert code == 2
    assert "does not cover 2027" in capsys.readouterr().err
    assert not out.exists()


def test_bad_period_and_same_output(
    lake: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.csv"
    assert main(["gaming", "--lake", str(lake), "--period", "2026Q5", "--out", str(out)]) == 2
    assert "not a period" in capsys.readouterr().err
    code = main(
        [
            "gaming",
            *("--lake", str(lake), "--period", "2026Q3", "--out", str(out)),
            *("--evidence", str(out)),
        ]
    )
    assert code == 2
    assert "different files" in capsys.readouterr().err
    assert not out.exists()
