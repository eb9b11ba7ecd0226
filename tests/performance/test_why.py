"""Why this score, in plain words, on the hand-built lake of conftest.py.

RM2's deposit growth (conftest.py): customer C2 (客户C2), 100,000 → 250,000 average daily
deposits, growth 150,000.00 against a quarter's target of 300,000.00: completion 50%,
0.5 × 80 = 40.00 points. The rows behind it (tests/performance/test_selectors.py): the
Q2 base −100,000.00 and the Q3 months 84,239.13, 84,239.13 and 81,521.74.
"""

from __future__ import annotations

import pytest
from django.test import Client

from rmperf.engine.indicators.library import LIBRARY
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db
URL = "/performance/2026Q3/staff/RM2/why/deposit_avg_growth/"


def _client(bank: PerfBank, who: str, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(bank.users[who])
    return client


def _main(body: str) -> str:
    """The page up to the details toggle: what every reader sees."""
    return body[: body.index('id="why-details"')]


def test_the_zh_page_explains_in_chinese_with_money_to_the_cent(perf_bank: PerfBank) -> None:
    period_run(actor=None, key="2026Q3")
    response = _client(perf_bank, "rm2", "zh-hans").get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    main = _main(body)
    info = LIBRARY["deposit_avg_growth"]
    assert "日均存款增长" in main
    assert info.definition_zh in main
    assert info.formula_zh in main
    assert info.definition not in body  # no English definition on the zh page
    assert "150,000.00 元" in main  # the value, to the cent with separators
    assert "300,000.00 元" in main  # the target
    assert "50.00%" in main  # completion 0.5 as a percentage
    assert "40.00" in main  # the points
    # One customer, C2, carries the whole growth: 100.0% of it.
    rows = main[main.index('id="why-customer-rows"') :]
    assert "客户C2" in rows  # an RM serves customers: the name in full
    assert "150,000.00 元" in rows
    assert "100.0%" in rows
    # No raw column names, no six-decimal numbers in the main view.
    for word in ("staff_id", "numerator", "contribution", "customer_id", ".000000"):
        assert word not in main, word
    # The chart's data: C2's part of the value.
    assert '"bars": [{"name": "\\u5ba2\\u6237C2", "value": "150000.00"}]' in main


def test_a_role_without_reveal_sees_masked_names(perf_bank: PerfBank) -> None:
    period_run(actor=None, key="2026Q3")
    body = _client(perf_bank, "hr1", "zh-hans").get(URL).content.decode()
    # HR does not serve customers: 客户C2 keeps its first character only.
    assert "客***" in body
    assert "客户C2" not in body
    customer = _client(perf_bank, "hr1", "zh-hans").get(URL + "customer/C2/")
    assert customer.status_code == 200
    assert "客户C2" not in customer.content.decode()


def test_the_details_toggle_holds_the_technical_columns_and_the_cli_text(
    perf_bank: PerfBank,
) -> None:
    period_run(actor=None, key="2026Q3")
    body = _client(perf_bank, "rm2", "en").get(URL).content.decode()
    details = body[body.index('<details class="card" id="why-details">') :]
    details = details[: details.index("</details>")]
    for column in ("staff_id", "numerator", "denominator", "contribution", "flag"):
        assert f"<th>{column}</th>" in details
    assert "-100000.000000" in details  # the base row, as the engine gives it
    assert "RM2  scorecard test_retail" in details  # the text of rmperf explain
    assert "Average daily deposit growth" in _main(body)
    assert "150,000.00 CNY" in _main(body)


def test_the_customer_drill_down_lists_their_rows(perf_bank: PerfBank) -> None:
    period_run(actor=None, key="2026Q3")
    rm2 = _client(perf_bank, "rm2", "zh-hans")
    body = rm2.get(URL + "customer/C2/").content.decode()
    rows = body[body.index('id="customer-rows"') :]
    for part in ("-100,000.00 元", "84,239.13 元", "81,521.74 元"):
        assert part in rows
    assert rows.index("2026-07") < rows.index("2026-09")
    assert "余额" in rows  # the rows come from the balances, named in Chinese
    assert "balances" not in rows
    # A customer of another RM has no rows here; RM1's line is not RM2's to read.
    assert rm2.get(URL + "customer/C1/").status_code == 404
    assert rm2.get("/performance/2026Q3/staff/RM1/why/deposit_avg_growth/").status_code == 404
    # The old address on the scorecard sends to the page.
    old = rm2.get("/performance/2026Q3/staff/RM2/?why=deposit_avg_growth")
    assert old.status_code == 302
    assert old["Location"] == URL
