"""The library's metadata, its documentation and its parameters."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import get_args

import pytest

from rmperf.engine import contract
from rmperf.engine.indicators import LIBRARY, IndicatorDef, IndicatorParams
from rmperf.engine.indicators.compute import divide, round6
from rmperf.engine.indicators.definitions import SPECS
from rmperf.engine.indicators.doc import render
from rmperf.engine.indicators.library import (
    FAMILIES,
    Aggregation,
    Category,
    Combine,
    Direction,
    Perspective,
    Unit,
)

ROOT = Path(__file__).resolve().parents[2]


def test_size_and_families() -> None:
    assert len(LIBRARY) >= 25
    assert {d.family for d in LIBRARY.values()} == set(FAMILIES)
    assert {d.perspective for d in LIBRARY.values()} == set(get_args(Perspective))
    assert {"business", "compliance", "risk"} <= {d.category for d in LIBRARY.values()}


def test_each_definition_is_complete_and_computed() -> None:
    assert set(SPECS) == set(LIBRARY)
    for key, d in LIBRARY.items():
        assert isinstance(d, IndicatorDef) and d.id == key
        assert d.unit in get_args(Unit) and d.direction in get_args(Direction)
        assert d.category in get_args(Category) and d.combine in get_args(Combine)
        assert d.aggregation in get_args(Aggregation)
        for text in (d.name_zh, d.name_en, d.definition, d.formula, d.crediting, d.edge_cases):
            assert text.strip(), key
        assert d.numerator, key
        assert (d.combine == "ratio") <= bool(d.denominator), key
        assert set(d.sources) <= set(contract.TABLES_BY_NAME), key
        assert set(d.sources) <= set(SPECS[key].tables) | {"products"}, key


def test_balance_indicators_are_daily_averages() -> None:
    balance = [d for d in LIBRARY.values() if d.balance_based]
    assert {d.id for d in balance} >= {
        "deposit_avg_balance",
        "deposit_avg_growth",
        "aum_avg_balance",
        "aum_avg_growth",
        "hnw_retention",
    }
    assert all(d.aggregation == "daily_average" for d in balance)
    assert not any(
        d.aggregation == "daily_average" for d in LIBRARY.values() if not d.balance_based
    )


def test_definitions_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        LIBRARY["nps"].unit = "count"  # type: ignore[misc]


def test_committed_doc_matches_the_library() -> None:
    committed = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert committed == render(), (
        "docs/indicators.md is stale: run "
        "`.venv/bin/python -m rmperf.engine.indicators.doc > docs/indicators.md`"
    )
    for d in LIBRARY.values():
        assert f"### {d.id}" in committed
        assert f"**{d.name_zh}**" in committed


def test_rounding_is_half_up_once() -> None:
    assert round6(Decimal("0.0000005")) == Decimal("0.000001")
    assert round6(Decimal("-0.0000005")) == Decimal("-0.000001")  # away from zero
    assert round6(Decimal("0.00000049999999")) == Decimal("0.000000")
    assert divide(Decimal(2), Decimal(3)) == Decimal("0.666667")
    assert divide(Decimal(1), Decimal(0)) is None
    assert divide(Decimal("7.5"), None) == Decimal("7.500000")


def test_parameters_validate_and_override() -> None:
    with pytest.raises(ValueError, match="6 decimal places"):
        IndicatorParams(
            risk_capital={
                "lgd": Decimal("0.45678"),
                "capital_ratio": Decimal("0.1"),
                "cost_of_capital": Decimal("0.1"),
                "days_per_year": Decimal(365),
            }
        )
    with pytest.raises(ValueError, match="pd_by_grade lacks"):
        IndicatorParams(pd_by_grade={"normal": Decimal("0.01")})
    with pytest.raises(ValueError, match="spike_factor"):
        IndicatorParams(spike_factor=Decimal(1))
    p = IndicatorParams(pd_by_grade={g: Decimal(0) for g in contract.LOAN_GRADES})
    assert p.expected_loss_rate("loss") == 0
    with pytest.raises(TypeError):
        p.pd_by_grade["loss"] = Decimal(1)  # type: ignore[index]
