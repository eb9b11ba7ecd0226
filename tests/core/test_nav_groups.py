"""The navigation in four groups (我的工作 / 客户 / 绩效 / 团队与管理), dropdowns that open
without JavaScript (<details>), the current page and its group marked."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _nav(client: Client, path: str) -> str:
    body = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    return body.split('class="nav"')[1].split("</nav>")[0]


def _groups(nav: str) -> dict[str, list[str]]:
    """Each group's summary text and the addresses of its links, in order."""
    out: dict[str, list[str]] = {}
    for block in nav.split("<details")[1:]:
        summary = re.search(r"<summary[^>]*>([^<]+)", block)
        assert summary is not None
        out[summary[1].strip()] = re.findall(r'href="([^"]+)"', block)
    return out


def test_an_rms_nav_in_four_groups(client_as: Callable[[str], Client]) -> None:
    groups = _groups(_nav(client_as("alice"), "/customers/"))
    assert groups == {
        "我的工作": ["/workbench/", "/tasks/", "/referrals/"],
        "客户": ["/customers/", "/segments/", "/recommend/", "/recommend/campaigns/"],
        "绩效": [
            "/performance/",
            "/careers/",
            "/feedback/",
            "/careers/negative/",
            "/reviews/",
            "/reports/",
            "/pay/",
        ],
        "团队与管理": ["/teams/", "/api/docs"],  # the RM's own team rhythm (teams app)
    }


def test_a_branch_managers_nav_keeps_every_entry(client_as: Callable[[str], Client]) -> None:
    groups = _groups(_nav(client_as("mike"), "/customers/"))
    assert groups["我的工作"] == ["/workbench/desk/", "/tasks/", "/tasks/team/", "/referrals/"]
    assert "/careers/negative/" in groups["绩效"] and "/pay/" in groups["绩效"]
    manage = groups["团队与管理"]
    assert manage[0].startswith("/org/units/")  # 我的支行
    assert {"/analysis/workload/", "/analysis/gaming/", "/org/", "/policies/"} <= set(manage)


def test_hr_has_no_task_inbox_but_the_policies(client_as: Callable[[str], Client]) -> None:
    groups = _groups(_nav(client_as("hannah"), "/policies/"))
    assert groups["我的工作"] == ["/referrals/"]
    assert "/policies/" in groups["团队与管理"]


@pytest.mark.parametrize(
    ("path", "link", "group"),
    [
        ("/customers/", "/customers/", "客户"),
        ("/careers/negative/", "/careers/negative/", "绩效"),  # not /careers/
        ("/tasks/team/", "/tasks/team/", "我的工作"),  # not /tasks/
        ("/workbench/desk/calibration/", "/workbench/desk/", "我的工作"),
        ("/org/units/BA/", "/org/units/BA/", "团队与管理"),  # 我的支行, not 组织架构 (/org/)
    ],
)
def test_the_current_page_and_its_group_are_marked(
    client_as: Callable[[str], Client], path: str, link: str, group: str
) -> None:
    nav = _nav(client_as("mike"), path)
    assert re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', nav) == [link]
    assert re.findall(r'<summary aria-current="true">([^<]+)', nav) == [group]


def test_the_groups_are_details_so_they_open_without_javascript(
    client_as: Callable[[str], Client],
) -> None:
    nav = _nav(client_as("alice"), "/customers/")
    assert nav.count("<details") == nav.count("<summary") == 4
    assert "<script" not in nav
