"""HTMX helpers: list views answer an htmx request with the table partial only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_partial(request: HttpRequest) -> bool:
    """An htmx swap wants a fragment; a history restore (back button) wants the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def render_page_or_partial(
    request: HttpRequest, *, page: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """The full page, or only `partial` for an htmx request; caches keep the two apart."""
    response = render(request, partial if wants_partial(request) else page, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
