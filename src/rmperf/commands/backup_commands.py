"""`rmperf backup` and `rmperf restore`: the database and the stored runs (docs/operations.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rmperf.commands import setup_django


def register(sub: Any) -> None:
    b = sub.add_parser(
        "backup",
        help="back up the database and the stored runs into a new directory",
        description="Write DIR/rmperf-backup-<UTC time>/ with the database (SQLite online "
        "backup or pg_dump), RMPERF_HOME/runs and a manifest of SHA-256 digests. The lake "
        "is the bank's delivery and is not copied. Exit 0: written; 2: failed, nothing kept.",
    )
    b.add_argument("--out", type=Path, required=True, help="directory to write the backup in")
    b.set_defaults(handler=cmd_backup)
    r = sub.add_parser(
        "restore",
        help="restore a backup, then verify the digest and audit chains",
        description="Check every file of the backup against its manifest, replace the "
        "database and RMPERF_HOME/runs, then run `rmperf verify`. Refuses a database that "
        "holds data unless --force. Exit 0: restored and verified; 1: restored but the "
        "chains do not verify; 2: refused, nothing changed.",
    )
    r.add_argument("backup", type=Path, help="a directory written by `rmperf backup`")
    r.add_argument(
        "--force", action="store_true", help="replace a database that already holds data"
    )
    r.set_defaults(handler=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings

    from rmperf.core.audit import audit_record
    from rmperf.core.backup import BackupError, create_backup

    try:
        report = create_backup(dest=args.out, home=Path(settings.HOME_DIR))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    audit_record(
        actor=None,
        verb="ops.backup",
        object_type="backup",
        object_id=report.path.name,
        after={"vendor": report.vendor, "files": report.files, "bytes": report.bytes},
    )
    print(f"wrote {report.path} ({report.vendor}, {report.files} files, {report.bytes:,} bytes)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings

    from rmperf.commands.performance_commands import cmd_verify
    from rmperf.core.audit import audit_record
    from rmperf.core.backup import BackupError, restore_backup

    try:
        manifest = restore_backup(src=args.backup, home=Path(settings.HOME_DIR), force=args.force)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"restored {args.backup.name} (made {manifest['created_at']}, {manifest['vendor']})")
    status = cmd_verify(argparse.Namespace())
    audit_record(
        actor=None,
        verb="ops.restore",
        object_type="backup",
        object_id=args.backup.name,
        after={"created_at": manifest["created_at"], "verified": status == 0},
    )
    return 1 if status else 0
