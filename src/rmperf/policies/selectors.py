"""Reads of policy versions, and the one in force for each kind."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from rmperf.core.access import Action, scope_of
from rmperf.engine.policy import LoadedPolicy
from rmperf.engine.scoring.load import Cards
from rmperf.policies.kinds import KINDS, PolicyKind
from rmperf.policies.models import PolicyStatus, PolicyVersion


def policy_active(kind: str) -> PolicyVersion:
    """The active version of `kind`; before any, the shipped default, recorded as a
    version on first use so results can name it."""
    found: PolicyVersion | None = PolicyVersion.objects.filter(
        kind=kind, status=PolicyStatus.ACTIVE
    ).first()
    if found is not None:
        return found
    from rmperf.policies.services import policy_default_record

    return policy_default_record(kind=kind)


@functools.lru_cache(maxsize=32)
def _load(kind: str, digest: str, text: str) -> Any:
    return KINDS[kind].load(text, f"{kind}.yaml")


def policy_loaded(version: PolicyVersion) -> LoadedPolicy[Any]:
    """The engine's validated policy object of a stored version (parsed once per process)."""
    if version.kind == PolicyKind.SCORECARDS:
        raise TypeError("a scorecard set loads with policy_cards()")
    loaded: LoadedPolicy[Any] = _load(version.kind, version.digest, version.yaml_text)
    return loaded


def policy_cards(version: PolicyVersion) -> Cards:
    """The scorecards of a stored scorecard set, by card name (parsed once per process)."""
    if version.kind != PolicyKind.SCORECARDS:
        raise TypeError(f"{version.kind} is not a scorecard set")
    cards: Cards = _load(version.kind, version.digest, version.yaml_text)
    return cards


def policy_in_force(kind: str) -> tuple[PolicyVersion, Any]:
    """The active version of `kind` and its engine value (a LoadedPolicy, or the Cards of
    the scorecard set): what a run uses and records."""
    version = policy_active(kind)
    return version, _load(version.kind, version.digest, version.yaml_text)


def policy_may_edit(*, actor: Any) -> bool:
    """HR and superusers write policies (maker or checker); everyone else reads."""
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    return scope.superuser or (scope.everything and scope.role == "hr")


def policy_versions(*, actor: Any) -> QuerySet[PolicyVersion]:
    """Every version the actor may read, newest first per kind."""
    return (
        PolicyVersion.objects.restrict(actor, Action.VIEW)
        .select_related("created_by", "approved_by")
        .order_by("kind", "-created_at", "-pk")
    )


def policy_version_get(*, actor: Any, version_id: int) -> PolicyVersion:
    version: PolicyVersion = get_object_or_404(policy_versions(actor=actor), pk=version_id)
    return version


@dataclass
class KindVersions:
    kind: str
    label: str
    active: PolicyVersion | None
    versions: list[PolicyVersion]


def policy_overview(*, actor: Any) -> list[KindVersions]:
    """Per kind: its versions (the active one first named) for the policies page."""
    by_kind: dict[str, list[PolicyVersion]] = {k: [] for k in KINDS}
    for v in policy_versions(actor=actor):
        by_kind.setdefault(v.kind, []).append(v)
    labels = dict(PolicyKind.choices)
    return [
        KindVersions(
            kind=k,
            label=str(labels.get(k, k)),
            active=next((v for v in vs if v.status == PolicyStatus.ACTIVE), None),
            versions=vs,
        )
        for k, vs in by_kind.items()
    ]
