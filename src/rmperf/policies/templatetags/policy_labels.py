"""How a page names the policy version a run used, for people: `{{ run.policy_label|
policy_name }}` shows 推荐规则手册 · 默认版本 for `referrals default-3010ba464c97` (the
digest stays on the policy's own page, for the auditors); `{{ run.policy|policy_version }}`
adds, for a stored version, the day it took effect."""

from __future__ import annotations

import re

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from rmperf.policies.kinds import PolicyKind
from rmperf.policies.models import PolicyVersion

register = template.Library()

_DEFAULT = re.compile(r"^default-[0-9a-f]+$")


@register.filter
def version_name(label: object) -> str:
    """A version label for people: the shipped default's `default-<digest>` reads
    "shipped default"; a bank's own label is shown as it is."""
    text = str(label or "")
    return gettext("shipped default") if _DEFAULT.match(text) else text


@register.filter
def policy_name(run_label: object) -> str:
    """`<kind> <label>` (how runs name a version) as the kind's name and the version."""
    text = str(run_label or "")
    kind, _sep, label = text.partition(" ")
    if kind in PolicyKind.values and label:
        return f"{PolicyKind(kind).label} · {version_name(label)}"
    return version_name(text)


@register.filter
def policy_version(version: PolicyVersion | None) -> str:
    """A stored version as `policy_name` names it, with the day it took effect (a version
    never activated: its name only)."""
    if version is None:
        return ""
    name = policy_name(version.run_label)
    if version.activated_at is None:
        return name
    day = date_format(timezone.localdate(version.activated_at), "SHORT_DATE_FORMAT")
    return gettext("%(name)s (in force from %(day)s)") % {"name": name, "day": day}
