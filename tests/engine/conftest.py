from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for the whole test run (a JVM start costs seconds)."""
    pytest.importorskip("pyspark")
    from rmperf.engine.backends.spark_backend import TINY_CONFIG, spark_session, stop_spark_session

    yield spark_session(TINY_CONFIG)
    stop_spark_session()
