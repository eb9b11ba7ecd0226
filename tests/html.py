"""Helpers for asserting on rendered pages."""

from __future__ import annotations

import re

_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")|(nonce=")[^"]*(")')


def without_tokens(html: str) -> str:
    """The page with its CSRF tokens and CSP nonces blanked.

    Both are random strings of letters and digits, so an assertion such as
    ``"F4" not in page`` fails by chance (about 1 in 60) when a token happens to
    contain it.
    """
    return _TOKEN.sub(lambda m: (m.group(1) or m.group(3)) + (m.group(2) or m.group(4)), html)
