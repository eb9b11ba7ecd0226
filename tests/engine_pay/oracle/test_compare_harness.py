"""The comparison harness itself, against stand-in commands, so a green comparison means
something: a command that answers like the oracle passes, one wrong cell fails with that
cell named, a missing command fails (never skips). Runs without `rmperf pay`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.engine_pay.oracle import cases
from tests.engine_pay.oracle import test_compare_engine as harness
from tests.engine_pay.oracle.lakegen import write_case

ROOT = Path(__file__).resolve().parents[3]

# A stand-in for `rmperf`: `pay …` answered by the oracle's own command line; with
# CORRUPT set, one cell of the statement file is changed afterwards.
STAND_IN = """
import csv, subprocess, sys
args = sys.argv[1:]
if not args or args[0] != "pay":
    sys.exit("Unknown command")
args = args[1:]
i = args.index("--lines")
lines = args[i + 1]
del args[i : i + 2]
out = args[args.index("--out") + 1]
rc = subprocess.call(
    [sys.executable, "-m", "tests.engine_pay.oracle.reference", *args], cwd={root!r}
)
if rc == 0:
    with open(lines, "w") as fh:
        fh.write("staff_id,line,amount\\n")
    if {corrupt!r}:
        with open(out, newline="") as fh:
            rows = list(csv.reader(fh))
        rows[1][-2] = "0.01" if rows[1][-2] != "0.01" else "0.02"
        with open(out, "w", newline="") as fh:
            csv.writer(fh, lineterminator="\\n").writerows(rows)
sys.exit(rc)
"""


def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, corrupt: bool) -> None:
    script = tmp_path / ("wrong.py" if corrupt else "right.py")
    script.write_text(STAND_IN.format(root=str(ROOT), corrupt=corrupt), encoding="utf-8")
    monkeypatch.setenv("PAY_ORACLE_RMPERF", f"{sys.executable} {script}")
    monkeypatch.setenv("PAY_ORACLE_KEEP", str(tmp_path / "kept"))


def test_an_identical_answer_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(tmp_path, monkeypatch, corrupt=False)
    case = cases.clawback()
    files = write_case(case, tmp_path / "case")
    for period in ("2025Q4", "2026Q3"):
        harness.compare(case, files, period, tmp_path)
    harness.test_missing_rating_exits_2_naming_rm_and_quarter(tmp_path / "missing")


def test_one_wrong_cell_fails_and_keeps_the_lake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in(tmp_path, monkeypatch, corrupt=True)
    case = cases.clawback()
    files = write_case(case, tmp_path / "case")
    with pytest.raises(AssertionError) as failure:
        harness.compare(case, files, "2026Q3", tmp_path)
    message = str(failure.value)
    assert "1 cell(s) differ" in message
    assert "D1" in message
    assert "total_paid" in message
    kept = list((tmp_path / "kept").iterdir())
    assert len(kept) == 1
    assert (kept[0] / "lake" / "loans.csv").exists()
    assert (kept[0] / "engine-2026Q3.csv").exists()


def test_a_missing_command_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAY_ORACLE_RMPERF", f"{sys.executable} -c 'import sys; sys.exit(1)'")
    monkeypatch.setenv("PAY_ORACLE_KEEP", str(tmp_path / "kept"))
    case = cases.joiner()
    files = write_case(case, tmp_path / "case")
    with pytest.raises(AssertionError, match="exited 1"):
        harness.compare(case, files, "2024Q1", tmp_path)
