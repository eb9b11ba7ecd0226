"""Every indicator explains itself in plain Chinese (the "why this score" page)."""

from __future__ import annotations

import re

import pytest

from rmperf.engine.indicators.library import LIBRARY

CJK = re.compile(r"[\u4e00-\u9fff]")
#: Words of the lake's columns that a reader of the zh page should never meet.
TECHNICAL = re.compile(r"`|[a-z]+_[a-z_]+|\bstaff_id\b|Σ")


@pytest.mark.parametrize("indicator", sorted(LIBRARY))
def test_definition_and_formula_in_plain_chinese(indicator: str) -> None:
    info = LIBRARY[indicator]
    for text in (info.definition_zh, info.formula_zh):
        assert CJK.search(text), (indicator, text)
        assert not TECHNICAL.search(text), (indicator, text)
