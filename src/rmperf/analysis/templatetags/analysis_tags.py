"""`{% gaming_decisions staff_id period_key %}`: the managers' decisions on the gaming
flags of an RM, for the RM's explanation page (rendered by the analysis app so the
performance app never imports it); `|gaming_text`: a flag's measure or threshold in the
reader's language; `|threshold_note`: a threshold proposal's note in the reader's language."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import template
from django.utils.translation import gettext

from rmperf.analysis.selectors import gaming_decisions_for
from rmperf.performance.templatetags.performance_labels import percent

register = template.Library()


@register.inclusion_tag("analysis/_gaming_decisions.html", takes_context=True)
def gaming_decisions(context: dict[str, Any], staff_id: str, period_key: str) -> dict[str, Any]:
    request = context.get("request")
    actor = getattr(request, "user", None)
    return {
        "decisions": gaming_decisions_for(actor=actor, staff_id=staff_id, period_key=period_key)
        if actor is not None
        else [],
    }


#: The gaming engine's measure and threshold texts (written for the CLI's CSV) and how a
#: page says them in the reader's language; a text no pattern knows is shown as it is.
_GAMING_TEXTS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"^(?P<share>\S+) of (?P<total>\S+)$"),
        lambda m: gettext("%(share)s of %(total)s") % m.groupdict(),
    ),
    (
        re.compile(r"^(?P<n>\d+) customer-months$"),
        lambda m: gettext("%(n)s customer-months") % m.groupdict(),
    ),
    (re.compile(r"^(?P<n>\d+) groups$"), lambda m: gettext("%(n)s groups") % m.groupdict()),
    (re.compile(r"^(?P<n>\d+) circles$"), lambda m: gettext("%(n)s circles") % m.groupdict()),
    (re.compile(r"^(?P<n>\d+) days$"), lambda m: gettext("%(n)s days") % m.groupdict()),
    (
        re.compile(
            r"^>= (?P<tasks>\d+) tasks closed on one day, >= (?P<share>\S+) of them without an "
            r"interaction$"
        ),
        lambda m: (
            gettext(
                "at least %(tasks)s tasks closed on one day, at least %(share)s of them without "
                "an interaction"
            )
            % m.groupdict()
        ),
    ),
    (
        re.compile(
            r"^month_end >= (?P<ratio>\S+) x average and spike >= (?P<spike>\S+); "
            r"next average keeps <= (?P<keeps>\S+) of the spike"
            r"(?:; per RM and month >= (?P<customers>\d+) customers and >= (?P<book>\S+) "
            r"of the book)?$"
        ),
        lambda m: (
            gettext(
                "month-end balance ≥ %(ratio)s × the month's average and a rise of at least "
                "%(spike)s; the next month's average keeps at most %(keeps)s of the rise"
            )
            % m.groupdict()
            + (
                gettext(
                    "; per RM and month at least %(customers)s customers and %(book)s of the book"
                )
                % m.groupdict()
                if m.group("customers")
                else ""
            )
        ),
    ),
    (
        re.compile(
            r"^share of the last (?P<days>\d+) days > (?P<share>\S+)"
            r"(?: \(>= (?P<loans>\d+) loans\))?"
            r"(?:; > (?P<count_share>\S+) of the loans, >= (?P<tail>\d+) of them)?$"
        ),
        lambda m: (
            gettext("share disbursed in the last %(days)s days > %(share)s") % m.groupdict()
            + (gettext(" (at least %(loans)s loans)") % m.groupdict() if m.group("loans") else "")
            + (
                gettext("; more than %(count_share)s of the loans, at least %(tail)s of them")
                % m.groupdict()
                if m.group("count_share")
                else ""
            )
        ),
    ),
    (
        re.compile(
            r"^>= (?P<groups>\d+) groups of >= (?P<count>\d+) transactions <= (?P<amount>\S+) "
            r"summing to a multiple of (?P<round>\S+)$"
        ),
        lambda m: (
            gettext(
                "at least %(groups)s groups of at least %(count)s transactions of at most "
                "%(amount)s each, summing to a multiple of %(round)s"
            )
            % m.groupdict()
        ),
    ),
    (
        re.compile(
            r"^a customer referred around (?P<lengths>[\d or]+) colleagues and back to the "
            r"first within (?P<days>\d+) days$"
        ),
        lambda m: (
            gettext(
                "a customer referred around %(lengths)s colleagues and back to the first within "
                "%(days)s days"
            )
            % {"lengths": m.group("lengths").replace(" or ", "/"), "days": m.group("days")}
        ),
    ),
)


@register.filter
def gaming_text(text: object) -> str:
    """A gaming flag's measure or threshold in the reader's language."""
    value = str(text or "")
    for pattern, say in _GAMING_TEXTS:
        found = pattern.match(value)
        if found is not None:
            return say(found)
    return value


#: A threshold proposal's note (engine/analysis/thresholds.py writes it in English for the
#: CLI's CSV; parts joined by "; "), part by part in the reader's language.
_CLIPPED = re.compile(
    r"^clipped to (?P<bound>\S+) \(model (?P<model>[^,\s]+), a share lies in 0\.\.1\)$"
)


def _threshold_note_part(part: str) -> str:
    if part == "no_backtest":
        return gettext("no backtest (too few periods)")
    if part.startswith("too_few_observations"):
        return gettext("too few observations to fit")
    clipped = _CLIPPED.match(part)
    if clipped is not None:
        return gettext(
            "the model gave %(model)s, but a share lies between %(low)s and %(high)s: the "
            "proposal is clipped to %(bound)s"
        ) % {
            "model": percent(clipped["model"]),
            "low": percent("0"),
            "high": percent("1"),
            "bound": percent(clipped["bound"]),
        }
    return part


@register.filter
def threshold_note(note: object) -> str:
    """A threshold proposal's note in the reader's language ("" for none)."""
    text = str(note or "")
    return "; ".join(_threshold_note_part(p) for p in text.split("; ")) if text else ""
