"""Which balanced-scorecard perspective a card line is in (engine scoring/bsc.py)."""

from __future__ import annotations

import pytest
import yaml

from rmperf.engine.policy import PolicyError
from rmperf.engine.scoring import load_scorecard_text
from rmperf.engine.scoring.bsc import line_perspective
from tests.engine_scoring.library import LIB

CARD = {
    "name": "t_bsc",
    "names": {"zh": "测试", "en": "test"},
    "applies_to": {"business_line": "retail"},
    "lines": [
        {"indicator": "wealth_sales", "weight": 50, "method": "ratio", "target": {"value": "1"}},
        {"indicator": "complaints", "weight": 20, "method": "deduction", "per_occurrence": "5"},
        {"manual": "self_review", "category": "development", "weight": 15, "method": "manual"},
        {"manual": "branch_view", "category": "social", "weight": 15, "method": "manual"},
    ],
}


def _card(**extra: object) -> object:
    text = yaml.safe_dump({**CARD, **extra})
    return load_scorecard_text(text, source="card.yaml", library=LIB).policy


def test_the_default_mapping_and_the_cards_own() -> None:
    card = _card()
    got = {
        key: line_perspective(card, key, ind, LIB)  # type: ignore[arg-type]
        for key, ind in (
            ("wealth_sales", "wealth_sales"),  # no perspective in the test library: fallback
            ("complaints", "complaints"),
            ("self_review", "self_review"),  # manual, development → learning
            ("branch_view", "branch_view"),  # manual, social → customer
        )
    }
    assert got == {
        "wealth_sales": "process",
        "complaints": "process",
        "self_review": "learning",
        "branch_view": "customer",
    }
    mapped = _card(perspectives={"wealth_sales": "financial", "self_review": "process"})
    assert line_perspective(mapped, "wealth_sales", "wealth_sales", LIB) == "financial"  # type: ignore[arg-type]
    assert line_perspective(mapped, "self_review", "self_review", LIB) == "process"  # type: ignore[arg-type]
    # Without the card: the library's perspective only, else process.
    assert line_perspective(None, "self_review", "self_review", LIB) == "process"


def test_the_real_library_gives_indicator_perspectives() -> None:
    from rmperf.engine.scoring.library import default_library

    lib = default_library()
    assert line_perspective(None, "x", "deposit_avg_growth", lib) == "financial"
    assert line_perspective(None, "x", "nps", lib) == "customer"
    assert line_perspective(None, "x", "certifications", lib) == "learning"


def test_a_mapping_must_name_a_line_and_a_perspective() -> None:
    with pytest.raises(PolicyError, match=r"\[perspectives_name_lines\].*'nope' is no line"):
        _card(perspectives={"nope": "financial"})
    with pytest.raises(PolicyError, match="perspectives"):
        _card(perspectives={"complaints": "marketing"})
