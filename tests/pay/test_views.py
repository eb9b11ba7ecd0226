"""The pay pages per role (404 out of scope), the payroll export's formula safety, and
every page rendered in zh-hans. Figures: tests/pay/test_services.py."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from rmperf.core.models import AuditEvent
from rmperf.pay.models import PayLine, PayRun, PayStatement
from rmperf.pay.services import inquiry_open, pay_run
from tests.pay.conftest import QUARTER, PayBank


@pytest.fixture
def paid(confirmed: PayBank) -> PayBank:
    pay_run(actor=None, key=QUARTER)
    return confirmed


def _ids() -> dict[str, int]:
    return dict(PayStatement.objects.values_list("staff_id", "pk"))


#: Who sees whose statement: RM1, RM2 in TM1/BR1 (TL1, BM1); RM3 in TM2/BR2 (BM2).
SEES = {
    "rm1": {"RM1"},
    "rm2": {"RM2"},
    "tl1": {"RM1", "RM2"},
    "bm1": {"RM1", "RM2"},
    "bm2": {"RM3"},
    "hr1": {"RM1", "RM2", "RM3"},
    "au1": {"RM1", "RM2", "RM3"},
    "root": {"RM1", "RM2", "RM3"},
    "te1": set(),
    "ro1": set(),
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_statement_access_per_role(paid: PayBank, who: str) -> None:
    client = paid.client(who)
    for staff_id, pk in _ids().items():
        response = client.get(reverse("pay:statement", args=[pk]))
        expected = 200 if staff_id in SEES[who] else 404
        assert response.status_code == expected, (who, staff_id)
    index = client.get(reverse("pay:index"), {"period": QUARTER})
    if SEES[who]:
        assert index.status_code == 200
        listed = {s.staff_id for s in index.context["statements"]}
        assert listed == SEES[who]
    else:
        assert index.status_code == 404


def test_statement_page_explains_each_line(paid: PayBank) -> None:
    response = paid.client("rm1").get(reverse("pay:statement", args=[_ids()["RM1"]]))
    html = response.content.decode()
    assert "24,036.00" in html  # total paid, to the cent with thousands separators
    assert "2,000,000.00 × 15‱ + 3,000,000.00 × 18‱" in html  # L2's bracket portions
    assert "2029Q3" in html  # the last third's due quarter (future releases)
    rm2 = paid.client("hr1").get(reverse("pay:statement", args=[_ids()["RM2"]])).content.decode()
    assert "0.047619" in rm2  # the NPL ratio that held it
    assert "-120.00" in rm2 and "L4" in rm2  # the clawback and its loan


def test_cost_page_sums_per_team_and_branch(paid: PayBank) -> None:
    hr = paid.client("hr1").get(reverse("pay:cost"), {"period": QUARTER})
    assert hr.status_code == 200
    branches = {c.unit.unit_id: c.total_paid for c in hr.context["branches"]}
    # BR1: RM1 24,036.00 + RM2 10,380.00 = 34,416.00; BR2: RM3 6,900.00.
    assert {k: str(v) for k, v in branches.items()} == {"BR1": "34416.00", "BR2": "6900.00"}
    assert str(hr.context["total"].total_paid) == "41316.00"
    # RM2 left on 2026-09-30 and owes the 120.00 clawback of L4.
    assert [s.staff_id for s in hr.context["leavers"]] == ["RM2"]
    tl = paid.client("tl1").get(reverse("pay:cost"), {"period": QUARTER})
    assert {c.unit.unit_id for c in tl.context["teams"]} == {"TM1"}
    assert tl.context["leavers"] == [] and not tl.context["show_leavers"]
    assert paid.client("rm1").get(reverse("pay:cost")).status_code == 404
    assert paid.client("te1").get(reverse("pay:cost")).status_code == 404


def test_payroll_export_is_formula_safe(paid: PayBank) -> None:
    PayLine.objects.filter(statement__staff_id="RM1", line="base").update(
        detail='=HYPERLINK("http://evil","x")'
    )
    client = paid.client("hr1")
    response = client.get(reverse("pay:export", args=["csv"]), {"period": QUARTER})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    detail = header.index("detail")
    assert all(not r[detail].startswith("=") for r in body)
    assert '\'=HYPERLINK("http://evil","x")' in [r[detail] for r in body]
    # One row per RM and line; a negative amount stays a number, not an escaped text.
    assert len(body) == PayLine.objects.count()
    amounts = [r[header.index("amount")] for r in body if r[header.index("line")] == "clawback"]
    assert amounts == ["-120.00"]
    xlsx = client.get(reverse("pay:export", args=["xlsx"]), {"period": QUARTER})
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    col = values[0].index("detail")
    cells = [r[col] for r in values[1:] if r[col]]
    assert '\'=HYPERLINK("http://evil","x")' in cells
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert AuditEvent.objects.filter(verb="pay.export").count() == 2
    # An RM exports only their own lines.
    own = paid.client("rm1").get(reverse("pay:export", args=["csv"]), {"period": QUARTER})
    staff = {r[0] for r in list(csv.reader(io.StringIO(own.content.decode("utf-8-sig"))))[1:]}
    assert staff == {"RM1"}
    assert paid.client("te1").get(reverse("pay:export", args=["csv"])).status_code == 404


def test_hr_runs_and_another_person_approves_on_the_page(confirmed: PayBank) -> None:
    hr1 = confirmed.client("hr1")
    response = hr1.post(reverse("pay:run"), {"period": QUARTER})
    assert response.status_code == 302
    run = PayRun.objects.get()
    page = hr1.get(reverse("pay:index"), {"period": QUARTER})
    assert not page.context["may_approve"]  # one's own run
    refused = hr1.post(reverse("pay:approve", args=[run.run_id]), follow=True)
    assert "second person" in refused.content.decode()
    run.refresh_from_db()
    assert not run.is_approved
    assert confirmed.client("rm1").post(reverse("pay:approve", args=[run.run_id])).status_code == (
        404
    )
    confirmed.client("hr2").post(reverse("pay:approve", args=[run.run_id]))
    run.refresh_from_db()
    assert run.is_approved and run.approved_by == confirmed.users["hr2"]
    assert confirmed.client("rm1").post(reverse("pay:run"), {"period": QUARTER}).status_code == 404


def test_every_page_renders_in_chinese(paid: PayBank) -> None:
    line = PayLine.objects.filter(statement__staff_id="RM1").first()
    assert line is not None
    inquiry = inquiry_open(actor=paid.users["rm1"], text="为什么？", pay_line_id=line.pk)
    pages = {
        "hr1": [
            (reverse("pay:index"), "薪酬"),
            (reverse("pay:statement", args=[_ids()["RM1"]]), "延期支付"),
            (reverse("pay:cost"), "离职人员追索扣回"),
            (reverse("pay:inquiries"), "询问"),
            (reverse("pay:inquiry", args=[inquiry.pk]), "答复"),
        ],
        "rm1": [(reverse("pay:index"), "我的薪酬单"), (reverse("pay:inquiries"), "评分项")],
    }
    for who, urls in pages.items():
        client = paid.client(who, language="zh-hans")
        for url, text in urls:
            response = client.get(url, {"period": QUARTER} if "inquir" not in url else {})
            assert response.status_code == 200, url
            assert text in response.content.decode(), (who, url, text)
