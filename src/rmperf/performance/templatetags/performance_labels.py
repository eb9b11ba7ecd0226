"""Names of indicators and scorecards in the reader's language, for pages that hold only
the id: `{{ line.indicator|indicator_name }}`, `{{ result.scorecard|scorecard_name }}`."""

from __future__ import annotations

import re
from collections.abc import Callable

from asgiref.local import Local
from django import template
from django.core.signals import request_started
from django.utils.translation import get_language, gettext

from rmperf.org.models import BusinessLine
from rmperf.performance import selectors as sel

register = template.Library()


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


@register.filter
def indicator_name(indicator: object) -> str:
    """The indicator's name (the library's), or the id when the library has none."""
    return sel.indicator_label(str(indicator), language="zh-hans" if _zh() else "en")


#: The cards' names, read once per request (a list names a card per row): reset when a
#: request starts, so a newly activated card set shows from the next page on.
_cached = Local()


def _names() -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] | None = getattr(_cached, "names", None)
    if names is None:
        names = sel.scorecard_names()
        _cached.names = names
    return names


def _reset(**_kwargs: object) -> None:
    _cached.names = None


request_started.connect(_reset, dispatch_uid="performance_labels_reset")


@register.filter
def scorecard_name(name: object) -> object:
    """A scorecard's name from the cards in force (retail_rm → 零售客户经理), else the
    business line it is named after, else the name itself."""
    text = str(name)
    names = _names()
    if text in names:
        zh, en = names[text]
        return zh if _zh() else en
    try:
        return BusinessLine(text).label
    except ValueError:
        return name


_NOTES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"^undefined for this RM: counts as 0$"),
        lambda m: gettext("No value for this RM: the line counts as 0."),
    ),
    (
        re.compile(r"^undefined for this RM: weight re-normalised$"),
        lambda m: gettext(
            "No value for this RM: the line is left out and the other lines' weights are "
            "scaled up to 100."
        ),
    ),
    (
        re.compile(r"^rank (\d+)/(\d+)$"),
        lambda m: gettext("rank %(rank)s of %(peers)s") % {"rank": m[1], "peers": m[2]},
    ),
    (
        re.compile(r"^percentile of (\d+)$"),
        lambda m: gettext("percentile among %(peers)s peers") % {"peers": m[1]},
    ),
    (
        re.compile(r"^veto: value (.+)$"),
        lambda m: gettext("veto: the value is %(rule)s") % {"rule": m[1]},
    ),
    (
        re.compile(r"^warning: value (.+)$"),
        lambda m: gettext("warning: the value is %(rule)s") % {"rule": m[1]},
    ),
)


@register.filter
def engine_note(note: object) -> object:
    """A scoring line's note (the engine writes it in English, for the CLI) in the
    reader's language; a note of another shape is shown as it is."""
    text = str(note or "")
    for pattern, say in _NOTES:
        match = pattern.match(text)
        if match:
            return say(match)
    return note
