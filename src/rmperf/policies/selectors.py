"""Reads of policy versions, and the one in force for each kind."""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from rmperf.core.access import Action
from rmperf.core.actors import Actor
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
    # Recording the default is a write: the one a read makes, through the service (the
    # services never import the selectors, so the two modules import one way).
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


def policy_versions(*, actor: Actor) -> QuerySet[PolicyVersion]:
    """Every version the actor may read, newest first per kind."""
    return (
        PolicyVersion.objects.restrict(actor, Action.VIEW)
        .select_related("created_by__staff", "approved_by__staff")
        .order_by("kind", "-created_at", "-pk")
    )


def policy_version_get(*, actor: Actor, version_id: int) -> PolicyVersion:
    version: PolicyVersion = get_object_or_404(policy_versions(actor=actor), pk=version_id)
    return version


@dataclass
class KindVersions:
    kind: str
    label: str
    active: PolicyVersion | None
    versions: list[PolicyVersion]


def policy_overview(*, actor: Actor) -> list[KindVersions]:
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


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified diff: `same`, `removed` or `added`, with its line numbers in
    the old and the new text (None on the side it is missing from)."""

    change: str
    old_no: int | None
    new_no: int | None
    text: str


@dataclass(frozen=True)
class DiffHunk:
    old_start: int
    new_start: int
    lines: list[DiffLine]


def policy_diff(old_text: str, new_text: str, *, context: int = 3) -> list[DiffHunk]:
    """The changed regions of two policy texts (difflib, `context` unchanged lines around
    each change). Plain values: the template escapes every line."""
    old = old_text.splitlines()
    new = new_text.splitlines()
    hunks: list[DiffHunk] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        lines: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(
                    DiffLine("same", i + 1, j + 1, old[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            if tag in ("replace", "delete"):
                lines.extend(DiffLine("removed", i + 1, None, old[i]) for i in range(i1, i2))
            if tag in ("replace", "insert"):
                lines.extend(DiffLine("added", None, j + 1, new[j]) for j in range(j1, j2))
        hunks.append(DiffHunk(old_start=group[0][1] + 1, new_start=group[0][3] + 1, lines=lines))
    return hunks


def policy_numbered(text: str, bad_lines: set[int]) -> list[tuple[int, str, bool]]:
    """(line number, text, has an error) of every line, for the editor's error view."""
    return [(n, line, n in bad_lines) for n, line in enumerate(text.splitlines(), 1)]
