"""The admin: every model registered, every page opens, in both languages; the audit log
cannot be edited by hand."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from rmperf.core.audit import audit_record
from rmperf.core.models import AuditEvent
from tests.factories import Bank, make_user

OUR_APPS = ("core", "org", "customers")


@pytest.fixture
def root(bank: Bank) -> Client:
    client = Client()
    client.force_login(make_user(username="root", is_superuser=True))
    audit_record(actor=None, verb="test.event", object_type="x", object_id="1")
    return client


def our_models() -> list[type[Model]]:
    return [m for app in OUR_APPS for m in apps.get_app_config(app).get_models()]


def test_every_model_is_registered() -> None:
    missing = [m.__name__ for m in our_models() if not admin.site.is_registered(m)]
    assert not missing


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_every_changelist_and_change_page_opens(root: Client, lang: str) -> None:
    for model in our_models():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert root.get(changelist, HTTP_ACCEPT_LANGUAGE=lang).status_code == 200, changelist
        searched = root.get(changelist + "?q=a", HTTP_ACCEPT_LANGUAGE=lang)
        assert searched.status_code == 200, changelist
        obj = model._default_manager.first()
        assert obj is not None, meta.model_name
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        assert root.get(change).status_code == 200, change


def test_verbose_names_are_translated(root: Client) -> None:
    body = root.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    for name in ("客户", "机构", "员工", "审计事件", "客户归属", "产品"):
        assert name in body


def test_the_audit_log_is_read_only(root: Client) -> None:
    event = AuditEvent.objects.get(verb="test.event")
    assert root.get(reverse("admin:core_auditevent_add")).status_code == 403
    change = reverse("admin:core_auditevent_change", args=[event.pk])
    assert root.post(change, {"verb": "edited"}).status_code == 403
    delete = reverse("admin:core_auditevent_delete", args=[event.pk])
    assert root.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).verb == "test.event"


def test_customer_lists_in_the_admin_mask_phones(root: Client) -> None:
    body = root.get(reverse("admin:customers_customer_changelist")).content.decode()
    assert "138****1234" in body and "13812341234" not in body


def test_non_superuser_staff_see_their_scope_only(bank: Bank) -> None:
    from django.contrib.auth.models import Permission

    user = bank.user("bob")
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client = Client()
    client.force_login(user)
    body = client.get(reverse("admin:customers_customer_changelist")).content.decode()
    assert "C100" in body and "C001" not in body
