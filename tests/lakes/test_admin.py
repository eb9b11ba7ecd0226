"""The admin shows import runs and registered tables, and lets nobody change them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from rmperf.lakes.models import LakeImport, RegisteredTable

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(base_imported: LakeImport) -> Client:
    client = Client()
    client.force_login(
        get_user_model().objects.create_superuser(username="root", password="root-pass-123")
    )
    return client


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
@pytest.mark.parametrize("model", [LakeImport, RegisteredTable])
def test_pages_open_read_only(root: Client, lang: str, model: type[LakeImport]) -> None:
    name = f"admin:lakes_{model._meta.model_name}"
    obj = model._default_manager.first()
    assert obj is not None
    assert root.get(reverse(f"{name}_changelist"), HTTP_ACCEPT_LANGUAGE=lang).status_code == 200
    assert root.get(reverse(f"{name}_changelist") + "?q=lake").status_code == 200
    change = reverse(f"{name}_change", args=[obj.pk])
    page = root.get(change, HTTP_ACCEPT_LANGUAGE=lang)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # a view page, no save button
    assert root.get(reverse(f"{name}_add")).status_code == 403
    assert root.post(change, {}).status_code == 403
    assert root.get(reverse(f"{name}_delete", args=[obj.pk])).status_code == 403
