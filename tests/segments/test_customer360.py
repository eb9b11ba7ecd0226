"""The customer 360 on the hand-built lake (conftest.py), with hand-computed values."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from rmperf.customers.models import Customer
from rmperf.segments import lake_selectors as lk
from rmperf.segments.customer360 import customer_360
from rmperf.segments.services import segment_run
from tests.segments.conftest import AS_OF, LakeBank

pytestmark = pytest.mark.django_db


def test_the_360_of_a_customer_with_history(lake_bank: LakeBank) -> None:
    segment_run(actor=None, as_of=dt.date(2026, 8, 31))
    segment_run(actor=None, as_of=AS_OF)
    c = customer_360(actor=lake_bank.users["rm1"], customer=Customer.objects.get(pk="K1"))
    # Tier path: on 2026-08-31 the last transaction was 2025-01-10 → R = 598 ≥ 180.
    assert [(h.as_of, h.tier) for h in c.history] == [
        (dt.date(2026, 8, 31), "sleeping"),
        (AS_OF, "potential"),
    ]
    assert c.current is not None and c.current.tier == "potential"
    # What moves K1 up to core: R 1 ≤ 30 met, F 3 of 5, M 516,666.67 ≥ 500,000 met.
    assert c.next_up is not None and c.next_up.tier == "core"
    assert [(g.measure, g.current, g.needed, g.met) for g in c.next_up.gaps] == [
        ("R", 1, 30, True),
        ("F", 3, 5, False),
        ("M", Decimal("516666.67"), Decimal("500000.00"), True),
    ]
    # AUM chart: assets only (the loan balance is left out), one point per month.
    assert c.aum.months == ["2026-07", "2026-08", "2026-09"]
    assert [(s["key"], s["data"]) for s in c.aum.series] == [
        ("deposit", ["300000.00", "300000.00", "300000.00"]),
        ("wealth", ["200000.00", "300000.00", "150000.00"]),
    ]
    # Holdings, soonest maturity first; open-ended last.
    assert [(h["product_id"], h["maturity_date"]) for h in c.holdings] == [
        ("WM1", dt.date(2026, 10, 15)),
        ("DEP", None),
    ]
    assert c.holdings[0]["product"].name == "稳健理财"
    # Transactions newest first, timestamps in bank time.
    assert [t["ts"].date() for t in c.transactions] == [
        dt.date(2026, 9, 29), dt.date(2026, 9, 15), dt.date(2026, 9, 1), dt.date(2025, 1, 10),
    ]  # fmt: skip
    assert lk.local_date(c.transactions[0]["ts"]) == dt.date(2026, 9, 29)
    # The loan with its latest grade.
    (loan,) = c.loans
    assert (loan["loan_id"], loan["grade"], loan["overdue_days"], loan["balance"]) == (
        "L1", "special_mention", 15, Decimal("890000.00"),
    )  # fmt: skip
    assert [(i["channel"], i["staff_name"]) for i in c.interactions] == [
        ("phone", "王一"), ("visit", "王一"),
    ]  # fmt: skip
    (ref,) = c.referrals
    assert (ref["need"], ref["status"], ref["from_name"], ref["to_name"]) == (
        "wealth", "converted", "钱五", "王一",
    )  # fmt: skip


def test_the_360_page_for_the_rm(lake_client: Callable[[str], Client], lake_bank: LakeBank) -> None:
    segment_run(actor=None, as_of=AS_OF)
    response = lake_client("rm1").get("/customers/K1/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "139****5678" in body and "13912345678" not in body
    assert "F 3 of 5" in body and "To reach Core" in body
    assert "special_mention" in body and "稳健理财" in body
    # The chart's data travels as JSON, drawn by our own static script (CSP: no inline JS).
    data = json.loads(
        re.search(r'id="aum-data" type="application/json">(.*?)</script>', body, re.S).group(1)
    )  # type: ignore[union-attr]
    assert data["months"] == ["2026-07", "2026-08", "2026-09"]
    assert "/static/vendor/echarts/echarts.min.js" in body and "rmperf/charts.js" in body
    assert "<script>" not in body
    # Another RM's customer is not found.
    assert lake_client("rm2").get("/customers/K1/").status_code == 404


def test_the_360_of_a_customer_without_history(lake_client: Callable[[str], Client]) -> None:
    body = lake_client("rm1").get("/customers/K4/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not segmented yet." in body
    assert "No balances in the lake for this customer." in body
    assert "No transactions." in body and "No loans." in body


def test_the_customer_index_and_the_files_give_the_same_page(
    lake_bank: LakeBank, settings: object, tmp_path: object
) -> None:
    segment_run(actor=None, as_of=AS_OF)  # builds the index after the run
    files = lk.lake_files()
    assert files is not None and files.index_path is not None and files.index_path.exists()
    assert files.source(
        "transactions",
    ).startswith("c360_")  # type: ignore[union-attr]
    customer = Customer.objects.get(pk="K1")
    with_index = customer_360(actor=lake_bank.users["rm1"], customer=customer)
    settings.RMPERF_LAKE_CACHE_DIR = tmp_path  # type: ignore[attr-defined]
    files = lk.lake_files()
    assert files is not None and not files.index_path.exists()  # type: ignore[union-attr]
    assert files.source("transactions").startswith("(SELECT")  # type: ignore[union-attr]
    from_files = customer_360(actor=lake_bank.users["rm1"], customer=customer)
    for part in ("holdings", "transactions", "loans", "interactions", "referrals"):
        strip = lambda rows: [{k: v for k, v in r.items() if k != "product"} for r in rows]  # noqa: E731
        assert strip(getattr(with_index, part)) == strip(getattr(from_files, part)), part
    assert with_index.aum == from_files.aum
