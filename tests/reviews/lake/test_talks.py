"""Quarterly performance talks on performance's hand-built lake: due after the ratings
are confirmed (policy talk.overdue_days, default 15), recorded by the RM's leads,
acknowledged by the RM; the overdue list by selector, page and API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from rmperf.core.models import AuditEvent
from rmperf.performance.models import PerfPeriod
from rmperf.performance.services.calibration import period_confirm_calibration
from rmperf.performance.services.periods import period_open
from rmperf.performance.services.runs import period_run
from rmperf.reviews.selectors import talks_due, talks_overdue
from rmperf.reviews.services import ReviewError, talk_acknowledge, talk_record
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db

TEXTS = {"strengths": "存款稳", "problems": "理财弱", "focus": "代发", "actions": "每周外拓"}


@pytest.fixture
def confirmed(perf_bank: PerfBank) -> dt.date:
    """2026Q3 scored and its ratings confirmed by HR; returns the day they were."""
    period_open(actor=None, key="2026Q3")
    period_run(actor=None, key="2026Q3")
    period_confirm_calibration(actor=perf_bank.users["hr1"], key="2026Q3")
    at = PerfPeriod.objects.get(key="2026Q3").confirmed_at
    assert at is not None
    return timezone.localdate(at)


def _record(bank: PerfBank, who: str, rm: str, **kw: str) -> int:
    talk = talk_record(
        actor=bank.users[who], period_key=kw.pop("period", "2026Q3"), staff_id=rm,
        held_on=timezone.localdate(), **{**TEXTS, **kw},
    )  # fmt: skip
    return talk.pk


def test_talks_fall_due_fifteen_days_after_the_confirmation(
    perf_bank: PerfBank, confirmed: dt.date
) -> None:
    tl1 = perf_bank.users["tl1"]
    due = confirmed + dt.timedelta(days=15)
    rows = talks_due(actor=tl1, today=due)
    assert [(d.staff.staff_id, d.due_on, d.overdue) for d in rows] == [
        ("RM1", due, False), ("RM2", due, False),
    ]  # fmt: skip
    assert talks_overdue(actor=tl1, today=due) == []
    late = talks_overdue(actor=tl1, today=due + dt.timedelta(days=1))
    assert [d.staff.staff_id for d in late] == ["RM1", "RM2"]
    # Each lead sees their own RMs; HR records no talk; an RM owes none.
    assert [d.staff.staff_id for d in talks_due(actor=perf_bank.users["bm2"], today=due)] == ["RM3"]
    assert talks_due(actor=perf_bank.users["hr1"], today=due) == []
    assert talks_due(actor=perf_bank.users["rm1"], today=due) == []
    _record(perf_bank, "tl1", "RM1")
    assert [d.staff.staff_id for d in talks_due(actor=tl1, today=due)] == ["RM2"]


def test_the_overdue_list_on_the_page_and_in_the_api(
    perf_bank: PerfBank, confirmed: dt.date
) -> None:
    # Confirmed 20 days ago: due 5 days ago, overdue.
    PerfPeriod.objects.filter(key="2026Q3").update(
        confirmed_at=timezone.now() - dt.timedelta(days=20)
    )
    page = perf_bank.client("tl1").get("/reviews/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2 overdue" in html and "RM2" in html
    api = perf_bank.client("tl1").get("/api/reviews/talks/due").json()
    assert [(r["staff_id"], r["overdue"]) for r in api] == [("RM1", True), ("RM2", True)]
    assert perf_bank.client("rm1").get("/api/reviews/talks/due").json() == []


def test_a_talk_is_recorded_then_acknowledged(perf_bank: PerfBank, confirmed: dt.date) -> None:
    talk_id = _record(perf_bank, "tl1", "RM1")
    # A correction before the RM acknowledges replaces the record (both audited).
    _record(perf_bank, "bm1", "RM1", focus="代发客户理财转化")
    talk = talk_acknowledge(actor=perf_bank.users["rm1"], talk_id=talk_id, comment="同意")
    assert (talk.focus, talk.manager_id, talk.rm_comment) == ("代发客户理财转化", "BM1", "同意")
    with pytest.raises(ReviewError, match="already acknowledged"):
        talk_acknowledge(actor=perf_bank.users["rm1"], talk_id=talk_id)
    with pytest.raises(ReviewError, match="no longer changes"):
        _record(perf_bank, "tl1", "RM1")
    verbs = list(
        AuditEvent.objects.filter(object_type="reviews.talk")
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs == ["reviews.talk.record", "reviews.talk.record", "reviews.talk.acknowledge"]
    # The RM reads their talk; another RM gets 404 by page and API.
    assert perf_bank.client("rm1").get(f"/reviews/talks/{talk_id}/").status_code == 200
    assert perf_bank.client("rm2").get(f"/reviews/talks/{talk_id}/").status_code == 404
    assert perf_bank.client("rm2").get(f"/api/reviews/talks/{talk_id}").status_code == 404
    assert [t["id"] for t in perf_bank.client("rm1").get("/api/reviews/talks").json()] == [talk_id]
    with pytest.raises(Http404):  # RM2 cannot acknowledge RM1's talk
        talk_acknowledge(actor=perf_bank.users["rm2"], talk_id=talk_id)


def test_refusals_say_why(perf_bank: PerfBank, confirmed: dt.date) -> None:
    period_open(actor=None, key="2026Q2")
    with pytest.raises(ReviewError, match="ratings of 2026Q2 are not confirmed yet"):
        _record(perf_bank, "tl1", "RM1", period="2026Q2")
    with pytest.raises(ReviewError, match="Problems is empty"):
        _record(perf_bank, "tl1", "RM1", problems="  ")
    with pytest.raises(Http404):  # RM3 is in the other branch
        _record(perf_bank, "tl1", "RM3")
    with pytest.raises(Http404):  # HR and RMs do not record talks
        _record(perf_bank, "hr1", "RM1")
    with pytest.raises(ReviewError, match="cannot be held in the future"):
        talk_record(
            actor=perf_bank.users["tl1"], period_key="2026Q3", staff_id="RM1",
            held_on=timezone.localdate() + dt.timedelta(days=1), **TEXTS,
        )  # fmt: skip


def test_the_talk_form_records_through_the_page(perf_bank: PerfBank, confirmed: dt.date) -> None:
    client = perf_bank.client("tl1")
    form = client.get("/reviews/talks/new/?staff=RM2&period=2026Q3")
    assert form.status_code == 200
    done = client.post(
        "/reviews/talks/new/",
        {"staff": "RM2", "period": "2026Q3", "held_on": timezone.localdate().isoformat(), **TEXTS},
    )
    assert done.status_code == 302
    assert perf_bank.client("rm2").get(done["Location"]).status_code == 200
    bad = client.post("/reviews/talks/new/", {"staff": "RM2", "period": "2026Q3", **TEXTS,
                                               "held_on": "soon"})  # fmt: skip
    assert "is not a date" in bad.content.decode()
    assert perf_bank.client("tl1").get("/reviews/talks/new/?staff=RM3").status_code == 404


def test_overdue_talks_wait_on_the_managers_desk(perf_bank: PerfBank, confirmed: dt.date) -> None:
    """Confirmed 20 days ago (due 5 days ago): the team leader's desk lists RM1 and RM2
    with a link that opens the talk form; once RM1's talk is recorded only RM2 is left."""
    PerfPeriod.objects.filter(key="2026Q3").update(
        confirmed_at=timezone.now() - dt.timedelta(days=20)
    )
    desk = perf_bank.client("tl1").get("/workbench/desk/")
    assert desk.status_code == 200
    overdue = [d.staff.staff_id for d in desk.context["desk"].talks_overdue]
    assert overdue == ["RM1", "RM2"]
    assert "/reviews/talks/new/?staff=RM1&amp;period=2026Q3" in desk.content.decode()
    _record(perf_bank, "tl1", "RM1")
    desk = perf_bank.client("tl1").get("/workbench/desk/")
    assert [d.staff.staff_id for d in desk.context["desk"].talks_overdue] == ["RM2"]
