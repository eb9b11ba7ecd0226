"""django-tables2 reads the signature of a column's render method (`inspect.signature`)
for every cell it renders, to pass the method only the arguments it names: 25 rows of 11
columns are 275 signatures per page, about a tenth of a customer list's CPU time
(bench/load.md). A method's signature does not change while the process runs, so it is
read once per function here.

Bound methods share their function's entry (a new bound method is made for every cell,
the function is the same). Anything else is kept by identity, up to MAX_ENTRIES (a
callable made per request, were there one, would stop being kept rather than grow the
memory).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_tables2.utils as tables_utils

MAX_ENTRIES = 4096

_original: Callable[[Any], tuple[tuple[str, ...], str | None]] = tables_utils.signature
_known: dict[object, tuple[tuple[str, ...], str | None]] = {}


def signature(fn: Any) -> tuple[tuple[str, ...], str | None]:
    """`django_tables2.utils.signature`, read once per function."""
    func = getattr(fn, "__func__", None)
    key: object = ("bound", func) if func is not None else fn
    try:
        known = _known.get(key)
    except TypeError:  # an unhashable callable: read every time
        return _original(fn)
    if known is not None:
        return known
    found = _original(fn)
    if len(_known) < MAX_ENTRIES:
        _known[key] = found
    return found


def install() -> None:
    """Make django-tables2 use the kept signatures (`call_with_appropriate` looks the
    function up in its module at every call)."""
    tables_utils.signature = signature
