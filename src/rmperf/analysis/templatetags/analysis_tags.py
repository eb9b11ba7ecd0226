"""`{% gaming_decisions staff_id period_key %}`: the managers' decisions on the gaming
flags of an RM, for the RM's explanation page (rendered by the analysis app so the
performance app never imports it)."""

from __future__ import annotations

from typing import Any

from django import template

from rmperf.analysis.selectors import gaming_decisions_for

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
