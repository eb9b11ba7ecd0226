"""The fishbone page: alice's 2026Q3 gaps attributed on the persona lake
(tests/analysis/lake.py), seen by alice and her managers, 404 to anyone else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.http import Http404
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from rmperf.analysis.fishbone_selectors import fishbone_page, task_figures
from rmperf.customers.models import Customer
from rmperf.engine.periods import Period
from rmperf.performance.models import LineResult, PerfPeriod, RmResult, ScoringRun
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.models import PolicyVersion
from rmperf.tasks.models import Task, TaskRun, TaskStatus
from tests.factories import Bank

URL = "/analysis/fishbone/2026Q3/S-ALICE/"


def alices_result(bank: Bank) -> RmResult:
    now = timezone.now()
    period = PerfPeriod.objects.create(
        key="2026Q3", kind="quarter", start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30),
        status="computed", opened_at=now,
    )  # fmt: skip
    run = ScoringRun.objects.create(
        period=period, lake_path="/nowhere", policy_digest="p", targets_digest="t",
        inputs_digest="i", started_at=now, finished_at=now, actor_label="system",
        status="succeeded", policy_versions={"test_retail": "abc"},
    )  # fmt: skip
    result = RmResult.objects.create(
        period=period, run=run, staff=bank.alice, scorecard="test_retail", policy_version="abc",
        base=Decimal(60), bonus=Decimal(0), deduction=Decimal(0), total=Decimal(60),
        tier="competent", rated_tier="competent",
    )  # fmt: skip
    for i, (indicator, target, value) in enumerate(
        (("deposit_avg_balance", "100", "50"), ("response_24h_rate", "0.9", "0.95"))
    ):
        LineResult.objects.create(
            result=result, position=i, line=indicator, indicator=indicator, method="ratio",
            weight=Decimal(50), value=Decimal(value), target=Decimal(target),
        )  # fmt: skip
    return result


@pytest.mark.django_db
def test_the_attribution_of_alices_gaps(ready: Bank) -> None:
    alices_result(ready)
    page = fishbone_page(actor=ready.user("alice"), period_key="2026Q3", staff_id="S-ALICE")
    assert page.problem == ""
    found = {b.category: b.found for b in page.bones}
    # No trainings in the lake: the AML and suitability courses are missing (skills).
    # No interaction with her 3 customers: 0 contacts per customer-month < 0.10 (effort).
    # No loan with an application date, no request, no balance: nothing to judge in
    # process and external; every customer is sleeping, hers and the bank's alike.
    assert found == {
        "skills": True,
        "process": False,
        "external": False,
        "customer_mix": False,
        "effort": True,
    }
    gaps = {g.line: g for g in page.gaps}
    # deposits: 100 − 50 = 50, shared by skills and effort: 25 each.
    deposit = gaps["deposit_avg_balance"]
    assert deposit.gap == Decimal(50)
    assert [(category, part) for category, _, part in deposit.parts] == [
        ("skills", Decimal(25)),
        ("effort", Decimal(25)),
    ]
    # 0.95 ≥ 0.9: met, nothing attributed.
    assert not gaps["response_24h_rate"].short and gaps["response_24h_rate"].parts == []
    effort = next(b for b in page.bones if b.category == "effort")
    assert sorted(r.key["customer_id"] for r in effort.rows) == ["C001", "C002", "C003"]


@pytest.mark.django_db
def test_task_figures(ready: Bank) -> None:
    # Due in Q3: done on the due date (on time), done a day late, still open; one due in
    # October is not counted. 1 of 3 on time.
    run = TaskRun.objects.create(
        status="succeeded", actor_label="system", as_of=dt.date(2026, 7, 1), policy_digest="0"
    )
    c001 = Customer.objects.get(customer_id="C001")
    for n, (due, status, closed) in enumerate(
        (
            (dt.date(2026, 8, 1), TaskStatus.DONE, dt.date(2026, 8, 1)),
            (dt.date(2026, 8, 2), TaskStatus.DONE, dt.date(2026, 8, 3)),
            (dt.date(2026, 9, 1), TaskStatus.OPEN, None),
            (dt.date(2026, 10, 1), TaskStatus.DONE, dt.date(2026, 9, 1)),
        )
    ):
        Task.objects.create(
            staff=ready.alice, customer=c001, kind="birthday", source_key=f"k{n}",
            due_date=due, reason="r", reason_zh="r", action="a", action_zh="a",
            status=status, first_run=run, created_on=dt.date(2026, 7, 1), closed_on=closed,
        )  # fmt: skip
    figures = task_figures("S-ALICE", Period.parse("2026Q3"))
    assert (figures.due, figures.done_on_time) == (3, 1)


@pytest.mark.django_db
def test_who_sees_the_page(ready: Bank, client_as: Callable[[str], Client]) -> None:
    alices_result(ready)
    for persona in ("alice", "tina", "mike", "hannah"):
        body = client_as(persona).get(URL)
        assert body.status_code == 200, persona
        text = body.content.decode()
        assert 'href="#bone-skills"' in text and 'id="bone-effort"' in text
    for persona in ("carol", "bob", "terry"):
        assert client_as(persona).get(URL).status_code == 404, persona
    with pytest.raises(Http404):
        fishbone_page(actor=ready.user("bob"), period_key="2026Q3", staff_id="S-ALICE")
    scorecard = client_as("alice").get("/performance/2026Q3/staff/S-ALICE/").content.decode()
    assert f'href="{URL}"' in scorecard


@pytest.mark.django_db
def test_the_page_in_chinese(ready: Bank, client_as: Callable[[str], Client]) -> None:
    alices_result(ready)
    text = client_as("alice").get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "鱼骨图" in text and "技能" in text
    # Figures in their unit: deposits (CNY) target 100, value 50, gap 50, 25 to skills
    # and 25 to effort; the 24-hour response rate (a ratio) 0.9 → 90.00%, 0.95 → 95.00%.
    for figure in ("100.00 元", "50.00 元", "25.00 元", "90.00%", "95.00%"):
        assert figure in text, figure


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "name", "took_effect"),
    [
        ("zh-hans", "差距归因（鱼骨图）规则 · 出厂默认", "（{day}起生效）"),
        ("en", "Gap attribution (fishbone) rules · shipped default", " (in force from {day})"),
    ],
)
def test_the_policy_in_force_is_named_for_people(
    ready: Bank, client_as: Callable[[str], Client], language: str, name: str, took_effect: str
) -> None:
    alices_result(ready)
    text = client_as("alice").get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    # The shipped default fishbone policy, recorded as a version when the page first used
    # it: its kind's name, the version as the policies page shows it, the day it took
    # effect; not `fishbone default-<digest> (Active) (<digest>)`.
    version = PolicyVersion.objects.get(kind=PolicyKind.FISHBONE, status="active")
    assert version.activated_at is not None
    with translation.override(language):
        day = date_format(timezone.localdate(version.activated_at), "SHORT_DATE_FORMAT")
    said = text.split('<span id="fishbone-policy">')[1].split("</span>")[0]
    policy = {"zh-hans": "政策", "en": "Policy"}[language]
    stop = {"zh-hans": "。", "en": "."}[language]
    assert said == f"{policy} {name}{took_effect.format(day=day)}{stop}"
    assert version.label not in text and version.short_digest not in text


def test_shares_read_as_percentages() -> None:
    from django.utils import translation

    from rmperf.analysis.fishbone_selectors import check_label
    from rmperf.engine.analysis.fishbone import Check

    # 1 of 4 loans over 15 days: 1 ÷ 4 = 0.2500 → 25.00%; the maximum 0.25 → 25.00%.
    params = {"over": "1", "loans": "4", "share": "0.2500", "days": "15", "maximum": "0.25"}
    with translation.override("en"):
        text = check_label(Check("loan_approval", False, params))
    assert text == "Loans approved in more than 15 days: 1 of 4 = 25.00% (maximum 25.00%)"


@pytest.mark.django_db
def test_evidence_rows_are_labelled_and_formatted(
    ready: Bank, client_as: Callable[[str], Client]
) -> None:
    alices_result(ready)
    en = client_as("alice").get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The effort bone's rows: alice's customers she did not contact (interactions).
    effort = en[en.index('id="bone-effort"') :]
    assert '<span class="muted">Customer</span> C001' in effort
    assert '<span class="muted">Contacts</span> 0' in effort
    assert "customer_id=" not in en and "contacts=" not in en
    # The rows are folded under their count, so the page stays short; fold.js opens the
    # fold of the section a link names (a bone clicked in the diagram).
    fold = effort[effort.index("<details") : effort.index("</details>")]
    assert fold.startswith('<details class="rows-fold" data-open-on-target><summary')
    assert "rows behind it." in fold and '<span class="muted">Customer</span> C001' in fold
    assert "rmperf/fold.js" in en
    zh = client_as("alice").get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<span class="muted">客户</span> C001' in zh[zh.index('id="bone-effort"') :]


def test_evidence_values_are_said_in_their_unit() -> None:
    from django.utils import translation

    from rmperf.analysis.fishbone_selectors import evidence_fields, evidence_row

    request = {"request_id": "Q1", "received_at": "2026-07-01 02:30:00+00:00",
               "resolved_at": "", "hours": "unresolved"}  # fmt: skip
    balances = {"average_monthly_assets": "1234567.5", "growth": "-0.0312", "months":
                "2026-07..2026-09", "categories": "deposit,wealth"}  # fmt: skip
    loan = {"applied_on": "2026-07-01", "disbursed_on": "2026-07-20", "days": "19"}
    with translation.override("en"):
        known = evidence_fields()
        # 02:30 UTC is 10:30 in Shanghai, the app's time zone.
        assert evidence_row(request, known) == [
            ("Request", "Q1"),
            ("Received at", "07/01/2026 10:30 a.m."),
            ("Resolved at", "—"),
            ("Hours", "not resolved"),
        ]
        assert evidence_row(balances, known) == [
            ("Average monthly assets", "1,234,567.50 CNY"),
            ("Growth", "-3.12%"),
            ("Months", "2026-07 – 2026-09"),
            ("Asset categories", "deposit, wealth"),
        ]
        assert evidence_row(loan, known) == [
            ("Applied on", "07/01/2026"),
            ("Disbursed on", "07/20/2026"),
            ("Days", "19 days"),
        ]
        assert evidence_row({"tier": "sleeping"}, known) == [("Tier", "Sleeping")]
    with translation.override("zh-hans"):
        known = evidence_fields()
        assert evidence_row(loan, known)[0] == ("申请日期", "2026年7月1日")
        assert evidence_row(balances, known)[0] == ("月均资产", "1,234,567.50 元")
