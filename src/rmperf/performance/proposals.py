"""Innovation proposals (创新建议) recorded in the app: an RM submits one; the author's
team leader or branch manager (or HR) adopts or rejects it with a note. A period run
counts the proposals adopted in the period (decision day) for `innovation_proposals`
beside the lake's `proposals` rows (`performance.selectors.proposals_feed`).

Writes are audited services; reads go through `restrict()` (the author sees their own,
managers their subtree, HR the bank).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action, scope_of, staff_of
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.performance.models import (
    MANAGER_ROLES,
    InnovationProposal,
    PerfPeriod,
    PeriodStatus,
    ProposalStatus,
)
from rmperf.performance.services.periods import PerformanceError

TITLE_MAX = 200

#: Roles that review any proposal of the bank (besides the author's managers).
BANK_REVIEWER_ROLES = frozenset({"hr"})


def _state(p: InnovationProposal) -> dict[str, object]:
    return {
        "staff": p.staff_id,
        "title": p.title,
        "status": p.status,
        "reviewer": p.reviewer_id,
        "decided_at": p.decided_at.isoformat() if p.decided_at else None,
        "note": p.decision_note,
    }


# --- selectors ------------------------------------------------------------------------


def proposals_visible(*, actor: Actor) -> QuerySet[InnovationProposal]:
    """Every proposal the actor may read."""
    return InnovationProposal.objects.restrict(actor, Action.VIEW).select_related(
        "staff", "reviewer"
    )


def proposals_mine(*, actor: Actor) -> QuerySet[InnovationProposal]:
    """The actor's own proposals, newest first."""
    staff = staff_of(actor)
    if staff is None:
        return InnovationProposal.objects.none()
    return proposals_visible(actor=actor).filter(staff_id=staff.staff_id)


def may_submit(actor: Actor) -> bool:
    """Whether the actor may submit a proposal (an RM)."""
    staff = staff_of(actor)
    return staff is not None and staff.role == "rm"


def may_review_any(actor: Actor) -> bool:
    """Whether the actor reviews proposals at all (team leaders, branch managers, HR)."""
    scope = scope_of(actor)
    return scope is not None and scope.role in MANAGER_ROLES | BANK_REVIEWER_ROLES


def review_refusal(actor: Actor, proposal: InnovationProposal) -> str | None:
    """Why the actor may not decide `proposal`, or None when they may."""
    reviewer = staff_of(actor)
    if reviewer is None:
        return _("Only a staff member can review a proposal.")
    if proposal.status != ProposalStatus.SUBMITTED:
        return _("This proposal has already been decided.")
    if reviewer.staff_id == proposal.staff_id:
        return _("You cannot review your own proposal.")
    if reviewer.role in BANK_REVIEWER_ROLES:
        return None
    author_path = proposal.staff.unit.path
    if reviewer.role in MANAGER_ROLES and author_path.startswith(reviewer.unit.path):
        return None
    return _("Only the author's team leader or branch manager, or HR, can review this proposal.")


def proposals_review_queue(*, actor: Actor) -> list[InnovationProposal]:
    """Submitted proposals the actor may decide, oldest first."""
    if not may_review_any(actor):
        return []
    pending = (
        proposals_visible(actor=actor)
        .filter(status=ProposalStatus.SUBMITTED)
        .select_related("staff__unit")
        .order_by("submitted_at", "pk")
    )
    return [p for p in pending if review_refusal(actor, p) is None]


def proposals_decided(*, actor: Actor, limit: int = 50) -> list[InnovationProposal]:
    """The latest decided proposals the actor may read (the reviewer's history)."""
    return list(
        proposals_visible(actor=actor)
        .exclude(status=ProposalStatus.SUBMITTED)
        .order_by("-decided_at", "-pk")[:limit]
    )


# --- services -------------------------------------------------------------------------


def proposal_submit(*, actor: Actor, title: str, description: str) -> InnovationProposal:
    """Record the actor's proposal (an RM's), audited; refused with the reason otherwise."""
    staff = staff_of(actor)
    if staff is None or staff.role != "rm":
        raise PerformanceError(_("Only a relationship manager can submit a proposal."))
    title = title.strip()
    description = description.strip()
    if not title:
        raise PerformanceError(_("A proposal needs a title."))
    if len(title) > TITLE_MAX:
        raise PerformanceError(
            _("A proposal's title has at most %(n)d characters.") % {"n": TITLE_MAX}
        )
    if not description:
        raise PerformanceError(_("A proposal needs a description."))
    with transaction.atomic():
        proposal = InnovationProposal.objects.create(
            staff=staff, title=title, description=description, submitted_at=timezone.now()
        )
        audit_record(
            actor=actor,
            verb="performance.proposal.submit",
            object_type="performance.proposal",
            object_id=str(proposal.pk),
            before=None,
            after=_state(proposal),
        )
    return proposal


def _refuse_closed_day(day: dt.date) -> None:
    for period in PerfPeriod.objects.filter(
        status=PeriodStatus.CLOSED, start__lte=day, end__gte=day
    ):
        raise PerformanceError(
            _("Period %(key)s is closed: its results can no longer change.") % {"key": period.key}
        )


def proposal_decide(
    *, actor: Actor, proposal_id: int, adopt: bool, note: str
) -> InnovationProposal:
    """Adopt (`adopt`) or reject a submitted proposal with a note, audited. Refused, with
    the reason, for the author, a reviewer who is not the author's team leader or
    branch manager (or HR), a decided proposal, an empty note, or a decision day in a
    closed period (reopen it first)."""
    note = note.strip()
    if not note:
        raise PerformanceError(_("A decision needs a note for the author."))
    with transaction.atomic():
        proposal: InnovationProposal | None = (
            InnovationProposal.objects.select_for_update()
            .select_related("staff__unit")
            .filter(pk=proposal_id)
            .first()
        )
        if proposal is None or not proposals_visible(actor=actor).filter(pk=proposal_id).exists():
            raise PerformanceError(_("No such proposal."))
        refusal = review_refusal(actor, proposal)
        if refusal is not None:
            raise PerformanceError(refusal)
        now = timezone.now()
        _refuse_closed_day(timezone.localdate(now))
        before = _state(proposal)
        reviewer = staff_of(actor)
        if reviewer is None:  # review_refusal refused it already; kept for the types
            raise PerformanceError(_("Only a staff member can review a proposal."))
        proposal.status = ProposalStatus.ADOPTED if adopt else ProposalStatus.REJECTED
        proposal.reviewer = reviewer
        proposal.decided_at = now
        proposal.decision_note = note
        proposal.save(update_fields=["status", "reviewer", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            verb="performance.proposal.adopt" if adopt else "performance.proposal.reject",
            object_type="performance.proposal",
            object_id=str(proposal.pk),
            before=before,
            after=_state(proposal),
        )
    return proposal
