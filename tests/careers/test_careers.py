"""The careers app: promotion proposals from confirmed annual ratings, the negative list
from stored quarterly results, its follow-up, access per role and the pages in zh-hans.

Persona bank (tests/factories.py): alice (RM, senior, team A1), carol (RM, intermediate,
team A2), both in branch A; bob (RM, junior, team B1, branch B); tina leads team A1; mike
manages branch A; terry is a teller in branch A; hannah is HR; audrey an auditor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.http import Http404
from django.test import Client
from django.utils import timezone

from rmperf.careers.models import CareerCheck, CheckStatus, ListingStatus, NegativeListing
from rmperf.careers.selectors import rank_in_quarter, recovery
from rmperf.careers.services import (
    CareerError,
    career_check_decide,
    career_checks_compute,
    listing_fitness_review,
    listing_outcome_record,
    listing_plan_set,
    listing_talk_add,
    negative_list_compute,
    next_quarter,
)
from rmperf.core.models import AuditEvent
from rmperf.engine.career.policy import NegativeListRules
from rmperf.org.models import Staff
from rmperf.performance.models import PerfPeriod, RmResult, ScoringRun
from tests.factories import Bank
from tests.lakebuilder import LakeBuilder

pytestmark = pytest.mark.django_db


def _period(key: str, kind: str, start: dt.date, end: dt.date, status: str) -> ScoringRun:
    now = timezone.now()
    period = PerfPeriod.objects.create(
        key=key, kind=kind, start=start, end=end, status=status, opened_at=now
    )
    return ScoringRun.objects.create(
        period=period, lake_path="/nowhere", policy_digest="p", targets_digest="t",
        inputs_digest=f"i{key}", started_at=now, finished_at=now, actor_label="system",
    )  # fmt: skip


def _result(
    run: ScoringRun,
    staff: Staff,
    total: str,
    tier: str,
    *,
    calibrated: tuple[str, str] | None = None,
) -> None:
    RmResult.objects.create(
        period=run.period, run=run, staff=staff, scorecard="retail", policy_version="abc",
        base=Decimal(total), bonus=Decimal(0), deduction=Decimal(0), total=Decimal(total),
        tier=tier, rated_tier=tier,
        calibrated_total=Decimal(calibrated[0]) if calibrated else None,
        calibrated_tier=calibrated[1] if calibrated else "",
    )  # fmt: skip


# -- career checks ---------------------------------------------------------------------


def _lake(tmp_path: Path) -> Path:
    """Bob (junior) manages exactly 50 clean loans in 2026-12; carol (intermediate) 100."""
    b = LakeBuilder()
    b.tables["staff"] = [
        {"staff_id": s, "name": s, "role": "rm", "rank": r, "unit_id": "TM1", "hired_on": "2020-03-01"}
        for s, r in (("S-ALICE", "senior"), ("S-BOB", "junior"), ("S-CAROL", "intermediate"))
    ]  # fmt: skip
    b.product("BL", "business_loan")
    b.customer("C1", rm="S-BOB")
    n = 0
    for staff_id, count in (("S-BOB", 50), ("S-CAROL", 100)):
        for _ in range(count):
            n += 1
            b.loan(f"L{n}", "C1", "BL", "50000.00", "2026-02-01", "2029-02-01", staff_id=staff_id)
            b.loan_status(f"L{n}", "2026-12", "10000.00")
    return b.write(tmp_path / "lake")


@pytest.fixture
def year_checked(bank: Bank, tmp_path: Path, settings: object) -> Bank:
    settings.RMPERF_LAKE_DIR = str(_lake(tmp_path))  # type: ignore[attr-defined]
    y26 = _period("2026", "year", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "calibrated")
    y25 = _period("2025", "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31), "closed")
    _result(y26, bank.alice, "92.00", "outstanding")
    _result(y26, bank.bob, "65.00", "competent")
    _result(y26, bank.carol, "80.00", "good")
    # Carol's 2025 rating was calibrated from competent to good: the final tier counts.
    _result(y25, bank.carol, "72.00", "competent", calibrated=("76.00", "good"))
    career_checks_compute(actor=bank.user("hannah"), year=2026)
    return bank


def test_checks_from_confirmed_annual_ratings(year_checked: Bank) -> None:
    checks = {c.staff_id: c for c in CareerCheck.objects.all()}
    assert sorted(checks) == ["S-ALICE", "S-BOB", "S-CAROL"]
    bob, carol, alice = checks["S-BOB"], checks["S-CAROL"], checks["S-ALICE"]
    assert (bob.rank_to, bob.eligible, bob.status) == ("intermediate", True, CheckStatus.PROPOSED)
    assert bob.measured["managed_loans"] == 50 and bob.measured["overdue_rate"] == "0.000000"
    assert (carol.rank_to, carol.eligible) == ("senior", True)
    assert carol.measured["previous_rating"] == "good"
    assert (alice.rank_to, alice.eligible, alice.status) == ("", False, CheckStatus.NOT_ELIGIBLE)
    assert (alice.grade_steps, alice.honours, alice.training_priority) == (3, True, True)
    assert AuditEvent.objects.filter(verb="careers.checks.compute", object_id="2026").count() == 1


def test_unconfirmed_year_is_refused(bank: Bank) -> None:
    _period("2026", "year", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "computed")
    with pytest.raises(CareerError):
        career_checks_compute(actor=bank.user("hannah"), year=2026)
    with pytest.raises(Http404):
        career_checks_compute(actor=bank.user("mike"), year=2026)


def test_branch_manager_confirms_and_rank_follows_next_quarter(year_checked: Bank) -> None:
    bank = year_checked
    carol = CareerCheck.objects.get(staff=bank.carol)
    decided = career_check_decide(actor=bank.user("mike"), check_id=carol.pk, confirm=True)
    effective = next_quarter(timezone.localdate())
    assert (decided.status, decided.effective_quarter) == (CheckStatus.CONFIRMED, effective)
    current = Staff.objects.get(pk="S-CAROL")
    today_q = f"{timezone.localdate().year}Q{(timezone.localdate().month - 1) // 3 + 1}"
    assert rank_in_quarter(staff=current, key=today_q) == "intermediate"
    assert rank_in_quarter(staff=current, key=effective) == "senior"
    event = AuditEvent.objects.get(verb="careers.promotion.confirm")
    assert event.before["status"] == "proposed" and event.after["status"] == "confirmed"
    # Decided proposals survive a recomputation.
    career_checks_compute(actor=bank.user("hannah"), year=2026)
    assert CareerCheck.objects.get(staff=bank.carol).status == CheckStatus.CONFIRMED


def test_who_may_decide(year_checked: Bank) -> None:
    bank = year_checked
    bob = CareerCheck.objects.get(staff=bank.bob)  # branch B: not mike's
    carol = CareerCheck.objects.get(staff=bank.carol)
    pairs = (("mike", bob), ("tina", carol), ("carol", carol), ("audrey", carol), ("hannah", carol))
    for persona, check in pairs:
        with pytest.raises(Http404):
            career_check_decide(actor=bank.user(persona), check_id=check.pk, confirm=True)
    with pytest.raises(CareerError):  # a rejection needs a reason
        career_check_decide(actor=bank.user("mike"), check_id=carol.pk, confirm=False)
    rejected = career_check_decide(
        actor=bank.user("mike"), check_id=carol.pk, confirm=False, note="需要更多贷款管理经验"
    )
    assert (rejected.status, rejected.effective_quarter) == (CheckStatus.REJECTED, "")
    with pytest.raises(CareerError):  # decided once
        career_check_decide(actor=bank.user("mike"), check_id=carol.pk, confirm=True)


def test_checks_page_per_role(year_checked: Bank, client_as: Callable[[str], Client]) -> None:
    page = client_as("mike").get("/careers/?year=2026", HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert page.status_code == 200
    assert "职业通道" in text and "S-CAROL" in text and "S-BOB" not in text
    assert 'name="decision" value="confirm"' in text
    own = client_as("carol").get("/careers/?year=2026").content.decode()
    assert "S-CAROL" in own and "S-ALICE" not in own and 'value="confirm"' not in own
    everyone = client_as("hannah").get("/careers/?year=2026").content.decode()
    assert all(s in everyone for s in ("S-ALICE", "S-BOB", "S-CAROL"))
    assert 'value="confirm"' not in everyone  # HR computes the checks; managers decide


# -- negative list ---------------------------------------------------------------------


@pytest.fixture
def listed(bank: Bank) -> Bank:
    """Branch A, card retail: alice lowest in 2026Q2 (50.00 < 80.00) and in 2026Q3 (her
    70.00 calibrated to 55.00 < 85.00). Bob is alone in branch B: never listed."""
    q2 = _period("2026Q2", "quarter", dt.date(2026, 4, 1), dt.date(2026, 6, 30), "closed")
    q3 = _period("2026Q3", "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30), "calibrated")
    _result(q2, bank.alice, "50.00", "not_competent")
    _result(q2, bank.carol, "80.00", "good")
    _result(q2, bank.bob, "10.00", "not_competent")
    _result(q3, bank.alice, "70.00", "competent", calibrated=("55.00", "not_competent"))
    _result(q3, bank.carol, "85.00", "good")
    _result(q3, bank.bob, "5.00", "not_competent")
    negative_list_compute(actor=bank.user("hannah"), key="2026Q3")
    return bank


def test_the_lowest_twice_is_listed_and_a_sole_rm_is_not(listed: Bank) -> None:
    entries = list(NegativeListing.objects.all())
    assert [(e.staff_id, e.branch_id, e.total, e.previous_total) for e in entries] == [
        ("S-ALICE", "BA", Decimal("55.00"), Decimal("50.00"))
    ]
    event = AuditEvent.objects.get(verb="careers.negative_list.compute")
    assert event.after["listed"] == ["S-ALICE"] and event.after["compared"] == 3


def test_a_talk_alone_is_follow_up_too(listed: Bank) -> None:
    entry = NegativeListing.objects.get()
    negative_list_compute(actor=listed.user("hannah"), key="2026Q3")  # untouched: replaced
    entry = NegativeListing.objects.get()
    listing_talk_add(
        actor=listed.user("tina"), listing_id=entry.pk, held_on=timezone.localdate(), notes="面谈"
    )
    assert NegativeListing.objects.get().status == ListingStatus.LISTED
    with pytest.raises(CareerError):
        negative_list_compute(actor=listed.user("hannah"), key="2026Q3")
    assert NegativeListing.objects.get().pk == entry.pk


def test_missing_quarter_is_refused(bank: Bank) -> None:
    _period("2026Q3", "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30), "computed")
    with pytest.raises(CareerError):
        negative_list_compute(actor=bank.user("hannah"), key="2026Q3")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("alice", 200),  # the listed RM, her own entry
        ("tina", 200),  # her team leader
        ("mike", 200),  # her branch manager
        ("hannah", 200),  # HR
        ("carol", 404),  # another RM of the same branch
        ("bob", 404),  # an RM of another branch
        ("terry", 404),  # a teller of the branch
        ("audrey", 404),  # an auditor: not among those who see the list
    ],
)
def test_listing_visible_to_the_rm_leader_manager_and_hr_only(
    listed: Bank, client_as: Callable[[str], Client], persona: str, status: int
) -> None:
    entry = NegativeListing.objects.get()
    response = client_as(persona).get(f"/careers/negative/{entry.pk}/")
    assert response.status_code == status
    listing_page = client_as(persona).get("/careers/negative/")
    if persona in ("alice", "tina", "mike", "hannah"):
        assert listing_page.status_code == 200 and "S-ALICE" in listing_page.content.decode()
    elif persona in ("terry", "audrey"):
        assert listing_page.status_code == 404
    else:
        assert "S-ALICE" not in listing_page.content.decode()


def test_nobody_without_staff_sees_the_list(
    listed: Bank, client_as: Callable[[str], Client]
) -> None:
    entry = NegativeListing.objects.get()
    assert client_as("nostaff").get(f"/careers/negative/{entry.pk}/").status_code == 404
    assert Client().get("/careers/negative/").status_code == 302  # to the login page


def test_follow_up_review_plan_talks_outcome(listed: Bank) -> None:
    bank = listed
    entry = NegativeListing.objects.get()
    with pytest.raises(Http404):  # the listed RM does not act on her own entry
        listing_fitness_review(
            actor=bank.user("alice"), listing_id=entry.pk, fitness="suited", note="x"
        )
    listing_fitness_review(
        actor=bank.user("tina"), listing_id=entry.pk, fitness="needs_support", note="客户拓展不足"
    )
    with pytest.raises(CareerError):  # the outcome comes after a plan
        listing_outcome_record(
            actor=bank.user("mike"), listing_id=entry.pk, outcome="improved", note=""
        )
    review = timezone.localdate() + dt.timedelta(days=90)
    listing_plan_set(
        actor=bank.user("tina"),
        listing_id=entry.pk,
        goals=["每周拜访10位客户", "", "季度存款增长30万"],
        review_date=review,
    )
    listing_talk_add(
        actor=bank.user("mike"),
        listing_id=entry.pk,
        held_on=timezone.localdate(),
        notes="首次反馈面谈",
    )
    with pytest.raises(CareerError):  # a talk in the future
        listing_talk_add(
            actor=bank.user("mike"),
            listing_id=entry.pk,
            held_on=timezone.localdate() + dt.timedelta(days=1),
            notes="x",
        )
    entry.refresh_from_db()
    assert (entry.status, entry.fitness, entry.review_date) == (
        ListingStatus.PLAN,
        "needs_support",
        review,
    )
    assert [g.text for g in entry.goals.all()] == ["每周拜访10位客户", "季度存款增长30万"]
    assert entry.talks.count() == 1
    listing_outcome_record(
        actor=bank.user("hannah"), listing_id=entry.pk, outcome="improved", note=""
    )
    entry.refresh_from_db()
    assert entry.status == ListingStatus.CLOSED
    with pytest.raises(CareerError):
        listing_talk_add(
            actor=bank.user("mike"), listing_id=entry.pk, held_on=timezone.localdate(), notes="x"
        )
    verbs = list(
        AuditEvent.objects.filter(object_type="careers.listing")
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "careers.listing.fitness",
        "careers.listing.plan",
        "careers.listing.talk",
        "careers.listing.outcome",
    ]
    with pytest.raises(CareerError):  # follow-up started: the quarter is not recomputed
        negative_list_compute(actor=bank.user("hannah"), key="2026Q3")


def test_recovery_share(listed: Bank, client_as: Callable[[str], Client]) -> None:
    bank = listed
    rules = NegativeListRules()
    share, outcomes = recovery(actor=bank.user("hannah"), rules=rules)
    assert (share.recovered, share.decided, share.pending, share.share) == (0, 0, 1, None)
    assert [str(o) for o in outcomes.values()] == ["pending"]
    # 2026Q4: carol is now the lowest of branch A, so alice leaves the list (recovered).
    q4 = _period("2026Q4", "quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "computed")
    _result(q4, bank.alice, "90.00", "outstanding")
    _result(q4, bank.carol, "60.00", "competent")
    negative_list_compute(actor=bank.user("hannah"), key="2026Q4")
    assert NegativeListing.objects.filter(period="2026Q4").count() == 0
    share, _ = recovery(actor=bank.user("hannah"), rules=rules)
    assert (share.recovered, share.decided, share.pending, share.share) == (1, 1, 0, Decimal(1))
    page = client_as("mike").get("/careers/negative/").content.decode()
    assert "100.0%" in page


# -- pages in zh-hans and the navigation -------------------------------------------------


def test_pages_render_in_zh_hans(listed: Bank, client_as: Callable[[str], Client]) -> None:
    entry = NegativeListing.objects.get()
    client = client_as("mike")
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    ladder = client.get("/careers/?year=2026", **zh).content.decode()
    assert "职业通道" in ladder and 'lang="zh-hans"' in ladder
    negative = client.get("/careers/negative/", **zh).content.decode()
    assert "负面清单" in negative and "恢复比例" in negative
    detail = client.get(f"/careers/negative/{entry.pk}/", **zh).content.decode()
    assert "岗位适配性评估" in detail and "改进计划" in detail and "反馈面谈" in detail


@pytest.mark.parametrize(
    ("persona", "career", "negative"),
    [
        ("alice", True, True),
        ("tina", True, True),
        ("mike", True, True),
        ("hannah", True, True),
        ("terry", True, False),
        ("audrey", True, False),
    ],
)
def test_navigation_links(
    bank: Bank, client_as: Callable[[str], Client], persona: str, career: bool, negative: bool
) -> None:
    home = client_as(persona).get("/performance/").content.decode()
    assert ('href="/careers/"' in home) is career
    assert ('href="/careers/negative/"' in home) is negative


def test_admin_lists_the_careers_records_read_only(listed: Bank) -> None:
    from django.contrib.auth.models import User

    root = Client()
    root.force_login(User.objects.create_superuser(username="root", password="x"))
    entry = NegativeListing.objects.get()
    listing_plan_set(
        actor=listed.user("tina"),
        listing_id=entry.pk,
        goals=["每周拜访10位客户"],
        review_date=timezone.localdate() + dt.timedelta(days=30),
    )
    listing_talk_add(
        actor=listed.user("tina"), listing_id=entry.pk, held_on=timezone.localdate(), notes="面谈"
    )
    for model in (
        "careercheck",
        "negativelistrun",
        "negativelisting",
        "improvementgoal",
        "feedbacktalk",
    ):
        page = root.get(f"/admin/careers/{model}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert page.status_code == 200, model
    assert root.get("/admin/careers/negativelisting/add/").status_code == 403


def test_cli_runs_the_list_as_the_system(listed: Bank, capsys: pytest.CaptureFixture[str]) -> None:
    from rmperf.cli import main

    NegativeListing.objects.all().delete()
    assert main(["negative-list-run", "2026Q3"]) == 0
    assert "1 of 3 RMs listed" in capsys.readouterr().out
    event = AuditEvent.objects.filter(verb="careers.negative_list.compute").order_by("-seq").first()
    assert event is not None and event.actor_label == "system"
    assert main(["career-propose", "2026"]) == 2  # no confirmed 2026 ratings
    assert "尚未确认" in capsys.readouterr().err  # the default language, zh-hans
