"""`{% url %}` with its reversals kept per process (a template builtin, settings.TEMPLATES).

Django's `{% url %}` reverses on every render, ~20-40 µs each; the workbench renders
~185 of them (a task row has four links, the navigation 27), some 5 ms of an RM's page
(bench/load.md). The address a URL name reverses to depends only on the name, its
arguments, the current app (namespaces), the script prefix, the URLconf and the language,
all in the key here, and the URLconf does not change while a process runs, so each address
is reversed once per process. Only names and arguments of exact type str (or SafeString) or int are kept
(1 and True, or a model and its string, would meet in one key otherwise); anything else
is reversed as Django does. At most MAX_ENTRIES addresses are kept; past it the cache is
emptied and fills again. Failed reversals are not kept.
"""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.core.signals import setting_changed
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

MAX_ENTRIES = 20_000
#: Off, every `{% url %}` reverses as Django's does (bench/bench_request_cpu.py compares).
ENABLED = True
#: A string literal of a template is a SafeString: the same text as a str to reverse().
_KEPT_TYPES = {str: str, SafeString: str, int: int}
_addresses: dict[tuple[Any, ...], str] = {}


def _clear(**kwargs: Any) -> None:
    _addresses.clear()


setting_changed.connect(_clear, dispatch_uid="rmperf_url_cache")


def _keyable(value: Any) -> bool:
    return type(value) in _KEPT_TYPES


def _kind(value: Any) -> type:
    return _KEPT_TYPES[type(value)]


class CachedURLNode(defaulttags.URLNode):
    def render(self, context: Any) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        key: tuple[Any, ...] | None = None
        if (
            ENABLED
            and _keyable(view_name)
            and all(_keyable(a) for a in args)
            and all(_keyable(v) for v in kwargs.values())
        ):
            key = (
                str(view_name),
                tuple((_kind(a), a) for a in args),
                tuple(sorted((k, _kind(v), v) for k, v in kwargs.items())),
                current_app,
                get_script_prefix(),
                get_urlconf(),
                get_language(),
            )
        url = _addresses.get(key, "") if key is not None else ""
        if not url:
            try:
                url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
            except NoReverseMatch:
                if self.asvar is None:
                    raise
            else:
                if key is not None:
                    if len(_addresses) >= MAX_ENTRIES:
                        _addresses.clear()
                    _addresses[key] = url
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


@register.tag
def url(parser: Any, token: Any) -> CachedURLNode:
    """Django's `{% url %}` (same syntax, same output), reversals kept per process."""
    node = defaulttags.url(parser, token)
    node.__class__ = CachedURLNode
    return cast(CachedURLNode, node)
