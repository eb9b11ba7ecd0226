"""The six newer engine commands (pay, career, negative-list, workload, gaming, what-if)
go through the lake gate as the older ones do (tests/engine/test_loud_commands.py): a
table they read that lost more than the lake policy's share of rows is refused, exit 2,
nothing written. (The options themselves, --allow-rejects and --lake-policy, are the
gate's and are tested once there.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from rmperf.cli import main
from tests.lakebuilder import LakeBuilder

TODAY = "2026-10-01"
PAY_PLAN = Path(__file__).parents[2] / "src/rmperf/policies/defaults/pay.yaml"
COMMANDS = ("pay", "career", "negative-list", "workload", "gaming", "what-if")


def bank(*, bad: int) -> LakeBuilder:
    """Ten loans of RM1 in 2026Q3, each with its 2026-09 grade; the first `bad` have a
    negative amount, which the contract rejects (1 of 10 is 10 %, over the shipped 1 %)."""
    b = LakeBuilder()
    b.add(
        "products",
        {"product_id": "LN", "name": "经营贷", "category": "business_loan", "risk_level": "R2",
         "term_days": "365", "revenue_rate": "0.040000"},
    )  # fmt: skip
    b.customer("C1")
    for i in range(10):
        amount = "-100.00" if i < bad else "100000.00"
        b.loan(f"L{i}", "C1", "LN", amount, f"2026-07-{i + 1:02d}", "2027-07-01")
        b.loan_status(f"L{i}", "2026-09", "100000.00")
    return b


def argv(command: str, lake: Path, out: Path, tmp: Path) -> list[str]:
    base = ["--lake", str(lake), "--today", TODAY, "--out", str(out)]
    ratings = tmp / "ratings.csv"
    ratings.write_text("staff_id,period,tier\nRM1,2026Q3,good\nRM2,2026Q3,good\n")
    match command:
        case "pay":
            return [command, *base, "--period", "2026Q3", "--ratings", str(ratings)]
        case "career":
            return [command, *base, "--year", "2026"]
        case "negative-list" | "workload" | "gaming":
            return [command, *base, "--period", "2026Q3"]
        case "what-if":
            return [command, *base, "--period", "2026Q3", "--draft", str(PAY_PLAN)]
    raise AssertionError(command)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_lake_over_the_reject_share_is_refused(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = bank(bad=1).write(tmp_path / "lake")
    out = tmp_path / "result.csv"

    assert main(argv(command, lake, out, tmp_path)) == 2
    err = capsys.readouterr().err
    assert not out.exists()
    assert "error: loans: 1 of 10 rows rejected (10 %), more than the 1 % the lake policy" in err
    assert "(--allow-rejects computes anyway)" in err


def test_allow_rejects_lets_pay_compute_on_the_nine_good_loans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = bank(bad=1).write(tmp_path / "lake")
    out = tmp_path / "result.csv"

    assert main([*argv("pay", lake, out, tmp_path), "--allow-rejects"]) == 0
    assert out.exists()
    assert "loans                    10 read          1 rejected (10 %)" in capsys.readouterr().err
