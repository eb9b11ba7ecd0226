"""The team rhythm's tests read messages and pages in English (the default is 简体中文);
tests/core/test_zh_every_page.py checks the Chinese."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield
