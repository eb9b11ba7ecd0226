"""The career ladder on a hand-built lake: every boundary of DOMAIN §6, computed by hand.

As-of month 2026-12. Loans are RM-originated (`loans.staff_id`); balances in 2026-12:

- A (junior → intermediate): 50 loans with a positive balance: one 10,000.00 overdue
  (3 days), 48 × 20,000.00, one 30,000.00 → balance 1,000,000.00, overdue 10,000.00,
  rate exactly 1% → met. Plus a loan paid off (balance 0.00 in December: not managed) and a
  loan with a November row only (not managed). 2026 competent → eligible.
- B (junior → intermediate): 49 loans: 10,000.00 overdue, 47 × 20,000.00, one 50,000.00 →
  balance 1,000,000.00, rate 1% (met) but 49 < 50 → not eligible.
- C (junior → intermediate): as A but the overdue loan is 10,000.01 → balance
  1,000,000.01; 10,000.01 > 0.01 × 1,000,000.01 = 10,000.0001 → just above 1%, not met,
  though the rate shown to 6 places is 0.010000 (10,000.01 / 1,000,000.01 = 0.0100000098…).
  The overdue loan is graded normal: overdue_days > 0 is what counts, not the grade.
- D, E, F (intermediate → senior): 100 loans × 10,000.00 each, none overdue.
  D: good 2026 and good 2025 → eligible. E: outstanding 2026, competent 2025 → not
  eligible (the two-year rule); 3 grade steps, honours and training priority.
  F: good 2026, no 2025 rating → not eligible.
- G (assistant → junior): hired 2025-12-31, competent → 1 year on 2026-12-31 → eligible.
- H (assistant → junior): hired 2026-01-01, outstanding → 0 full years → not eligible.
- S (senior): no next rank; good → 2 grade steps.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.cli import main
from rmperf.engine.career import load_career_policy
from rmperf.engine.career.ladder import CareerRow, loan_book, years_since
from rmperf.engine.career.run import career_lake, scored_ratings
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.scoring import load_scorecards
from rmperf.engine.scoring.policy import Tier
from rmperf.engine.scoring.run import score_lake
from tests.lakebuilder import LakeBuilder

TODAY = dt.date(2027, 1, 15)

RATINGS = """\
staff_id,period,tier,total
A,2026,competent,65.00
B,2026,good,80.00
C,2026,outstanding,95.00
D,2026,good,80.00
D,2025,good,78.00
E,2026,outstanding,92.00
E,2025,competent,70.00
F,2026,good,76.00
G,2026,competent,61.00
H,2026,outstanding,93.00
S,2026,good,88.00
A,2026Q4,not_competent,40.00
"""


def _staff(staff_id: str, rank: str, hired_on: str = "2020-01-01") -> dict[str, str]:
    return {
        "staff_id": staff_id,
        "name": f"员工{staff_id}",
        "role": "rm",
        "rank": rank,
        "unit_id": "TM1",
        "hired_on": hired_on,
    }


class _Book:
    def __init__(self, b: LakeBuilder) -> None:
        self.b = b
        self.n = 0

    def loan(self, rm: str, balance: str, *, overdue: str = "0", month: str = "2026-12") -> None:
        self.n += 1
        loan_id = f"L{self.n:04d}"
        self.b.loan(loan_id, "C1", "BL", "900000.00", "2026-01-15", "2029-01-15", staff_id=rm)
        self.b.loan_status(loan_id, month, balance, overdue=overdue)


@pytest.fixture(scope="module")
def lake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = LakeBuilder()
    b.tables["staff"] = [row for row in b.tables["staff"] if row["role"] != "rm"] + [
        _staff("A", "junior"),
        _staff("B", "junior"),
        _staff("C", "junior"),
        _staff("D", "intermediate"),
        _staff("E", "intermediate"),
        _staff("F", "intermediate"),
        _staff("G", "assistant", "2025-12-31"),
        _staff("H", "assistant", "2026-01-01"),
        _staff("S", "senior"),
        _staff("N", "assistant", "2027-01-01"),  # hired after the year end: not checked
    ]
    b.product("BL", "business_loan")
    b.customer("C1", rm="A")
    book = _Book(b)
    # A: 10,000.00 overdue + 48 × 20,000.00 + 30,000.00 = 1,000,000.00 over 50 loans.
    book.loan("A", "10000.00", overdue="3")
    for _ in range(48):
        book.loan("A", "20000.00")
    book.loan("A", "30000.00")
    book.loan("A", "0.00")  # paid off: not managed
    book.loan("A", "55000.00", month="2026-11")  # no December row: not managed
    # B: 10,000.00 overdue + 47 × 20,000.00 + 50,000.00 = 1,000,000.00 over 49 loans.
    book.loan("B", "10000.00", overdue="1")
    for _ in range(47):
        book.loan("B", "20000.00")
    book.loan("B", "50000.00")
    # C: 10,000.01 overdue + 48 × 20,000.00 + 30,000.00 = 1,000,000.01 over 50 loans.
    book.loan("C", "10000.01", overdue="30")
    for _ in range(48):
        book.loan("C", "20000.00")
    book.loan("C", "30000.00")
    for rm in ("D", "E", "F"):
        for _ in range(100):
            book.loan(rm, "10000.00")
    root = tmp_path_factory.mktemp("career")
    b.write(root / "lake")
    (root / "ratings.csv").write_text(RATINGS, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def rows(lake_dir: Path) -> dict[str, dict[str, str]]:
    out = lake_dir / "career.csv"
    code = main(
        [
            "career", "--lake", str(lake_dir / "lake"), "--year", "2026",
            "--ratings", str(lake_dir / "ratings.csv"), "--today", TODAY.isoformat(),
            "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    with out.open(encoding="utf-8") as fh:
        return {r["staff_id"]: r for r in csv.DictReader(fh)}


def test_every_rm_hired_by_the_year_end_once(rows: dict[str, dict[str, str]]) -> None:
    assert sorted(rows) == ["A", "B", "C", "D", "E", "F", "G", "H", "S"]


def test_exactly_fifty_loans_and_exactly_one_percent_pass(rows: dict[str, dict[str, str]]) -> None:
    a = rows["A"]
    assert (a["rank"], a["next_rank"]) == ("junior", "intermediate")
    assert (a["managed_loans"], a["loans_required"], a["loans_met"]) == ("50", "50", "true")
    assert (a["managed_balance"], a["overdue_balance"]) == ("1000000.00", "10000.00")
    assert (a["overdue_rate"], a["overdue_max"], a["overdue_met"]) == (
        "0.010000",
        "0.010000",
        "true",
    )
    assert (a["rating"], a["rating_required"], a["rating_met"]) == (
        "competent",
        "competent",
        "true",
    )
    assert a["years_required"] == "" and a["years_met"] == ""
    assert a["eligible"] == "true"
    assert a["grade_steps"] == "1"


def test_forty_nine_loans_fail(rows: dict[str, dict[str, str]]) -> None:
    b = rows["B"]
    assert (b["managed_loans"], b["loans_met"]) == ("49", "false")
    assert (b["overdue_rate"], b["overdue_met"], b["rating_met"]) == ("0.010000", "true", "true")
    assert b["eligible"] == "false"


def test_overdue_just_above_one_percent_fails_though_it_shows_as_one(
    rows: dict[str, dict[str, str]],
) -> None:
    c = rows["C"]
    assert (c["managed_loans"], c["managed_balance"], c["overdue_balance"]) == (
        "50",
        "1000000.01",
        "10000.01",
    )
    assert c["overdue_rate"] == "0.010000"
    assert c["overdue_met"] == "false"
    assert c["eligible"] == "false"
    assert (c["grade_steps"], c["honours"], c["training_priority"]) == ("3", "true", "true")


def test_senior_needs_good_in_each_of_the_last_two_years(rows: dict[str, dict[str, str]]) -> None:
    d, e, f = rows["D"], rows["E"], rows["F"]
    for r in (d, e, f):
        assert (r["next_rank"], r["managed_loans"], r["loans_required"]) == ("senior", "100", "100")
        assert (r["overdue_rate"], r["overdue_met"], r["rating_years"]) == ("0.000000", "true", "2")
        assert r["rating_required"] == "good"
    assert (d["rating"], d["previous_rating"], d["rating_met"], d["eligible"]) == (
        "good",
        "good",
        "true",
        "true",
    )
    assert (e["rating"], e["previous_rating"], e["rating_met"], e["eligible"]) == (
        "outstanding",
        "competent",
        "false",
        "false",
    )
    assert (e["grade_steps"], e["honours"]) == ("3", "true")
    assert (f["previous_rating"], f["rating_met"], f["eligible"]) == ("", "false", "false")


def test_one_year_since_hire_by_anniversary(rows: dict[str, dict[str, str]]) -> None:
    g, h = rows["G"], rows["H"]
    assert (g["years_of_service"], g["years_required"], g["years_met"]) == ("1", "1", "true")
    assert g["eligible"] == "true"
    assert (h["years_of_service"], h["years_met"], h["rating_met"]) == ("0", "false", "true")
    assert h["eligible"] == "false"
    assert h["loans_required"] == "" and h["loans_met"] == ""
    assert (h["honours"], h["training_priority"], h["grade_steps"]) == ("true", "true", "3")


def test_senior_has_no_next_rank(rows: dict[str, dict[str, str]]) -> None:
    s = rows["S"]
    assert (s["next_rank"], s["eligible"], s["grade_steps"], s["honours"]) == (
        "",
        "false",
        "2",
        "false",
    )


def test_years_since_by_anniversary() -> None:
    assert years_since(dt.date(2025, 12, 31), dt.date(2026, 12, 31)) == 1
    assert years_since(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == 0
    assert years_since(dt.date(2024, 2, 29), dt.date(2026, 12, 31)) == 2
    assert years_since(dt.date(2027, 1, 1), dt.date(2026, 12, 31)) == 0


def test_loan_book_counts_positive_december_balances(lake_dir: Path) -> None:
    book = loan_book(Lake(lake_dir / "lake", today=TODAY), month="2026-12")
    assert book["A"].loans == 50
    assert book["A"].overdue_rate == Decimal("0.01")
    assert "G" not in book


def test_unknown_tier_is_refused_with_file_and_line(
    lake_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = lake_dir / "bad_ratings.csv"
    bad.write_text("staff_id,period,tier\nA,2026,good\nB,2026,excellent\n", encoding="utf-8")
    out = lake_dir / "never.csv"
    code = main(
        [
            "career", "--lake", str(lake_dir / "lake"), "--year", "2026",
            "--ratings", str(bad), "--today", TODAY.isoformat(), "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert f"{bad}:3" in err and "ratings.tier" in err and "'excellent'" in err
    assert not out.exists()


def test_without_ratings_the_years_are_scored(lake_dir: Path) -> None:
    """The command's own ratings are the scoring engine's annual tiers, year by year."""
    lake = Lake(lake_dir / "lake", today=TODAY)
    policy = load_career_policy()
    run = career_lake(lake, year=2026, policy=policy)
    assert run.ratings_source == "scored 2026, 2025"
    cards = load_scorecards(None)
    tiers = {
        t.staff_id: t.tier
        for t in score_lake(lake, period=Period.parse("2026"), cards=cards).result.totals
    }
    by_id: dict[str, CareerRow] = {r.staff_id: r for r in run.rows}
    assert tiers  # the lake's RMs are scored for 2026
    for staff_id, tier in tiers.items():
        assert by_id[staff_id].rating == tier
    # 2025: H (hired 2026-01-01) was not yet hired, so has no 2025 rating; G (2025-12-31) has.
    earlier = scored_ratings(lake, years=[2025])
    assert ("H", 2025) not in earlier
    assert ("G", 2025) in earlier and ("D", 2025) in earlier
    assert isinstance(earlier[("D", 2025)], Tier)
