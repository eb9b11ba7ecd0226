"""Every page, in Chinese, for each role: no untranslated English, no internal ids.

The walk is the one of tests/core/test_access_generic.py (every page of the urlconf, its
URL kwargs filled with the persona bank's objects); the bank gets a scored quarter, a
target sheet, tasks and a referral first, so the pages show rows, not only their empty
states. A page a role may not open (403/404) must still answer in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from rmperf.performance.models import PeriodStatus
from tests.core.test_access_generic import ROUTES, URL_KWARGS, Route, case_for
from tests.factories import Bank
from tests.referrals.helpers import refer
from tests.tasks.conftest import make_task
from tests.workbench.helpers import result, scored_quarter, sheet

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

#: The six roles of the brief: RM, team leader, branch manager, HR, teller, auditor.
PERSONAS = ("alice", "tina", "mike", "hannah", "terry", "audrey")
#: Those serving customers: no run ids or digests on their pages at all.
FRONT_LINE = ("alice", "terry")

#: Pages that are not for reading in a language: files, the API description, redirects.
SKIPPED = {
    "logout",
    "set_language",
    "home",
    "login",
    "api:openapi-json",
    "api:openapi-view",
    # The audit log is the auditors' record of machine fields (actions, digests, logins)
    # kept verbatim by design; its labels are translated (tests/core/test_audit_*.py).
    "core:audit_log",
}


#: Elements whose text is not prose: YAML and code shown as they are, technical details
#: (run ids, digests) marked `hash` (they are checked apart: never on a front-line page).
RAW_TAGS = ("script", "style", "template", "pre", "textarea", "code")


class _Text(HTMLParser):
    """The visible text of a page (no scripts, styles, YAML or code: the tags above and
    elements of class `code`), plus the attributes a reader sees: placeholders, titles."""

    SEEN_ATTRS = ("placeholder", "title", "aria-label", "alt")
    VOID = ("br", "img", "input", "meta", "link", "hr", "col", "wbr", "source")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[str] = []
        self.skip_at: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        self.stack.append(tag)
        classes = (dict(attrs).get("class") or "").split()
        if self.skip_at is None and (tag in RAW_TAGS or "code" in classes):
            self.skip_at = len(self.stack)
        if self.skip_at is None:
            for name, value in attrs:
                if name in self.SEEN_ATTRS and value:
                    self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or tag not in self.stack:
            return
        while self.stack:
            top = self.stack.pop()
            if self.skip_at is not None and len(self.stack) < self.skip_at:
                self.skip_at = None
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.skip_at is None:
            self.parts.append(data)


#: Latin words a zh page may show: the persona bank's people, units, customers and a
#: campaign's name (names as the bank keeps them), codes a bank shows as they are, and
#: the language switch.
ALLOWED = {
    # people, units, products and a campaign of the persona bank (tests/factories.py)
    *[
        "Alice",
        "An",
        "Bob",
        "Bai",
        "Carol",
        "Cao",
        "Tina",
        "Tang",
        "Mike",
        "Ma",
        "Terry",
        "Tian",
        "Hannah",
        "He",
        "Audrey",
        "Ou",
        # the two RMs tests/feedback/helpers.py adds as Alice's peers
        "Dave",
        "Du",
        "Erin",
    ],
    # the extension of a file name a person uploaded (a 述职 report's attachment)
    "pdf",
    *[
        "Demo",
        "Bank",
        "Region",
        "Branch",
        "Team",
        "Acme",
        "Trading",
        "Ltd",
        "Demand",
        "deposit",
        "Customer",
    ],
    *["Autumn", "fund", "drive", "Fund"],
    # the language switch names English in English; abbreviations a Chinese bank uses
    *[
        "English",
        "RM",
        "Perf",
        "API",
        "CSV",
        "Excel",
        "PDF",
        "AUM",
        "KPI",
        "KYC",
        "BSC",
        "NPS",
        "SLA",
        "ID",
        "YAML",
        "VIP",
        "PIPL",
    ],
}

#: Internal ids that must never reach a reader (enum values, indicator and policy ids).
PHRASES = ("- Select an option -", "undefined for this RM")
#: A run id or digest (hex of 8 or more characters, or a UUID).
DIGEST = re.compile(r"^(?=.*[a-f])[0-9a-f]{8,}$|^[0-9a-f]{8}-[0-9a-f-]{27}$")
#: Codes a bank shows as they are: staff ids (S-ALICE), customer ids (C001), units (TA1),
#: periods (2026Q3), products (P-DEP).
CODE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$|^\d[\d.,:/%-]*$")


def visible_text(body: str) -> str:
    parser = _Text()
    parser.feed(body)
    return " ".join(parser.parts)


def problems(body: str) -> list[str]:
    """The English words, internal ids and digests of a page's visible text."""
    text = visible_text(body)
    found = {p for p in PHRASES if p in text}
    for token in re.findall(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*", text):
        if token in ALLOWED or CODE.match(token):
            continue
        if not re.search(r"[A-Za-z]", token):
            continue
        found.add(token)
    return sorted(found)


def context(body: str, word: str) -> str:
    text = " ".join(visible_text(body).split())
    at = text.find(word)
    return text[max(0, at - 60) : at + 60]


def _demo_like(bank: Bank) -> None:
    """Rows on the pages: a scored quarter, a target sheet, tasks and a referral."""
    today = timezone.localdate()
    period, run = scored_quarter(status=PeriodStatus.COMPUTED)
    scored = result(
        period,
        run,
        bank.alice,
        "80.00",
        "good",
        [("nps", "0", "50"), ("aum_avg_growth", None, None)],
    )
    # The engine's notes are English (for the CLI): the page says them in Chinese.
    scored.lines.filter(indicator="aum_avg_growth").update(
        note="undefined for this RM: weight re-normalised"
    )
    sheet(bank.alice, today.year, {"nps": "50"}, proposed_by=bank.user("tina"))
    make_task(staff=bank.alice, customer=bank.c001, due=today - dt.timedelta(days=2))
    make_task(staff=bank.alice, customer=bank.c002, kind="maturity", key="m")
    refer(bank)


def page_routes() -> list[Route]:
    return [
        r for r in ROUTES if not r.is_api and r.name not in SKIPPED and case_for(r).method == "get"
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_speaks_chinese(
    bank: Bank, client_as: Callable[[str], Client], persona: str
) -> None:
    _demo_like(bank)
    for kwarg in URL_KWARGS:  # objects the URLs name are made once, before the walk
        URL_KWARGS[kwarg](bank)
    client = client_as(persona)
    failures = []
    for route in page_routes():
        url = route.url(bank)
        response = client.get(url, **ZH)
        content_type = response.get("Content-Type", "")
        if response.status_code in (301, 302) or not content_type.startswith("text/html"):
            continue
        body = response.content.decode()
        found = problems(body)
        if found:
            failures.append(
                f"{persona} {url} ({response.status_code}): {found} «{context(body, found[0])}»"
            )
        if persona in FRONT_LINE and 'class="hash"' in body:
            failures.append(f"{persona} {url}: a digest or run id on a front-line page")
    assert not failures, "\n".join(failures)
