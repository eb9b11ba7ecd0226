"""The monthly work report of Alice (persona bank) for November 2026, every figure worked
out by hand from the rows below; generation is idempotent, reading follows the org tree,
and the PDF and Excel downloads carry the same figures.

Lake (interactions, bank time +08:00), Alice (S-ALICE):
  C001 2 Nov 10:00 phone, C001 2 Nov 15:00 visit, C002 2 Nov 11:00 phone,
  C001 3 Nov 09:00 wechat, C002 30 Nov 23:30 sms; C001 31 Oct (out).
  contacts 5, different customers 2, customer-days (C001,2) (C002,2) (C001,3) (C002,30) = 4;
  November 2026 has 21 working days (tests/engine_monthly_report) → 4 ÷ 21 = 0.19.
Logged in the app: one contact on 5 Nov (the 1 Dec one is out) → 1.

Book: the lake segmented on 31 Oct and on 30 Nov with the shipped policy (core R ≤ 30,
F ≥ 5, M ≥ 500,000; potential R ≤ 60, F ≥ 3, M ≥ 200,000; basic R ≤ 90, F ≥ 2,
M ≥ 50,000; sleeping R ≥ 180; M the mean of three months' average balances):
  C001: deposits 600,000 Aug–Nov, 5 transactions 21–25 Oct. 31 Oct: R 6, F 5 → core;
        30 Nov: R 36 (> 30), F 5 → potential: down.
  C002: deposits 60,000 Aug–Nov, transactions 20 and 21 Oct. 31 Oct: R 10, F 2 → basic;
        30 Nov: R 40, F 2 → basic: same.
  C901: opened 10 Nov, transactions 12 and 13 Nov, deposits 90,000 in Nov only → M 30,000
        → other on 30 Nov; not a customer on 31 Oct: new.
  C902: opened 2020, no transaction before November → sleeping on 31 Oct; transactions
        1–3 Nov, deposits 60,000 Sep–Nov → R 27, F 3, M 60,000 → basic: up, woken.
  customers 4, up 1, down 1, same 1, new 1, woken 1, gone 0; tiers on 31 Oct core 1,
  basic 1, sleeping 1; on 30 Nov potential 1, basic 2, other 1.

Targets: approved 2026 sheet, customers_served_per_day 10 a quarter (annual 40). 2026Q4
  result: value 6 → completion 6 ÷ 10 = 60.00%; 序时进度 on 30 Nov = (31 + 30) ÷ 92 days of
  Q4 = 0.66304… → 66.30% (time_progress rounds to 4 places); 60.00% < 66.30% → behind.
Score so far: the 2026Q4 result, total 82.50, tier good.

Referrals: made by Alice on 3 and 20 Nov (the second converted, purchase 25 Nov) and on
  30 Oct (out); received on 12 Nov → made 2, received 1, made converted 1, received
  converted 0. Points: 30 earned on 26 Nov, 10 on 1 Dec (out) → 30.

Tasks (due, closed): A done 10 Nov, due 12 Nov (on time); B done 15 Nov, due 5 Nov (late);
  C open, due 20 Nov (overdue at the end); D due 25 Nov, done 2 Dec (still open on 30 Nov:
  overdue at the end); E open, due 30 Nov (due on the last day: not overdue); F done
  30 Oct (out) → done 2, on time 1, overdue at the end 2.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from rmperf.core.models import AuditEvent
from rmperf.core.runs import RunStatus
from rmperf.performance.models import PerfPeriod, ScoringRun, SheetStatus
from rmperf.referrals.models import PointsAccount, PointsEntry, Referral
from rmperf.reports.models import MonthlyReport
from rmperf.reports.services import (
    GENERATE_VERB,
    ReportRefused,
    monthly_reports_due,
    monthly_reports_generate,
)
from rmperf.tasks.models import Interaction, TaskStatus
from tests.factories import Bank
from tests.lakebuilder import LakeBuilder
from tests.tasks.conftest import make_task
from tests.workbench.helpers import result, sheet

TODAY = dt.date(2026, 12, 7)
ZONE = dt.timezone(dt.timedelta(hours=8))


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), ZONE)


def _contact(customer: str, ts: str, channel: str) -> dict[str, str]:
    return {
        "customer_id": customer,
        "staff_id": "S-ALICE",
        "ts": ts,
        "channel": channel,
        "outcome": "reached",
    }


def _lake(path: Path) -> Path:
    b = LakeBuilder()
    b.add(
        "staff",
        {
            "staff_id": "S-ALICE",
            "name": "Alice An",
            "role": "rm",
            "rank": "senior",
            "unit_id": "TM1",
            "hired_on": "2019-01-01",
        },
    )
    b.customer("C001", rm="S-ALICE").customer("C002", rm="S-ALICE")
    b.customer("C901", rm="S-ALICE", since="2026-11-10", opened_on="2026-11-10")
    b.customer("C902", rm="S-ALICE")
    for month in ("2026-08", "2026-09", "2026-10", "2026-11"):
        b.balance("C001", month, "deposit", "600000.00")
        b.balance("C002", month, "deposit", "60000.00")
        if month != "2026-08":
            b.balance("C902", month, "deposit", "60000.00")
    b.balance("C901", "2026-11", "deposit", "90000.00")
    for day in ("21", "22", "23", "24", "25"):
        b.txn("C001", f"2026-10-{day}T10:00:00+08:00")
    b.txn("C002", "2026-10-20T10:00:00+08:00").txn("C002", "2026-10-21T10:00:00+08:00")
    b.txn("C901", "2026-11-12T10:00:00+08:00").txn("C901", "2026-11-13T10:00:00+08:00")
    for day in ("01", "02", "03"):
        b.txn("C902", f"2026-11-{day}T10:00:00+08:00")
    b.add(
        "interactions",
        _contact("C001", "2026-11-02T10:00:00+08:00", "phone"),
        _contact("C001", "2026-11-02T15:00:00+08:00", "visit"),
        _contact("C002", "2026-11-02T11:00:00+08:00", "phone"),
        _contact("C001", "2026-11-03T09:00:00+08:00", "wechat"),
        _contact("C002", "2026-11-30T23:30:00+08:00", "sms"),
        _contact("C001", "2026-10-31T10:00:00+08:00", "phone"),
    )
    return b.write(path)


def _referral(bank: Bank, *, day: str, to: Any = None, frm: Any = None, **extra: Any) -> None:
    ts = _at(day)
    Referral.objects.create(
        customer=bank.c001 if "need" not in extra else bank.c002,
        from_staff=frm or bank.alice,
        to_staff=to or bank.carol,
        need=extra.pop("need", "wealth"),
        rule_id="r",
        policy_version="1",
        created_at=ts,
        referred_on=ts.date(),
        due_at=ts + dt.timedelta(hours=24),
        expires_at=ts + dt.timedelta(days=30),
        **extra,
    )


@pytest.fixture
def november(bank: Bank, settings: Any, tmp_path: Path) -> Bank:
    settings.RMPERF_LAKE_DIR = str(_lake(tmp_path / "lake"))
    Interaction.objects.create(
        customer=bank.c001, staff=bank.alice, ts=_at("2026-11-05"), channel="phone",
        outcome="reached",
    )  # fmt: skip
    Interaction.objects.create(
        customer=bank.c001, staff=bank.alice, ts=_at("2026-12-01"), channel="phone",
        outcome="reached",
    )  # fmt: skip
    sheet(bank.alice, 2026, {"customers_served_per_day": "10"}, status=SheetStatus.APPROVED)
    now = timezone.now()
    period = PerfPeriod.objects.create(
        key="2026Q4", kind="quarter", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31),
        opened_at=now,
    )  # fmt: skip
    run = ScoringRun.objects.create(
        period=period, lake_path="/lake", policy_digest="p", targets_digest="t",
        inputs_digest="i", started_at=now, finished_at=now, actor_label="system",
        status=RunStatus.SUCCEEDED,
    )  # fmt: skip
    result(period, run, bank.alice, "82.50", "good", [("customers_served_per_day", "6", "10")])
    result(period, run, bank.carol, "70.00", "competent", [])
    # Referrals: two made in November (one converted), one in October, one received.
    _referral(bank, day="2026-11-03")
    _referral(
        bank, day="2026-11-20", need="family_trust", state="converted",
        purchase_date=dt.date(2026, 11, 25), closed_at=_at("2026-11-25"),
    )  # fmt: skip
    _referral(bank, day="2026-10-30", need="corporate_loan")
    _referral(bank, day="2026-11-12", frm=bank.terry, to=bank.alice, need="corporate_settlement")
    account = PointsAccount.objects.create(staff=bank.alice, balance=40, entries=2)
    PointsEntry.objects.create(
        account=account, seq=1, ts=_at("2026-11-26"), kind="earned", points=30, balance_after=30
    )
    PointsEntry.objects.create(
        account=account, seq=2, ts=_at("2026-12-01"), kind="earned", points=10, balance_after=40
    )
    # Tasks: (key, due, status, closed_on).
    for key, due, status, closed in (
        ("A", "2026-11-12", TaskStatus.DONE, "2026-11-10"),
        ("B", "2026-11-05", TaskStatus.DONE, "2026-11-15"),
        ("C", "2026-11-20", TaskStatus.OPEN, None),
        ("D", "2026-11-25", TaskStatus.DONE, "2026-12-02"),
        ("E", "2026-11-30", TaskStatus.OPEN, None),
        ("F", "2026-10-29", TaskStatus.DONE, "2026-10-30"),
    ):
        task = make_task(
            staff=bank.alice, customer=bank.c001, key=key, due=dt.date.fromisoformat(due),
            status=status,
        )  # fmt: skip
        task.created_on = dt.date(2026, 10, 1)
        task.closed_on = dt.date.fromisoformat(closed) if closed else None
        task.save(update_fields=["created_on", "closed_on"])
    return bank


def _alice() -> MonthlyReport:
    report: MonthlyReport = MonthlyReport.objects.get(staff_id="S-ALICE", month="2026-11")
    return report


def test_alice_november_figures_by_hand(november: Bank) -> None:
    got = monthly_reports_generate(actor=None, month="2026-11", today=TODAY)
    # Every RM of the persona bank: Alice, Bob, Carol.
    assert (got.created, got.existing) == (3, 0)
    f = _alice().figures
    assert f["activity"] == {
        "contacts": 5,
        "customers_contacted": 2,
        "customer_days": 4,
        "working_days": 21,
        "served_per_day": "0.19",
        "by_channel": {"phone": 2, "sms": 1, "visit": 1, "wechat": 1},
        "logged_in_app": 1,
    }
    book = f["book"]
    assert (book["start_as_of"], book["end_as_of"]) == ("2026-10-31", "2026-11-30")
    assert {k: book[k] for k in ("customers", "up", "down", "same", "new", "woken", "gone")} == {
        "customers": 4, "up": 1, "down": 1, "same": 1, "new": 1, "woken": 1, "gone": 0,
    }  # fmt: skip
    assert book["tiers_start"] == {"core": 1, "basic": 1, "sleeping": 1}
    assert book["tiers_end"] == {"potential": 1, "basic": 2, "other": 1}
    targets = f["targets"]
    assert targets["quarter"] == "2026Q4" and targets["expected"] == "0.6630"
    [line] = targets["lines"]
    assert line["quarter_target"] == "10.00" and line["annual"] == "40.00"
    assert Decimal(line["actual"]) == 6
    assert line["completion"] == "0.6000" and line["behind"] is True
    assert f["score"]["quarter"] == "2026Q4"
    assert (f["score"]["total"], f["score"]["tier"]) == ("82.50", "good")
    assert f["referrals"] == {
        "made": 2, "received": 1, "made_converted": 1, "received_converted": 0,
        "points_earned": 30,
    }  # fmt: skip
    assert f["tasks"] == {"done": 2, "done_on_time": 1, "overdue_at_end": 2}
    event = AuditEvent.objects.get(verb=GENERATE_VERB, object_id=str(_alice().pk))
    assert event.actor_label == "system" and event.after["digest"] == _alice().digest


def test_running_twice_makes_one_report_and_keeps_the_figures(november: Bank) -> None:
    monthly_reports_generate(actor=None, month="2026-11", today=TODAY)
    first = _alice()
    # The lake's and the app's rows change after generation: the report does not.
    Interaction.objects.create(
        customer=november.c001, staff=november.alice, ts=_at("2026-11-06"), channel="sms",
        outcome="reached",
    )  # fmt: skip
    again = monthly_reports_generate(actor=None, month="2026-11", today=TODAY)
    assert (again.created, again.existing) == (0, 3)
    assert MonthlyReport.objects.filter(month="2026-11").count() == 3
    assert _alice().figures == first.figures and _alice().digest == first.digest
    assert AuditEvent.objects.filter(verb=GENERATE_VERB).count() == 3


def test_the_daily_call_generates_last_month_from_its_first_working_day(
    november: Bank,
) -> None:
    # 1 December 2026 is a Tuesday, the month's first working day.
    assert monthly_reports_due(actor=None, today=dt.date(2026, 11, 30)) is not None  # October's
    got = monthly_reports_due(actor=None, today=dt.date(2026, 12, 1))
    assert got is not None and got.month == "2026-11" and got.created == 3


def test_a_month_not_over_is_refused(november: Bank) -> None:
    with pytest.raises(ReportRefused, match="not over"):
        monthly_reports_generate(actor=None, month="2026-11", today=dt.date(2026, 11, 30))
    with pytest.raises(ReportRefused, match="not a month"):
        monthly_reports_generate(actor=None, month="2026Q4", today=TODAY)
    assert not MonthlyReport.objects.exists()


def _client(bank: Bank, persona: str, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(bank.user(persona))
    return client


@pytest.mark.parametrize("persona", ["bob", "carol", "terry"])
def test_out_of_scope_gets_404(november: Bank, persona: str) -> None:
    monthly_reports_generate(actor=None, month="2026-11", today=TODAY)
    pk = _alice().pk
    client = _client(november, persona)
    for name in ("detail", "pdf", "xlsx"):
        assert client.get(reverse(f"reports:{name}", args=[pk])).status_code == 404
    assert not AuditEvent.objects.filter(verb__startswith="reports.monthly.p").exists()


def test_rm_sees_own_leader_the_team_manager_the_branch(november: Bank) -> None:
    monthly_reports_generate(actor=None, month="2026-11", today=TODAY)
    url = reverse("reports:index")
    alice = _client(november, "alice").get(url).content.decode()
    assert "Alice An" in alice and "Carol Cao" not in alice and "Bob Bai" not in alice
    tina = _client(november, "tina").get(url).content.decode()  # team A1: Alice only
    assert "Alice An" in tina and "Carol Cao" not in tina
    mike = _client(november, "mike").get(url)  # branch A: teams A1 and A2
    page = mike.content.decode()
    assert "Alice An" in page and "Carol Cao" in page and "Bob Bai" not in page
    rollup = mike.context["rollup"]
    # Branch A: Alice 4 customer-days, Carol 0; 4 ÷ (21 × 2) = 0.095… → 0.10; contacts 5;
    # average score (82.50 + 70.00) ÷ 2 = 76.25.
    assert rollup.total.rms == 2
    assert rollup.total.served_per_day == Decimal("0.10")
    assert rollup.total.sums["contacts"] == 5
    assert rollup.total.avg_score == Decimal("76.25")
    # The page's total row says the same: 2 RMs, 0.10, 5 contacts, 76.25.
    total = page[page.index('id="rollup-total"') :]
    total = total[: total.index("</tr>")]
    assert "(2 RMs)" in total
    for label, cell in (("Served per working day", "0.10"), ("Contacts", "5")):
        assert f'data-label="{label}">{cell}</td>' in total, cell
    assert 'data-label="Quarter score so far">76.25</td>' in total
    assert 'data-label="Overdue at the month\'s end">2</td>' in total


def _pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_pdf_download_has_the_figures_and_is_audited(november: Bank) -> None:
    monthly_reports_generate(actor=None, month="2026-11", today=TODAY)
    pk = _alice().pk
    response = _client(november, "tina").get(reverse("reports:pdf", args=[pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="monthly-report-S-ALICE-2026-11.pdf"'
    )
    text = _pdf_text(response.content)
    assert "Monthly work report 2026-11" in text
    assert "Customers served per working day" in text and "0.19" in text
    assert "66.30%" in text and "60.00%" in text and "82.50" in text
    event = AuditEvent.objects.get(verb="reports.monthly.pdf")
    assert event.object_id == str(pk) and len(event.after["sha256"]) == 64


def test_pdf_in_chinese(november: Bank) -> None:
    monthly_reports_generate(actor=None, month="2026-11", today=TODAY)
    response = _client(november, "alice", "zh-hans").get(reverse("reports:pdf", args=[_alice().pk]))
    text = _pdf_text(response.content)
    assert "月度工作报告 2026-11" in text and "日均服务客户数" in text


def test_excel_download_is_formula_safe_with_the_figures(november: Bank) -> None:
    november.alice.name = "=HYPERLINK(1)"
    november.alice.save(update_fields=["name"])
    monthly_reports_generate(actor=None, month="2026-11", today=TODAY)
    response = _client(november, "alice").get(reverse("reports:xlsx", args=[_alice().pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    cells: dict[str, Any] = {}
    for row in ws.iter_rows(values_only=True):
        if row and row[0]:  # a label's first row (the targets table repeats a name)
            cells.setdefault(str(row[0]), row[1] if len(row) > 1 else None)
    # Figures are numbers; text that a spreadsheet would evaluate starts with "'".
    assert cells["Customers served per working day"] == pytest.approx(0.19)
    assert cells["Contacts (lake)"] == 5
    assert cells["Tasks overdue at the month's end"] == 2
    assert cells["Relationship manager"] == "'=HYPERLINK(1)"
    formulas = [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    assert AuditEvent.objects.filter(verb="reports.monthly.xlsx").count() == 1


def test_the_targets_read_as_a_bank_writes_them(november: Bank) -> None:
    # customers_served_per_day is a count: annual 40.00 → "40", quarter 10.00 → "10",
    # actual 6 → "6"; completion 6 ÷ 10 = 0.6000 → "60.00%", behind 66.30%.
    monthly_reports_generate(actor=None, month="2026-11", today=TODAY)
    pk = _alice().pk
    html = _client(november, "tina").get(reverse("reports:detail", args=[pk])).content.decode()
    row = html[html.index('id="report-targets"') :]
    for cell in ("40", "10", "6", "60.00%"):
        assert f'<td class="num">{cell}' in row, cell
    # The Excel file keeps the stored figures as numbers, formatted: the annual target
    # 40.00 to the cent, the completion 0.6000 as 60.00%, a count with separators.
    response = _client(november, "alice").get(reverse("reports:xlsx", args=[pk]))
    ws = load_workbook(io.BytesIO(response.content)).active
    [target] = [r for r in ws.iter_rows() if r[0].value and len(r) > 4 and r[4].value == 0.6]
    assert (target[1].value, target[1].number_format) == (40, "#,##0.00")
    assert (target[2].value, target[3].value) == (10, 6)
    assert target[4].number_format == "0.00%"
    [contacts] = [r for r in ws.iter_rows() if r[0].value == "Contacts (lake)"]
    assert (contacts[1].value, contacts[1].number_format) == (5, "#,##0")


def test_counts_are_grouped_and_read_back_as_numbers() -> None:
    from rmperf.reports.export import _cell
    from rmperf.reports.selectors import _num

    assert (_num(1234567), _num(12), _num(None), _num("0.19")) == ("1,234,567", "12", "—", "0.19")
    assert (_cell("1,234,567"), _cell("-1,234.50"), _cell("0.19")) == (
        1234567, Decimal("-1234.50"), Decimal("0.19"))  # fmt: skip
    assert _cell("电话 3, 短信 1") == "电话 3, 短信 1"


def test_the_branch_rollup_as_excel_by_hand(november: Bank) -> None:
    november.carol.name = "=CMD()"
    november.carol.save(update_fields=["name"])
    monthly_reports_generate(actor=None, month="2026-11", today=TODAY)
    url = reverse("reports:rollup_xlsx") + "?month=2026-11"
    response = _client(november, "mike").get(url)  # branch A: team A1 (Alice), A2 (Carol)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[1]
    assert header[:3] == ("Unit", "Staff id", "RM") and header[-1] == "Quarter score so far"
    by_staff = {r[1]: r for r in rows[2:] if r[1]}
    assert set(by_staff) == {"S-ALICE", "S-CAROL"}  # Bob is branch B's: not here
    alice = by_staff["S-ALICE"]
    # Alice's November as in test_alice_november_figures_by_hand: 0.19 served per day,
    # 5 contacts, 4 customers, 1 up / 1 down / 1 woken, 2 made / 1 received, 2 done,
    # 2 overdue, 82.50.
    assert alice[3] == pytest.approx(0.19)
    assert alice[4:13] == (5, 4, 1, 1, 1, 2, 1, 2, 2)
    assert alice[13] == pytest.approx(82.50)
    assert by_staff["S-CAROL"][2] == "'=CMD()"  # formula-safe
    # The last row is the branch's total: 2 RMs, 4 ÷ (21 × 2) = 0.095… → 0.10 served per
    # day, 5 contacts, the average score (82.50 + 70.00) ÷ 2 = 76.25.
    total = rows[-1]
    assert total[2] == "2 RMs"
    assert total[3] == pytest.approx(0.10) and total[4] == 5
    assert total[13] == pytest.approx(76.25)
    assert [c for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()
            for c in row if c.data_type == "f"] == []  # fmt: skip
    event = AuditEvent.objects.get(verb="reports.rollup.xlsx")
    assert event.after["staff"] == ["S-ALICE", "S-CAROL"]
    # An RM's roll-up is their own row; without ?month= the latest month (as the page); a
    # month the reader has no report of is 404.
    own = _client(november, "alice").get(url)
    own_rows = list(load_workbook(io.BytesIO(own.content)).active.iter_rows(values_only=True))
    assert {r[1] for r in own_rows[2:] if r[1]} == {"S-ALICE"}
    assert _client(november, "terry").get(url).status_code == 404
    latest = _client(november, "mike").get(reverse("reports:rollup_xlsx"))
    assert latest.status_code == 200 and latest["Content-Disposition"].endswith(
        'monthly-reports-2026-11.xlsx"'
    )
    assert _client(november, "mike").get(url.replace("2026-11", "2026-10")).status_code == 404
