"""`lake_import` on a lake with symbolic links (issue 18, finding 6): the import record,
its audit event and `_rejects/summary.json` never quote a foreign file, and a `_rejects`
link fails the import before a single row is read or written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core import serializers

from rmperf.core.models import AuditEvent
from rmperf.customers.models import Customer
from rmperf.lakes.models import ImportStatus, LakeImport
from rmperf.lakes.services import lake_import

from .conftest import TODAY

pytestmark = pytest.mark.django_db

SECRET = "root:x:0:0:SECRET-7f3a:/root:/bin/bash"


def _outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "passwd").write_text(f"{SECRET}\n", encoding="utf-8")
    return folder


def _stored() -> str:
    """Everything the database holds about imports: the records and their audit events."""
    return serializers.serialize("json", [*LakeImport.objects.all(), *AuditEvent.objects.all()])


def test_a_linked_table_is_refused_and_never_quoted(lake: Path, tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    (lake / "loans.csv").unlink()
    (lake / "loans.csv").symlink_to(outside / "passwd")

    imp = lake_import(actor=None, lake_dir=lake, today=TODAY)

    assert any(p.startswith("loans: loans.csv is a symbolic link;") for p in imp.problems)
    assert "SECRET" not in _stored()
    summary = (lake / "_rejects" / "summary.json").read_text(encoding="utf-8")
    assert "SECRET" not in summary
    assert any("loans.csv is a symbolic link" in p for p in json.loads(summary)["problems"])


def test_a_rejects_link_fails_the_import_and_writes_nothing_outside(
    lake: Path, tmp_path: Path
) -> None:
    outside = _outside(tmp_path)
    sink = outside / "sink"
    sink.mkdir()
    (lake / "_rejects").symlink_to(sink, target_is_directory=True)

    imp = lake_import(actor=None, lake_dir=lake, today=TODAY)

    assert imp.status == ImportStatus.FAILED and imp.exit_status == 2
    assert len(imp.problems) == 1
    assert imp.problems[0].startswith("_rejects is a symbolic link;")
    assert list(sink.iterdir()) == []
    assert not Customer.objects.exists()
