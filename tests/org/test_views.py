"""Org pages by persona: the tree, a unit page (my team / my branch), a staff page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client


def test_hr_sees_the_whole_tree(client_as: Callable[[str], Client]) -> None:
    body = client_as("hannah").get("/org/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for name in ("Demo Bank", "Region 1", "Branch A", "Branch B", "Team A1", "Team B1"):
        assert name in body
    assert "8 people" in body and "<details" in body
    assert 'href="/org/units/TB1/"' in body


def test_the_tree_in_chinese(client_as: Callable[[str], Client]) -> None:
    body = client_as("audrey").get("/org/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "组织架构" in body and "8 人" in body and "支行" in body and "小组" in body


def test_the_branch_managers_page(client_as: Callable[[str], Client]) -> None:
    body = client_as("mike").get("/org/units/BA/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My branch" in body
    for text in ("Mike Ma", "Terry Tian", "Tina Tang", "Alice An", "Carol Cao"):
        assert text in body
    assert "Retail 3" in body and "Corporate 1" in body


def test_the_team_leaders_page(client_as: Callable[[str], Client]) -> None:
    body = client_as("tina").get("/org/units/TA1/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My team" in body and "Alice An" in body
    assert '<td class="num">3</td>' in body  # alice's current customers
    assert "Carol Cao" not in body  # another team


def test_hr_opens_any_unit_but_it_is_not_theirs(client_as: Callable[[str], Client]) -> None:
    body = client_as("hannah").get("/org/units/BB/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bob Bai" in body and "My branch" not in body


@pytest.mark.parametrize(("persona", "status"), [("tina", 404), ("bob", 404), ("mike", 200)])
def test_unit_pages_follow_scope(
    client_as: Callable[[str], Client], persona: str, status: int
) -> None:
    assert client_as(persona).get("/org/units/TA2/").status_code == status


def test_the_staff_page(client_as: Callable[[str], Client]) -> None:
    body = client_as("mike").get("/org/staff/S-ALICE/", HTTP_ACCEPT_LANGUAGE="en")
    text = body.content.decode()
    assert "Alice An" in text and "Senior RM" in text and "Current customers" in text
