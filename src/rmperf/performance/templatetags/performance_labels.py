"""Names of indicators and scorecards in the reader's language, for pages that hold only
the id: `{{ line.indicator|indicator_name }}`, `{{ result.scorecard|scorecard_name }}`;
an indicator's figure as a person reads it: `{{ value|indicator_value:line.indicator }}`
(why.format_value: money to the cent with separators and 元, ratios as percentages)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from asgiref.local import Local
from django import template
from django.core.signals import request_started
from django.utils.translation import get_language, gettext

from rmperf.org.models import BusinessLine
from rmperf.performance import selectors as sel
from rmperf.performance.models import Tier
from rmperf.performance.why import format_value

register = template.Library()


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


@register.filter
def indicator_name(indicator: object) -> str:
    """The indicator's name (the library's), or the id when the library has none."""
    return sel.indicator_label(str(indicator), language="zh-hans" if _zh() else "en")


def _in_unit(value: object, unit: str) -> str:
    """`value` (a Decimal or its text) as why.format_value says a figure of `unit`; "—"
    for none; text that is not a number is shown as it is."""
    if value is None or value == "":
        return "—"
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_value(number, unit)


@register.filter
def indicator_value(value: object, indicator: object) -> str:
    """A figure of the indicator in its unit (3,799.50 元, 87.22%, 25, 12.50 hours)."""
    return _in_unit(value, sel.indicator_unit(str(indicator)))


@register.filter
def percent(value: object) -> str:
    """A share (0.0912) as a percentage (9.12%)."""
    return _in_unit(value, "ratio")


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


#: The forced distribution's reason for moving an RM down a tier (engine/scoring/score.py
#: `_forced`); an RM moved twice has two, joined by "; ".
_FORCED = re.compile(
    r"^forced distribution: at most (?P<pct>\S+) (?P<tier>\w+) in (?P<where>.+) "
    r"\((?P<n>\d+) × (?P<share>\S+) = (?P<exact>\S+), (?P<how>rounded half up|rounded down): "
    r"(?P<allowed>\d+) of \d+\); placed (?P<position>\d+) by total, then "
    r"(?:(?P<line>\w+) points, then )?staff_id; moved to (?P<lower>\w+)$"
)
_WHERE = re.compile(
    r"^(?P<kind>\w+) (?P<key>\S+)"
    r"(?: \((?P<group>\w+) (?P<keys>.+) pooled up: fewer than (?P<minimum>\d+) RMs\))?$"
)
_FORCED_PREFIX = "forced distribution: "


def _level(kind: str, key: str) -> str:
    """A peer-group level in words: 小组 TM1, 支行 BR1, the card's name for the bank."""
    if kind in ("scorecard", "bank"):
        name = str(scorecard_name(key))
        if kind == "bank":
            return gettext("every RM on %(card)s") % {"card": name}
        return gettext("scorecard %(card)s") % {"card": name}
    words = {"team": gettext("team"), "branch": gettext("branch"), "region": gettext("region")}
    return f"{words.get(kind, kind)} {key}"


def _where(text: str) -> str:
    match = _WHERE.match(text)
    if match is None:
        return text
    level = _level(match["kind"], match["key"])
    if match["group"] is None:
        return level
    pooled = _level(match["group"], match["keys"])
    return gettext("%(level)s (%(pooled)s pooled up: fewer than %(minimum)s RMs)") % {
        "level": level,
        "pooled": pooled,
        "minimum": match["minimum"],
    }


def _tier(value: str) -> str:
    return str(dict(Tier.choices).get(value, value))


def _forced(match: re.Match[str]) -> str:
    values = {
        "pct": match["pct"],
        "tier": _tier(match["tier"]),
        "where": _where(match["where"]),
        "n": match["n"],
        "share": match["share"],
        "exact": match["exact"],
        "allowed": match["allowed"],
        "position": match["position"],
        "lower": _tier(match["lower"]),
    }
    if match["how"] == "rounded half up":
        quota = gettext("%(n)s × %(share)s = %(exact)s, rounded half up: %(allowed)s of %(n)s")
    else:
        quota = gettext("%(n)s × %(share)s = %(exact)s, rounded down: %(allowed)s of %(n)s")
    values["quota"] = quota % values
    if match["line"]:
        values["line"] = indicator_name(match["line"])
        order = gettext(
            "placed %(position)s by total score, then by the points of %(line)s, then by "
            "staff number"
        )
    else:
        order = gettext("placed %(position)s by total score, then by staff number")
    values["order"] = order % values
    return (
        gettext(
            "Forced distribution: at most %(pct)s %(tier)s in %(where)s (%(quota)s); "
            "%(order)s; moved to %(lower)s."
        )
        % values
    )


@register.filter
def engine_note(note: object) -> object:
    """A scoring line's note or a result's tier reason (the engine writes them in
    English, for the CLI) in the reader's language; a note of another shape is shown as
    it is."""
    text = str(note or "")
    for pattern, say in _NOTES:
        match = pattern.match(text)
        if match:
            return say(match)
    if text.startswith(_FORCED_PREFIX):
        parts = [
            _FORCED_PREFIX + p for p in text[len(_FORCED_PREFIX) :].split("; " + _FORCED_PREFIX)
        ]
        matches = [_FORCED.match(p) for p in parts]
        if all(matches):
            return " ".join(_forced(m) for m in matches if m is not None)
    return note
