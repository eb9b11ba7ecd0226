"""The period page kept in fragments under the data version (views.PeriodPage,
performance/period.html): a page asked again reads none of the period's data, an audited
write shows on the next page, one scope's ranking never reaches another, and HR's forms,
rendered afresh, carry a token that a POST accepts (figures from conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import caches
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rmperf.performance.models import (
    ChainEntry,
    LineResult,
    ManualReviewer,
    PerfPeriod,
    RmResult,
    ScoringRun,
    UnitResult,
)
from rmperf.performance.services.calibration import result_calibrate
from rmperf.performance.services.runs import period_run
from tests.html import without_tokens
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db
Clients = Callable[[str], Client]
URL = "/performance/2026Q3/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
#: What the page reads of the period to show it (views.PeriodPage): the record, its
#: results, last run, lines (the BSC view), closes and reopenings, unit scores and the
#: reader's manual-score seats.
PERIOD_DATA: list[type[Model]] = [
    PerfPeriod, RmResult, ScoringRun, LineResult, ChainEntry, UnitResult, ManualReviewer,
]  # fmt: skip


@pytest.fixture(autouse=True)
def _empty_pages() -> Iterator[None]:
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def _blank(html: str) -> str:
    """The page with its per-request secrets blanked (form and htmx tokens, nonces)."""
    return re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', without_tokens(html))


def _tables(queries: CaptureQueriesContext) -> list[str]:
    """The period-data tables each query reads (one entry per query and table)."""
    names = [m._meta.db_table for m in PERIOD_DATA]
    return [t for q in queries.captured_queries for t in names if f'"{t}"' in q["sql"]]


def _get(client: Client) -> tuple[str, CaptureQueriesContext]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, **EN)
    assert response.status_code == 200
    return response.content.decode(), queries


def _ranking(body: str) -> list[str]:
    """Staff ids of the ranking table, in order."""
    table = body.split('id="ranking"')[1].split("</table>")[0]
    return re.findall(r'href="/performance/2026Q3/staff/([^/"]+)/"', table)


def _status(body: str) -> str:
    return body.split('id="period-status">')[1].split("</dd>")[0]


def test_a_page_asked_again_reads_none_of_the_period(
    perf_bank: PerfBank, perf_client: Clients
) -> None:
    period_run(actor=perf_bank.users["hr1"], key="2026Q3")  # an audited write
    for who in ("bm1", "tl1", "rm1"):
        client = perf_client(who)
        first, miss = _get(client)
        # A miss reads each kind of period data the page shows (an RM may see no unit
        # score: that query is known empty without asking the database) …
        shown = {m._meta.db_table for m in PERIOD_DATA}
        if who == "rm1":
            shown.remove(UnitResult._meta.db_table)
        assert set(_tables(miss)) == shown, who
        second, hit = _get(client)
        assert _blank(second) == _blank(first), who
        # … the same page asked again reads none of it: only who asks, the data version
        # and what the page's frame reads besides.
        assert _tables(hit) == [], who
        assert len(hit) <= len(miss) - len(_tables(miss)), who
    # HR's workflow forms are rendered afresh: they read the period's record, nothing else.
    hr = perf_client("hr1")
    _get(hr)
    _body, hit = _get(hr)
    assert _tables(hit) == [PerfPeriod._meta.db_table]


def test_an_audited_write_shows_on_the_next_page(perf_bank: PerfBank, perf_client: Clients) -> None:
    period_run(actor=perf_bank.users["hr1"], key="2026Q3")
    bm1 = perf_client("bm1")
    _get(bm1)
    kept, hit = _get(bm1)
    assert _tables(hit) == []
    assert "calibrated</span>" not in kept and _status(kept) == "Computed"
    # RM2 (60.00, competent) calibrated to good by the branch manager: an audited write.
    result_calibrate(
        actor=perf_bank.users["bm1"], key="2026Q3", staff_id="RM2", tier="good", reason="x"
    )
    body, miss = _get(bm1)
    assert RmResult._meta.db_table in _tables(miss)
    row = body.split('href="/performance/2026Q3/staff/RM2/"')[1].split("</tr>")[0]
    assert '<span class="tag rating-good">Good</span> <span class="muted small">calibrated' in row
    counts = body.split('id="tier-counts"')[1].split("</ul>")[0]
    assert "Good</span> 1" in counts and "Competent</span> 0" in counts
    assert _status(body) == "Calibrated"  # the kept facts too
    # HR closes the period through the page's form (a write request: nothing kept).
    hr = perf_client("hr1")
    _get(hr)
    assert 'value="close"' in _get(hr)[0]
    assert hr.post(f"{URL}action/", {"action": "close"}).status_code == 302
    for client in (hr, bm1):
        body = _get(client)[0]
        assert _status(body) == "Closed"
        assert 'id="close-history"' in body
    assert 'value="close"' not in body and 'id="reopen-form"' in _get(hr)[0]


def test_one_scopes_ranking_never_reaches_another(
    perf_bank: PerfBank, perf_client: Clients
) -> None:
    people = ("bm1", "bm2", "rm1", "rm2", "tl1", "hr1")
    clients = {who: perf_client(who) for who in people}  # signed in (audited) first
    period_run(actor=perf_bank.users["hr1"], key="2026Q3")
    # The same address, data version and language, one person after the other, each
    # page asked twice (the second from what is kept).
    seen = {}
    for who, client in clients.items():
        first = _ranking(_get(client)[0])
        second, hit = _get(client)
        assert _tables(hit) in ([], [PerfPeriod._meta.db_table]), who  # kept
        assert _ranking(second) == first, who
        seen[who] = first
    assert seen == {
        "bm1": ["RM1", "RM2"],
        "bm2": ["RM3"],
        "rm1": ["RM1"],
        "rm2": ["RM2"],
        "tl1": ["RM1", "RM2"],
        "hr1": ["RM1", "RM2", "RM3"],
    }


def _token(body: str, form_id: str) -> str:
    form = body.split(f'id="{form_id}"')[1].split("</form>")[0]
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert found is not None, form_id
    return found.group(1)


def test_the_forms_carry_a_working_token_on_a_kept_page(perf_bank: PerfBank) -> None:
    period_run(actor=perf_bank.users["hr1"], key="2026Q3")
    hr = Client(enforce_csrf_checks=True)
    hr.force_login(perf_bank.users["hr1"])
    _get(hr)
    body, hit = _get(hr)
    assert RmResult._meta.db_table not in _tables(hit)  # the results part was kept
    # Without the token the POST is refused; with the kept page's token it goes through.
    assert hr.post(f"{URL}action/", {"action": "confirm"}).status_code == 403
    token = _token(body, "period-actions")
    response = hr.post(f"{URL}action/", {"action": "confirm", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert PerfPeriod.objects.get(key="2026Q3").status == "calibrated"
    response = hr.post(
        f"{URL}action/",
        {"action": "close", "csrfmiddlewaretoken": _token(_get(hr)[0], "period-actions")},
    )
    assert response.status_code == 302
    assert PerfPeriod.objects.get(key="2026Q3").status == "closed"
    # The closed period's reopen form, on a page asked twice.
    _get(hr)
    body, hit = _get(hr)
    assert RmResult._meta.db_table not in _tables(hit)
    response = hr.post(
        f"{URL}action/",
        {
            "action": "reopen",
            "reason": "recount",
            "csrfmiddlewaretoken": _token(body, "reopen-form"),
        },
    )
    assert response.status_code == 302
    assert PerfPeriod.objects.get(key="2026Q3").status != "closed"
