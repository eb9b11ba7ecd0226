"""`{% versioned_cache "name" [vary …] %}…{% endversioned_cache %}`: a fragment of a page
kept per process, keyed by the data version (core/data_version.py) and by everything
else that decides what the fragment shows for whom.

The key always holds: the fragment's name and the values of its `vary` arguments (the
request's path and query, say), the data version, the signed-in user and their access
scope (role, unit, staff record: one person's fragment never reaches another, and a
person moved to another unit gets a new key even before any audit event), the active
language, and the bank's date. Nothing is kept for an anonymous visitor or a write
request (POST …), and a fragment that carries a CSRF token or a CSP nonce is never kept
(those are per request): the tag renders it afresh every time, so a form inside one
stays correct, only slower. Cache: settings.CACHES["pages"].
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import template
from django.core.cache import caches
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from rmperf.core.access import scope_of
from rmperf.core.data_version import data_version_of

register = template.Library()

CACHE_ALIAS = "pages"
#: What a fragment must not carry to be kept: per-request secrets.
PER_REQUEST_MARKS = ("csrfmiddlewaretoken", "csrftoken", "nonce=")


def fragment_key(name: str, vary: list[Any], request: Any) -> str | None:
    """The fragment's cache key for this request, or None when it must not be kept."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    version = data_version_of(request)
    if version is None:
        return None
    parts = [
        repr(vary),
        str(user.pk),
        repr(scope_of(user)),
        str(get_language()),
        timezone.localdate().isoformat(),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"fragment:{name}:{version}:{digest}"


class VersionedCacheNode(template.Node):
    def __init__(
        self, nodelist: template.NodeList, name: str, vary: list[template.base.FilterExpression]
    ) -> None:
        self.nodelist = nodelist
        self.name = name
        self.vary = vary

    def render(self, context: template.Context) -> str:
        request = context.get("request")
        key = (
            fragment_key(self.name, [v.resolve(context) for v in self.vary], request)
            if request is not None
            else None
        )
        if key is None:
            return self.nodelist.render(context)
        cache = caches[CACHE_ALIAS]
        kept = cache.get(key)
        if isinstance(kept, str):
            return mark_safe(kept)  # noqa: S308 - our own rendered template output
        html = self.nodelist.render(context)
        if not any(mark in html for mark in PER_REQUEST_MARKS):
            cache.set(key, str(html))
        return html


@register.tag("versioned_cache")
def versioned_cache(parser: Any, token: Any) -> VersionedCacheNode:
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes a quoted fragment name, then the values it varies on"
        )
    nodelist = parser.parse(("endversioned_cache",))
    parser.delete_first_token()
    return VersionedCacheNode(nodelist, bits[1][1:-1], [parser.compile_filter(b) for b in bits[2:]])
