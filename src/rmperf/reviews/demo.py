"""The demo's talk and 述职 panel (`rmperf demo`): the case RM's team leader holds the
talk about the demo's scored quarter and the RM acknowledges it; the RM's 述职 for the
half-year of that quarter is written, scored by a panel of three (team leader 88, branch
manager 84, HR 90 → 262 ÷ 3 = 87.33) and closed into that quarter (the line's score
reaches the results at the quarter's next run). Running it again changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rmperf.org.models import Staff
from rmperf.reviews.models import PanelScore, ReviewStatus, SelfReview, Talk
from rmperf.reviews.services import (
    panel_appoint,
    panel_close,
    panel_score_enter,
    review_create,
    review_report_save,
    talk_acknowledge,
    talk_record,
)

PANEL_SCORES = {"team_leader": "88", "branch_manager": "84", "hr": "90"}


@dataclass(frozen=True)
class DemoReviews:
    talk: Talk
    review: SelfReview


def _staff(user: Any) -> Staff:
    staff: Staff = user.staff
    return staff


def half_of(quarter: str) -> str:
    """The half-year a quarter lies in: 2026Q3 → 2026H2."""
    return f"{quarter[:4]}H{1 if int(quarter[-1]) <= 2 else 2}"


def demo_reviews_story(*, users: dict[str, Any], quarter: str, today: dt.date) -> DemoReviews:
    """`users`: the demo logins by role (rm, team_leader, branch_manager, hr). `quarter`
    has confirmed ratings. Raises on any refused step (the demo fails loudly)."""
    rm = _staff(users["rm"])
    talk = Talk.objects.filter(period__key=quarter, staff=rm).first()
    if talk is None:
        talk = talk_record(
            actor=users["team_leader"],
            period_key=quarter,
            staff_id=rm.staff_id,
            strengths="存款日均增长稳定，重点客户维护到位。",
            problems="理财产品交叉销售偏弱，新开有效户低于序时进度。",
            focus="下季度重点：代发工资客户的理财转化，每周两次外拓。",
            actions="每周一例会汇报外拓进展；月中检查新开户序时进度。",
            held_on=today,
        )
    if talk.acknowledged_at is None:
        talk = talk_acknowledge(
            actor=users["rm"], talk_id=talk.pk, comment="同意，下季度重点抓理财转化。"
        )
    span = half_of(quarter)
    review = SelfReview.objects.filter(staff=rm, span=span).first()
    if review is None:
        review = review_create(actor=users["rm"], span=span)
    if review.status == ReviewStatus.DRAFT:
        review = review_report_save(
            actor=users["rm"],
            review_id=review.pk,
            report=(
                f"{span} 述职：完成存款任务序时进度，新增重点客户；不足是理财交叉销售偏弱。"
                "下半年目标：提高代发客户理财渗透率，落实每周外拓与客户回访。"
            ),
            submit=True,
        )
    if review.status == ReviewStatus.SUBMITTED:
        seated = set(review.members.values_list("member_id", flat=True))
        for role in PANEL_SCORES:
            member = _staff(users[role])
            if member.staff_id not in seated:
                panel_appoint(actor=users["hr"], review_id=review.pk, member_id=member.staff_id)
        for role, score in PANEL_SCORES.items():
            member = _staff(users[role])
            if not PanelScore.objects.filter(review=review, member=member).exists():
                panel_score_enter(
                    actor=users[role],
                    review_id=review.pk,
                    score=score,
                    comment="述职清晰，目标明确。",
                )
        review = panel_close(actor=users["hr"], review_id=review.pk, period_key=quarter)
    return DemoReviews(talk=talk, review=review)
