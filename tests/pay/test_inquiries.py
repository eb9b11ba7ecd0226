"""Inquiries: an RM asks about a pay line or a score line; HR or the manager answers;
the trail open → answered → closed, each step audited; nobody else sees it."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from rmperf.core.models import AuditEvent
from rmperf.pay.models import PayLine, PayStatement
from rmperf.pay.services import (
    PayRefused,
    inquiry_answer,
    inquiry_close,
    inquiry_open,
    pay_run,
)
from rmperf.performance.models import LineResult
from tests.pay.conftest import QUARTER, PayBank


def test_pay_line_inquiry_trail(confirmed: PayBank) -> None:
    pay_run(actor=None, key=QUARTER)
    users = confirmed.users
    line = PayLine.objects.get(statement__staff_id="RM1", loan_id="L2")
    with pytest.raises(Http404):  # not RM2's line
        inquiry_open(actor=users["rm2"], text="?", pay_line_id=line.pk)
    with pytest.raises(Http404):  # HR does not ask on the RM's behalf
        inquiry_open(actor=users["hr1"], text="?", pay_line_id=line.pk)
    with pytest.raises(PayRefused):
        inquiry_open(actor=users["rm1"], text="  ", pay_line_id=line.pk)
    inquiry = inquiry_open(actor=users["rm1"], text="Why 18‱?", pay_line_id=line.pk)
    assert inquiry.status == "open"
    with pytest.raises(PayRefused):  # an open inquiry is answered before it closes
        inquiry_close(actor=users["rm1"], inquiry_id=inquiry.pk)
    with pytest.raises(Http404):  # the RM does not answer their own question
        inquiry_answer(actor=users["rm1"], inquiry_id=inquiry.pk, text="x")
    with pytest.raises(Http404):  # BR2's manager is out of scope
        inquiry_answer(actor=users["bm2"], inquiry_id=inquiry.pk, text="x")
    with pytest.raises(Http404):  # an auditor only reads
        inquiry_answer(actor=users["au1"], inquiry_id=inquiry.pk, text="x")
    inquiry_answer(actor=users["tl1"], inquiry_id=inquiry.pk, text="The second bracket.")
    inquiry_close(actor=users["rm1"], inquiry_id=inquiry.pk, text="Thanks")
    inquiry.refresh_from_db()
    assert inquiry.status == "closed"
    assert [e.step for e in inquiry.entries.order_by("at", "pk")] == [
        "asked",
        "answered",
        "closed",
    ]
    assert [e.actor_label for e in inquiry.entries.order_by("at", "pk")] == ["rm1", "tl1", "rm1"]
    with pytest.raises(PayRefused):
        inquiry_answer(actor=users["hr1"], inquiry_id=inquiry.pk, text="late")
    verbs = set(AuditEvent.objects.filter(object_type="pay.inquiry").values_list("verb", flat=True))
    assert verbs == {"pay.inquiry.open", "pay.inquiry.answer", "pay.inquiry.close"}
    # Who sees it: the RM, TL1, BM1, HR, auditors; not RM2 or BM2.
    for who, code in (("rm1", 200), ("tl1", 200), ("hr1", 200), ("au1", 200), ("rm2", 404),
                      ("bm2", 404), ("te1", 404)):  # fmt: skip
        response = confirmed.client(who).get(reverse("pay:inquiry", args=[inquiry.pk]))
        assert response.status_code == code, who


def test_score_line_inquiry_through_the_pages(confirmed: PayBank) -> None:
    score_line = LineResult.objects.filter(result__staff_id="RM3").first()
    assert score_line is not None
    rm3 = confirmed.client("rm3")
    response = rm3.post(
        reverse("pay:inquiry_new"), {"score_line": score_line.pk, "text": "Deposits?"}
    )
    assert response.status_code == 302
    url = response["Location"]
    assert confirmed.client("bm1").get(url).status_code == 404
    bm2 = confirmed.client("bm2")
    bm2.post(url, {"action": "answer", "text": "Growth was zero."})
    page = rm3.get(url)
    assert page.context["inquiry"].status == "answered" and page.context["may_close"]
    foreign = LineResult.objects.filter(result__staff_id="RM1").first()
    assert foreign is not None
    assert (
        rm3.post(reverse("pay:inquiry_new"), {"score_line": foreign.pk, "text": "?"}).status_code
        == 404
    )
    assert PayStatement.objects.count() == 0
