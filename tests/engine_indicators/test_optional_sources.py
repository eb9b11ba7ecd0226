"""The optional lake sources of the newer indicators: the tables projects, proposals and
unit_financials and the column loans.rate. Absent, they read as empty (a note, never a
problem) and their indicators are 0 or NULL; present, their rows are validated."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from rmperf.engine.indicators import compute_indicators
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.validate import validate_lake
from tests.engine_indicators import bank

Q3 = Period.parse("2026Q3")
OPTIONAL_TABLES = ("projects", "proposals", "unit_financials")
NEW = ["roe", "financing_cost_decline", "strategic_projects", "innovation_proposals"]


def _drop_column(path: Path, column: str) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = [n for n in rows[0] if n != column]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=names, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def test_a_lake_without_the_optional_sources_is_valid_and_reads_them_as_empty(
    tmp_path: Path,
) -> None:
    root = bank.build().write(tmp_path / "old", skip=OPTIONAL_TABLES)
    _drop_column(root / "loans.csv", "rate")
    found = validate_lake(root, today=bank.TODAY)
    assert found.problems == []
    assert found.total_rejected == 0
    for name in OPTIONAL_TABLES:
        assert f"{name}: optional table is absent (read as empty)" in found.notes
    assert "loans: optional column rate is absent (read as empty)" in found.notes

    values = compute_indicators(Lake(root, bank.TODAY), period=Q3, indicators=NEW)
    got = {(r["staff_id"], r["indicator"]): r["value"] for r in values.to_pylist()}
    for rm in ("RM1", "RM2", "RM3"):
        assert got[(rm, "roe")] is None
        assert got[(rm, "financing_cost_decline")] is None
        assert got[(rm, "strategic_projects")] == Decimal(0)
        assert got[(rm, "innovation_proposals")] == Decimal(0)


def test_bad_rows_of_the_optional_sources_are_rejected_with_their_rule(tmp_path: Path) -> None:
    b = bank.build()
    b.tables["proposals"] = [
        {  # adopted before it was made
            "proposal_id": "BAD1",
            "staff_id": "RM2",
            "title": "t",
            "submitted_on": "2026-08-01",
            "adopted_on": "2026-07-01",
            "reviewer_id": "TL1",
        },
        {  # adopted without a reviewer
            "proposal_id": "BAD2",
            "staff_id": "RM2",
            "title": "t",
            "submitted_on": "2026-08-01",
            "adopted_on": "2026-08-02",
            "reviewer_id": "",
        },
        {  # reviewed by its author
            "proposal_id": "BAD3",
            "staff_id": "RM2",
            "title": "t",
            "submitted_on": "2026-08-01",
            "adopted_on": "2026-08-02",
            "reviewer_id": "RM2",
        },
    ]
    b.tables["unit_financials"] = [
        {"unit_id": "TM1", "month": "2026-07", "net_profit": "-5.00", "equity": "0.00"},
    ]
    b.tables["loans"][1]["rate"] = "1.5"  # L1: above 1 (a fraction, not a percentage)
    root = b.write(tmp_path / "bad")
    found = validate_lake(root, today=bank.TODAY)
    assert found.summaries["proposals"].rejected == 3
    assert found.summaries["unit_financials"].rejected == 1  # equity must be > 0
    assert found.summaries["loans"].rejected == 1
    with (root / "_rejects" / "proposals.csv").open(encoding="utf-8") as fh:
        reasons = {r["proposal_id"]: r["reject_reason"] for r in csv.DictReader(fh)}
    assert "adopted_on is before submitted_on" in reasons["BAD1"]
    assert "an adopted proposal names its reviewer" in reasons["BAD2"]
    assert "a proposal reviewed by its author" in reasons["BAD3"]
    with (root / "_rejects" / "loans.csv").open(encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["loan_id"], row["reject_column"]) == ("L1", "rate")
