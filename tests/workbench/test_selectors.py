"""The selectors the landing pages add to other apps, and the clocks, on hand-made rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from rmperf.recommend.models import Offer, Outcome, Recommendation, RecommendationRun
from rmperf.recommend.selectors import offers_open
from rmperf.referrals.models import State
from rmperf.referrals.selectors import referral_deadline, referrals_waiting
from rmperf.tasks.selectors import task_default_section, tasks_mine, team_open_tasks
from rmperf.workbench.selectors import clock_until, clock_until_day
from tests.factories import Bank
from tests.referrals.helpers import new_customer, refer
from tests.tasks.conftest import make_task

UTC = dt.UTC


@translation.override("en")
def test_clock_until_in_days_and_whole_hours() -> None:
    now = dt.datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    left = clock_until(dt.datetime(2026, 12, 9, 12, 59, tzinfo=UTC), now)  # 2 d 3 h 59 min
    assert (left.overdue, left.text) == (False, "2 d 3 h left")
    late = clock_until(dt.datetime(2026, 12, 7, 7, 50, tzinfo=UTC), now)  # 1 h 10 min ago
    assert (late.overdue, late.text) == (True, "overdue by 0 d 1 h")
    with translation.override("zh-hans"):
        assert clock_until(now + dt.timedelta(hours=30), now).text == "剩余 1 天 6 小时"


@translation.override("en")
def test_clock_until_day() -> None:
    today = dt.date(2026, 12, 7)
    assert clock_until_day(today, today).text == "ends today"
    assert clock_until_day(dt.date(2026, 12, 8), today).text == "1 day left"
    assert clock_until_day(dt.date(2026, 12, 17), today).text == "10 days left"
    late = clock_until_day(dt.date(2026, 12, 4), today)
    assert (late.overdue, late.text) == (True, "overdue by 3 days")
    with translation.override("zh-hans"):
        assert clock_until_day(dt.date(2026, 12, 4), today).text == "已超期 3 天"


def test_task_default_section() -> None:
    assert task_default_section({"today": 0, "overdue": 3}) == "overdue"
    assert task_default_section({"today": 1, "overdue": 3}) == "today"
    assert task_default_section({"today": 0, "overdue": 0}) == "today"


@pytest.mark.django_db
def test_tasks_mine_and_the_teams(bank: Bank) -> None:
    today = timezone.localdate()
    late = today - dt.timedelta(days=1)
    a = make_task(staff=bank.alice, customer=bank.c001, key="a", due=late, kind="maturity")
    make_task(staff=bank.alice, customer=bank.c002, key="b", due=late)
    c = make_task(staff=bank.carol, customer=bank.c010, key="c", due=late)
    make_task(staff=bank.bob, customer=bank.c100, key="d", due=late)
    mine = tasks_mine(actor=bank.user("alice"), section="overdue", kind="maturity")
    assert list(mine) == [a]
    # Tina's team is A1 (alice); mike's branch A (alice, carol); never bob's.
    assert {t.staff_id for t in team_open_tasks(actor=bank.user("tina"), section="overdue")} == {
        "S-ALICE"
    }
    mikes = team_open_tasks(actor=bank.user("mike"), section="overdue")
    assert c in mikes and mikes.count() == 3
    assert not tasks_mine(actor=bank.user("hannah"), section="overdue").exists()


@pytest.mark.django_db
def test_referrals_waiting_nearest_deadline_first(bank: Bank) -> None:
    first = refer(bank)
    second = refer(bank, new_customer(bank, "C901"))
    # The second is accepted: its clock is the conversion window, later than an answer SLA.
    second.state = State.ACCEPTED
    second.save(update_fields=["state"])
    assert referral_deadline(first) == first.due_at
    assert referral_deadline(second) == second.expires_at
    assert referrals_waiting(actor=bank.user("alice")) == [first, second]
    assert referrals_waiting(actor=bank.user("terry")) == []  # he made them
    assert referrals_waiting(actor=bank.user("bob")) == []


@pytest.mark.django_db
def test_offers_open_with_the_attribution_window(bank: Bank) -> None:
    run = RecommendationRun.objects.create(as_of=timezone.localdate(), policy_version="v",
                                           lake_path="/lake")  # fmt: skip
    rec = Recommendation.objects.create(
        run=run, customer=bank.c001, rm=bank.alice, product_id="F3", product_name="Fund 3",
        category="fund", product_risk="R3", rank=1, propensity=0.03, propensity_source="rule",
        expected_value=Decimal("9.00"), rule_ids="r", reason_en="r", reason_zh="r",
    )  # fmt: skip
    day = dt.date(2026, 10, 1)

    def offer(outcome: str, purchased: dt.date | None = None) -> Offer:
        return Offer.objects.create(recommendation=rec, customer=bank.c001, product_id="F3",
                                    offered_by=bank.alice, offered_on=day, outcome=outcome,
                                    purchased_on=purchased)  # fmt: skip

    offered = offer(Outcome.OFFERED)
    accepted = offer(Outcome.ACCEPTED)
    offer(Outcome.ACCEPTED, purchased=dt.date(2026, 10, 20))  # attributed: not open
    offer(Outcome.DECLINED)
    rows = offers_open(actor=bank.user("alice"))
    assert [r.offer for r in rows] == [offered, accepted]
    # The shipped recommend policy's attribution window is 60 days: 1 Oct + 60 = 30 Nov.
    assert {r.ends_on for r in rows} == {dt.date(2026, 11, 30)}
    assert offers_open(actor=bank.user("bob")) == []
