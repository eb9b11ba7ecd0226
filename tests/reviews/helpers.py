"""Shared steps for the reviews tests (the persona bank of tests/factories.py)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils import timezone

from rmperf.org.models import Staff
from rmperf.performance.services.periods import period_open
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.services import policy_validate
from rmperf.reviews.models import Attachment, SelfReview, Talk
from rmperf.reviews.services import (
    attachment_add,
    review_create,
    review_report_save,
    talk_record,
)
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


#: The smallest file the attachment check accepts as a PDF (its signature decides).
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def confirmed_quarter(key: str = "2026Q3") -> None:
    """The quarter open and its ratings confirmed (as a calibration confirms them)."""
    from rmperf.performance.models import PerfPeriod

    period_open(actor=None, key=key)
    PerfPeriod.objects.filter(key=key).update(status="calibrated", confirmed_at=timezone.now())


def talk_in_alices_scope(bank: Bank) -> Talk:
    """Tina's talk with alice about 2026Q3 (not yet acknowledged)."""
    confirmed_quarter()
    return talk_record(
        actor=bank.user("tina"), period_key="2026Q3", staff_id="S-ALICE",
        strengths="稳定", problems="理财偏弱", focus="代发客户", actions="每周外拓",
        held_on=timezone.localdate(),
    )  # fmt: skip


def review_in_alices_scope(bank: Bank) -> SelfReview:
    """Alice's 述职 for 2026H2, a draft."""
    found = SelfReview.objects.filter(staff_id="S-ALICE", span="2026H2").first()
    return found or review_create(actor=bank.user("alice"), span="2026H2")


def attachment_in_alices_scope(bank: Bank) -> Attachment:
    review = review_in_alices_scope(bank)
    return attachment_add(
        actor=bank.user("alice"), review_id=review.pk, name="述职.pdf", data=PDF_BYTES
    )
