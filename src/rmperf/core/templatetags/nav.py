"""Where the reader is, for the grouped navigation (templates/base.html): the nav item
whose address is the longest prefix of the page's path, and the group it belongs to."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

register = template.Library()

#: (item, group, url name): the groups are the nav's: my work, customers, performance,
#: team and management.
ITEMS: tuple[tuple[str, str, str], ...] = (
    ("workbench", "work", "workbench:rm"),
    ("desk", "work", "workbench:desk"),
    ("tasks", "work", "tasks:inbox"),
    ("team_tasks", "work", "tasks:team"),
    ("referrals", "work", "referrals:inbox"),
    ("customers", "customers", "customers:list"),
    ("dashboard", "customers", "segments:dashboard"),
    ("recommendations", "customers", "recommend:workbench"),
    ("campaigns", "customers", "recommend:campaigns"),
    ("performance", "performance", "performance:index"),
    ("career", "performance", "careers:index"),
    ("negative", "performance", "careers:negative"),
    ("feedback", "performance", "feedback:index"),
    ("reviews", "performance", "reviews:index"),
    ("reports", "performance", "reports:index"),
    ("pay", "performance", "pay:index"),
    ("teams", "manage", "teams:index"),
    ("workload", "manage", "analysis:workload"),
    ("gaming", "manage", "analysis:gaming"),
    ("thresholds", "manage", "analysis:thresholds"),
    ("org", "manage", "org:tree"),
    ("policies", "manage", "policies:list"),
    ("audit", "manage", "core:audit_log"),
    ("api", "manage", "api:openapi-view"),
    ("admin", "manage", "admin:index"),
)


@dataclass(frozen=True)
class Here:
    """The nav item (and its group) of the page being shown; empty when none is."""

    item: str = ""
    group: str = ""


@functools.lru_cache(maxsize=16)
def _item_addresses(script_prefix: str, urlconf: Any) -> tuple[tuple[str, str, str], ...]:
    """(address, item, group) of every nav item the URLconf has, reversed once per
    process (25 reversals on every page otherwise, bench/load.md); the addresses depend
    only on the script prefix and the URLconf, the key."""
    addresses: list[tuple[str, str, str]] = []
    for item, group, name in ITEMS:
        try:
            addresses.append((reverse(name), item, group))
        except NoReverseMatch:
            continue
    return tuple(addresses)


@register.simple_tag(takes_context=True)
def nav_here(context: Any) -> Here:
    """The item whose address is the longest prefix of the path: /careers/negative/ is
    the negative list, not the career page; the reader's own unit is "My team"."""
    request = context.get("request")
    path: str = getattr(request, "path", "") or ""
    addresses = list(_item_addresses(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF))
    unit = context.get("nav_own_unit")
    if unit:
        addresses.append((reverse("org:unit", kwargs={"unit_id": unit}), "unit", "manage"))
    best = max(
        (a for a in addresses if a[0] != "/" and path.startswith(a[0])),
        key=lambda a: len(a[0]),
        default=None,
    )
    return Here(item=best[1], group=best[2]) if best else Here()
