"""The test helper that replays an import (tests/dbsnapshot.py) gives the database exactly
what the real import gave: the same rows in every table, and keys that continue after them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import models, transaction

from rmperf.core.audit import audit_record, audit_verify
from rmperf.core.models import AuditEvent
from tests import dbsnapshot
from tests.factories import build_bank
from tests.performance.conftest import IMPORT_DAY


def _everything() -> dict[str, list[tuple[Any, ...]]]:
    return {m._meta.db_table: dbsnapshot._rows(m) for m in dbsnapshot._tables()}


def _gapless_after_two_more_events() -> None:
    for verb in ("test.one", "test.two"):
        audit_record(actor=None, verb=verb, object_type="test", object_id="1")
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert audit_verify() == []


def _twice(monkeypatch: pytest.MonkeyPatch, make: Any) -> tuple[Any, Any, Any, Any]:
    """`make()` in a rolled-back transaction twice, the first time for real; after each,
    new audit events continue the chain without a gap."""
    monkeypatch.setattr(dbsnapshot, "_RECORDINGS", {})
    seen = []
    for _ in range(2):
        block = transaction.atomic()
        block._from_testcase = True  # as Django's TestCase marks its own: the import's
        # durable transaction may run inside it, as it runs inside each test's
        with block:
            made = make()
            seen.append((made, _everything()))
            _gapless_after_two_more_events()
            transaction.set_rollback(True)
    (first, rows_first), (second, rows_second) = seen
    return first, rows_first, second, rows_second


def test_a_replayed_import_is_the_real_import(
    db: None, perf_paths: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _card = perf_paths
    calls: list[Path] = []
    real = dbsnapshot.lake_import

    def counted(**kw: Any) -> Any:
        calls.append(kw["lake_dir"])
        return real(**kw)

    monkeypatch.setattr(dbsnapshot, "lake_import", counted)
    first, rows_first, second, rows_second = _twice(
        monkeypatch, lambda: dbsnapshot.import_lake(path, today=IMPORT_DAY)
    )
    assert calls == [path]  # the second one was replayed
    assert (first.pk, first.status) == (second.pk, second.status) == (first.pk, "succeeded")
    assert rows_first == rows_second
    assert len(rows_first["core_auditevent"]) > 0 and len(rows_first["org_staff"]) > 0


def test_a_replayed_bank_is_the_built_bank(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    key = ("test bank",)
    first, rows_first, second, rows_second = _twice(
        monkeypatch, lambda: dbsnapshot.built_once(key, build_bank)
    )
    assert rows_first == rows_second
    assert first is not second and first.alice is not second.alice
    for name in ("alice", "c001", "branch_a", "nostaff", "product"):
        a, b = getattr(first, name), getattr(second, name)
        assert isinstance(b, models.Model) and (type(a), a.pk) == (type(b), b.pk)
        assert all(getattr(a, f.attname) == getattr(b, f.attname) for f in a._meta.concrete_fields)


def test_a_database_that_changed_gets_the_real_build(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dbsnapshot, "_RECORDINGS", {})
    built: list[int] = []

    def build() -> Any:
        built.append(1)
        return build_bank()

    with transaction.atomic():
        dbsnapshot.built_once(("k",), build)
        transaction.set_rollback(True)
    User.objects.create(username="someone-else")
    dbsnapshot.built_once(("k",), build)
    assert built == [1, 1]  # not replayed onto a database that holds another row
