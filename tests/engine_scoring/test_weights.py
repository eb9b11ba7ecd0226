"""Per-person weights (一人一表): the sheet's `weight` column, `weight_range`, validation."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
import yaml

from rmperf.engine.periods import Period
from rmperf.engine.policy import LoadedPolicy, PolicyError
from rmperf.engine.scoring import load_scorecard_text, parse_target_sheet, score
from rmperf.engine.scoring.policy import Scorecard
from rmperf.engine.scoring.score import WeightError
from tests.engine_scoring.library import LIB

Q3 = Period.parse("2026Q3")

CARD = {
    "name": "t_weights",
    "names": {"zh": "测试", "en": "test"},
    "applies_to": {"business_line": "retail"},
    "lines": [
        {
            "indicator": "deposit_avg_growth",
            "weight": 60,
            "weight_range": [40, 70],
            "method": "ratio",
            "target": {"source": "per_person", "value": "400"},
        },
        {
            "indicator": "wealth_sales",
            "weight": 20,
            "weight_range": [10, 40],
            "method": "ratio",
            "target": {"value": "400"},
        },
        {"indicator": "complaints", "weight": 20, "method": "deduction", "per_occurrence": "5"},
    ],
}
# Q3 targets: 400 ÷ 4 = 100 on both ratio lines.
VALUES = {
    ("RM1", "deposit_avg_growth"): D("75"),  # completion 0.75
    ("RM1", "wealth_sales"): D("100"),  # completion 1
    ("RM1", "complaints"): D("0"),  # share 1
    ("RM2", "deposit_avg_growth"): D("75"),
    ("RM2", "wealth_sales"): D("100"),
    ("RM2", "complaints"): D("0"),
}


def _cards(card: dict[str, object] = CARD) -> dict[str, LoadedPolicy[Scorecard]]:
    loaded = load_scorecard_text(yaml.safe_dump(card), source="card.yaml", library=LIB)
    return {str(card["name"]): loaded}


def _score(sheet_csv: str, card: dict[str, object] = CARD) -> dict[str, D]:
    sheet = parse_target_sheet(sheet_csv, source="sheet.csv")
    cards = _cards(card)
    name = next(iter(cards))
    result = score(
        VALUES,
        cards=cards,
        assignment={"RM1": name, "RM2": name},
        period=Q3,
        library=LIB,
        targets=sheet,
    )
    return {t.staff_id: t.total for t in result.totals}


def test_a_per_person_weight_changes_the_total_as_computed_by_hand() -> None:
    # Card weights for everyone: 60 × 0.75 = 45.00, 20 × 1 = 20.00, 20 × 1 = 20.00 → 85.00.
    header = "staff_id,indicator,annual,year,weight\n"
    assert _score(header) == {"RM1": D("85.00"), "RM2": D("85.00")}
    # RM1's sheet moves 20 points from deposits to wealth: 40 × 0.75 = 30.00,
    # 40 × 1 = 40.00, complaints 20.00 → 90.00. RM2 keeps the card's weights: 85.00.
    sheet = header + (
        "RM1,deposit_avg_growth,400,2026,40\n"
        "RM1,wealth_sales,400,2026,40\n"
    )  # fmt: skip
    assert _score(sheet) == {"RM1": D("90.00"), "RM2": D("85.00")}


def test_the_weight_of_another_year_does_not_apply() -> None:
    sheet = (
        "staff_id,indicator,annual,year,weight\n"
        "RM1,deposit_avg_growth,400,2025,40\n"
        "RM1,wealth_sales,400,2025,40\n"
    )
    assert _score(sheet)["RM1"] == D("85.00")


def test_the_line_results_carry_the_persons_weight() -> None:
    sheet = parse_target_sheet(
        "staff_id,indicator,annual,weight\nRM1,deposit_avg_growth,400,50\nRM1,wealth_sales,400,30\n",
        source="sheet.csv",
    )
    result = score(
        VALUES,
        cards=_cards(),
        assignment={"RM1": "t_weights"},
        period=Q3,
        library=LIB,
        targets=sheet,
    )
    weights = {ln.line: (ln.weight, ln.points) for ln in result.lines_of("RM1")}
    # 50 × 0.75 = 37.50; 30 × 1 = 30.00; complaints 20.00 (card weight)
    assert weights == {
        "deposit_avg_growth": (D("50"), D("37.50")),
        "wealth_sales": (D("30"), D("30.00")),
        "complaints": (D("20"), D("20.00")),
    }
    assert result.total_of("RM1").total == D("87.50")


@pytest.mark.parametrize(
    ("rows", "rule", "message"),
    [
        (
            "RM1,deposit_avg_growth,400,75\n",
            "targets.weight_range",
            "sheet.csv:2: error [targets.weight_range]: RM1: weight 75 of line "
            "deposit_avg_growth is outside card t_weights's allowed range [40, 70]",
        ),
        (
            "RM1,complaints,0,25\n",
            "targets.weight_fixed",
            "sheet.csv:2: error [targets.weight_fixed]: RM1: line complaints of card t_weights "
            "has a fixed weight 20 (no weight_range); the sheet gives 25",
        ),
        (
            "RM1,deposit_avg_growth,400,50\n",  # 50 + 20 + 20 = 90
            "targets.weights_sum_to_100",
            "RM1: the weights of card t_weights sum to 90, not 100",
        ),
        (
            "RM1,new_loans,100,10\n",
            "targets.weight_line",
            "card t_weights has no line reading new_loans",
        ),
    ],
)
def test_weights_the_card_does_not_allow_are_refused(rows: str, rule: str, message: str) -> None:
    with pytest.raises(WeightError) as info:
        _score("staff_id,indicator,annual,weight\n" + rows)
    assert [i.rule for i in info.value.issues] == [rule]
    assert message in str(info.value)


def test_the_same_weight_on_a_fixed_line_is_accepted() -> None:
    sheet = "staff_id,indicator,annual,weight\nRM1,complaints,0,20\n"
    assert _score(sheet)["RM1"] == D("85.00")


def test_compliance_and_risk_must_keep_their_share() -> None:
    card = yaml.safe_load(yaml.safe_dump(CARD))
    card["lines"][2]["weight_range"] = [10, 30]
    # 65 + 20 + 15 = 100, but compliance and risk then weigh 15 < the required 20
    sheet = (
        "staff_id,indicator,annual,weight\n"
        "RM1,deposit_avg_growth,400,65\n"
        "RM1,complaints,0,15\n"
    )  # fmt: skip
    with pytest.raises(WeightError, match=r"compliance and risk lines .* weigh 15, less than"):
        _score(sheet, card)


@pytest.mark.parametrize(
    ("weight", "message"),
    [("abc", "weight 'abc' is not a number"), ("120", "weight 120 is not between 0 and 100")],
)
def test_a_bad_weight_cell_names_the_line(weight: str, message: str) -> None:
    with pytest.raises(PolicyError, match=f"sheet.csv:3: error \\[targets.row\\]: {message}"):
        parse_target_sheet(
            "staff_id,indicator,annual,weight\n"
            "RM1,wealth_sales,400,\n"
            f"RM1,deposit_avg_growth,400,{weight}\n",
            source="sheet.csv",
        )


@pytest.mark.parametrize(
    ("weight_range", "message"),
    [
        ([70, 40], "weight_range min 70 is above its max 40"),
        ([10, 50], "weight 60 is outside its weight_range [10, 50]"),
        ([40, 120], "weight_range max 120 is above 100"),
    ],
)
def test_a_card_with_a_bad_weight_range_is_refused(weight_range: list[int], message: str) -> None:
    card = yaml.safe_load(yaml.safe_dump(CARD))
    card["lines"][0]["weight_range"] = weight_range
    with pytest.raises(PolicyError, match=r"\[weight_range_sound\]") as info:
        _cards(card)
    assert message in str(info.value)
