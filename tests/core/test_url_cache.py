"""`{% url %}` keeps its reversals per process (core/templatetags/url_cache.py, issue #18):
the same addresses as Django's tag, each reversed once, nothing kept that could meet
another value in one key."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Engine, Template
from django.urls import NoReverseMatch
from django.urls.resolvers import URLResolver

from rmperf.core.templatetags import url_cache


@pytest.fixture
def reversals(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = URLResolver._reverse_with_prefix

    def counting(self: URLResolver, lookup: Any, *args: Any, **kwargs: Any) -> str:
        seen.append(str(lookup))
        return original(self, lookup, *args, **kwargs)

    monkeypatch.setattr(URLResolver, "_reverse_with_prefix", counting)
    monkeypatch.setattr(url_cache, "_addresses", {})
    return seen


SOURCE = (
    "{% url 'referrals:inbox' %}|{% url 'referrals:detail' referral_id=n %}|"
    "{% url 'referrals:detail' n %}|{% url 'customers:detail' customer_id=cid %}|"
    "{% url 'referrals:inbox' as inbox %}[{{ inbox }}]"
)


def _plain(source: str, context: dict[str, Any]) -> str:
    """What Django's own tag renders (an engine without the builtin)."""
    return Engine(app_dirs=False).from_string(source).render(Context(context))


def test_addresses_are_djangos_and_reversed_once(reversals: list[str]) -> None:
    context = {"n": 7, "cid": "C 1é"}
    first = Template(SOURCE).render(Context(context))
    assert first == _plain(SOURCE, context)
    assert first.startswith("/referrals/|/referrals/7/|/referrals/7/|/customers/C%201")
    # ours: the inbox once for its two tags, the detail three times; the plain engine: 5
    assert len(reversals) == 4 + 5
    reversals.clear()
    assert Template(SOURCE).render(Context(context)) == first
    assert reversals == []  # every address kept
    assert Template(SOURCE).render(Context({"n": 8, "cid": "C2"})) != first
    assert len(reversals) == 3  # the three addresses with new arguments


def test_values_that_are_not_str_or_int_are_reversed_every_time(reversals: list[str]) -> None:
    source = "{% url 'customers:detail' customer_id=n %}"
    # True == 1 to a dict: kept under one key, one would answer for the other.
    assert Template(source).render(Context({"n": True})) == "/customers/True/"
    assert Template(source).render(Context({"n": 1})) == "/customers/1/"
    assert Template(source).render(Context({"n": True})) == "/customers/True/"
    assert len(reversals) == 3  # True every time, 1 once
    reversals.clear()
    Template(source).render(Context({"n": 1}))
    assert reversals == []


def test_a_failed_reversal_raises_and_is_not_kept(reversals: list[str]) -> None:
    with pytest.raises(NoReverseMatch):
        Template("{% url 'referrals:detail' referral_id=x %}").render(Context({"x": "abc"}))
    assert url_cache._addresses == {}
    out = Template("{% url 'referrals:detail' referral_id=x as u %}[{{ u }}]").render(
        Context({"x": "abc"})
    )
    assert out == "[]"


def test_off_every_address_is_reversed(
    reversals: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(url_cache, "ENABLED", False)
    Template("{% url 'referrals:inbox' %}").render(Context({}))
    Template("{% url 'referrals:inbox' %}").render(Context({}))
    assert len(reversals) == 2
