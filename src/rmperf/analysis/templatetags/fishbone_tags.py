"""`{% fishbone_link staff_id period_key %}`: the link from an RM's scorecard page (the
RM's own and the manager's view of that RM) to the RM's fishbone, rendered by the
analysis app so the performance app never imports it."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("analysis/_fishbone_link.html")
def fishbone_link(staff_id: str, period_key: str) -> dict[str, str]:
    return {"staff_id": staff_id, "period_key": period_key}
