"""The manager's contribution dashboard is computed once per (run, scope, language)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rmperf.segments.models import CustomerSegment, SegmentRun
from tests.segments.factories import make_run
from tests.segments.test_views import run  # noqa: F401 - the fixture


def _rms(body: str) -> list[str]:
    return re.findall(r'href="/segments/rm/([^/]+)/"', body)


def _customers_of_mike() -> list[str]:
    return list(CustomerSegment.objects.values_list("customer_id", flat=True))


def test_a_second_view_reuses_the_scope_s_figures_and_a_new_run_does_not(
    run: SegmentRun,  # noqa: F811
    client_as: Callable[[str], Client],
) -> None:
    mike = client_as("mike")
    with CaptureQueriesContext(connection) as first:
        body = mike.get("/segments/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with CaptureQueriesContext(connection) as second:
        again = mike.get("/segments/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    figures = re.compile(r'<td class="num">([^<]*)</td>')
    assert figures.findall(again) == figures.findall(body) != []
    assert _rms(again) == _rms(body) == ["S-ALICE", "S-CAROL"]
    aggregates = [q["sql"] for q in first.captured_queries if "customersegment" in q["sql"]]
    assert len(aggregates) >= 2  # the tier and totals aggregates, the per-RM books
    assert not [q for q in second.captured_queries if "customersegment" in q["sql"]]
    # The cached figures are the scope's own: HR sees the whole bank, not mike's branch.
    hr = client_as("hannah").get("/segments/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "S-BOB" in _rms(hr) and "S-BOB" not in _rms(body)
    # Chinese labels are not served from the English entry.
    zh = mike.get("/segments/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "核心" in zh
    # A new run is a new key: its figures show at once.
    make_run(
        as_of=run.as_of + dt.timedelta(days=1),
        tiers={customer: "sleeping" for customer in _customers_of_mike()},
    )
    with CaptureQueriesContext(connection) as third:
        newest = mike.get("/segments/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert [q for q in third.captured_queries if "customersegment" in q["sql"]]
    assert newest != body
