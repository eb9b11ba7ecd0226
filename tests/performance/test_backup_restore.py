"""Backup and restore (issue #18): the database and the stored runs come back exactly, the
digest chain and the audit chain verify after a restore, and a changed backup is refused
before anything is touched. Runs on SQLite and on PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rmperf.cli import main
from rmperf.core.audit import audit_record, audit_verify
from rmperf.core.backup import BackupError, create_backup, restore_backup
from rmperf.core.models import AuditEvent
from rmperf.performance.models import ChainEntry, PerfPeriod, RmResult
from rmperf.performance.services.calibration import period_confirm_calibration
from rmperf.performance.services.chain import chain_verify, period_close
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def home(tmp_path: Path, settings: Any) -> Path:
    settings.HOME_DIR = tmp_path / "home"
    (settings.HOME_DIR / "runs" / "abc123").mkdir(parents=True)
    (settings.HOME_DIR / "runs" / "abc123" / "offers.parquet").write_bytes(b"PAR1 stored run")
    return Path(settings.HOME_DIR)


def _closed_bank() -> dict[str, str]:
    period_run(actor=None, key="2026Q3")
    period_confirm_calibration(actor=None, key="2026Q3")
    period_close(actor=None, key="2026Q3")
    return {r.staff_id: r.digest for r in RmResult.objects.filter(period__key="2026Q3")}


def test_restore_brings_back_the_database_and_runs_and_the_chains_verify(
    perf_bank: PerfBank, home: Path, tmp_path: Path
) -> None:
    digests = _closed_bank()
    events = AuditEvent.objects.count()
    report = create_backup(dest=tmp_path / "backups", home=home)
    manifest = json.loads((report.path / "manifest.json").read_text())
    assert "runs/abc123/offers.parquet" in manifest["files"]
    assert manifest["audit_head"]["seq"] == AuditEvent.objects.order_by("-seq").first().seq  # type: ignore[union-attr]

    # After the backup: results edited behind the app's back, runs lost, more events.
    RmResult.objects.filter(period__key="2026Q3").update(total="1.00")
    assert chain_verify() != []
    audit_record(actor=None, verb="test.after_backup", object_type="x", object_id="1")
    (home / "runs" / "abc123" / "offers.parquet").unlink()

    restore_backup(src=report.path, home=home, force=True)
    assert chain_verify() == []
    assert audit_verify() == []
    assert AuditEvent.objects.count() == events
    assert {r.staff_id: r.digest for r in RmResult.objects.filter(period__key="2026Q3")} == digests
    assert PerfPeriod.objects.get(key="2026Q3").status == "closed"
    assert ChainEntry.objects.count() == 1
    assert (home / "runs" / "abc123" / "offers.parquet").read_bytes() == b"PAR1 stored run"


def test_a_changed_or_incomplete_backup_is_refused_and_nothing_changes(
    perf_bank: PerfBank, home: Path, tmp_path: Path
) -> None:
    _closed_bank()
    report = create_backup(dest=tmp_path / "backups", home=home)
    events = AuditEvent.objects.count()
    stored = report.path / "runs" / "abc123" / "offers.parquet"
    stored.write_bytes(b"PAR1 edited")
    with pytest.raises(BackupError, match=r"runs/abc123/offers.parquet does not match"):
        restore_backup(src=report.path, home=home, force=True)
    stored.unlink()
    with pytest.raises(BackupError, match=r"incomplete: runs/abc123/offers.parquet missing"):
        restore_backup(src=report.path, home=home, force=True)
    assert AuditEvent.objects.count() == events
    assert (home / "runs" / "abc123" / "offers.parquet").read_bytes() == b"PAR1 stored run"


def test_restore_refuses_a_database_with_data_unless_forced(
    perf_bank: PerfBank, home: Path, tmp_path: Path
) -> None:
    report = create_backup(dest=tmp_path / "backups", home=home)
    with pytest.raises(BackupError, match="holds data"):
        restore_backup(src=report.path, home=home)
    with pytest.raises(BackupError, match="not a backup"):
        restore_backup(src=tmp_path, home=home, force=True)


def test_backup_and_restore_commands(
    perf_bank: PerfBank, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _closed_bank()
    assert main(["backup", "--out", str(tmp_path / "bk")]) == 0
    (made,) = (tmp_path / "bk").iterdir()
    assert made.name.startswith("rmperf-backup-")
    assert AuditEvent.objects.filter(verb="ops.backup", object_id=made.name).exists()
    assert main(["restore", str(made)]) == 2
    assert "use --force" in capsys.readouterr().err
    assert main(["restore", str(made), "--force"]) == 0
    out = capsys.readouterr().out
    assert "ok: 1 closed period(s)" in out
    assert AuditEvent.objects.filter(verb="ops.restore", object_id=made.name).exists()
    # The backup event was written after the backup, so the restored chain has none.
    assert not AuditEvent.objects.filter(verb="ops.backup").exists()
