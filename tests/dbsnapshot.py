"""Import a test lake (or build the persona bank) once per test process, then replay the
rows it wrote.

The performance, pay and segments tests start from the same small lake imported through
the real importer (`rmperf.lakes.services.lake_import`). The import validates every table
and writes the org tree, staff, customers, assignments, accounts, its run record and its
audit entries: about a second each time, for hundreds of tests. The first import of a lake
in a process runs for real; it records every row the import added, and later tests get
exactly those rows again (same primary keys, same values, same timestamps) inserted as
they are, in one statement per table.

A replay is only used when the database holds what it held before the recorded import
(the same row count in every table, none in the tables the import fills); otherwise the
import runs for real again. The lake's files are the same: the first import wrote its
rejects files and valid-row cache beside it, and nothing reads them differently later.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction

from rmperf.lakes.models import LakeImport
from rmperf.lakes.services import lake_import

Rows = dict[type[models.Model], list[tuple[Any, ...]]]


def _tables() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]


def _counts() -> dict[type[models.Model], int]:
    """Rows per table, in one query (one round trip on PostgreSQL)."""
    tables = _tables()
    qn = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT count(*) FROM {qn(m._meta.db_table)})" for m in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return dict(zip(tables, row, strict=True))


def _rows(model: type[models.Model]) -> list[tuple[Any, ...]]:
    fields = (f.attname for f in model._meta.concrete_fields)
    return list(model._base_manager.order_by("pk").values_list(*fields))


def _insert(rows: Rows) -> None:
    """Insert recorded rows as they are (no `save()`: timestamps and keys unchanged)."""
    qn = connection.ops.quote_name
    # One transaction: the foreign keys are checked at its end, whatever the order.
    with transaction.atomic(), connection.cursor() as cursor:
        for model, table_rows in rows.items():
            fields = model._meta.concrete_fields
            sql = (
                f"INSERT INTO {qn(model._meta.db_table)} "
                f"({', '.join(qn(f.column) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))})"
            )
            cursor.executemany(
                sql,
                [
                    [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]
                    for row in table_rows
                ],
            )
        # The next generated key follows the replayed rows, as after a real run (the audit
        # chain's `seq` must have no gap): PostgreSQL's sequences are not rolled back with
        # a test, and SQLite's counter can be ahead after a test that restored a backup.
        if connection.vendor == "postgresql":
            for statement in connection.ops.sequence_reset_sql(no_style(), list(rows)):
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for model in rows:
                if isinstance(model._meta.pk, models.AutoField | models.BigAutoField):
                    table = model._meta.db_table
                    cursor.execute(
                        f"UPDATE sqlite_sequence SET seq = (SELECT max({qn(model._meta.pk.column)})"
                        f" FROM {qn(table)}) WHERE name = %s",
                        [table],
                    )


@dataclass(frozen=True)
class _Recording:
    before: dict[type[models.Model], int]  # rows per table before the recorded build
    rows: Rows  # the rows the build added (only to tables that were empty)
    result: Any  # what the build returned


_RECORDINGS: dict[tuple[str, ...], _Recording] = {}


def _once[T](
    key: tuple[str, ...],
    build: Callable[[], T],
    *,
    keep: Callable[[T, Rows], bool],
    remake: Callable[[_Recording], T],
) -> T:
    """`build()` for real the first time in a process (per database and key), recorded
    when `keep` says so; later, when every table holds what it held then, the recorded rows
    are inserted again and `remake` gives the result. Recorded only when the build added
    rows to empty tables and changed no row that was there."""
    full = (connection.vendor, str(connection.settings_dict["NAME"]), *key)
    before = _counts()
    recording = _RECORDINGS.get(full)
    if recording is not None and recording.before == before:
        _insert(recording.rows)
        return remake(recording)
    held = {m: _rows(m) for m, n in before.items() if n}
    result = build()
    grown = [m for m, n in _counts().items() if n != before[m]]
    if all(before[m] == 0 for m in grown) and all(_rows(m) == r for m, r in held.items()):
        rows = {m: _rows(m) for m in grown}
        if keep(result, rows):
            _RECORDINGS[full] = _Recording(before, rows, result)
    return result


def import_lake(path: Path, *, today: dt.date) -> LakeImport:
    """`lake_import(actor=None, lake_dir=path, today=today)`, replayed after the first time."""
    return _once(
        ("lake import", str(path), today.isoformat()),
        lambda: lake_import(actor=None, lake_dir=path, today=today),
        keep=lambda run, _rows: run.status == "succeeded",
        remake=lambda rec: LakeImport.objects.get(pk=rec.result.pk),
    )


def built_once[T](key: tuple[str, ...], build: Callable[[], T]) -> T:
    """`build()` (a dataclass whose fields are model instances it created), replayed after
    the first time: the dataclass is then made of fresh instances of the inserted rows."""

    def fields(result: Any) -> dict[str, models.Model]:
        return {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}

    def keep(result: T, rows: Rows) -> bool:
        return all(isinstance(v, models.Model) and type(v) in rows for v in fields(result).values())

    def remake(rec: _Recording) -> T:
        made: dict[str, Any] = {}
        for name, old in fields(rec.result).items():
            model = type(old)
            attnames = [f.attname for f in model._meta.concrete_fields]
            at = attnames.index(model._meta.pk.attname)
            row = next(r for r in rec.rows[model] if r[at] == old.pk)
            made[name] = model.from_db(connection.alias, attnames, list(row))
        remade: T = type(rec.result)(**made)
        return remade

    return _once(key, build, keep=keep, remake=remake)
