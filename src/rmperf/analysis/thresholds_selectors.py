"""Reading threshold proposals (issue #15): the runs an actor may see and, of one run, the
branch rows in their subtree (a branch manager sees their branches; HR the bank)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from rmperf.analysis.thresholds_models import ThresholdProposal
from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.org.models import OrgUnit


def thresholds_list(*, actor: Actor) -> QuerySet[ThresholdProposal]:
    return ThresholdProposal.objects.restrict(actor, Action.VIEW).select_related(
        "draft", "decided_by", "policy"
    )


def threshold_get(*, actor: Actor, proposal_id: int) -> ThresholdProposal:
    found: ThresholdProposal | None = thresholds_list(actor=actor).filter(pk=proposal_id).first()
    if found is None:
        raise Http404
    return found


def threshold_rows(*, actor: Actor, proposal: ThresholdProposal) -> list[dict[str, Any]]:
    """The run's branch × line rows the actor may see: all for bank-wide scopes, those of
    branches under a manager's unit otherwise."""
    rows: list[dict[str, Any]] = list(proposal.result.get("rows", []))
    scope = scope_of(actor)
    if scope is None:
        return []
    if scope.superuser or scope.everything:
        return rows
    if not scope.unit_path:
        return []
    mine = set(
        OrgUnit.objects.filter(
            unit_id__in={r["unit_id"] for r in rows}, path__startswith=scope.unit_path
        ).values_list("unit_id", flat=True)
    )
    return [r for r in rows if r["unit_id"] in mine]
