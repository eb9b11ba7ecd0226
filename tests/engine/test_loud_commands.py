"""Engine commands say what they read and refuse a lake they cannot use (issue #18,
finding 2): rows read and rejected per table on stderr; exit 2 and no file when a table
they need is missing, empty, fully rejected, or lost more than the lake policy's share;
--allow-rejects overrides the share, never an empty table."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmperf.cli import main
from tests.lakebuilder import LakeBuilder

TODAY = "2026-10-01"
AS_OF = "2026-09-30"


def bank(customers: int = 10, *, bad: int = 0) -> LakeBuilder:
    """`customers` customers of RM1 with a transaction each; the first `bad` have a kind
    the contract does not know (rejected, with their assignment and transaction)."""
    b = LakeBuilder()
    for i in range(customers):
        cid = f"C{i:03d}"
        b.customer(cid, kind="vip" if i < bad else "retail")
        b.txn(cid, "2026-09-01T10:00:00+08:00", "100.00")
    return b


def argv(command: str, lake: Path, out: Path) -> list[str]:
    """The command's own arguments on `lake`, writing to `out`."""
    base = ["--lake", str(lake), "--today", TODAY]
    match command:
        case "segment" | "high-potential" | "tasks" | "referral-candidates" | "recommend":
            return [command, *base, "--as-of", AS_OF, "--out", str(out)]
        case "segment-migration":
            return [command, *base, "--from", "2026-06-30", "--to", AS_OF, "--out", str(out)]
        case "score":
            return [command, *base, "--period", "2026Q3", "--out", str(out)]
        case "explain":
            return [command, *base, "--period", "2026Q3", "--staff", "RM1", "--out", str(out)]
        case "recommend-train":
            return [command, *base, "--train-until", "2026-06-30", "--out", str(out)]
        case "recommend-evaluate":
            return [
                command,
                *base,
                "--train-until",
                "2026-06-30",
                "--test-until",
                AS_OF,
                "--report",
                str(out),
            ]
    raise AssertionError(command)


COMMANDS = (
    "segment",
    "high-potential",
    "segment-migration",
    "score",
    "explain",
    "tasks",
    "referral-candidates",
    "recommend",
    "recommend-train",
    "recommend-evaluate",
)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_lake_whose_customers_are_all_rejected(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = bank(4, bad=4).write(tmp_path / "lake")
    out = tmp_path / "result.csv"

    status = main([*argv(command, lake, out), "--allow-rejects"])

    err = capsys.readouterr().err
    assert status == 2
    assert not out.exists()
    assert "error: customers: all 4 rows were rejected (100 %)" in err
    assert "nothing was written" in err
    # The counts name the table, with what was read and what was lost.
    assert "customers                 4 read          4 rejected (100 %)" in err


def test_a_share_above_the_policy_refuses_and_allow_rejects_overrides_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = bank(10, bad=1).write(tmp_path / "lake")
    out = tmp_path / "tiers.csv"

    assert main(argv("segment", lake, out)) == 2
    err = capsys.readouterr().err
    assert not out.exists()
    # 1 of 10 customers, and with it 1 of 10 assignments and 1 of 10 transactions.
    assert (
        "error: customers: 1 of 10 rows rejected (10 %), more than the 1 % the lake policy "
        "allows; `rmperf validate` writes the rows and reasons to _rejects/" in err
    )
    assert "error: transactions: 1 of 10 rows rejected (10 %)" in err
    assert "(--allow-rejects computes anyway)" in err

    assert main([*argv("segment", lake, out), "--allow-rejects"]) == 0
    captured = capsys.readouterr()
    assert out.exists()
    assert captured.out.startswith("9 customers")
    assert "customers                10 read          1 rejected (10 %)" in captured.err


def test_a_lake_policy_file_sets_the_share(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = bank(10, bad=1).write(tmp_path / "lake")
    policy = tmp_path / "lake.yaml"
    policy.write_text("max_reject_share: 0.1\n", encoding="utf-8")
    out = tmp_path / "tiers.csv"

    assert main([*argv("segment", lake, out), "--lake-policy", str(policy)]) == 0
    assert out.exists()

    policy.write_text("max_reject_share: 2\n", encoding="utf-8")
    assert main([*argv("segment", lake, out), "--lake-policy", str(policy)]) == 2
    assert "max_reject_share" in capsys.readouterr().err


def test_a_header_only_customers_file_is_refused_even_with_allow_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = bank(3)
    b.tables["customers"] = []
    b.tables["assignments"] = []
    b.tables["transactions"] = []
    lake = b.write(tmp_path / "lake")
    out = tmp_path / "tiers.csv"

    assert main([*argv("segment", lake, out), "--allow-rejects"]) == 2
    err = capsys.readouterr().err
    assert "error: customers: the table has no rows" in err
    assert "--allow-rejects computes anyway" not in err
    assert not out.exists()


def test_a_missing_table_is_refused_with_its_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = bank(3).write(tmp_path / "lake", skip=["transactions"])
    out = tmp_path / "tiers.csv"

    assert main(argv("segment", lake, out)) == 2
    err = capsys.readouterr().err
    assert "error: transactions: the table cannot be used (no file (expected " in err
    assert not out.exists()


def test_an_unreadable_csv_is_refused_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = bank(3).write(tmp_path / "lake")
    path = lake / "transactions.csv"
    # A quoted value never closed: the reader gives up part-way through the file.
    path.write_text(path.read_text(encoding="utf-8") + '"T9,C000\n', encoding="utf-8")
    out = tmp_path / "tiers.csv"

    assert main(argv("segment", lake, out)) == 2
    err = capsys.readouterr().err
    assert "error: transactions: the table cannot be used (unreadable file" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_a_clean_lake_reports_its_counts_and_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = bank(3).write(tmp_path / "lake")
    out = tmp_path / "tiers.csv"

    assert main(argv("segment", lake, out)) == 0
    err = capsys.readouterr().err
    assert out.exists()
    assert "customers                 3 read          0 rejected" in err
    assert "transactions              3 read          0 rejected" in err
    assert "org_units                 4 read          0 rejected" in err
