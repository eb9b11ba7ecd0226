"""`rmperf pay` against the reference implementation, cell by cell, on boundary lakes.

The real command runs with a user's arguments through `rmperf.cli.main`, in this process
(a new interpreter per run cost 1.8 CPU seconds, most of these tests' time); one boundary
lake and the failing-rating case run the console script as a subprocess, exactly as a user
runs it. The oracle (reference.py) reads the same files. Every statement row and every cell must be equal
as text: money with two decimals, npl_ratio with six, coefficient with two.

These tests fail (never skip) while the command is missing. A failing lake is kept
(the message says where) with the command lines to rerun both sides by hand. Knobs:
PAY_ORACLE_EXAMPLES (hypothesis lakes, default 12; run 200 or more after changing the pay engine), PAY_ORACLE_SHRINK=1 (let hypothesis
shrink a failure to a minimal lake: slow, each step runs the command), PAY_ORACLE_KEEP
(where failing lakes are copied; default $TMPDIR/pay-oracle-failures), PAY_ORACLE_RMPERF
(the command to test instead of this venv's rmperf).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from rmperf.cli import main
from rmperf.engine.validate import validate_lake
from tests.engine_pay.oracle import cases
from tests.engine_pay.oracle import reference as ref
from tests.engine_pay.oracle.lakegen import CaseFiles, PayCase, pay_cases, write_case

pytestmark = pytest.mark.slow

RMPERF = str(Path(sys.executable).with_name("rmperf"))
EXAMPLES = int(os.environ.get("PAY_ORACLE_EXAMPLES", "12"))
PHASES = (
    tuple(Phase)
    if os.environ.get("PAY_ORACLE_SHRINK") == "1"
    else (Phase.explicit, Phase.reuse, Phase.generate)
)


def rmperf() -> list[str]:
    """The command under test: this venv's `rmperf`, or PAY_ORACLE_RMPERF (split like a
    shell would) to compare another build."""
    other = os.environ.get("PAY_ORACLE_RMPERF")
    return shlex.split(other) if other else [RMPERF]


def pay_command(files: CaseFiles, period: str, out: Path, lines: Path) -> list[str]:
    cmd = [*rmperf(), "pay", "--lake", str(files.lake), "--period", period]
    cmd += ["--ratings", str(files.ratings)]
    if files.targets is not None:
        cmd += ["--targets", str(files.targets)]
    return [*cmd, "--out", str(out), "--lines", str(lines)]


def run_pay(
    files: CaseFiles, period: str, out: Path, lines: Path, *, subprocess_: bool = False
) -> subprocess.CompletedProcess[str]:
    """`rmperf pay` on a case: in this process through the CLI's `main` (its exit status,
    stdout and stderr), or as a subprocess with `subprocess_` or PAY_ORACLE_RMPERF."""
    cmd = pay_command(files, period, out, lines)
    if not subprocess_ and "PAY_ORACLE_RMPERF" not in os.environ:
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(cmd[1:])
        return subprocess.CompletedProcess(cmd, code, stdout.getvalue(), stderr.getvalue())
    env = {**os.environ, "RMPERF_HOME": str(out.parent / "home")}
    env.pop("DATABASE_URL", None)  # pay needs no database; never touch a shared one
    return subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def kept(case: PayCase, files: CaseFiles, period: str, work: Path) -> str:
    """Copy a failing case where pytest's tmp rotation will not delete it; how to rerun it."""
    keep = Path(
        os.environ.get("PAY_ORACLE_KEEP", Path(tempfile.gettempdir()) / "pay-oracle-failures")
    )
    keep.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f"{case.name}-{period}-", dir=keep))
    shutil.copytree(files.lake.parent, root, dirs_exist_ok=True)
    for name in (f"engine-{period}.csv", f"lines-{period}.csv"):
        if (work / name).exists():
            shutil.copy(work / name, root / name)
    again = CaseFiles(
        root / files.lake.name,
        root / files.ratings.name,
        None if files.targets is None else root / files.targets.name,
    )
    oracle = [sys.executable, "-m", "tests.engine_pay.oracle.reference"]
    oracle += ["--lake", str(again.lake), "--period", period, "--ratings", str(again.ratings)]
    if again.targets is not None:
        oracle += ["--targets", str(again.targets)]
    oracle += ["--out", str(root / f"oracle-{period}.csv")]
    engine = pay_command(again, period, root / f"engine-{period}.csv", root / "lines.csv")
    return (
        f"\n  lake kept in {root}"
        f"\n  engine: {shlex.join(engine)}"
        f"\n  oracle (from the repository root): {shlex.join(oracle)}"
    )


def compare(
    case: PayCase, files: CaseFiles, period: str, work: Path, *, subprocess_: bool = False
) -> None:
    """Run both sides for `period`; on any difference keep the lake and list every cell."""
    out, lines = work / f"engine-{period}.csv", work / f"lines-{period}.csv"
    try:
        _compare(case, files, period, out, lines, subprocess_=subprocess_)
    except AssertionError as exc:
        raise AssertionError(f"{exc}{kept(case, files, period, work)}") from None


def _compare(
    case: PayCase, files: CaseFiles, period: str, out: Path, lines: Path, *, subprocess_: bool
) -> None:
    try:
        expected = ref.statements_for(files.lake, period, files.ratings, files.targets)
    except ref.MissingRating as exc:
        raise AssertionError(f"{case.name}: the generated lake is bad: {exc}") from exc
    done = run_pay(files, period, out, lines, subprocess_=subprocess_)
    assert done.returncode == 0, (
        f"{case.name} {period}: `rmperf pay` exited {done.returncode}"
        f"\n--- stderr ---\n{done.stderr[-4000:]}\n--- stdout ---\n{done.stdout[-2000:]}"
    )
    header, got = read_csv(out)
    assert header == list(ref.COLUMNS), f"{case.name} {period}: columns {header}"
    assert lines.exists(), f"{case.name} {period}: --lines {lines} was not written"
    line_header, _ = read_csv(lines)
    assert line_header, f"{case.name} {period}: --lines has no header"
    want = [s.row() for s in expected]
    got_ids = [r["staff_id"] for r in got]
    want_ids = [r["staff_id"] for r in want]
    assert got_ids == want_ids, (
        f"{case.name} {period}: statements for {got_ids}, expected {want_ids} (by staff_id)"
    )
    diffs = [
        f"  {w['staff_id']:<6} {col:<18} engine {g[col]!r:>16}  oracle {w[col]!r:>16}"
        for g, w in zip(got, want, strict=True)
        for col in ref.COLUMNS
        if g[col] != w[col]
    ]
    assert not diffs, f"{case.name} {period}: {len(diffs)} cell(s) differ\n" + "\n".join(diffs[:60])


@pytest.mark.parametrize(
    ("build", "period"),
    [(b, p) for b in cases.GOLDEN for p in b().periods],
    ids=lambda v: v if isinstance(v, str) else v.__name__,
)
def test_boundary_lake(build: Callable[[], PayCase], period: str, tmp_path: Path) -> None:
    case = build()
    compare(case, write_case(case, tmp_path / case.name), period, tmp_path)


def test_the_console_script_writes_what_the_oracle_computes(tmp_path: Path) -> None:
    """The same comparison through the installed `rmperf` script in a new process, as a
    user runs it (the other comparisons call the CLI's `main` in this process)."""
    case = cases.GOLDEN[0]()
    compare(
        case,
        write_case(case, tmp_path / case.name),
        case.periods[-1],
        tmp_path,
        subprocess_=True,
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=pay_cases())
def test_generated_lakes(case: PayCase, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = Path(tempfile.mkdtemp(prefix="pay-", dir=tmp_path_factory.getbasetemp()))
    files = write_case(case, root)
    for period in case.periods:
        compare(case, files, period, root)


def test_missing_rating_exits_2_naming_rm_and_quarter(tmp_path: Path) -> None:
    files = write_case(cases.missing_rating(), tmp_path / "case")
    out, lines = tmp_path / "out.csv", tmp_path / "lines.csv"
    done = run_pay(files, "2025Q2", out, lines, subprocess_=True)
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stderr[-4000:]}"
    assert "G2" in done.stderr
    assert "2025Q1" in done.stderr
    assert not out.exists()
    assert not lines.exists()


# -- the generator's lakes are valid lakes (this part runs before the command exists) --


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@pytest.mark.parametrize("build", cases.GOLDEN, ids=lambda b: b.__name__)
def test_boundary_lakes_pass_validation(build: Callable[[], PayCase], tmp_path: Path) -> None:
    files = write_case(build(), tmp_path)
    result = validate_lake(files.lake, today=_today(), write_rejects=False)
    assert result.ok, (result.problems, {k: v for k, v in result.summaries.items() if v.rejected})


@settings(max_examples=8, deadline=None, database=None)
@given(case=pay_cases())
def test_generated_lakes_pass_validation(
    case: PayCase, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = Path(tempfile.mkdtemp(prefix="valid-", dir=tmp_path_factory.getbasetemp()))
    files = write_case(case, root)
    result = validate_lake(files.lake, today=_today(), write_rejects=False)
    assert result.ok, (result.problems, {k: v for k, v in result.summaries.items() if v.rejected})
    # and the oracle accepts it: every quarter with loans has its rating
    ref.statements_for(files.lake, case.periods[-1], files.ratings, files.targets)
