"""The pay statement as PDF: same access as the page (404 otherwise), the reader's
language, money to the cent, audited as an export. Figures: tests/pay/test_services.py
(RM1 2026Q3: base 6,900.00, loan pay 24,480.00, total paid 24,036.00; RM2 clawback
−120.00, total 10,380.00)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from rmperf.core.models import AuditEvent
from rmperf.pay.models import PayStatement
from rmperf.pay.services import pay_run
from tests.pay.conftest import QUARTER, PayBank


@pytest.fixture
def paid(confirmed: PayBank) -> PayBank:
    pay_run(actor=None, key=QUARTER)
    return confirmed


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _url(staff_id: str) -> str:
    pk = PayStatement.objects.get(staff_id=staff_id).pk
    return reverse("pay:statement_pdf", args=[pk])


def test_the_rm_downloads_their_statement_with_the_net_amount(paid: PayBank) -> None:
    response = paid.client("rm1").get(_url("RM1"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="pay-RM1-2026Q3-')
    text = _text(response.content)
    assert "Pay statement 2026Q3" in text
    assert "24,036.00" in text  # total paid
    assert "24,480.00" in text and "6,900.00" in text  # loan pay, base
    event = AuditEvent.objects.get(verb="pay.statement.pdf")
    assert event.object_id == str(PayStatement.objects.get(staff_id="RM1").pk)
    assert len(event.after["sha256"]) == 64


def test_in_chinese_with_a_negative_clawback(paid: PayBank) -> None:
    response = paid.client("tl1", "zh-hans").get(_url("RM2"))
    assert response.status_code == 200
    text = _text(response.content)
    assert "薪酬单 2026Q3" in text
    assert "-120.00" in text and "10,380.00" in text


@pytest.mark.parametrize("who", ["rm2", "bm2", "te1"])
def test_out_of_scope_is_404_and_not_audited(paid: PayBank, who: str) -> None:
    assert paid.client(who).get(_url("RM1")).status_code == 404
    assert not AuditEvent.objects.filter(verb="pay.statement.pdf").exists()
