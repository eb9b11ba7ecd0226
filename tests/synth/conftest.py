"""Lakes generated once per test session (tiny scale), shared by the synth tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rmperf.synth import generate

START = date(2024, 1, 1)
END = date(2026, 9, 30)


@pytest.fixture(scope="session")
def tiny_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny") / "lake"
    generate("tiny", seed=42, out=out, start=START, end=END)
    return out


@pytest.fixture(scope="session")
def tiny_csv_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny_csv") / "lake"
    generate("tiny", seed=42, out=out, start=START, end=END, fmt="csv")
    return out
