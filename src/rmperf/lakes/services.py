"""`rmperf import`: validate a lake, load its dimension tables, register its fact tables.

The engine validates (rows that break the contract go to `<lake>/_rejects/`); this module
is the one edge where valid engine rows become app rows (shared/STYLE.md principle 5).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.customers.models import PROFILE_FIELDS, Assignment, Customer, Product
from rmperf.engine import contract
from rmperf.engine.acceptance import AcceptancePolicy, Refusal, Why, load_acceptance_policy, percent
from rmperf.engine.acceptance import refusals as acceptance_refusals
from rmperf.engine.lake import find_table_files
from rmperf.engine.validate import (
    REJECTS_DIR,
    LakeValidation,
    UnsafeLakeError,
    iter_valid_rows,
    table_digest,
    validate_lake,
)
from rmperf.lakes.models import ImportStatus, LakeImport, RegisteredTable
from rmperf.org.models import OrgUnit, Staff, unit_path

logger = logging.getLogger(__name__)

#: Load order: every table after the tables its foreign keys point to.
LOAD_ORDER: tuple[str, ...] = ("org_units", "staff", "customers", "products", "assignments")
#: Rows looked up and written per round trip; the `IN (...)` lookup stays well under
#: SQLite's bound-variable limit (32,766).
CHUNK = 2000
#: How many stale assignments the run record lists by id (all are counted).
STALE_LISTED = 1000
RUN_VERB = "lake.import"
CHANGE_VERB = "lake.import.update"

Key = Any  # a primary key value, or (customer_id, valid_from) for assignments
Row = dict[str, Any]
Converter = Callable[[Any], Any]


class LakeImportError(Exception):
    """A lake that cannot be loaded as a whole; nothing is written."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _safe_error(exc: BaseException) -> str:
    """What went wrong, without the row: a database error's primary message with quoted
    values masked (PostgreSQL's CONTEXT and DETAIL lines quote whole rows, personal data
    included, so they are never shown), or the exception's type."""
    cause = exc.__cause__ if isinstance(exc, DatabaseError) and exc.__cause__ else exc
    diag = getattr(cause, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    if primary is None and isinstance(exc, DatabaseError):
        # SQLite (and the rest): the first line of the message, quoted values masked.
        primary = str(exc).splitlines()[0] if str(exc) else None
    if not primary:
        return type(cause).__name__
    return f"{type(cause).__name__}: {re.sub(r'"[^"]*"', '"…"', primary)}"


@dataclass
class TableCounts:
    """What one dimension table's load did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    absent: int = 0  # in the database but no longer (validly) in the lake; kept


@dataclass(frozen=True)
class _Spec:
    """How one lake table maps onto one model."""

    table: str
    model: type[models.Model]
    object_type: str  # as in the audit log
    key_fields: tuple[str, ...]  # natural key (attnames)
    fields: tuple[str, ...]  # imported fields compared on re-import (attnames)
    to_values: Callable[[Row], Row]
    #: Fields people edit in the app (the customer profile): once `kept_when` (a
    #: timestamp field) is set on a row, an import leaves these fields as the app holds them.
    app_kept: tuple[str, ...] = ()
    kept_when: str | None = None


def _blank(value: str | None) -> str:
    """Optional text: the lake's missing value is the model's empty string."""
    return "" if value is None else value


def _org_values(row: Row) -> Row:
    # `path` is filled in later, once the whole tree is known.
    return {
        "unit_id": row["unit_id"],
        "name": row["name"],
        "kind": row["kind"],
        "parent_id": row["parent_id"],
        "path": "",
    }


def _staff_values(row: Row) -> Row:
    return {
        "staff_id": row["staff_id"],
        "name": row["name"],
        "role": row["role"],
        "rank": _blank(row["rank"]),
        "unit_id": row["unit_id"],
        "hired_on": row["hired_on"],
        # Optional in the lake (contract.BUSINESS_LINES); empty: decided from the book.
        "business_line": _blank(row.get("business_line")),
    }


def _customer_values(row: Row) -> Row:
    return {
        "customer_id": row["customer_id"],
        "name": row["name"],
        "kind": row["kind"],
        "unit_id": row["unit_id"],
        "birth_date": row["birth_date"],
        "opened_on": row["opened_on"],
        "phone": _blank(row["phone"]),
        "id_number": _blank(row["id_number"]),
        "risk_level": _blank(row["risk_level"]),
        "risk_assessed_on": row["risk_assessed_on"],
        "contact_verified_on": row["contact_verified_on"],
        # Optional in the lake; a customer who never said no has not opted out.
        "marketing_opt_out": bool(row.get("marketing_opt_out")),
        # The profile: optional columns, empty when the lake has none.
        **{f: _blank(row.get(f)) for f in PROFILE_FIELDS},
    }


def _product_values(row: Row) -> Row:
    return {
        "product_id": row["product_id"],
        "name": row["name"],
        "category": row["category"],
        "risk_level": row["risk_level"],
        "term_days": row["term_days"],
        "revenue_rate": row["revenue_rate"],
    }


def _assignment_values(row: Row) -> Row:
    return {
        "customer_id": row["customer_id"],
        "staff_id": row["staff_id"],
        "valid_from": row["valid_from"],
        "valid_to": row["valid_to"],
    }


SPECS: dict[str, _Spec] = {
    "org_units": _Spec(
        "org_units",
        OrgUnit,
        "org_unit",
        ("unit_id",),
        ("name", "kind", "parent_id", "path"),
        _org_values,
    ),
    "staff": _Spec(
        "staff",
        Staff,
        "staff",
        ("staff_id",),
        ("name", "role", "rank", "unit_id", "hired_on", "business_line"),
        _staff_values,
    ),
    "customers": _Spec(
        "customers",
        Customer,
        "customer",
        ("customer_id",),
        (
            "name",
            "kind",
            "unit_id",
            "birth_date",
            "opened_on",
            "phone",
            "id_number",
            "risk_level",
            "risk_assessed_on",
            "contact_verified_on",
            "marketing_opt_out",
            *PROFILE_FIELDS,
        ),
        _customer_values,
        app_kept=PROFILE_FIELDS,
        kept_when="profile_edited_at",
    ),
    "products": _Spec(
        "products",
        Product,
        "product",
        ("product_id",),
        ("name", "category", "risk_level", "term_days", "revenue_rate"),
        _product_values,
    ),
    "assignments": _Spec(
        "assignments",
        Assignment,
        "assignment",
        ("customer_id", "valid_from"),
        ("staff_id", "valid_to"),
        _assignment_values,
    ),
}


def _limits(model: type[models.Model]) -> list[tuple[str, int]]:
    """(attname, largest allowed) for the model's bounded columns: text length, integer size."""
    out: list[tuple[str, int]] = []
    for f in model._meta.concrete_fields:
        if isinstance(f, models.CharField) and f.max_length:
            out.append((f.attname, f.max_length))
        elif isinstance(f, models.PositiveIntegerField):
            out.append((f.attname, 2_147_483_647))
    return out


def _check_fits(spec: _Spec, limits: list[tuple[str, int]], values: Row) -> None:
    """The contract has no length limits but the database has; a value that would not fit
    is refused whole rather than truncated (SQLite would store it, PostgreSQL would not)."""
    for name, limit in limits:
        value = values.get(name)
        if value is None:
            continue
        size = len(value) if isinstance(value, str) else value
        if size > limit:
            key = "/".join(str(values[k]) for k in spec.key_fields)
            raise LakeImportError(
                [
                    _("%(table)s %(key)s: %(column)s does not fit the database (limit %(limit)s)")
                    % {"table": spec.table, "key": key, "column": name, "limit": limit}
                ]
            )


def _key(spec: _Spec, values: Row) -> Key:
    if len(spec.key_fields) == 1:
        return values[spec.key_fields[0]]
    return tuple(values[k] for k in spec.key_fields)


def _existing(spec: _Spec, keys: Sequence[Key]) -> dict[Key, tuple[Any, Row]]:
    """Database rows for these natural keys: key → (pk, compared field values)."""
    model = spec.model
    qs = model._default_manager.all()
    if len(spec.key_fields) == 1:
        qs = qs.filter(**{f"{spec.key_fields[0]}__in": list(keys)})
    else:
        # Assignments: fetch by customer, then match (customer, valid_from) in Python.
        qs = qs.filter(customer_id__in=list({k[0] for k in keys}))
    wanted = set(keys)
    out: dict[Key, tuple[Any, Row]] = {}
    kept = (spec.kept_when,) if spec.kept_when else ()
    names = ("pk", *spec.key_fields, *spec.fields, *kept)
    # A plain query, not .iterator(): a chunk's rows fit in memory, and on PostgreSQL a
    # server-side cursor per chunk costs more than the rows.
    for rec in qs.values(*dict.fromkeys(names)):
        key = _key(spec, rec)
        if key in wanted:
            out[key] = (rec["pk"], {f: rec[f] for f in (*spec.fields, *kept)})
    return out


def _all_keys(spec: _Spec) -> set[Key]:
    return {
        _key(spec, rec)
        for rec in spec.model._default_manager.values(*spec.key_fields).iterator(chunk_size=5000)
    }


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _converter(field: models.Field[Any, Any], conn: BaseDatabaseWrapper) -> Converter | None:
    """How a value of `field` goes to the database driver; None: as it is.

    Text, booleans and integers from the engine are already what the ORM would send; a
    date goes through the backend's own adapter; anything else through the field.
    """
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.CharField | models.BooleanField | models.IntegerField):
        return None
    if type(target) is models.DateField:
        return conn.ops.adapt_datefield_value
    return functools.partial(field.get_db_prep_save, connection=conn)


class _Writer:
    """Plain parameterised INSERT / UPDATE statements run with `executemany`.

    The ORM's bulk_create spends most of its time compiling SQL per row (a medium lake
    has 200,000 customers); values are adapted as the ORM would adapt them.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.conn = connections[DEFAULT_DB_ALIAS]
        fields = {f.attname: f for f in model._meta.concrete_fields}
        quote = self.conn.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = {n: quote(f.column or n) for n, f in fields.items()}
        self.convert = {n: _converter(f, self.conn) for n, f in fields.items()}
        pk = model._meta.pk
        if pk is None:  # pragma: no cover - every concrete model has one
            raise TypeError(f"{model.__name__} has no primary key")
        self.pk = pk.attname

    def _params(self, names: Sequence[str], rows: Iterable[Row]) -> list[list[Any]]:
        plan = [(n, self.convert[n]) for n in names]
        return [[r[n] if c is None else c(r[n]) for n, c in plan] for r in rows]

    def insert(self, names: Sequence[str], rows: Sequence[Row]) -> None:
        columns = ", ".join(self.columns[n] for n in names)
        marks = ", ".join(["%s"] * len(names))
        with self.conn.cursor() as cursor:
            if self.conn.vendor == "postgresql":
                # COPY is several times faster than executemany on PostgreSQL.
                copy_sql = f"COPY {self.table} ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for params in self._params(names, rows):
                        copy.write_row(params)
                return
            sql = f"INSERT INTO {self.table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
            cursor.executemany(sql, self._params(names, rows))

    def update(self, names: Sequence[str], rows: Sequence[tuple[Any, Row]]) -> None:
        """Set `names` on each (pk, values); other columns (e.g. Staff.user) stay as they are."""
        sets = ", ".join(f"{self.columns[n]} = %s" for n in names)
        sql = f"UPDATE {self.table} SET {sets} WHERE {self.columns[self.pk]} = %s"  # noqa: S608
        params = self._params([*names, self.pk], ({**v, self.pk: pk} for pk, v in rows))
        with self.conn.cursor() as cursor:
            cursor.executemany(sql, params)


def _upsert(
    *, spec: _Spec, batches: Iterable[list[Row]], actor: Actor
) -> tuple[TableCounts, set[Key]]:
    """Create new rows, update changed ones (auditing before/after of what changed) and
    leave equal ones untouched, so a re-import of the same lake writes nothing."""
    counts = TableCounts()
    seen: set[Key] = set()
    limits = _limits(spec.model)
    writer = _Writer(spec.model)
    insert_names = (*dict.fromkeys((*spec.key_fields, *spec.fields)),)
    for batch in batches:
        for chunk in _chunks(batch, CHUNK):
            values_list = [spec.to_values(row) for row in chunk]
            keys = [_key(spec, v) for v in values_list]
            existing = _existing(spec, keys)
            to_create: list[Row] = []
            # Grouped by the set of changed columns: one statement shape per group.
            to_update: dict[tuple[str, ...], list[tuple[Any, Row]]] = {}
            for key, values in zip(keys, values_list, strict=True):
                if key in seen:
                    # The engine rejects every copy of a duplicated key; this is a guard.
                    raise LakeImportError(
                        [
                            _("%(table)s: key %(key)s appears twice")
                            % {"table": spec.table, "key": key}
                        ]
                    )
                seen.add(key)
                _check_fits(spec, limits, values)
                old = existing.get(key)
                if old is None:
                    to_create.append(values)
                    continue
                pk, before = old
                if spec.kept_when and before[spec.kept_when] is not None:
                    # Edited in the app by the customer's RM: the app's text stands.
                    values = {**values, **{f: before[f] for f in spec.app_kept}}
                diff = tuple(f for f in spec.fields if before[f] != values[f])
                if not diff:
                    counts.unchanged += 1
                    continue
                to_update.setdefault(diff, []).append((pk, values))
                audit_record(
                    actor=actor,
                    verb=CHANGE_VERB,
                    object_type=spec.object_type,
                    object_id="/".join(str(values[k]) for k in spec.key_fields),
                    before={f: before[f] for f in diff},
                    after={f: values[f] for f in diff},
                )
            try:
                if to_create:
                    writer.insert(insert_names, to_create)
                    counts.created += len(to_create)
                for diff, rows in to_update.items():
                    writer.update(diff, rows)
                    counts.updated += len(rows)
            except DatabaseError as exc:
                # Reported without the rows: the driver's message may quote them whole.
                raise LakeImportError(
                    [
                        _(
                            "%(table)s: the database refused a batch of %(count)s rows "
                            "(keys %(first)s to %(last)s): %(error)s"
                        )
                        % {
                            "table": spec.table,
                            "count": len(chunk),
                            "first": keys[0],
                            "last": keys[-1],
                            "error": _safe_error(exc),
                        }
                    ]
                ) from None
    return counts, seen


def _org_batches(lake_dir: Path, *, today: dt.date, time_zone: str) -> list[list[Row]]:
    """All valid org units with their materialised paths (the tree is small)."""
    rows = [
        r
        for batch in iter_valid_rows(lake_dir, "org_units", today=today, time_zone=time_zone)
        for r in batch
    ]
    parent = {r["unit_id"]: r["parent_id"] for r in rows}
    paths: dict[str, str] = {}

    def path_of(unit_id: str) -> str:
        chain: list[str] = []
        node: str | None = unit_id
        while node is not None and node not in paths:
            if node in chain or len(chain) > len(parent):
                raise LakeImportError(
                    [_("org_units: %(unit)s is part of a cycle") % {"unit": unit_id}]
                )
            chain.append(node)
            node = parent.get(node)
        base = paths[node] if node is not None else None
        for n in reversed(chain):
            base = paths[n] = unit_path(base, n)
        return paths[unit_id]

    out = []
    for row in rows:
        out.append({**row, "_path": path_of(row["unit_id"])})
    return [out]


def _with_paths(row: Row) -> Row:
    values = _org_values(row)
    values["path"] = row["_path"]
    return values


def _load_dimensions(
    *, lake_dir: Path, today: dt.date, actor: Actor, stale: list[dict[str, Any]]
) -> dict[str, TableCounts]:
    time_zone = settings.TIME_ZONE
    result: dict[str, TableCounts] = {}
    for name in LOAD_ORDER:
        spec = SPECS[name]
        before_keys = _all_keys(spec)
        batches: Iterable[list[Row]]
        if name == "org_units":
            spec = _Spec(
                spec.table, spec.model, spec.object_type, spec.key_fields, spec.fields, _with_paths
            )
            batches = _org_batches(lake_dir, today=today, time_zone=time_zone)
        else:
            batches = iter_valid_rows(lake_dir, name, today=today, time_zone=time_zone)
        began = time.perf_counter()
        counts, seen = _upsert(spec=spec, batches=batches, actor=actor)
        logger.info("%s: %s in %.1f s", name, counts, time.perf_counter() - began)
        gone = before_keys - seen
        counts.absent = len(gone)
        if name == "assignments" and gone:
            stale.extend(_stale_assignments(gone))
        result[name] = counts
    return result


def _stale_assignments(keys: set[Key]) -> list[dict[str, Any]]:
    """The first STALE_LISTED assignments the lake no longer has, in key order."""
    listed = sorted(keys)[:STALE_LISTED]
    customers = {k[0] for k in listed}
    found = {
        (a.customer_id, a.valid_from): a
        for a in Assignment.objects.filter(customer_id__in=customers)
    }
    out = []
    for key in listed:
        a = found[key]
        out.append(
            {
                "id": a.pk,
                "customer_id": a.customer_id,
                "staff_id": a.staff_id,
                "valid_from": a.valid_from.isoformat(),
                "valid_to": a.valid_to.isoformat() if a.valid_to else None,
            }
        )
    return out


def _register_facts(
    *, lake_dir: Path, validation: LakeValidation, run: LakeImport, failed_tables: set[str]
) -> dict[str, dict[str, Any]]:
    """Record each readable fact table's files and digest; the rows stay in the lake."""
    out: dict[str, dict[str, Any]] = {}
    for name in contract.FACT_TABLES:
        summary = validation.summaries.get(name)
        if summary is None or name in failed_tables:
            continue
        found = find_table_files(lake_dir, name)
        if found.missing and contract.table(name).optional:
            out[name] = {"registration": "absent"}  # an optional table the lake lacks
            continue
        files = [str(p) for p in found.files]
        digest = table_digest(lake_dir, name)
        values = {
            "files": files,
            "digest": digest,
            "rows": summary.rows,
            "rejected": summary.rejected,
        }
        reg = RegisteredTable.objects.filter(lake_path=str(lake_dir), table=name).first()
        if reg is None:
            RegisteredTable.objects.create(
                lake_path=str(lake_dir), table=name, lake_import=run, **values
            )
            state = "registered"
        elif any(getattr(reg, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(reg, k, v)
            reg.lake_import = run
            reg.save()
            state = "updated"
        else:
            state = "unchanged"
        out[name] = {"digest": digest, "files": len(files), "registration": state}
    return out


def _refusal_text(r: Refusal) -> str:
    """A refusal in the reader's language, naming the table and the share."""
    match r.why:
        case Why.UNUSABLE:
            return _("%(table)s: the table cannot be used (%(problem)s)") % {
                "table": r.table,
                "problem": r.problem,
            }
        case Why.EMPTY if r.read:
            return _("%(table)s: all %(rows)s rows were rejected (100 %%)") % {
                "table": r.table,
                "rows": f"{r.read:,}",
            }
        case Why.EMPTY:
            return _("%(table)s: the table has no rows") % {"table": r.table}
        case Why.OVER_THRESHOLD:
            return _(
                "%(table)s: %(rejected)s of %(rows)s rows rejected (%(share)s), more than "
                "the %(limit)s the lake policy allows"
            ) % {
                "table": r.table,
                "rejected": f"{r.rejected:,}",
                "rows": f"{r.read:,}",
                "share": percent(r.share),
                "limit": percent(r.limit),
            }


def acceptance_in_force() -> AcceptancePolicy:
    """The lake policy in force: the active stored version, else the shipped default.

    Read without recording the default as a version, so a refused import changes
    nothing in the database but its own record."""
    from rmperf.policies.kinds import PolicyKind
    from rmperf.policies.models import PolicyStatus, PolicyVersion
    from rmperf.policies.selectors import policy_loaded

    version = PolicyVersion.objects.filter(kind=PolicyKind.LAKE, status=PolicyStatus.ACTIVE).first()
    if version is None:
        return load_acceptance_policy().policy
    policy: AcceptancePolicy = policy_loaded(version).policy
    return policy


def _table_report(validation: LakeValidation, lake_dir: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for t in contract.TABLES:
        summary = validation.summaries.get(t.name)
        if summary is None:
            continue
        entry: dict[str, Any] = {
            "rows": summary.rows,
            "rejected": summary.rejected,
            "reasons": dict(summary.reasons),
        }
        if summary.rejected:
            entry["rejects_file"] = str(lake_dir / REJECTS_DIR / f"{t.name}.csv")
        out[t.name] = entry
    return out


def _actor_fields(actor: Actor) -> dict[str, Any]:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    label = user.get_username() if user is not None else (str(actor) if actor else "system")
    return {"actor_id": user.pk if user is not None else None, "actor_label": label}


def _run_audit(*, actor: Actor, run: LakeImport) -> None:
    audit_record(
        actor=actor,
        verb=RUN_VERB,
        object_type="lake_import",
        object_id=str(run.pk),
        after={
            "lake": run.lake_path,
            "status": run.status,
            "today": run.today,
            "total_rows": run.total_rows,
            "rejected": run.rejected,
            "tables": {
                n: {k: v for k, v in e.items() if k not in ("reasons", "rejects_file")}
                for n, e in run.tables.items()
            },
            "problems": run.problems,
            "stale_assignments": run.tables.get("assignments", {}).get("absent", 0),
        },
    )


def _record_unlanded(
    *,
    status: ImportStatus,
    actor: Actor,
    lake_dir: Path,
    today: dt.date,
    started_at: dt.datetime,
    problems: list[str],
    tables: dict[str, dict[str, Any]],
    validation: LakeValidation | None,
) -> LakeImport:
    """The record of an import that loaded nothing (refused or failed), with its audit."""
    with transaction.atomic(durable=True):
        run = LakeImport.objects.create(
            lake_path=str(lake_dir),
            started_at=started_at,
            finished_at=timezone.now(),
            status=status,
            today=today,
            total_rows=validation.total_rows if validation else 0,
            rejected=validation.total_rejected if validation else 0,
            tables=tables,
            problems=problems,
            notes=list(validation.notes) if validation else [],
            **_actor_fields(actor),
        )
        _run_audit(actor=actor, run=run)
    return run


#: The models an import rewrites, whose planner statistics must follow the delivery.
_LOADED_MODELS: tuple[type[models.Model], ...] = (OrgUnit, Staff, Customer, Product, Assignment)


def _refresh_statistics() -> None:
    """ANALYZE the loaded tables on PostgreSQL after a landed import: the planner's row
    estimates otherwise stay those of the empty tables until autovacuum comes round
    (seen: 23,384 customers estimated for 200,000, and a branch's customer count chose a
    plan 5× slower). SQLite plans without such statistics; nothing to do there."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in _LOADED_MODELS:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def lake_import(
    *,
    actor: Actor,
    lake_dir: Path,
    today: dt.date | None = None,
    acceptance: AcceptancePolicy | None = None,
) -> LakeImport:
    """Validate every table of a lake, upsert its dimension tables and register its fact
    tables, all in one transaction; bad rows go to the rejects files, never into the app.

    The delivery is all or nothing (docs/data-format.md "Accepting a delivery"): when a
    table is missing, unreadable, empty or loses more than the lake policy's share of its
    rows (`acceptance`, default: the policy in force), the import is refused, loads
    nothing and never becomes the current lake. Any error while loading fails the import
    the same way (no partial import).
    """
    lake_dir = Path(lake_dir).resolve()
    today = today or timezone.localdate()
    started_at = timezone.now()
    validation: LakeValidation | None = None
    status = ImportStatus.FAILED
    try:
        began = time.perf_counter()
        validation = validate_lake(
            lake_dir, today=today, write_rejects=True, time_zone=settings.TIME_ZONE
        )
        logger.info("validated %s in %.1f s", lake_dir, time.perf_counter() - began)
        tables = _table_report(validation, lake_dir)
        policy = acceptance if acceptance is not None else acceptance_in_force()
        refused = acceptance_refusals(validation.counts().values(), policy=policy)
        if refused:
            status = ImportStatus.REFUSED
            raise LakeImportError(
                [
                    _(
                        "the delivery was refused and nothing was loaded; the lake imported "
                        "before stays in use"
                    )
                ]
                + [_refusal_text(r) for r in refused]
            )
        with transaction.atomic(durable=True):
            stale: list[dict[str, Any]] = []
            counts = _load_dimensions(lake_dir=lake_dir, today=today, actor=actor, stale=stale)
            for name, c in counts.items():
                tables[name].update(
                    created=c.created, updated=c.updated, unchanged=c.unchanged, absent=c.absent
                )
            has_rejects = validation.total_rejected > 0 or bool(validation.problems)
            run = LakeImport.objects.create(
                lake_path=str(lake_dir),
                started_at=started_at,
                finished_at=started_at,  # set below, once the facts are registered
                status=(
                    ImportStatus.SUCCEEDED_WITH_REJECTS if has_rejects else ImportStatus.SUCCEEDED
                ),
                today=today,
                total_rows=validation.total_rows,
                rejected=validation.total_rejected,
                tables=tables,
                problems=list(validation.problems),
                notes=list(validation.notes),
                stale_assignments=stale,
                **_actor_fields(actor),
            )
            registered = _register_facts(
                lake_dir=lake_dir,
                validation=validation,
                run=run,
                failed_tables=set(validation.unusable),
            )
            for name, info in registered.items():
                tables[name].update(info)
            run.tables = tables
            run.finished_at = timezone.now()
            run.save(update_fields=["tables", "finished_at"])
            _run_audit(actor=actor, run=run)
        _refresh_statistics()
        return run
    except LakeImportError as exc:
        problems = exc.problems
        if status is ImportStatus.REFUSED and validation is not None:
            problems += list(validation.problems)
    except UnsafeLakeError as exc:  # a link at _rejects/: refused before anything is read
        problems = [str(exc)]
    except Exception as exc:  # any failure: roll back everything, then say so on the record
        # Neither the message nor the chained errors are logged: a driver's message may
        # quote a whole row (names, id numbers). The frames say where it failed.
        frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
        logger.error(
            "lake import of %s failed: %s\n%s", lake_dir, _safe_error(exc), frames.rstrip()
        )
        problems = [
            _("the import failed and nothing was written: %(error)s")
            % {
                "error": _safe_error(exc)
                if isinstance(exc, DatabaseError)
                else f"{type(exc).__name__}: {exc}"
            }
        ]
    return _record_unlanded(
        status=status,
        actor=actor,
        lake_dir=lake_dir,
        today=today,
        started_at=started_at,
        problems=problems,
        # Validation counts only: whatever the load had counted was rolled back.
        tables=_table_report(validation, lake_dir) if validation else {},
        validation=validation,
    )
