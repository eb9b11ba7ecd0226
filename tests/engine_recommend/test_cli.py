"""`rmperf recommend` end to end on a hand-built lake: both files written, bad input
refused with a clear message and exit status 2, nothing written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rmperf.cli import main
from tests.lakebuilder import LakeBuilder


def lake(tmp_path: Path) -> Path:
    b = LakeBuilder()
    b.product("F2", "fund", "0.004000", risk_level="R2")
    b.product("F4", "fund", "0.008000", risk_level="R4")
    b.product("INS", "insurance", "0.015000")
    b.customer("A", risk_level="C2")
    b.holding("A", "F2", "1000.00", "2025-01-01")
    b.holding("A", "INS", "1000.00", "2025-01-01")
    b.event("A", "2026-09-20T10:00:00+08:00", "page_view.fund")
    b.event("A", "2026-09-21T10:00:00+08:00", "page_view.fund")
    return b.write(tmp_path / "lake")


def test_recommend_writes_recommendations_and_blocked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, blocked = tmp_path / "rec.csv", tmp_path / "blocked.csv"
    args = ["recommend", "--lake", str(lake(tmp_path)), "--as-of", "2026-09-30"]
    status = main([*args, "--today", "2026-11-23", "--out", str(out), "--blocked", str(blocked)])
    assert status == 0
    with out.open(encoding="utf-8") as fh:
        recs = list(csv.DictReader(fh))
    with blocked.open(encoding="utf-8") as fh:
        withheld = list(csv.DictReader(fh))
    # F2: 0.03 × 0.004 × 50,000 = 6.00 (fund_interest prior 0.03, fund ticket 50,000).
    assert [(r["product_id"], r["expected_value"], r["rule_ids"]) for r in recs] == [
        ("F2", "6.00", "fund_interest")
    ]
    assert [(r["product_id"], r["rule"]) for r in withheld] == [("F4", "risk_above_tolerance")]
    assert "1 recommendations for 1 of 1 customers" in capsys.readouterr().out


def test_bad_policy_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("time_zone: Asia/Shanghai\nrules: []\nranking: {}\n", encoding="utf-8")
    out = tmp_path / "rec.csv"
    args = ["recommend", "--lake", str(lake(tmp_path)), "--as-of", "2026-09-30"]
    status = main([*args, "--policy", str(policy), "--out", str(out)])
    assert status == 2
    err = capsys.readouterr().err
    assert f"{policy}:2" in err and "rules" in err
    assert not out.exists()


def test_top_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["recommend", "--lake", str(tmp_path), "--as-of", "2026-09-30", "--top", "0"]
    status = main([*args, "--out", str(tmp_path / "r.csv")])
    assert status == 2 and "--top must be at least 1" in capsys.readouterr().err
