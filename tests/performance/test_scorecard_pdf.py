"""An RM's quarter scorecard as PDF: same access as the page (404 otherwise), the
reader's language, figures as the why page formats them, audited as an export. Figures
(tests/performance/test_services.py): RM2 2026Q3 totals 60.00, 称职 / competent; deposit
growth 250,000 − 100,000 = 150,000 of a 300,000 target, completion 50 %, 80 × 0.5 = 40.00
points."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from rmperf.core.models import AuditEvent
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db

URL = "/performance/2026Q3/staff/RM2/?format=pdf"


def _text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def _client(bank: PerfBank, who: str, language: str) -> Client:
    client = bank.client(who)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def test_the_rm_downloads_their_scorecard_with_its_figures(perf_bank: PerfBank) -> None:
    period_run(actor=None, key="2026Q3")
    response = _client(perf_bank, "rm2", "en").get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="scorecard-RM2-')
    text = _text(response.content)
    for figure in ("60.00", "150,000.00 CNY", "300,000.00 CNY", "50.00%", "40.00", "Competent"):
        assert figure in text, figure
    event = AuditEvent.objects.get(verb="performance.scorecard.pdf")
    assert event.after["filename"].startswith("scorecard-RM2-2026Q3-")
    assert len(event.after["sha256"]) == 64


def test_in_chinese_and_only_within_scope(perf_bank: PerfBank) -> None:
    period_run(actor=None, key="2026Q3")
    text = _text(_client(perf_bank, "rm2", "zh-hans").get(URL).content)
    assert "150,000.00 元" in text and "称职" in text
    assert _client(perf_bank, "rm1", "en").get(URL).status_code == 404
    assert not AuditEvent.objects.filter(
        verb="performance.scorecard.pdf", actor__username="rm1"
    ).exists()
