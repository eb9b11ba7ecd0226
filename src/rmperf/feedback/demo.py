"""The demo's 360 round: the demo branch manager opens a round over their branch for the
current quarter, and three peers of the demo RM answer, so the RM's peer results show
(at the threshold) while the round stays open for the UI (answer, close, export)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from rmperf.feedback.models import FeedbackRound, Invitation
from rmperf.feedback.services import response_submit, round_open

DEMO_TITLE = "360 demo round"


def demo_feedback_round(*, manager: Any, rm_staff_id: str) -> FeedbackRound:
    """Open (once) the demo round and answer three of the demo RM's peer invitations.
    Raises when the manager's branch gives the RM fewer than three peers."""
    found: FeedbackRound | None = FeedbackRound.objects.filter(title=DEMO_TITLE).first()
    if found is not None:
        return found
    today = timezone.localdate()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    round_ = round_open(
        actor=manager, unit_id=manager.staff.unit_id, period=quarter, title=DEMO_TITLE
    )
    peers = list(
        Invitation.objects.filter(round=round_, reviewee_id=rm_staff_id, relation="peer")
        .select_related("reviewer__user")
        .order_by("reviewer_id")[:3]
    )
    if len(peers) < 3:
        raise RuntimeError(f"the demo RM {rm_staff_id} has fewer than 3 peers in the branch")
    questions = [q["id"] for q in round_.questionnaire["questionnaires"]["peer"]]
    for inv, value in zip(peers, (4, 5, 3), strict=True):
        reviewer = inv.reviewer.user or _as_reviewer(inv)
        response_submit(
            actor=reviewer, invitation_id=inv.pk, answers=dict.fromkeys(questions, value)
        )
    return round_


def _as_reviewer(inv: Invitation) -> Any:
    """A login for a peer that has none (demo only): an unusable-password user linked to
    the staff record, so the answer goes through the same service and checks."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username=f"demo-{inv.reviewer_id}".lower())
    user.set_unusable_password()
    user.save(update_fields=["password"])
    staff = inv.reviewer
    staff.user = user
    staff.save(update_fields=["user"])
    return user
