"""The navigation offers each role only what it can use."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _nav(client: Client) -> str:
    body = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    return body.split('class="nav"')[1].split("</nav>")[0]


@pytest.mark.parametrize(
    ("persona", "tasks", "org", "workbench", "desk"),
    [
        ("alice", True, False, True, False),
        ("tina", True, True, False, True),
        ("mike", True, True, False, True),
        ("terry", True, False, False, False),
        ("hannah", False, True, False, False),
        ("audrey", False, True, False, False),
    ],
)
def test_nav_links_per_role(
    client_as: Callable[[str], Client],
    persona: str,
    tasks: bool,
    org: bool,
    workbench: bool,
    desk: bool,
) -> None:
    nav = _nav(client_as(persona))
    assert ('id="nav-tasks"' in nav) is tasks
    assert ('href="/org/"' in nav) is org and ("组织架构" in nav) is org
    assert ('href="/policies/"' in nav) is org and ("政策" in nav) is org
    assert ('href="/workbench/"' in nav) is workbench
    assert ('href="/workbench/desk/"' in nav) is desk
