"""A module imported when one of its attributes is first read.

A family module (`families/`) holds each indicator's metadata, finisher and Ibis detail
expression together, but a warm command runs kept SQL (rmperf.engine.sql_cache) and
needs only the metadata and the finishers: importing Ibis and its compiler costs it about
a second. So the families name Ibis and the Ibis building blocks (`sources`) through a
`LazyModule`, and Ibis is imported only when a detail expression is first built.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule(ModuleType):
    """Stands for the module `name`; imports it on the first attribute read.

    Unlike importlib.util.LazyLoader it puts nothing in sys.modules before the import, so
    "is Ibis loaded" keeps meaning what it says (tests/engine/test_score_start_up.py).
    """

    def __getattr__(self, attr: str) -> Any:
        value = getattr(importlib.import_module(self.__name__), attr)
        setattr(self, attr, value)
        return value
