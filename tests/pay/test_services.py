"""The pay app's runs on the small bank (tests/pay/conftest.py), totals worked by hand
with the shipped pay plan (policies/defaults/pay.yaml): brackets 15‱ to 10,000,000.00,
18‱ to 30,000,000.00, 20‱ above; coefficients outstanding 1.20, competent 0.80; 30 %
deferred in thirds due 4, 8 and 12 quarters later; NPL threshold 2 %; base per month
junior 2,300.00, senior 3,500.00."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from rmperf.core.models import AuditEvent
from rmperf.pay.models import PayLine, PayRun, PayStatement
from rmperf.pay.services import (
    PayRefused,
    pay_approve,
    pay_chain_verify,
    pay_run,
)
from tests.pay.conftest import QUARTER, PayBank

D = Decimal


def _statement(staff_id: str) -> PayStatement:
    return PayStatement.objects.get(staff_id=staff_id, run__status="succeeded")


def test_a_quarter_not_confirmed_is_refused_and_nothing_is_written(pay_bank: PayBank) -> None:
    from rmperf.performance.services.runs import period_run

    with pytest.raises(PayRefused, match="2026Q3"):
        pay_run(actor=None, key=QUARTER)
    period_run(actor=None, key=QUARTER)  # computed, not yet confirmed by a person
    with pytest.raises(PayRefused, match="not confirmed: 2026Q3"):
        pay_run(actor=None, key=QUARTER)
    assert PayRun.objects.count() == 0
    assert PayStatement.objects.count() == 0


def test_a_month_or_year_is_not_a_pay_quarter(confirmed: PayBank) -> None:
    with pytest.raises(PayRefused):
        pay_run(actor=None, key="2026-09")
    with pytest.raises(PayRefused):
        pay_run(actor=None, key="2026")


def test_statements_match_the_hand_computed_totals(confirmed: PayBank) -> None:
    run = pay_run(actor=None, key=QUARTER)
    assert run.status == "succeeded"
    assert run.first_period == QUARTER
    assert run.rated_periods == [QUARTER]
    # RM1, outstanding (c = 1.20): L1 8,000,000.00 × 15‱ = 12,000.00 × 1.20 = 14,400.00;
    # L2 fills the first bracket's last 2,000,000.00 (× 15‱ = 3,000.00) and 3,000,000.00
    # of the second (× 18‱ = 5,400.00): 8,400.00 × 1.20 = 10,080.00. Loan pay 24,480.00,
    # D = 30 % = 7,344.00 (thirds 2,448.00), I = 17,136.00, NPL 0: nothing held.
    # Base 3 × 2,300.00 = 6,900.00; total 6,900.00 + 17,136.00 = 24,036.00.
    rm1 = _statement("RM1")
    assert (rm1.rating, rm1.coefficient) == ("outstanding", D("1.20"))
    assert rm1.base == D("6900.00")
    assert rm1.loan_pay == D("24480.00")
    assert rm1.performance_pay == D("24480.00")
    assert (rm1.deferred, rm1.immediate, rm1.held) == (D("7344.00"), D("17136.00"), D("0.00"))
    assert rm1.total_paid == D("24036.00")
    assert rm1.deferral_balance == D("7344.00")
    assert rm1.npl_ratio == D("0")
    loans = {ln.loan_id: ln for ln in rm1.lines.filter(line="loan_pay")}
    assert loans["L1"].amount == D("14400.00")
    assert loans["L2"].amount == D("10080.00")
    assert {(ln.due_period, ln.amount) for ln in rm1.lines.filter(line="deferral_balance")} == {
        ("2027Q3", D("2448.00")),
        ("2028Q3", D("2448.00")),
        ("2029Q3", D("2448.00")),
    }
    # RM2, competent (c = 0.80), left 2026-09-30 (full quarter): L4 100,000.00 × 15‱ =
    # 150.00 × 0.80 = 120.00; L3 2,000,000.00 × 15‱ = 3,000.00 × 0.80 = 2,400.00. Loan pay
    # 2,520.00, D = 756.00, I = 1,764.00. NPL at 2026-09: 100,000.00 ÷ 2,100,000.00 =
    # 0.047619 > 2 %: I held. L4 went bad in its own quarter: it costs its 120.00, and the
    # quarter's own thirds are not available, so all of it is clawback. Base 3 × 3,500.00
    # = 10,500.00; total 10,500.00 + 1,764.00 − 1,764.00 − 120.00 = 10,380.00.
    rm2 = _statement("RM2")
    assert (rm2.rating, rm2.coefficient) == ("competent", D("0.80"))
    assert rm2.loan_pay == D("2520.00")
    assert rm2.npl_ratio == D("0.047619")
    assert (rm2.held, rm2.malus, rm2.clawback) == (D("1764.00"), D("0.00"), D("-120.00"))
    assert rm2.total_paid == D("10380.00")
    assert rm2.deferral_balance == D("756.00")
    assert str(rm2.left_on) == "2026-09-30"
    # RM3: no loans, base 6,900.00.
    rm3 = _statement("RM3")
    assert (rm3.loan_pay, rm3.total_paid) == (D("0.00"), D("6900.00"))
    # The run: 24,036.00 + 10,380.00 + 6,900.00.
    assert run.total_paid == D("41316.00")
    assert run.row_count == 3
    event = AuditEvent.objects.get(verb="pay.run")
    assert event.after["total_paid"] == "41316.00"


def test_lines_sum_to_the_statement(confirmed: PayBank) -> None:
    pay_run(actor=None, key=QUARTER)
    for s in PayStatement.objects.all():
        for kind in ("base", "loan_pay", "deferred", "held", "clawback", "deferral_balance"):
            lines = PayLine.objects.filter(statement=s, line=kind)
            assert sum((ln.amount for ln in lines), D("0.00")) == getattr(s, kind), (s, kind)


def test_maker_checker_and_frozen_after_approval(confirmed: PayBank) -> None:
    hr1, hr2 = confirmed.users["hr1"], confirmed.users["hr2"]
    run = pay_run(actor=hr1, key=QUARTER)
    with pytest.raises(PayRefused, match="second person"):
        pay_approve(actor=hr1, run_id=str(run.run_id))
    with pytest.raises(Http404):  # an RM approves nothing
        pay_approve(actor=confirmed.users["rm1"], run_id=str(run.run_id))
    with pytest.raises(Http404):  # nor does an auditor (read-only)
        pay_approve(actor=confirmed.users["au1"], run_id=str(run.run_id))
    approved = pay_approve(actor=hr2, run_id=str(run.run_id))
    assert approved.is_approved and approved.approval_seq == 1
    before = list(PayStatement.objects.values_list("staff_id", "total_paid", "digest"))
    with pytest.raises(PayRefused, match="approved"):
        pay_run(actor=None, key=QUARTER)
    with pytest.raises(PayRefused, match="already approved"):
        pay_approve(actor=confirmed.users["root"], run_id=str(run.run_id))
    assert list(PayStatement.objects.values_list("staff_id", "total_paid", "digest")) == before
    assert PayRun.objects.count() == 1


def test_a_rerun_before_approval_supersedes_and_keeps_the_rows(confirmed: PayBank) -> None:
    first = pay_run(actor=None, key=QUARTER)
    second = pay_run(actor=None, key=QUARTER)
    first.refresh_from_db()
    assert first.status == "superseded" and second.status == "succeeded"
    assert PayStatement.objects.filter(run=first).count() == 3
    with pytest.raises(PayRefused, match="current run"):
        pay_approve(actor=confirmed.users["hr1"], run_id=str(first.run_id))


def test_the_chain_catches_an_edited_statement_or_line(confirmed: PayBank) -> None:
    run = pay_run(actor=None, key=QUARTER)
    pay_approve(actor=confirmed.users["hr1"], run_id=str(run.run_id))
    assert pay_chain_verify() == []
    PayStatement.objects.filter(staff_id="RM1").update(total_paid=D("99999.00"))
    problems = pay_chain_verify()
    assert any("RM1" in p for p in problems)
    assert any("do not match the approval digest" in p for p in problems)
    PayStatement.objects.filter(staff_id="RM1").update(total_paid=D("24036.00"))
    assert pay_chain_verify() == []
    PayLine.objects.filter(statement__staff_id="RM2", line="clawback").update(amount=D("0.00"))
    assert any("RM2" in p for p in pay_chain_verify())


def test_an_edited_approval_digest_is_caught(confirmed: PayBank) -> None:
    run = pay_run(actor=None, key=QUARTER)
    pay_approve(actor=confirmed.users["hr1"], run_id=str(run.run_id))
    PayRun.objects.filter(pk=run.pk).update(digest="f" * 64)
    problems = pay_chain_verify()
    assert any("audit log" in p for p in problems)
