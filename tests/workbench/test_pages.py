"""The landing pages: who lands where, who may open which page, what the RM's workbench
and the manager's desk show (counts worked out by hand on the persona bank)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from rmperf.performance.models import PeriodStatus
from rmperf.tasks.models import Task, TaskStatus
from tests.factories import Bank
from tests.referrals.helpers import refer
from tests.tasks.conftest import make_task
from tests.workbench.helpers import result, scored_quarter, sheet, this_quarter

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("alice", "/workbench/"),
        ("bob", "/workbench/"),
        ("tina", "/workbench/desk/"),
        ("mike", "/workbench/desk/"),
        ("terry", "/customers/"),
        ("hannah", "/org/"),
        ("audrey", "/org/"),
    ],
)
def test_each_role_lands_on_its_page(
    client_as: Callable[[str], Client], persona: str, target: str
) -> None:
    response = client_as(persona).get("/")
    assert response.status_code == 302 and response["Location"] == target
    if target.startswith("/workbench/"):
        assert client_as(persona).get(target).status_code == 200


@pytest.mark.parametrize("persona", ["tina", "mike", "terry", "hannah", "audrey", "nostaff"])
def test_the_workbench_is_the_rms_only(client_as: Callable[[str], Client], persona: str) -> None:
    assert client_as(persona).get("/workbench/").status_code == 404


@pytest.mark.parametrize("persona", ["alice", "carol", "terry", "hannah", "audrey", "nostaff"])
def test_the_desk_is_the_managers_only(client_as: Callable[[str], Client], persona: str) -> None:
    assert client_as(persona).get("/workbench/desk/").status_code == 404


def test_anonymous_is_sent_to_log_in() -> None:
    for url in ("/workbench/", "/workbench/desk/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def _tasks(bank: Bank) -> dict[str, Task]:
    """Alice: 2 overdue (C002 2 days, C003 1 day), 1 today (C001), a snoozed overdue one,
    a done overdue one, an upcoming one; bob: 1 overdue. Alice's tabs: overdue 2, today 1."""
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    t = {
        "late2": make_task(staff=bank.alice, customer=bank.c002, key="a", due=today - 2 * day),
        "late1": make_task(staff=bank.alice, customer=bank.c003, key="b", due=today - day),
        "today": make_task(staff=bank.alice, customer=bank.c001, key="c", due=today),
        "snoozed": make_task(staff=bank.alice, customer=bank.c001, key="d", due=today - day),
        "done": make_task(
            staff=bank.alice, customer=bank.c001, key="e", due=today - day, status=TaskStatus.DONE
        ),
        "soon": make_task(staff=bank.alice, customer=bank.c001, key="f", due=today + 3 * day),
        "bobs": make_task(staff=bank.bob, customer=bank.c100, key="g", due=today - day),
    }
    Task.objects.filter(pk=t["snoozed"].pk).update(snoozed_until=today + day)
    return t


def _table(body: str, table_id: str) -> str:
    return body.split(f'id="{table_id}"')[1].split("</table>")[0]


def test_workbench_tabs_count_and_mark_the_overdue_first(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    _tasks(bank)
    alice = client_as("alice")
    body = alice.get("/workbench/", **EN).content.decode()
    tabs = body.split('class="tabs"')[1].split("</p>")[0]
    # Overdue comes first, with its count; it is selected because work is overdue.
    assert tabs.index("Overdue (2)") < tabs.index("Today (1)")
    assert re.search(r'id="tab-overdue" class="current" aria-current="page"', tabs)
    assert 'id="tab-today" class=""' in tabs
    rows = _table(body, "wb-task-table")
    # Earliest due first: C002 (2 days late) before C003 (1 day); not the snoozed or done.
    assert rows.count("<tr class=") == 2 and rows.index("C002") < rows.index("C003")
    assert "C100" not in rows
    today = _table(alice.get("/workbench/?tasks=today", **EN).content.decode(), "wb-task-table")
    assert "/customers/C001/" in today and "C002" not in today
    # One-click actions on each row: log a contact (on the task), refer, offer.
    assert "/tasks/customers/C001/?task=" in today
    assert "/referrals/new/?customer=C001" in today
    assert "/customers/C001/#recommend-panel" in today  # the 360 with the offer panel


def test_workbench_opens_on_today_when_nothing_is_overdue(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    make_task(staff=bank.alice, customer=bank.c001, key="c", due=timezone.localdate())
    body = client_as("alice").get("/workbench/", **EN).content.decode()
    assert 'id="tab-today" class="current" aria-current="page"' in body
    assert "Overdue (0)" in body and "Today (1)" in body


def test_sleeping_customers_and_maturities_this_week(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    make_task(staff=bank.alice, customer=bank.c001, kind="wake_up", key="w", due=today + 5 * day)
    make_task(staff=bank.alice, customer=bank.c002, kind="maturity", key="m1", due=today + 6 * day)
    make_task(staff=bank.alice, customer=bank.c003, kind="maturity", key="m2", due=today + 7 * day)
    make_task(staff=bank.bob, customer=bank.c100, kind="wake_up", key="w", due=today)
    body = client_as("alice").get("/workbench/").content.decode()
    sleeping = _table(body, "wb-sleeping-table")
    assert "/customers/C001/" in sleeping and "C100" not in sleeping
    maturities = _table(body, "wb-maturities-table")
    # Today + 6 is this week; today + 7 is not.
    assert "/customers/C002/" in maturities and "C003" not in maturities


def test_referrals_waiting_show_their_clock(bank: Bank, client_as: Callable[[str], Client]) -> None:
    referral = refer(bank)
    body = client_as("alice").get("/workbench/", **EN).content.decode()
    section = body.split('id="wb-referrals"')[1].split("</section>")[0]
    assert f"/referrals/{referral.pk}/" in section and " left" in section
    # Past the answer SLA: overdue, in words.
    referral.due_at = timezone.now() - dt.timedelta(hours=26, minutes=5)
    referral.save(update_fields=["due_at"])
    body = client_as("alice").get("/workbench/", **EN).content.decode()
    section = body.split('id="wb-referrals"')[1].split("</section>")[0]
    assert "overdue by 1 d 2 h" in section
    # Terry made it; it does not wait for him.
    terry = client_as("terry").get("/", follow=True).content.decode()
    assert "wb-referrals" not in terry


def _expected_progress(today: dt.date) -> Decimal:
    """Share of today's quarter elapsed at the end of today, computed here by hand."""
    start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end_month = start.month + 2
    end = dt.date(today.year + (end_month // 13), end_month, 1)
    while (end + dt.timedelta(days=1)).month == end_month:
        end += dt.timedelta(days=1)
    days = (end - start).days + 1
    elapsed = (today - start).days + 1
    return (Decimal(elapsed) / Decimal(days)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def test_my_quarter_against_targets(bank: Bank, client_as: Callable[[str], Client]) -> None:
    today = timezone.localdate()
    sheet(bank.alice, today.year, {"nps": "50", "sleeping_wakeup_rate": "0.20"})
    period, run = scored_quarter()
    # nps 0 of 50: 0 % done, behind any time-progress; wake-up 0.40 of 0.20: 200 %.
    result(period, run, bank.alice, "80.00", "good",
           [("nps", "0", "50"), ("sleeping_wakeup_rate", "0.40", "0.20")])  # fmt: skip
    body = client_as("alice").get("/workbench/", **ZH).content.decode()
    table = _table(body, "wb-progress")
    rows = table.split("<tr")[2:]
    assert "净推荐值" in rows[0] and "0%" in rows[0] and "落后" in rows[0]
    assert "睡眠客户唤醒率" in rows[1] and "200%" in rows[1] and "落后" not in rows[1]
    pct = int((_expected_progress(today) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert f"{pct}%" in rows[0]
    assert this_quarter().key in body


def test_desk_team_kpis_approvals_and_tasks(bank: Bank, client_as: Callable[[str], Client]) -> None:
    today = timezone.localdate()
    period, run = scored_quarter(status=PeriodStatus.COMPUTED)
    # Alice 80.00: nps 0/50 behind, wake-up 0.40/0.20 ahead → 1 of 2 lines behind.
    result(period, run, bank.alice, "80.00", "good",
           [("nps", "0", "50"), ("sleeping_wakeup_rate", "0.40", "0.20")])  # fmt: skip
    # Carol 90.00: one line at 150 % → 0 of 1 behind. Bob is in branch B.
    result(period, run, bank.carol, "90.00", "outstanding", [("nps", "75", "50")])
    result(period, run, bank.bob, "95.00", "outstanding", [("nps", "75", "50")])
    sheet(bank.alice, today.year, {"nps": "50"}, proposed_by=bank.user("tina"))
    make_task(staff=bank.alice, customer=bank.c001, key="x", due=today - dt.timedelta(days=3))
    make_task(staff=bank.carol, customer=bank.c010, key="y", due=today)

    mike = client_as("mike").get("/workbench/desk/", **EN).content.decode()
    team = _table(mike, "team-table").split("<tr")[2:]
    # Ranked on the final total: carol 1st, alice 2nd; bob (branch B) not shown.
    assert len(team) == 2 and "Carol Cao" in team[0] and "Alice An" in team[1]
    assert "0 / 1" in team[0] and "1 / 2" in team[1]
    assert f"/performance/{period.key}/staff/S-ALICE/" in team[1]
    approvals = _table(mike, "approvals-table")
    # Mike approves targets (tina proposed alice's) and calibrates the computed quarter:
    # alice's and carol's results are in branch A.
    assert f"/performance/targets/{today.year}/staff/S-ALICE/" in approvals
    assert f"{period.key}: 2 results to calibrate" in approvals
    assert f"/performance/{period.key}/" in approvals
    tasks = _table(mike, "team-tasks-table")
    assert "/customers/C001/" in tasks and "C010" not in tasks  # carol's is due today
    assert client_as("mike").get("/customers/C001/").status_code == 200  # the drill-down

    tina = client_as("tina").get("/workbench/desk/", **EN).content.decode()
    team = _table(tina, "team-table").split("<tr")[2:]
    assert len(team) == 1 and "Alice An" in team[0]
    # A team leader neither approves targets nor calibrates: nothing waits for her.
    assert "Nothing waits for you." in _table(tina, "approvals-table")


class _Text(HTMLParser):
    """The visible text of a page's main part (no scripts, styles or attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.inside = True
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1
        if tag == "main":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside and not self.skip:
            self.parts.append(data)


#: Latin words a zh page may show: people's and units' names, the persona bank's codes
#: (staff ids such as S-ALICE are employee numbers, shown beside names as a bank does).
ALLOWED = {
    "ALICE",
    "CAROL",
    "Acme",
    "Trading",
    "Ltd",
    "Alice",
    "An",
    "Carol",
    "Cao",
    "Bob",
    "Bai",
    "Team",
    "A1",
    "A2",
    "Branch",
}


def _english_words(body: str) -> set[str]:
    parser = _Text()
    parser.feed(body)
    text = " ".join(parser.parts)
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_]+", text))
    return {w for w in words if w not in ALLOWED and not re.fullmatch(r"[A-Z]?\d+\w*|Q\d", w)}


def test_the_pages_speak_chinese(bank: Bank, client_as: Callable[[str], Client]) -> None:
    today = timezone.localdate()
    period, run = scored_quarter(status=PeriodStatus.COMPUTED)
    result(period, run, bank.alice, "80.00", "good", [("nps", "0", "50")])
    sheet(bank.alice, today.year, {"nps": "50"}, proposed_by=bank.user("tina"))
    _tasks(bank)
    refer(bank)
    pages = [
        ("alice", "/workbench/"),
        ("alice", "/workbench/?tasks=today"),
        ("alice", "/tasks/"),
        ("alice", "/tasks/customers/C001/"),
        ("alice", "/referrals/new/?customer=C001"),
        ("mike", "/workbench/desk/"),
        ("mike", "/tasks/"),
        ("mike", "/tasks/team/"),
        ("tina", "/workbench/desk/"),
    ]
    failures = []
    for persona, url in pages:
        body = client_as(persona).get(url, **ZH).content.decode()
        leftover = _english_words(body) - {period.key}
        if leftover:
            failures.append((persona, url, sorted(leftover)))
    assert not failures


def test_without_a_target_sheet_the_scorecard_targets_are_shown(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    period, run = scored_quarter()
    result(period, run, bank.alice, "80.00", "good",
           [("nps", "0", "50"), ("sleeping_wakeup_rate", "0.40", "0.20"),
            ("hnw_retention", "0.9", None)])  # fmt: skip
    body = client_as("alice").get("/workbench/", **ZH).content.decode()
    assert "wb-progress" not in body
    rows = _table(body, "wb-scored").split("<tr")[2:]
    # Only the lines with a target: nps 0 % (behind), wake-up 200 % (ahead).
    assert len(rows) == 2
    assert "净推荐值" in rows[0] and "0%" in rows[0] and "落后" in rows[0]
    assert "睡眠客户唤醒率" in rows[1] and "200%" in rows[1] and "落后" not in rows[1]
    assert f"/performance/{period.key}/staff/S-ALICE/" in rows[0]
    assert period.key in body.split('id="wb-targets"')[1]
    # Bob has no result: the plain sentence.
    assert "本年度尚无目标表" in client_as("bob").get("/workbench/", **ZH).content.decode()


def test_career_proposals_wait_for_the_branch_manager(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    from rmperf.careers.models import CareerCheck, CheckStatus

    def check(staff: object, status: str) -> CareerCheck:
        return CareerCheck.objects.create(
            staff=staff, year=2026, rank_from="senior", rank_to="expert", eligible=True,
            policy_version="v", computed_at=timezone.now(), status=status,
        )  # fmt: skip

    check(bank.alice, CheckStatus.PROPOSED)
    check(bank.carol, CheckStatus.NOT_ELIGIBLE)  # nothing to decide
    check(bank.bob, CheckStatus.PROPOSED)  # branch B: not mike's
    approvals = _table(client_as("mike").get("/workbench/desk/", **EN).content.decode(),
                       "approvals-table")  # fmt: skip
    assert approvals.count("Career proposal") == 1
    assert "Alice An · 2026" in approvals and "/careers/?year=2026" in approvals
    # A team leader does not decide promotions.
    tina = client_as("tina").get("/workbench/desk/", **EN).content.decode()
    assert "Career proposal" not in _table(tina, "approvals-table")
