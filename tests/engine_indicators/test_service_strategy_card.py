"""docs/examples/retail_service_strategy.yaml, the example card of the newer indicators,
scored on the hand-built bank (bank.py) through `rmperf score`.

Worked by hand (docs/scorecards.md: completion and share to 4 places, effective weight
= weight × 100 ÷ used weight, points to the cent):

RM3 — used lines 15 + 10 + 15 + 10 + 10 + 10 + 10 = 80 (no VIP customer, no rated
small-business loan): effective weights 18.75 and 12.5.
  customers_served_per_day 0 → 0; family_trust_penetration 0.5 ÷ 0.20 = 2.5, capped at
  1.2 → 15.00; roe 0.3 ≥ 0.15 → 18.75; strategic_projects 1 ÷ 1 → 12.50;
  innovation_proposals 0 → 0; no compliance breach → 12.50; no complaint → 12.50.
  Total 71.25: competent (60 ≤ 71.25 < 75).
RM5 — used 15 + 10 + 10 + 10 + 10 + 10 = 65 (no HNW, no loan, BR2 has no figures):
  effective 15 × 100 ÷ 65 = 23.0769 and 10 × 100 ÷ 65 = 15.3846.
  customers_served_per_day 3 ÷ 66 = 0.045455; ÷ 12 = 0.0038 → 23.0769 × 0.0038 = 0.09;
  vip_service_depth 2.5 ÷ 6 = 0.4167 → 15.3846 × 0.4167 = 6.41; projects and proposals
  0; compliance and complaints 15.38 each. Total 37.26: not competent.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow.csv as pa_csv
import pytest

from rmperf.engine.indicators import LIBRARY
from tests.engine_indicators import bank

CARD = Path(__file__).resolve().parents[2] / "docs" / "examples" / "retail_service_strategy.yaml"
NEW = {
    "customers_served_per_day",
    "vip_service_depth",
    "family_trust_penetration",
    "financing_cost_decline",
    "roe",
    "strategic_projects",
    "innovation_proposals",
}


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], dict[tuple, dict]]:
    from rmperf.cli import main

    root = tmp_path_factory.mktemp("card")
    lake = bank.write(root / "lake")
    totals, lines = root / "totals.csv", root / "lines.csv"
    argv = ["score", "--lake", str(lake), "--period", "2026Q3", "--scorecard", str(CARD)]
    argv += ["--today", "2026-11-23", "--out", str(totals), "--lines", str(lines)]
    assert main(argv) == 0
    by_rm = {r["staff_id"]: r for r in pa_csv.read_csv(totals).to_pylist()}
    by_line = {(r["staff_id"], r["line"]): r for r in pa_csv.read_csv(lines).to_pylist()}
    return by_rm, by_line


def test_the_card_uses_every_new_indicator() -> None:
    import yaml

    card = yaml.safe_load(CARD.read_text(encoding="utf-8"))
    named = {line["indicator"] for line in card["lines"] if "indicator" in line}
    assert named >= NEW
    assert named <= set(LIBRARY)


def test_totals_and_tiers_match_the_hand_computation(scored: tuple[dict, dict]) -> None:
    by_rm, _ = scored
    assert Decimal(str(by_rm["RM3"]["total"])) == Decimal("71.25")
    assert by_rm["RM3"]["tier"] == "competent"
    assert Decimal(str(by_rm["RM5"]["total"])) == Decimal("37.26")
    assert by_rm["RM5"]["tier"] == "not_competent"


def test_lines_match_the_hand_computation(scored: tuple[dict, dict]) -> None:
    _, by_line = scored

    def points(rm: str, line: str) -> Decimal | None:
        row = by_line[(rm, line)]
        return None if row["points"] is None else Decimal(str(row["points"]))

    assert points("RM3", "family_trust_penetration") == Decimal("15.00")
    assert points("RM3", "roe") == Decimal("18.75")
    assert points("RM3", "strategic_projects") == Decimal("12.50")
    assert points("RM5", "customers_served_per_day") == Decimal("0.09")
    assert points("RM5", "vip_service_depth") == Decimal("6.41")
    # Undefined values leave their line out (re-normalised), never score it 0.
    assert by_line[("RM3", "vip_service_depth")]["used"] is False
    assert by_line[("RM5", "roe")]["used"] is False
    # RM1: 0.005 decline meets the top band; TM1's ROE 0.075 is below 0.10.
    assert Decimal(str(by_line[("RM1", "financing_cost_decline")]["share"])) == 1
    assert Decimal(str(by_line[("RM1", "roe")]["share"])) == 0
