"""The pages: quick entry, inbox, detail actions, funnel, cases that worked, points.
Pages answer in the default language, zh-hans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from rmperf.referrals.models import Referral, State
from tests.factories import Bank
from tests.referrals.helpers import new_customer, refer
from tests.referrals.test_points import give

pytestmark = pytest.mark.django_db


def test_quick_entry_checks_and_creates(bank: Bank, client_as: Callable[[str], Client]) -> None:
    new_customer(bank)
    terry = client_as("terry")
    page = terry.get("/referrals/new/").content.decode()
    assert 'name="viewport"' in page and "referrals.css" in page
    data = {"customer": "C900", "need": "wealth", "deposit": "50,000"}
    response = terry.post("/referrals/new/", {**data, "op": "check"})
    assert "符合规则“新开户大额存款且咨询理财”。" in response.content.decode()
    assert not Referral.objects.exists()
    response = terry.post("/referrals/new/", {**data, "op": "create"})
    assert response.status_code == 302
    assert Referral.objects.get().to_staff_id == "S-ALICE"
    response = terry.post("/referrals/new/", {**data, "deposit": "", "op": "create"})
    assert "该客户此项需求已有进行中的转介" in response.content.decode()


def test_inbox_and_detail_actions(bank: Bank, client_as: Callable[[str], Client]) -> None:
    r = refer(bank)
    alice = client_as("alice")
    assert f"#{r.pk}" in alice.get("/referrals/").content.decode()
    page = alice.get(f"/referrals/{r.pk}/").content.decode()
    assert 'value="accept"' in page
    assert 'value="accept"' not in client_as("terry").get(f"/referrals/{r.pk}/").content.decode()
    assert alice.post(f"/referrals/{r.pk}/", {"action": "accept"}).status_code == 302
    assert Referral.objects.get().state == State.ACCEPTED
    response = alice.post(f"/referrals/{r.pk}/", {"action": "lose"})
    assert "请选择流失原因。" in response.content.decode()
    assert client_as("bob").get(f"/referrals/{r.pk}/").status_code == 404


def test_funnel_and_cases(bank: Bank, client_as: Callable[[str], Client]) -> None:
    r = refer(bank)
    Referral.objects.filter(pk=r.pk).update(
        state=State.CONVERTED,
        accepted_at=timezone.now(),
        purchase_date=timezone.localdate(),
        purchase_amount="95000.00",
        product_id="WMP",
        points=19,
        closed_at=timezone.now(),
    )
    mike = client_as("mike")
    page = mike.get("/referrals/funnel/?group=branch").content.decode()
    assert 'data-chart="funnel"' in page and "Branch A" in page and "100%" in page
    month = timezone.localdate().strftime("%Y-%m")
    page = mike.get(f"/referrals/cases/?month={month}").content.decode()
    assert "WMP" in page and "95000.00" in page
    last_year = (timezone.localdate() - dt.timedelta(days=400)).strftime("%Y-%m")
    assert "WMP" not in mike.get(f"/referrals/cases/?month={last_year}").content.decode()


def test_points_page_request_and_approval(bank: Bank, client_as: Callable[[str], Client]) -> None:
    give("S-ALICE", 300)
    alice = client_as("alice")
    assert 'id="balance">300<' in alice.get("/referrals/points/").content.decode()
    alice.post("/referrals/points/", {"op": "redeem", "item": "training_course"})
    tina = client_as("tina")
    page = tina.get("/referrals/points/").content.decode()
    assert "Alice An" in page
    from rmperf.referrals.models import Redemption

    red = Redemption.objects.get()
    tina.post("/referrals/points/", {"op": "decide", "redemption": red.pk, "decision": "approve"})
    assert 'id="balance">100<' in alice.get("/referrals/points/").content.decode()


def test_inbox_filters_answer_htmx_with_the_table_only(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    r = refer(bank)
    alice = client_as("alice")
    partial = alice.get("/referrals/?box=inbox&state=created", HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and f"#{r.pk}" in body
    body = alice.get("/referrals/?box=inbox&state=lost", HTTP_HX_REQUEST="true").content.decode()
    assert f"#{r.pk}" not in body


def test_funnel_orders_by_success_rate(bank: Bank) -> None:
    from rmperf.referrals.selectors import referral_funnel
    from tests.factories import make_staff

    ted = make_staff(
        staff_id="S-TED", name="Ted", role="teller", unit=bank.branch_a, username="ted"
    ).user
    a = refer(bank)  # terry's, converted below
    refer(bank, new_customer(bank, "C901"))  # terry's, still open
    from rmperf.referrals.services import referral_create

    new_customer(bank, "C902")
    referral_create(actor=ted, customer_id="C902", need="wealth", deposit="60000")
    Referral.objects.filter(pk=a.pk).update(
        state=State.CONVERTED, purchase_date=timezone.localdate(), accepted_at=timezone.now()
    )
    today = timezone.localdate()
    total, rows = referral_funnel(
        actor=bank.user("mike"), group="person", start=today - dt.timedelta(days=1), end=today
    )
    # terry: 1 converted of 2 made = 0.5; ted: 0 of 1 = 0
    assert [(r.key, r.made, r.converted, r.success_rate) for r in rows] == [
        ("S-TERRY", 2, 1, Decimal("0.5000")),
        ("S-TED", 1, 0, Decimal("0.0000")),
    ]
    assert (total.made, total.accepted, total.converted) == (3, 1, 1)


def test_the_customer_360_panel_lists_the_customers_app_referrals(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    r = refer(bank)  # terry → alice for C900
    body = client_as("alice").get("/referrals/customer/C900/").content.decode()
    assert f"#{r.pk}" in body
    assert "Terry" in body or r.from_staff.name in body
    assert "已创建" in body or r.get_state_display() in body
    # the panel is loaded by the customer 360 page
    page = client_as("alice").get("/customers/C900/").content.decode()
    assert "/referrals/customer/C900/" in page
    # out of scope: 404, like the customer itself
    assert client_as("bob").get("/referrals/customer/C900/").status_code == 404
