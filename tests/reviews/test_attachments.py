"""The report's attachments: size (setting), type by content (policy), name, count."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rmperf.core.models import AuditEvent
from rmperf.reviews.models import Attachment
from rmperf.reviews.services import ReviewError, attachment_add, panel_appoint
from tests.factories import Bank
from tests.reviews.helpers import (
    PDF_BYTES,
    activate_reviews_policy,
    review_in_alices_scope,
    submitted_review,
)

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _package(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return out.getvalue()


DOCX = _package("[Content_Types].xml", "word/document.xml")
XLSX = _package("[Content_Types].xml", "xl/workbook.xml")


def _add(bank: Bank, name: str, data: bytes) -> Attachment:
    review = review_in_alices_scope(bank)
    return attachment_add(actor=bank.user("alice"), review_id=review.pk, name=name, data=data)


def test_the_allowed_types_are_recognised_by_content(bank: Bank) -> None:
    for name, data, kind in (
        ("述职报告.pdf", PDF_BYTES, "pdf"),
        ("report.DOCX", DOCX, "docx"),
        ("figures.xlsx", XLSX, "xlsx"),
        ("chart.png", PNG_BYTES, "png"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "jpg"),
    ):
        item = _add(bank, name, data)
        assert (item.file_type, item.size) == (kind, len(data))
    event = AuditEvent.objects.filter(verb="reviews.selfreview.attach").order_by("seq").first()
    assert event is not None and event.after["name"] == "述职报告.pdf"


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("report.pdf", PNG_BYTES, "holds a png file but is named .pdf"),
        ("report.pdf", b"just text, not a PDF", "is not an allowed file"),
        ("report.docx", _package("readme.txt"), "is not an allowed file"),
        ("report.docx", b"PK\x03\x04 broken zip", "is not an allowed file"),
        ("report.exe", b"MZ\x90\x00", "is not an allowed file"),
        ("report", PDF_BYTES, "is named .—"),
        ("empty.pdf", b"", "empty.pdf is empty"),
    ],
)
def test_a_wrong_file_is_refused_with_why(bank: Bank, name: str, data: bytes, why: str) -> None:
    with pytest.raises(ReviewError, match=why):
        _add(bank, name, data)
    assert not Attachment.objects.exists()


def test_the_largest_size_is_a_setting(bank: Bank, settings: Any) -> None:
    settings.RMPERF_REVIEW_ATTACHMENT_MAX_BYTES = 100
    exact = PDF_BYTES + b"%" * (100 - len(PDF_BYTES))
    assert _add(bank, "exact.pdf", exact).size == 100
    with pytest.raises(ReviewError, match="is 101 bytes; the largest allowed is 100 bytes"):
        _add(bank, "big.pdf", exact + b"%")


def test_the_policy_narrows_types_and_count(bank: Bank) -> None:
    activate_reviews_policy("attachments:\n  types: [pdf]\n  max_files: 1\n")
    with pytest.raises(ReviewError, match=r"allowed: pdf\)"):
        _add(bank, "chart.png", PNG_BYTES)
    _add(bank, "one.pdf", PDF_BYTES)
    with pytest.raises(ReviewError, match="at most 1 attachments"):
        _add(bank, "two.pdf", PDF_BYTES)


def test_a_submitted_report_takes_no_more_files(bank: Bank) -> None:
    review = submitted_review(bank)
    with pytest.raises(ReviewError, match="has been submitted"):
        attachment_add(actor=bank.user("alice"), review_id=review.pk, name="a.pdf", data=PDF_BYTES)


def test_upload_and_download_by_page(bank: Bank) -> None:
    review = review_in_alices_scope(bank)
    alice = Client(HTTP_ACCEPT_LANGUAGE="en")
    alice.force_login(bank.user("alice"))
    upload = SimpleUploadedFile("plan.pdf", PDF_BYTES, content_type="application/pdf")
    assert alice.post(f"/reviews/self/{review.pk}/attach/", {"file": upload}).status_code == 302
    item = Attachment.objects.get()
    fake = SimpleUploadedFile("evil.pdf", b"<script>", content_type="application/pdf")
    page = alice.post(f"/reviews/self/{review.pk}/attach/", {"file": fake}, follow=True)
    assert "evil.pdf is not an allowed file" in page.content.decode()
    got = alice.get(f"/reviews/attachments/{item.pk}/")
    assert (got.status_code, got["Content-Type"], got.content) == (
        200,
        "application/pdf",
        PDF_BYTES,
    )
    # A panel member reads it; bob does not.
    from rmperf.reviews.services import review_report_save

    review_report_save(actor=bank.user("alice"), review_id=review.pk, report="r", submit=True)
    panel_appoint(actor=bank.user("hannah"), review_id=review.pk, member_id="S-TINA")
    for persona, status in (("tina", 200), ("bob", 404), ("carol", 404)):
        client = Client()
        client.force_login(bank.user(persona))
        assert client.get(f"/reviews/attachments/{item.pk}/").status_code == status
