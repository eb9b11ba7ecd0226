"""Import a test lake once per test process, then replay the rows it wrote.

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


def _insert(rows: dict[type[models.Model], list[tuple[Any, ...]]]) -> None:
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
class _Recorded:
    before: dict[type[models.Model], int]
    rows: dict[type[models.Model], list[tuple[Any, ...]]]
    run_pk: int

    def fits(self, now: dict[type[models.Model], int]) -> bool:
        return now == self.before

    def replay(self) -> LakeImport:
        _insert(self.rows)
        return LakeImport.objects.get(pk=self.run_pk)


_RECORDED: dict[tuple[str, str, str, str], _Recorded] = {}


def import_lake(path: Path, *, today: dt.date) -> LakeImport:
    """`lake_import(actor=None, lake_dir=path, today=today)`, replayed after the first time."""
    key = (connection.vendor, str(connection.settings_dict["NAME"]), str(path), today.isoformat())
    before = _counts()
    recorded = _RECORDED.get(key)
    if recorded is not None and recorded.fits(before):
        return recorded.replay()
    held = {m: _rows(m) for m, n in before.items() if n}
    run = lake_import(actor=None, lake_dir=path, today=today)
    if run.status != "succeeded":
        return run
    # Recorded only when the import added rows to empty tables and changed nothing else.
    grown = [m for m, n in _counts().items() if n != before[m]]
    if all(before[m] == 0 for m in grown) and all(_rows(m) == r for m, r in held.items()):
        _RECORDED[key] = _Recorded(before=before, rows={m: _rows(m) for m in grown}, run_pk=run.pk)
    return run


# -- any builder of rows returning a dataclass of model instances (the persona bank) ------


@dataclass(frozen=True)
class _Built:
    before: dict[type[models.Model], int]
    rows: dict[type[models.Model], list[tuple[Any, ...]]]
    kind: type[Any]
    fields: dict[str, tuple[type[models.Model], Any]]  # result field -> (model, pk)

    def rebuild(self) -> Any:
        _insert(self.rows)
        made: dict[str, Any] = {}
        for name, (model, pk) in self.fields.items():
            attnames = [f.attname for f in model._meta.concrete_fields]
            at = attnames.index(model._meta.pk.attname)
            row = next(r for r in self.rows[model] if r[at] == pk)
            made[name] = model.from_db(connection.alias, attnames, list(row))
        return self.kind(**made)


_BUILT: dict[tuple[str, ...], _Built] = {}


def built_once[T](key: tuple[str, ...], build: Callable[[], T]) -> T:
    """`build()` (a dataclass whose fields are model instances it created); after the first
    time in a process (same database, same key, the database as it was then) its rows are
    inserted as recorded and the dataclass is made of fresh instances of those rows."""
    full = (connection.vendor, str(connection.settings_dict["NAME"]), *key)
    before = _counts()
    built = _BUILT.get(full)
    if built is not None and built.before == before:
        rebuilt: T = built.rebuild()
        return rebuilt
    held = {m: _rows(m) for m, n in before.items() if n}
    result = build()
    grown = [m for m, n in _counts().items() if n != before[m]]
    names = [f.name for f in dataclasses.fields(result)]  # type: ignore[arg-type]
    fields = {
        n: (type(v), v.pk) for n in names if isinstance(v := getattr(result, n), models.Model)
    }
    if (
        len(fields) == len(names)
        and all(before[m] == 0 for m in grown)
        and all(_rows(m) == r for m, r in held.items())
        and all(m in grown for m, _pk in fields.values())
    ):
        _BUILT[full] = _Built(before, {m: _rows(m) for m in grown}, type(result), fields)
    return result
