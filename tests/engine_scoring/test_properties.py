"""Properties of the scorer over random cards and values (hypothesis).

- a total never exceeds 100 + the card's bonus cap, and is never negative;
- raising one indicator never lowers that RM's total on a higher-is-better line, and
  lowering it never lowers the total on a lower-is-better line;
- weights that do not sum to 100 are always rejected.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmperf.engine.periods import Period
from rmperf.engine.policy import LoadedPolicy, PolicyError
from rmperf.engine.scoring import Scorecard, load_scorecard_text, score
from tests.engine_scoring.library import LIB

Q3 = Period.parse("2026Q3")
STAFF = ("A", "B", "C", "D")

# One line template per method; the indicator's direction decides what "better" means.
TEMPLATES: list[dict[str, Any]] = [
    {"indicator": "wealth_sales", "method": "ratio", "target": {"value": "400"}, "cap": "1.5"},
    {
        "indicator": "overdue_rate",
        "method": "ratio",
        "target": {"basis": "level", "value": "0.015"},
        "cap": "1.2",
    },
    {"indicator": "fee_income", "method": "ratio", "target": {"value": "0"}, "cap": "1.3"},
    {
        "indicator": "nps",
        "method": "bands",
        "bands": [
            {"max": "0", "share": "0"},
            {"min": "0", "max": "50", "share": "0.7"},
            {"min": "50", "share": "1"},
        ],
    },
    {
        "indicator": "npl_ratio",
        "method": "bands",
        "bands": [{"max": "0.01", "share": "1"}, {"min": "0.01", "share": "0.2"}],
    },
    {"indicator": "complaints", "method": "deduction", "per_occurrence": "3"},
    {
        "indicator": "compliance_breaches",
        "method": "veto",
        "breach": {"ge": "1"},
        "effect": "cap",
        "total_cap": "59",
    },
    {"indicator": "loan_approval_days", "method": "veto", "breach": {"gt": "30"}},
    {"indicator": "insurance_sales", "method": "rank", "min_share": "0.2"},
    {"indicator": "avg_response_hours", "method": "percentile"},
    {"id": "panel", "manual": "panel", "category": "development", "method": "manual"},
]
INDICATORS = [t["indicator"] for t in TEMPLATES if "indicator" in t] + [
    "referral_points",
    "certifications",
]


@st.composite
def cards(draw: st.DrawFn) -> LoadedPolicy[Scorecard]:
    chosen = draw(
        st.lists(st.sampled_from(range(len(TEMPLATES))), min_size=1, max_size=6, unique=True)
    )
    cuts = sorted(
        draw(st.lists(st.integers(0, 100), min_size=len(chosen) - 1, max_size=len(chosen) - 1))
    )
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    lines = [{**TEMPLATES[i], "weight": w} for i, w in zip(chosen, weights, strict=True)]
    bonus_cap = draw(st.integers(0, 10))
    data = {
        "name": "p",
        "names": {"zh": "p", "en": "p"},
        "applies_to": {"business_line": "retail"},
        "min_compliance_risk_share": 0,
        "lines": lines,
        "bonus_cap": bonus_cap,
        "adjustments": [
            {"id": "ref", "kind": "bonus", "indicator": "referral_points", "per_unit": "0.05"},
            {
                "id": "cert",
                "kind": "bonus",
                "indicator": "certifications",
                "per_unit": "2",
                "max": "3",
            },
            {
                "id": "slow",
                "kind": "deduction",
                "indicator": "avg_response_hours",
                "per_unit": "0.1",
                "max": "4",
            },
        ],
        "rating": {
            "bands": [
                {"tier": "outstanding", "min": 90, "max": 100 + bonus_cap},
                {"tier": "good", "min": 75, "max": 90},
                {"tier": "competent", "min": 60, "max": 75},
                {"tier": "not_competent", "min": 0, "max": 60},
            ]
        },
    }
    # Random weights may include zero-weight lines: allowed, with a warning.
    return load_scorecard_text(yaml.safe_dump(data, allow_unicode=True), source="p", library=LIB)


amounts = st.decimals(
    min_value=-50, max_value=1000, places=2, allow_nan=False, allow_infinity=False
)
maybe = st.one_of(st.none(), amounts)


@st.composite
def value_tables(draw: st.DrawFn) -> dict[tuple[str, str], Decimal | None]:
    return {(s, ind): draw(maybe) for s in STAFF for ind in INDICATORS}


def run(card: LoadedPolicy[Scorecard], values: Any, panel: dict[str, Decimal]) -> Any:
    from rmperf.engine.scoring import ManualScores

    return score(
        values,
        cards={"p": card},
        assignment=dict.fromkeys(STAFF, "p"),
        period=Q3,
        library=LIB,
        manual=ManualScores({(s, "panel"): v for s, v in panel.items()}),
    )


panels = st.dictionaries(st.sampled_from(STAFF), st.decimals(0, 100, places=1))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cards(), value_tables(), panels)
def test_total_within_bounds(card: LoadedPolicy[Scorecard], values: Any, panel: Any) -> None:
    result = run(card, values, panel)
    top = Decimal(100) + card.policy.bonus_cap
    for t in result.totals:
        assert Decimal(0) <= t.total <= top
        assert t.total == t.total.quantize(Decimal("0.01"))


@SETTINGS
@given(
    cards(),
    value_tables(),
    panels,
    st.sampled_from(STAFF),
    st.sampled_from(INDICATORS),
    st.decimals(min_value=Decimal("0.01"), max_value=500, places=2),
)
def test_a_better_value_never_lowers_the_total(
    card: LoadedPolicy[Scorecard],
    values: dict[tuple[str, str], Decimal | None],
    panel: Any,
    staff: str,
    indicator: str,
    step: Decimal,
) -> None:
    before = values.get((staff, indicator))
    if before is None:
        return
    better = before + step if LIB[indicator].direction == "higher" else before - step
    improved = {**values, (staff, indicator): better}
    assert (
        run(card, improved, panel).total_of(staff).total
        >= run(card, values, panel).total_of(staff).total
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.decimals(0, 100, places=2), min_size=1, max_size=6).filter(
        lambda ws: sum(ws) != 100
    )
)
def test_weights_not_summing_to_100_are_rejected(weights: list[Decimal]) -> None:
    lines = "".join(
        f"  - {{id: l{i}, indicator: complaints, weight: '{w}', method: deduction, per_occurrence: 1}}\n"
        for i, w in enumerate(weights)
    )
    text = (
        f"name: w\nnames: {{zh: w, en: w}}\napplies_to: {{business_line: retail}}\nlines:\n{lines}"
    )
    try:
        load_scorecard_text(text, source="w.yaml", library=LIB)
    except PolicyError as exc:
        assert "weights_sum_to_100" in {i.rule for i in exc.issues}
    else:
        raise AssertionError(f"weights {weights} accepted")
