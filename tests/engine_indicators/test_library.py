"""The library's metadata, its documentation and its parameters."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import get_args

import pytest

from rmperf.engine import contract
from rmperf.engine.indicators import LIBRARY, IndicatorDef, IndicatorParams, families
from rmperf.engine.indicators.compute import divide, round6
from rmperf.engine.indicators.doc import render
from rmperf.engine.indicators.lazy import LazyModule
from rmperf.engine.indicators.library import (
    FAMILIES,
    MODULES,
    Aggregation,
    Category,
    Combine,
    Direction,
    Perspective,
    Unit,
    collect,
)

ROOT = Path(__file__).resolve().parents[2]


def test_size_and_families() -> None:
    assert len(LIBRARY) >= 25
    assert {d.family for d in LIBRARY.values()} == set(FAMILIES)
    assert {d.perspective for d in LIBRARY.values()} == set(get_args(Perspective))
    assert {"business", "compliance", "risk"} <= {d.category for d in LIBRARY.values()}


def test_each_definition_is_complete_and_computed() -> None:
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
        assert set(d.sources) <= set(d.tables) | {"products"}, key


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


def test_each_family_module_defines_its_family_whole() -> None:
    """One module per family (the offer_* indicators, which read the offers input, in
    `offers`), collected in FAMILIES order: the library's order is theirs."""
    names = [m.__name__.rsplit(".", 1)[1] for m in MODULES]
    assert names == [*FAMILIES, "offers"]
    for module, name in zip(MODULES, names, strict=True):
        assert module.INDICATORS, name
        for d in module.INDICATORS:
            if name == "offers":
                assert d.id.startswith("offer_") and d.offers, d.id
            else:
                assert d.family == name and not d.offers, d.id
    assert list(LIBRARY) == [d.id for m in MODULES for d in m.INDICATORS]
    assert list(LIBRARY)[:2] == ["deposit_avg_balance", "deposit_avg_growth"]
    assert list(LIBRARY)[-1] == "offer_complaint_rate"


def test_an_id_defined_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="indicator nps is defined twice"):
        collect((families.customer, families.customer))


def test_the_library_loads_without_ibis() -> None:
    """Metadata and finishers are all a warm `rmperf score` needs (kept SQL): reading them
    must not import Ibis; building a detail expression does."""
    probe = (
        "import sys\n"
        "from rmperf.engine.indicators import LIBRARY\n"
        "d = LIBRARY['nps']\n"
        "assert d.finish and d.tables == ('feedback',)\n"
        "print('ibis' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_lazy_module_imports_on_first_read() -> None:
    sys.modules.pop("colorsys", None)
    lazy = LazyModule("colorsys")
    assert "colorsys" not in sys.modules
    assert lazy.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert "colorsys" in sys.modules
    assert lazy.rgb_to_hsv is sys.modules["colorsys"].rgb_to_hsv
