"""The reviews tests that score: performance's hand-built lake and its fixtures."""

from tests.performance.conftest import (  # noqa: F401 - fixtures shared with performance
    _engine_once,
    perf_bank,
    perf_paths,
    swap_cards,
)
