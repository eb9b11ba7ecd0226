"""The negative list (DOMAIN §6), computed by hand.

Branch BR1 (team TM1 and the branch itself), branch BR2 (team TM2). Quarterly totals:

| RM | branch | card      | 2026Q2 | 2026Q3 |
|----|--------|-----------|--------|--------|
| R1 | BR1    | retail    | 40.00  | 50.00  |
| R2 | BR1    | retail    | 70.00  | 60.00  |
| R3 | BR1    | retail    | 55.00  | 50.00  |
| R4 | BR2    | retail    | 10.00  | 10.00  |
| R5 | BR1    | corporate | 30.00  | 20.00  |
| R6 | BR1    | retail    |   —    | 70.00  |  (joined 2026-07-01)

2026Q3, BR1 retail: R1 50, R2 60, R3 50, R6 70 → lowest 50.00: R1 and R3 (a tie: both).
2026Q2, BR1 retail: R1 40, R2 70, R3 55 → lowest R1. Listed: R1 only (R3 was not lowest
in Q2). R4 is the sole retail RM of BR2 and R5 the sole corporate RM of BR1: "lowest
among" needs a comparison, so neither is listed although each has the lowest total of
the bank. R6 has no Q2 total and is not listed.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.cli import main
from rmperf.engine.career import QuarterTotal, negative_list, parse_totals
from rmperf.engine.career.negative import Recovery, recovery_of, recovery_share
from rmperf.engine.career.policy import NegativeListRules
from rmperf.engine.periods import Period
from rmperf.engine.policy import PolicyError
from tests.lakebuilder import LakeBuilder

TODAY = dt.date(2026, 11, 20)
RULES = NegativeListRules()

Q2 = """\
staff_id,scorecard,period,total,tier
R1,retail,2026Q2,40.00,not_competent
R2,retail,2026Q2,70.00,competent
R3,retail,2026Q2,55.00,not_competent
R4,retail,2026Q2,10.00,not_competent
R5,corporate,2026Q2,30.00,not_competent
"""
Q3 = """\
staff_id,scorecard,period,total,tier
R1,retail,2026Q3,50.00,not_competent
R2,retail,2026Q3,60.00,competent
R3,retail,2026Q3,50.00,not_competent
R4,retail,2026Q3,10.00,not_competent
R5,corporate,2026Q3,20.00,not_competent
R6,retail,2026Q3,70.00,competent
"""
BRANCHES: dict[str, str | None] = {
    "R1": "BR1",
    "R2": "BR1",
    "R3": "BR1",
    "R4": "BR2",
    "R5": "BR1",
    "R6": "BR1",
}


def _rm(staff_id: str, unit: str, hired_on: str = "2020-01-01") -> dict[str, str]:
    return {
        "staff_id": staff_id,
        "name": f"员工{staff_id}",
        "role": "rm",
        "rank": "junior",
        "unit_id": unit,
        "hired_on": hired_on,
    }


@pytest.fixture(scope="module")
def lake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = LakeBuilder()
    b.add(
        "org_units",
        {"unit_id": "BR2", "name": "钱塘支行", "kind": "branch", "parent_id": "RG1"},
        {"unit_id": "TM2", "name": "钱塘一组", "kind": "team", "parent_id": "BR2"},
    )
    b.tables["staff"] = [r for r in b.tables["staff"] if r["role"] != "rm"] + [
        _rm("R1", "TM1"),
        _rm("R2", "TM1"),
        _rm("R3", "TM1"),
        _rm("R4", "TM2"),
        _rm("R5", "BR1"),
        _rm("R6", "TM1", "2026-07-01"),
    ]
    root = tmp_path_factory.mktemp("negative")
    b.write(root / "lake")
    # Two `rmperf score --out` files concatenated: the second header is in the middle.
    (root / "scores.csv").write_text(Q2 + Q3, encoding="utf-8")
    # The lake has staff and loans but no customers: a lake policy that accepts that (every
    # lake command, negative-list included, refuses empty dimension tables by default).
    (root / "lake-policy.yaml").write_text(
        "max_reject_share: 0.01\nmust_have_rows: [org_units, staff]\n", encoding="utf-8"
    )
    return root


def _totals() -> list[QuarterTotal]:
    return parse_totals(Q2 + Q3, source="scores.csv")


def test_lowest_two_quarters_running_is_listed() -> None:
    rows = {
        r.staff_id: r
        for r in negative_list(
            _totals(), period=Period.parse("2026Q3"), branches=BRANCHES, rules=RULES
        )
    }
    assert {s for s, r in rows.items() if r.listed} == {"R1"}
    r1 = rows["R1"]
    assert (r1.branch, r1.scorecard, r1.period, r1.previous_period) == (
        "BR1",
        "retail",
        "2026Q3",
        "2026Q2",
    )
    assert (r1.total, r1.previous_total) == (Decimal("50.00"), Decimal("40.00"))
    assert rows["R6"].previous_total is None


def test_ties_at_the_lowest_all_count() -> None:
    # R3 also had 40.00 in Q2: tied lowest in both quarters with R1, so both are listed.
    totals = [
        QuarterTotal(t.staff_id, t.scorecard, t.period, Decimal("40.00"))
        if (t.staff_id, t.period) == ("R3", "2026Q2")
        else t
        for t in _totals()
    ]
    rows = negative_list(totals, period=Period.parse("2026Q3"), branches=BRANCHES, rules=RULES)
    assert {r.staff_id for r in rows if r.listed} == {"R1", "R3"}


def test_a_sole_rm_on_a_card_in_a_branch_is_never_listed() -> None:
    rows = {
        r.staff_id: r
        for r in negative_list(
            _totals(), period=Period.parse("2026Q3"), branches=BRANCHES, rules=RULES
        )
    }
    assert rows["R4"].listed is False  # alone on retail in BR2
    assert rows["R5"].listed is False  # alone on corporate in BR1
    # With a second corporate RM in BR1 scoring more, R5 is lowest twice and listed.
    more = [
        *_totals(),
        QuarterTotal("R7", "corporate", "2026Q2", Decimal("31.00")),
        QuarterTotal("R7", "corporate", "2026Q3", Decimal("20.01")),
    ]
    rows2 = negative_list(
        more, period=Period.parse("2026Q3"), branches={**BRANCHES, "R7": "BR1"}, rules=RULES
    )
    assert {r.staff_id for r in rows2 if r.listed} == {"R1", "R5"}


def test_cli_with_concatenated_score_files(lake_dir: Path) -> None:
    out = lake_dir / "negative.csv"
    code = main(
        [
            "negative-list", "--lake", str(lake_dir / "lake"), "--period", "2026Q3",
            "--lake-policy", str(lake_dir / "lake-policy.yaml"),
            "--scores", str(lake_dir / "scores.csv"), "--today", TODAY.isoformat(),
            "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    with out.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == [
            "staff_id",
            "branch",
            "scorecard",
            "period",
            "previous_period",
            "total",
            "previous_total",
            "listed",
        ]
        got = [
            (
                r["staff_id"],
                r["branch"],
                r["scorecard"],
                r["total"],
                r["previous_total"],
                r["listed"],
            )
            for r in reader
        ]
    assert got == [
        ("R5", "BR1", "corporate", "20.00", "30.00", "false"),
        ("R1", "BR1", "retail", "50.00", "40.00", "true"),
        ("R2", "BR1", "retail", "60.00", "70.00", "false"),
        ("R3", "BR1", "retail", "50.00", "55.00", "false"),
        ("R6", "BR1", "retail", "70.00", "", "false"),
        ("R4", "BR2", "retail", "10.00", "10.00", "false"),
    ]


def test_cli_refuses_a_file_without_the_previous_quarter(
    lake_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    only_q3 = lake_dir / "q3.csv"
    only_q3.write_text(Q3, encoding="utf-8")
    out = lake_dir / "never.csv"
    code = main(
        [
            "negative-list", "--lake", str(lake_dir / "lake"), "--period", "2026Q3",
            "--lake-policy", str(lake_dir / "lake-policy.yaml"),
            "--scores", str(only_q3), "--today", TODAY.isoformat(), "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 2
    assert "no total for 2026Q2" in capsys.readouterr().err
    assert not out.exists()


def test_bad_total_line_is_named() -> None:
    with pytest.raises(PolicyError) as info:
        parse_totals(Q3 + "R7,retail,2026Q3,abc,good\nR1,retail,2026Q3,1.00,good\n", source="s.csv")
    issues = info.value.issues
    assert [(i.file, i.line, i.rule) for i in issues] == [
        ("s.csv", 8, "scores.row"),
        ("s.csv", 9, "scores.duplicate"),
    ]


def test_a_year_total_is_not_a_quarter() -> None:
    with pytest.raises(PolicyError) as info:
        parse_totals("staff_id,scorecard,period,total\nR1,retail,2026,50.00\n", source="s.csv")
    assert info.value.issues[0].line == 2
    assert "not a quarter" in info.value.issues[0].message


def test_recovery_within_two_quarters() -> None:
    listed = {
        "2026Q1": {"R1", "R2", "R3"},
        "2026Q2": {"R1", "R2"},
        "2026Q3": {"R2"},
    }
    q1 = Period.parse("2026Q1")
    assert recovery_of("R3", q1, listed=listed, rules=RULES) is Recovery.RECOVERED  # off in Q2
    assert recovery_of("R1", q1, listed=listed, rules=RULES) is Recovery.RECOVERED  # off in Q3
    assert recovery_of("R2", q1, listed=listed, rules=RULES) is Recovery.NOT_RECOVERED
    # Listed in Q3: Q4 is not known yet.
    q3 = Period.parse("2026Q3")
    assert recovery_of("R2", q3, listed=listed, rules=RULES) is Recovery.PENDING
    recovered, decided, share = recovery_share(
        [("R1", "2026Q1"), ("R2", "2026Q1"), ("R3", "2026Q1"), ("R2", "2026Q3")],
        listed=listed,
        rules=RULES,
    )
    assert (recovered, decided) == (2, 3)
    assert share == Decimal(2) / Decimal(3)


def test_without_scores_the_quarters_are_scored(lake_dir: Path) -> None:
    """Scoring itself gives what concatenated `rmperf score --out` files give."""
    lake, today = str(lake_dir / "lake"), TODAY.isoformat()
    # The test lake has staff and loans but no customers: a lake policy that accepts that
    # (`rmperf score` refuses a lake whose dimension tables are empty by default).
    policy = lake_dir / "lake-policy.yaml"
    parts = []
    for q in ("2026Q2", "2026Q3"):
        part = lake_dir / f"score_{q}.csv"
        argv = ["score", "--lake", lake, "--period", q, "--today", today, "--out", str(part)]
        assert main([*argv, "--lake-policy", str(policy)]) == 0
        parts.append(part.read_text(encoding="utf-8"))
    joined = lake_dir / "joined.csv"
    joined.write_text("".join(parts), encoding="utf-8")
    with_file, scored = lake_dir / "with_file.csv", lake_dir / "scored.csv"
    common = [
        "negative-list", "--lake", lake, "--period", "2026Q3", "--today", today,
        "--lake-policy", str(policy),
    ]  # fmt: skip
    assert main([*common, "--scores", str(joined), "--out", str(with_file)]) == 0
    assert main([*common, "--out", str(scored)]) == 0
    text = scored.read_text(encoding="utf-8")
    assert text == with_file.read_text(encoding="utf-8")
    assert text.count("\n") == 1 + 6  # header and the six RMs scored in 2026Q3


def test_cli_refuses_an_rm_the_lake_does_not_know(
    lake_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scores = lake_dir / "stranger.csv"
    scores.write_text(Q2 + Q3 + "R9,retail,2026Q3,1.00,not_competent\n", encoding="utf-8")
    out = lake_dir / "never2.csv"
    code = main(
        [
            "negative-list", "--lake", str(lake_dir / "lake"), "--period", "2026Q3",
            "--lake-policy", str(lake_dir / "lake-policy.yaml"),
            "--scores", str(scores), "--today", TODAY.isoformat(), "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "not an RM of" in err and "R9" in err
    assert not out.exists()
