"""The customer profile in the app: shown on the 360 to the customer's RM only, masked
until revealed with a purpose, edited by that RM only (404 for anyone else), validated
like the lake's text, audited by field name (the texts never enter the log)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import translation

from rmperf.core.models import AuditEvent
from rmperf.customers.models import Customer
from rmperf.customers.services import (
    PROFILE_EXPIRE_VERB,
    PROFILE_VERB,
    REVEAL_VERB,
    ProfileRefused,
    customer_profile_update,
    customer_profiles_expire,
    customer_reveal_personal_data,
)
from tests.factories import Bank, make_assignment, make_customer

ClientAs = Callable[[str], Client]
PROFILE = {
    "industry": "制造业",
    "household": "3",
    "hobbies": "高尔夫",
    "preferred_contact_times": "工作日晚上",
}


@pytest.fixture
def profiled(bank: Bank) -> Bank:
    Customer.objects.filter(pk="C001").update(**PROFILE)
    return bank


def test_the_rm_edits_and_only_field_names_are_audited(profiled: Bank) -> None:
    alice = profiled.user("alice")
    _customer, changed = customer_profile_update(
        actor=alice,
        customer_id="C001",
        values={"industry": " 批发零售 ", "household": "3", "hobbies": "钓鱼"},
    )
    assert changed == ["industry", "hobbies"]  # household unchanged; spaces trimmed
    c = Customer.objects.get(pk="C001")
    assert (c.industry, c.household, c.hobbies) == ("批发零售", "3", "钓鱼")
    assert c.profile_edited_by == alice and c.profile_edited_at is not None
    event = AuditEvent.objects.get(verb=PROFILE_VERB)
    assert event.object_id == "C001" and event.after == {"fields": ["industry", "hobbies"]}
    assert "钓鱼" not in json.dumps(event.after, ensure_ascii=False)
    # Saving the same again writes nothing.
    _c, again = customer_profile_update(
        actor=alice, customer_id="C001", values={"industry": "批发零售"}
    )
    assert again == [] and AuditEvent.objects.filter(verb=PROFILE_VERB).count() == 1


@pytest.mark.parametrize("persona", ["bob", "tina", "mike", "hannah", "terry"])
def test_anyone_but_the_customers_rm_gets_404(profiled: Bank, persona: str) -> None:
    with pytest.raises(Http404):
        customer_profile_update(
            actor=profiled.user(persona), customer_id="C001", values={"hobbies": "x"}
        )
    assert Customer.objects.get(pk="C001").hobbies == "高尔夫"


@pytest.mark.parametrize(
    ("value", "message"),
    [("制" * 101, "at most 100"), ("制造\n业", "control character")],
)
def test_bad_text_is_refused_with_the_reason(profiled: Bank, value: str, message: str) -> None:
    with translation.override("en"), pytest.raises(ProfileRefused) as caught:
        customer_profile_update(
            actor=profiled.user("alice"), customer_id="C001", values={"industry": value}
        )
    assert message in " ".join(caught.value.errors["industry"])
    assert Customer.objects.get(pk="C001").industry == "制造业"
    assert not AuditEvent.objects.filter(verb=PROFILE_VERB).exists()


def test_the_360_shows_the_rm_the_profile_masked(profiled: Bank, client_as: ClientAs) -> None:
    page = client_as("alice").get(reverse("customers:detail", args=["C001"])).content.decode()
    assert 'id="profile-masked"' in page
    assert "制**" in page and "高**" in page and "制造业" not in page
    # Short texts are masked whole: household "3" and a one-character hobby.
    assert '<dd class="pi" data-field="household">*</dd>' in page
    # The team leader sees the customer, not the profile.
    leader = client_as("tina").get(reverse("customers:detail", args=["C001"])).content.decode()
    assert "C001" in leader and 'id="customer-profile"' not in leader


def test_a_reveal_with_a_purpose_shows_the_profile_and_records_it(
    profiled: Bank, client_as: ClientAs
) -> None:
    response = client_as("alice").post(
        reverse("customers:reveal", args=["C001"]), {"purpose": "profile_update"}
    )
    page = response.content.decode()
    assert 'id="profile-form"' in page and 'value="制造业"' in page
    event = AuditEvent.objects.get(verb=REVEAL_VERB)
    assert event.after["purpose"] == "profile_update"
    assert "industry" in event.after["fields"] and "hobbies" in event.after["fields"]
    # A team leader's reveal carries no profile.
    _c, data = customer_reveal_personal_data(
        actor=profiled.user("tina"), customer_id="C001", purpose="service_call"
    )
    assert data.profile is None


def test_the_edit_form_posts_and_goes_back_masked(profiled: Bank, client_as: ClientAs) -> None:
    url = reverse("customers:profile", args=["C001"])
    response = client_as("alice").post(url, {**PROFILE, "hobbies": "书法"})
    assert response.status_code == 302
    assert Customer.objects.get(pk="C001").hobbies == "书法"
    bad = client_as("alice").post(
        url, {**PROFILE, "hobbies": "书\x07法"}, headers={"accept-language": "en"}
    )
    assert bad.status_code == 400 and "control character" in bad.content.decode()
    assert client_as("bob").post(url, PROFILE).status_code == 404
    assert client_as("tina").post(url, PROFILE).status_code == 404


def test_profiles_without_an_rm_past_retention_are_erased(bank: Bank, settings: Any) -> None:
    """Retention 100 days, today 2026-12-07 → cut-off 2026-12-07 − 100 days = 2026-08-29
    (back to 30 Nov: 7 days, to 31 Oct: 30, to 30 Sep: 31, to 31 Aug: 30, 98 in all;
    two more: 29 Aug). C001 has an RM today: kept. C900's last RM left on 2026-08-28,
    before the cut-off: erased. C901's left on 2026-08-29, the cut-off itself: kept.
    C902 never had an RM and opened 2020-01-01: erased; C903 never had one, opened on
    2026-09-01: kept."""
    settings.RMPERF_PROFILE_RETENTION_DAYS = 100
    today = dt.date(2026, 12, 7)
    Customer.objects.filter(pk="C001").update(**PROFILE)
    for cid, ended, opened in (
        ("C900", dt.date(2026, 8, 28), dt.date(2020, 1, 1)),
        ("C901", dt.date(2026, 8, 29), dt.date(2020, 1, 1)),
        ("C902", None, dt.date(2020, 1, 1)),
        ("C903", None, dt.date(2026, 9, 1)),
    ):
        c = make_customer(customer_id=cid, name=f"客户{cid}", unit=bank.branch_a, opened_on=opened)
        Customer.objects.filter(pk=c.pk).update(**PROFILE)
        if ended is not None:
            make_assignment(
                customer=c, staff=bank.alice, valid_from=dt.date(2024, 1, 1), valid_to=ended
            )
    done = customer_profiles_expire(actor=None, today=today)
    assert (done.cutoff, done.customers) == (dt.date(2026, 8, 29), 2)
    kept = {c.customer_id for c in Customer.objects.exclude(industry="")}
    assert kept == {"C001", "C901", "C903"}
    erased = Customer.objects.get(pk="C900")
    assert (erased.household, erased.hobbies, erased.preferred_contact_times) == ("", "", "")
    assert erased.profile_edited_at is not None  # a later import does not refill it
    event = AuditEvent.objects.get(verb=PROFILE_EXPIRE_VERB)
    assert event.after["customers"] == 2 and "制造业" not in json.dumps(event.after)
    # Idempotent: a second run erases nothing and records nothing.
    assert customer_profiles_expire(actor=None, today=today).customers == 0
    assert AuditEvent.objects.filter(verb=PROFILE_EXPIRE_VERB).count() == 1
