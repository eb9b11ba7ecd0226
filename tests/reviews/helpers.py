"""Shared steps for the reviews tests (the persona bank of tests/factories.py)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils import timezone

from rmperf.org.models import Staff
from rmperf.performance.services.periods import period_open
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.services import policy_validate
from rmperf.reviews.models import SelfReview
from rmperf.reviews.services import review_create, review_report_save
from tests.factories import Bank, make_staff

REVIEWS_NO_DIRECT_MANAGER = """\
panel:
  direct_manager_may_sit: false
"""


def user(bank: Bank, persona: str) -> User:
    """The login of a persona of the bank or of `extra_members` (tom, helen)."""
    if persona in ("tom", "helen"):
        found: User = User.objects.get(username=persona)
        return found
    return bank.user(persona)


def activate_reviews_policy(text: str) -> None:
    """Make `text` the reviews policy in force, as HR would after maker-checker."""
    now = timezone.now()
    PolicyVersion.objects.filter(kind="reviews", status=PolicyStatus.ACTIVE).update(
        status=PolicyStatus.RETIRED
    )
    PolicyVersion.objects.create(
        kind="reviews", label="test", yaml_text=text,
        digest=policy_validate(kind="reviews", yaml_text=text), status=PolicyStatus.ACTIVE,
        created_at=now, approved_at=now, activated_at=now,
    )  # fmt: skip


def extra_members(bank: Bank) -> dict[str, Staff]:
    """Two more people who may sit on a panel: a team leader of Team A2 and a second HR."""
    return {
        "tom": make_staff(
            staff_id="S-TOM", name="Tom Tu", role="team_leader", unit=bank.team_a2,
            username="tom",
        ),
        "helen": make_staff(
            staff_id="S-HELEN", name="Helen Hu", role="hr", unit=bank.bank, username="helen"
        ),
    }  # fmt: skip


def submitted_review(bank: Bank, persona: str = "alice", span: str = "2026H2") -> SelfReview:
    """The persona's 述职 for `span`, written and submitted; 2026Q3 is open to fill."""
    period_open(actor=None, key="2026Q3")
    review = review_create(actor=user(bank, persona), span=span)
    return review_report_save(
        actor=user(bank, persona), review_id=review.pk, report="上半年述职报告", submit=True
    )
