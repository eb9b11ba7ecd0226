"""The period page's ranking comes in pages (HR's 264 RMs as cards made a phone's page
68,622 px tall), as the customer lists do: ranks run on across pages, and each page is
kept in its own fragment under the data version, so a page never shows another's rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rmperf.performance import views
from rmperf.performance.models import RmResult
from rmperf.performance.services.calibration import result_calibrate
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db
URL = "/performance/2026Q3/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _empty_pages() -> Iterator[None]:
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def _get(client: Client, query: str = "") -> tuple[str, int]:
    """The page's body and how many queries read the results."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL + query, **EN)
    assert response.status_code == 200
    table = RmResult._meta.db_table
    return response.content.decode(), sum(f'"{table}"' in q["sql"] for q in queries)


def _ranking(body: str) -> list[tuple[str, str]]:
    """(rank, staff id) of the ranking table's rows, in order."""
    table = body.split('id="ranking"')[1].split("</table>")[0]
    return re.findall(
        r'<td class="num">(\d+)</td>\s*<td><a href="/performance/2026Q3/staff/([^/"]+)/"', table
    )


def _pager(body: str) -> str:
    card = body.split('id="ranking-card"')[1].split("</section>")[0]
    return (
        card.split('<nav class="pagination"')[1].split("</nav>")[0] if "pagination" in card else ""
    )


def test_the_ranking_is_paged_and_each_page_kept_apart(
    perf_bank: PerfBank, perf_client: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two rows a page: HR's three RMs (RM1 70.00, RM2 60.00, RM3 …) take two pages.
    monkeypatch.setattr(views, "RANKING_PAGE_SIZE", 2, raising=False)
    period_run(actor=perf_bank.users["hr1"], key="2026Q3")
    hr = perf_client("hr1")
    first, reads = _get(hr)
    assert reads > 0
    whole = [sid for _, sid in _ranking(first)]
    assert len(whole) == 2 and [rank for rank, _ in _ranking(first)] == ["1", "2"]
    assert "Page 1 of 2" in _pager(first)
    assert 'href="?page=2#ranking-card"' in _pager(first)
    # Page 2: the third RM, ranked 3 (not 1), and a link back; the tier counts still
    # count all three.
    second, reads = _get(hr, "?page=2")
    assert reads > 0  # its own fragment: not page 1's
    [(rank, sid)] = _ranking(second)
    assert rank == "3" and sid not in whole
    assert 'href="?page=1#ranking-card"' in _pager(second)
    counts = second.split('id="tier-counts"')[1].split("</ul>")[0]
    assert sum(int(n) for n in re.findall(r"</span> (\d+)</li>", counts)) == 3
    # Each page asked again comes from its own fragment: the same rows, nothing read.
    kept, reads = _get(hr, "?page=2")
    assert reads == 0 and _ranking(kept) == [(rank, sid)]
    kept, reads = _get(hr)
    assert reads == 0 and _ranking(kept) == _ranking(first)
    # Past the last page: the last; not a number: the first.
    assert _ranking(_get(hr, "?page=9")[0]) == [(rank, sid)]
    assert _ranking(_get(hr, "?page=x")[0]) == _ranking(first)
    # An audited write reorders the ranking (RM1 100.00, RM2 60.00, RM3 21.00): RM2
    # calibrated down to 10 moves to page 2, RM3 up to page 1; every page shows it.
    assert whole == ["RM1", "RM2"] and sid == "RM3"
    result_calibrate(
        actor=perf_bank.users["bm1"], key="2026Q3", staff_id="RM2", tier="not_competent",
        reason="x", total="10",
    )  # fmt: skip
    assert _ranking(_get(hr)[0]) == [("1", "RM1"), ("2", "RM3")]
    assert _ranking(_get(hr, "?page=2")[0]) == [("3", "RM2")]


def test_one_page_needs_no_pager(perf_bank: PerfBank, perf_client: Callable[[str], Client]) -> None:
    period_run(actor=perf_bank.users["hr1"], key="2026Q3")
    body, _ = _get(perf_client("hr1"))
    assert len(_ranking(body)) == 3 and _pager(body) == ""
