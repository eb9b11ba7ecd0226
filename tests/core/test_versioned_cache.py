"""Page fragments kept per process under the data version (core/data_version.py,
core/templatetags/versioned_cache.py): an audited write shows on the next page, one
person's fragment never reaches another, each language is kept apart, and nothing is kept
for a write request, before the first audit event, or with a CSRF token inside."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator

import pytest
from django.core.cache import caches
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rmperf.core.audit import audit_record
from rmperf.core.data_version import data_version, data_version_of
from rmperf.core.templatetags.versioned_cache import fragment_key
from rmperf.org.models import Staff
from rmperf.tasks.models import Task
from rmperf.tasks.services import task_done
from tests.factories import Bank, add_customers
from tests.tasks.conftest import make_task

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _empty_pages() -> Iterator[None]:
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def _an_audited_write() -> None:
    audit_record(actor=None, verb="test.write", object_type="test", object_id="1")


def _listed(body: str) -> list[str]:
    """Customer ids the customer list's table links to, in order."""
    table = body.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r'href="/customers/([^/"]+)/"', table)


def _customer_rows_read(queries: CaptureQueriesContext) -> int:
    return len(
        [
            q
            for q in queries.captured_queries
            if 'FROM "customers_customer"' in q["sql"] and "LIMIT" in q["sql"]
        ]
    )


def test_the_customer_table_is_kept_until_an_audited_write(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    _an_audited_write()
    alice = client_as("alice")
    first = alice.get("/customers/", **EN).content.decode()
    assert _listed(first) == ["C001", "C002", "C003"]
    # Rows written without an audit event (only a hand edit of the database does that):
    # the kept table answers, without reading the customers' rows again.
    add_customers(staff=bank.alice, count=2, prefix="N")
    with CaptureQueriesContext(connection) as again:
        second = alice.get("/customers/", **EN).content.decode()
    assert _listed(second) == ["C001", "C002", "C003"]
    assert _customer_rows_read(again) == 0
    # Any audited write moves the data version: the next page reads and shows them.
    _an_audited_write()
    with CaptureQueriesContext(connection) as fresh:
        third = alice.get("/customers/", **EN).content.decode()
    assert _listed(third) == ["C001", "C002", "C003", "N0000", "N0001"]
    assert _customer_rows_read(fresh) == 1


def test_one_persons_table_never_reaches_another(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    _an_audited_write()
    # The same address, the same data version and language, one after the other.
    assert _listed(client_as("alice").get("/customers/", **EN).content.decode()) == [
        "C001", "C002", "C003",
    ]  # fmt: skip
    assert _listed(client_as("bob").get("/customers/", **EN).content.decode()) == [
        "C004", "C100",
    ]  # fmt: skip
    # The branch manager of branch A sees the branch's customers (C004 and C100 are
    # branch B's), not alice's table.
    mike = _listed(client_as("mike").get("/customers/", **EN).content.decode())
    assert mike == ["C001", "C002", "C003", "C010"]


def test_the_scope_is_in_the_key_even_without_an_audit_event(bank: Bank) -> None:
    _an_audited_write()
    request = RequestFactory().get("/customers/")
    request.user = bank.alice.user
    before = fragment_key("customer_table", ["/customers/"], request)
    # A staff record moved by hand (no audit event): a new scope, so a new key.
    Staff.objects.filter(pk=bank.tina.pk).update(unit=bank.team_a2)
    request = RequestFactory().get("/customers/")
    request.user = (
        type(bank.tina.user).objects.select_related("staff__unit").get(pk=bank.tina.user.pk)
    )
    moved = fragment_key("customer_table", ["/customers/"], request)
    request = RequestFactory().get("/customers/")
    request.user = bank.tina.user
    assert before is not None and moved is not None
    assert moved != fragment_key("customer_table", ["/customers/"], request)


def test_each_language_is_kept_apart(bank: Bank, client_as: Callable[[str], Client]) -> None:
    _an_audited_write()
    alice = client_as("alice")
    en = alice.get("/customers/", **EN).content.decode()
    zh = alice.get("/customers/", **ZH).content.decode()
    head_en = en.split("<thead>")[1].split("</thead>")[0]
    head_zh = zh.split("<thead>")[1].split("</thead>")[0]
    assert "Customer" in head_en and "客户" not in head_en
    assert "客户" in head_zh and "Customer" not in head_zh
    assert alice.get("/customers/", **EN).content.decode().count("<thead>") == 1
    assert "Customer" in alice.get("/customers/", **EN).content.decode().split("</thead>")[0]


def _two_late_tasks_of_alice(bank: Bank) -> Task:
    """C002's task a day late, C003's two days late, then an audited write (the data
    version exists from here on); returns C002's."""
    today = timezone.localdate()
    late = make_task(staff=bank.alice, customer=bank.c002, key="a", due=today - dt.timedelta(1))
    make_task(staff=bank.alice, customer=bank.c003, key="b", due=today - dt.timedelta(2))
    _an_audited_write()
    return late


def test_a_task_closed_leaves_the_workbench_at_once(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    late = _two_late_tasks_of_alice(bank)
    alice = client_as("alice")
    # The first page stores the default policies (an audited write of its own).
    alice.get("/workbench/", **EN)
    first = alice.get("/workbench/", **EN).content.decode()
    assert "Overdue (2)" in first and "/customers/C002/" in first
    with CaptureQueriesContext(connection) as again:
        second = alice.get("/workbench/", **EN).content.decode()
    assert second.count("/customers/C002/") == first.count("/customers/C002/")
    # The kept fragments read no task rows (the badge still counts, one aggregate).
    assert not [
        q for q in again.captured_queries if "ORDER BY" in q["sql"] and "tasks_task" in q["sql"]
    ]
    task_done(actor=bank.alice.user, task_ids=[late.pk])
    after = alice.get("/workbench/", **EN).content.decode()
    assert "Overdue (1)" in after
    tasks = after.split('id="wb-task-table"')[1].split("</table>")[0]
    assert "/customers/C003/" in tasks and "/customers/C002/" not in tasks


def test_nothing_is_kept_for_a_write_request_or_before_any_audit_event(bank: Bank) -> None:
    factory = RequestFactory()
    get = factory.get("/customers/")
    get.user = bank.alice.user
    assert data_version() is None
    assert fragment_key("customer_table", [], get) is None
    _an_audited_write()
    version = data_version()
    assert version is not None and version.startswith(f"{version.split('.')[0]}.")
    post = factory.post("/customers/")
    post.user = bank.alice.user
    assert data_version_of(post) is None and fragment_key("x", [], post) is None
    get = factory.get("/customers/")
    get.user = bank.alice.user
    assert data_version_of(get) == version
    _an_audited_write()
    assert data_version_of(get) == version  # read once per request
    assert data_version() != version


def test_a_fragment_with_a_csrf_token_is_never_kept(bank: Bank) -> None:
    _an_audited_write()
    request = RequestFactory().get("/x/")
    request.user = bank.alice.user
    template = Template(
        "{% load versioned_cache %}"
        '{% versioned_cache "form" %}<form>{% csrf_token %}</form>{% endversioned_cache %}'
        '{% versioned_cache "plain" %}<p>{{ n }}</p>{% endversioned_cache %}'
    )
    html = template.render(Context({"request": request, "csrf_token": "secret-1", "n": 1}))
    assert 'value="secret-1"' in html and "<p>1</p>" in html
    again = template.render(Context({"request": request, "csrf_token": "secret-2", "n": 2}))
    # The form is rendered afresh (its token is the request's), the plain part is kept.
    assert 'value="secret-2"' in again and "<p>1</p>" in again
    assert caches["pages"].get(fragment_key("form", [], request)) is None


def test_a_team_task_closed_shows_on_the_desk_at_once(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    late = _two_late_tasks_of_alice(bank)
    tina = client_as("tina")
    tina.get("/workbench/desk/", **EN)  # the first page stores the default policies

    def overdue_total(body: str) -> str:
        stats = body.split('id="desk-stats"')[1].split("</div>\n</div>")[0]
        return re.findall(r'<span class="stat-value">([^<]*)</span>', stats)[1]

    assert overdue_total(tina.get("/workbench/desk/", **EN).content.decode()) == "2"
    with CaptureQueriesContext(connection) as again:
        kept = tina.get("/workbench/desk/", **EN).content.decode()
    assert overdue_total(kept) == "2"
    # Only the badge counts (tina's own tasks); the team's tasks are not read.
    team = [q for q in again.captured_queries if "rm_tasks_task" in q["sql"]]
    assert len(team) == 1 and "\"staff_id\" = 'S-TINA'" in team[0]["sql"]
    task_done(actor=bank.alice.user, task_ids=[late.pk])
    assert overdue_total(tina.get("/workbench/desk/", **EN).content.decode()) == "1"


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("alice", "/customers/"),
        ("alice", "/workbench/"),
        ("tina", "/workbench/desk/"),
        ("mike", "/performance/2026Q3/"),
    ],
)
def test_the_version_is_read_before_what_it_keys(
    client_as: Callable[[str], Client], persona: str, url: str
) -> None:
    """A write committed between a page's reads and its version read would be kept
    under the newer key with older rows: the version comes right after who asks."""
    _an_audited_write()
    client = client_as(persona)
    client.get(url, **EN)  # the first page stores the default policies
    _an_audited_write()  # nothing kept for this version yet
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, **EN)
    tables = [
        re.search(r'FROM "([a-z_]+)"', q["sql"]).group(1)  # type: ignore[union-attr]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT")
    ]
    assert tables[:3] == ["django_session", "auth_user", "core_auditevent"], tables
