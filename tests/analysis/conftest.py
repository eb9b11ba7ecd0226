"""The persona bank with the hand-built lake in use and a segmentation run's tiers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.analysis.lake import persona_lake
from tests.factories import Bank
from tests.segments.factories import make_run

TIERS = {"C001": "core", "C002": "potential", "C003": "potential", "C010": "potential",
         "C100": "core", "C004": "basic"}  # fmt: skip


@pytest.fixture(scope="module")
def lake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return persona_lake(tmp_path_factory.mktemp("analysis") / "lake")


@pytest.fixture
def ready(bank: Bank, lake_dir: Path, settings: Any) -> Bank:
    settings.RMPERF_LAKE_DIR = str(lake_dir)
    make_run(tiers=TIERS)
    return bank
