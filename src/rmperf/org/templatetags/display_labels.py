"""Labels for the codes rows keep (a run's actor, an RM's rank, a business line) so a page
never shows a developer's word: `{{ run.actor_label|actor_label }}` shows 系统 / system
for `system`; a person's login name is shown as it is."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from rmperf.org.models import BusinessLine, Rank, Staff

register = template.Library()


@register.filter
def actor_label(value: object) -> object:
    """`system` (a run nobody started by hand) in the reader's language, else the value."""
    return gettext("system") if value in ("system", "", None) else value


@register.filter
def rank_label(value: object) -> object:
    """An RM's rank (junior, intermediate, …) in the reader's language."""
    try:
        return Rank(str(value)).label
    except ValueError:
        return value


@register.filter
def business_line_label(value: object) -> object:
    """A business line (retail, corporate, sci_tech) in the reader's language."""
    try:
        return BusinessLine(str(value)).label
    except ValueError:
        return value


@register.filter
def person_name(value: object) -> object:
    """A trail's actor (a login name) as the person's name when they have a staff record;
    `system` in the reader's language. One query: for short trails, not for long lists."""
    if value in ("system", "", None):
        return gettext("system")
    staff = Staff.objects.filter(user__username=str(value)).only("name").first()
    return staff.name if staff is not None else value
