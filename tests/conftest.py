"""Shared fixtures: the persona bank and clients signed in as each persona."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.dbsnapshot import built_once
from tests.factories import Bank, build_bank

# The fixtures through which a test reaches the database (pytest-django blocks every other way).
_DB_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "_django_db_helper",
        "live_server",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db-only",
        action="store_true",
        help="run only the tests that use the database (the PostgreSQL leg of "
        "scripts/run-tests: a test that never opens a connection behaves the same on both)",
    )


def uses_database(item: pytest.Item) -> bool:
    """Whether the test can open a database connection: a `django_db` mark, or a fixture
    that unblocks the database (directly or through another fixture, e.g. `bank`)."""
    if item.get_closest_marker("django_db") is not None:
        return True
    return not _DB_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With `--db-only`, drop the tests that never reach the database. Then keep expensive
    shared set-up to one xdist worker (`--dist loadgroup`, as scripts/run-tests runs):
    every Spark test on the worker that started the JVM, and the tests of a module with a
    module-scoped fixture (a generated lake, a trained model) together, so the fixture is
    built once instead of once per worker. An explicit `xdist_group` mark wins.

    `tryfirst`: xdist reads the `xdist_group` marks in its own hook of the same name (it
    appends the group to each node id); run after it, the marks added here were ignored,
    so every worker started its own JVM and built every module's fixture again."""
    if config.getoption("--db-only"):
        kept = [item for item in items if uses_database(item)]
        dropped = [item for item in items if not uses_database(item)]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        if item.get_closest_marker("spark") is not None:
            item.add_marker(pytest.mark.xdist_group("spark"))
            continue
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info is not None else ()
        if any(d[-1].scope == "module" for d in defs if d):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, launched once per test process (on first use)
    for every browser test; each test opens its own context (cookies, storage, viewport)
    and closes it."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail("chromium is missing: `scripts/ensure-chromium` installs Debian's package")
    # Playwright's sync API refuses to start inside a running event loop; Django's
    # async-unsafe guard must also allow the live server's ORM calls from this thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=[
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Tests hash passwords with a cheap hasher; production keeps Django's default."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bank(db: None) -> Bank:
    """The persona bank (tests/factories.py), fresh for each test (built once per process,
    then its rows replayed: tests/dbsnapshot.py)."""
    return built_once(("persona bank", timezone.localdate().isoformat()), build_bank)


@pytest.fixture
def client_as(bank: Bank) -> Callable[[str], Client]:
    """A test client signed in as the named persona ("alice", "bob", …, "nostaff")."""

    def make(persona: str) -> Client:
        client = Client()
        client.force_login(bank.user(persona))
        return client

    return make


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with every cache empty: cached pages are keyed by ids (and data
    versions, core/data_version.py) that another test's rolled-back or replayed rows
    (tests/dbsnapshot.py) may reuse."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=False):
        cache.clear()
