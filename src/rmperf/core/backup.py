"""Backup and restore of what the application alone holds: the database and the stored runs.

The lake is the bank's delivery and its source of truth; it is not copied (keep the
deliveries as they came). What only the app holds is:
- the database: people, org tree, workflows, results, closed periods and their digest
  chain, the audit chain, policy versions;
- `RMPERF_HOME/runs/`: the inputs a run wrote beside the database (the offers of a period
  run, named by the inputs digest the database records).

A backup is one directory `rmperf-backup-<UTC timestamp>/` with `db.sqlite3` (SQLite's
online backup API: consistent while the app runs) or `db.pgdump` (`pg_dump --format=custom`,
one snapshot), `runs/`, and `manifest.json` with the SHA-256 of every file. It is written
under a temporary name and renamed when complete, so a failed backup leaves no directory
that looks whole.

A restore checks every file against the manifest first (a changed or missing file refuses
the whole restore), refuses a database of another vendor, refuses to overwrite a database
that holds data unless forced, and then replaces the database and the runs. The caller
runs `rmperf verify` afterwards: the digest chain and the audit chain must verify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
RUNS = "runs"
PG_DUMP = "db.pgdump"
SQLITE_DUMP = "db.sqlite3"


class BackupError(Exception):
    """A backup or restore that cannot be done; nothing was changed."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    vendor: str
    files: int
    bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST)


def _pg_env(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump / pg_restore, the password through the environment."""
    args = ["--dbname", str(settings_dict["NAME"])]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _run_tool(cmd: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(cmd[0])
    if tool is None:
        raise BackupError(f"{cmd[0]} is not installed; it is needed for a PostgreSQL database")
    done = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings, no shell
        [tool, *cmd[1:]], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        # The tools' messages name objects and options, never row contents.
        raise BackupError(f"{cmd[0]} failed ({done.returncode}): {done.stderr.strip()[:2000]}")


def _migrations() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def _audit_head() -> dict[str, Any]:
    from rmperf.core.models import AuditEvent

    last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
    return {"seq": last.seq, "hash": last.hash} if last is not None else {"seq": 0, "hash": ""}


def create_backup(*, dest: Path, home: Path) -> BackupReport:
    """Write a complete backup under `dest` and return where it is."""
    dest.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = dest / f"rmperf-backup-{stamp}"
    partial = dest / f".partial-{final.name}"
    if final.exists():
        raise BackupError(f"{final} exists already")
    partial.mkdir()
    try:
        vendor = connection.vendor
        if vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(partial / SQLITE_DUMP)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        elif vendor == "postgresql":
            args, env = _pg_env(connection.settings_dict)
            _run_tool(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(partial / PG_DUMP),
                    *args,
                ],
                env,
            )
        else:
            raise BackupError(f"backups of a {vendor} database are not supported")
        runs = home / RUNS
        if runs.is_dir():
            shutil.copytree(runs, partial / RUNS, symlinks=True)
        files = _files(partial)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "vendor": vendor,
            "migrations": _migrations(),
            "audit_head": _audit_head(),
            "files": {
                p.relative_to(partial).as_posix(): {"sha256": _sha256(p), "bytes": p.stat().st_size}
                for p in files
            },
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupReport(
        path=final,
        vendor=vendor,
        files=len(files),
        bytes=sum(p.stat().st_size for p in _files(final)),
    )


def read_manifest(src: Path) -> dict[str, Any]:
    """The backup's manifest, every file checked against it."""
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} is not a backup: {MANIFEST} is missing")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{path}: unknown backup format {manifest.get('format')!r}")
    listed = manifest.get("files", {})
    present = {p.relative_to(src).as_posix() for p in _files(src)}
    missing = sorted(set(listed) - present)
    extra = sorted(present - set(listed))
    if missing:
        raise BackupError(f"backup incomplete: {', '.join(missing[:5])} missing")
    if extra:
        raise BackupError(f"backup changed: {', '.join(extra[:5])} not in the manifest")
    for name, info in sorted(listed.items()):
        if _sha256(src / name) != info["sha256"]:
            raise BackupError(f"backup changed: {name} does not match its SHA-256")
    return manifest


def _database_holds_data() -> bool:
    """Any row in any of the project's tables (Django's own bookkeeping aside)."""
    from django.apps import apps

    tables = set(connection.introspection.table_names())
    return any(
        model._meta.db_table in tables and model._default_manager.exists()
        for model in apps.get_models()
        if model.__module__.startswith("rmperf.")
    )


def restore_backup(*, src: Path, home: Path, force: bool = False) -> dict[str, Any]:
    """Replace the database and the stored runs with the backup's; return its manifest."""
    manifest = read_manifest(src)
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise BackupError(
            f"the backup is of a {manifest['vendor']} database; this app uses {vendor}"
        )
    if not force and _database_holds_data():
        raise BackupError(
            "the database holds data; restoring replaces all of it (use --force to do so)"
        )
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{src / SQLITE_DUMP}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        connection.close()
        args, env = _pg_env(connection.settings_dict)
        _run_tool(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(src / PG_DUMP),
            ],
            env,
        )
    runs = home / RUNS
    if runs.exists():
        shutil.rmtree(runs)
    if (src / RUNS).is_dir():
        shutil.copytree(src / RUNS, runs, symlinks=True)
    head = _audit_head()
    if head != manifest["audit_head"]:
        raise BackupError(
            f"restored, but the audit chain ends at event {head['seq']}, "
            f"not {manifest['audit_head']['seq']} as the backup recorded"
        )
    return manifest
