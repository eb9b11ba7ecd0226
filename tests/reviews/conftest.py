from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages in English (the product's default is zh-hans; the tests assert English)."""
    with translation.override("en"):
        yield
