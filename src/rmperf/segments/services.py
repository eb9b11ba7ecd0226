"""Segmentation runs: the engine's tiers and tags persisted per customer and as-of date.

`segment_run` reads the lake in use (`lake_current()`), calls the engine's `segment()`
under a stored policy version and writes one CustomerSegment per customer, in chunks,
in one transaction with its audit event. A re-run of the same (as-of, policy version)
replaces the earlier rows; other dates are kept (shared/STYLE.md convention 15).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import scope_of
from rmperf.core.run_services import run_fail, run_start, run_succeed, runs_supersede
from rmperf.customers.models import Customer
from rmperf.engine.lake import Lake
from rmperf.engine.lake_reads import customer_index_build, lake_end_date, last_contacts
from rmperf.engine.segmentation import segment
from rmperf.lakes.models import ImportStatus, LakeImport
from rmperf.lakes.selectors import lake_current
from rmperf.org.models import Staff
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.selectors import policy_active, policy_loaded
from rmperf.segments.models import CustomerSegment, SegmentRun

logger = logging.getLogger(__name__)

#: Rows written per INSERT (well under SQLite's bound-variable limit).
CHUNK = 2000
RUN_VERB = "segments.run"
#: Roles that may start a run (besides superusers and the system itself).
RUN_ROLES = frozenset({"branch_manager", "hr"})


class SegmentRunError(Exception):
    """A run that cannot start (no lake, a policy that is not in force …)."""


def segment_may_run(*, actor: Any) -> bool:
    """Branch managers, HR and superusers may start a segmentation run."""
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    return scope.superuser or scope.role in RUN_ROLES


def _lake_import(lake_dir: str) -> LakeImport | None:
    found: LakeImport | None = (
        LakeImport.objects.filter(lake_path=lake_dir)
        .exclude(status=ImportStatus.FAILED)
        .order_by("-finished_at", "-pk")
        .first()
    )
    return found


def _bank_lake(lake_dir: Any, run_import: LakeImport | None, time_zone: str) -> Lake:
    today = run_import.today if run_import is not None else timezone.localdate()
    return Lake(lake_dir, today=today, time_zone=time_zone)


def _holdings(row: dict[str, Any], columns: list[str]) -> str:
    held = sorted(c.removeprefix("holds_") for c in columns if row.get(c))
    return ";" + ";".join(held) + ";" if held else ""


def _tags(value: Any) -> str:
    if not value:
        return ""
    tags = sorted({t.strip() for t in str(value).split(";") if t.strip()})
    return ";" + ";".join(tags) + ";" if tags else ""


#: Columns written per row (CustomerSegment attnames, in this order).
COLUMNS = (
    "run_id", "policy_version_id", "as_of", "customer_id", "unit_id", "rm_id",
    "recency_days", "frequency", "monetary", "tier", "holdings", "product_count",
    "risk_level", "risk_assessment_current", "tags", "contribution", "last_contact_on",
)  # fmt: skip


def _column(table: pa.Table, name: str) -> list[Any]:
    if name in table.column_names:
        values: list[Any] = table.column(name).to_pylist()
        return values
    return [None] * table.num_rows


def _segment_rows(
    table: pa.Table,
    *,
    run: SegmentRun,
    last_contacts: dict[str, dt.date],
    customers: set[str],
    staff: set[str],
) -> Iterator[tuple[Any, ...]]:
    """One tuple per customer known to the app (COLUMNS order), read column-wise."""
    holds = [c for c in table.column_names if c.startswith("holds_")]
    held = [(c.removeprefix("holds_"), _column(table, c)) for c in sorted(holds)]
    cols = {
        n: _column(table, n)
        for n in (
            "customer_id", "unit_id", "rm_id", "recency_days", "frequency", "monetary", "tier",
            "product_count", "risk_level", "risk_assessment_current", "tags", "contribution",
        )
    }  # fmt: skip
    for i, cid in enumerate(cols["customer_id"]):
        if cid not in customers:
            continue
        rm = cols["rm_id"][i]
        categories = [cat for cat, values in held if values[i]]
        yield (
            run.pk,
            run.policy_id,
            run.as_of,
            cid,
            cols["unit_id"][i],
            rm if rm in staff else None,
            cols["recency_days"][i],
            cols["frequency"][i],
            cols["monetary"][i],
            cols["tier"][i],
            ";" + ";".join(categories) + ";" if categories else "",
            cols["product_count"][i],
            cols["risk_level"][i] or "",
            cols["risk_assessment_current"][i],
            _tags(cols["tags"][i]),
            cols["contribution"][i],
            last_contacts.get(cid),
        )


def _write_rows(rows: Iterator[tuple[Any, ...]]) -> dict[str, int]:
    """Insert the rows (COPY on PostgreSQL, executemany elsewhere; the ORM's bulk_create
    spends most of its time building SQL per row); returns the count per tier."""
    conn = connections[DEFAULT_DB_ALIAS]
    quote = conn.ops.quote_name
    meta = CustomerSegment._meta
    column_of = {f.attname: str(f.column) for f in meta.concrete_fields}
    columns = ", ".join(quote(column_of[n]) for n in COLUMNS)
    table = quote(meta.db_table)
    counts: dict[str, int] = {}
    tier_at = COLUMNS.index("tier")
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    counts[row[tier_at]] = counts.get(row[tier_at], 0) + 1
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - quoted names
            dates = {COLUMNS.index("as_of"), COLUMNS.index("last_contact_on")}
            for chunk in _chunks(rows):
                cursor.executemany(
                    sql,
                    [
                        [
                            conn.ops.adapt_datefield_value(v) if j in dates else v
                            for j, v in enumerate(r)
                        ]
                        for r in chunk
                    ],
                )
                for r in chunk:
                    counts[r[tier_at]] = counts.get(r[tier_at], 0) + 1
    return counts


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def segment_run(
    *, actor: Any, as_of: dt.date, policy_version: PolicyVersion | None = None
) -> SegmentRun:
    """Segment every customer of the lake in use at `as_of` and store the result.

    Idempotent: the same (as_of, policy version) again replaces the earlier rows, which
    are then the same. `actor` None is the system (CLI, demo, scheduled task).
    """
    if actor is not None and not segment_may_run(actor=actor):
        raise Http404
    lake_dir = lake_current()
    if lake_dir is None:
        raise SegmentRunError(_("No lake has been imported yet."))
    version = policy_version or policy_active(PolicyKind.SEGMENTATION)
    if version.kind != PolicyKind.SEGMENTATION or version.status not in (
        PolicyStatus.ACTIVE,
        PolicyStatus.APPROVED,
        PolicyStatus.RETIRED,
    ):
        raise SegmentRunError(_("Only an approved segmentation policy can be run."))
    policy = policy_loaded(version).policy
    run_import = _lake_import(str(lake_dir))
    lake = _bank_lake(lake_dir, run_import, policy.time_zone)
    began = time.perf_counter()
    try:
        table = segment(lake, as_of=as_of, policy=policy)
        contacts = last_contacts(lake, as_of=as_of)
    except Exception as exc:  # the engine could not read the lake: say so on a record
        logger.exception("segmentation at %s failed", as_of)
        problem = f"{type(exc).__name__}: {exc}"
        run_fail(
            SegmentRun, actor=actor, problem=problem, verb="segments.run.failed",
            object_type="segment_run",
            after={"as_of": as_of.isoformat(), "policy_version": version.pk, "problem": problem},
            as_of=as_of, policy=version, policy_label=version.run_label,
            lake_import=run_import, lake_path=str(lake_dir),
        )  # fmt: skip
        raise SegmentRunError(
            _("The segmentation failed and nothing was written: %(error)s")
            % {"error": f"{type(exc).__name__}: {exc}"}
        ) from exc
    computed = time.perf_counter() - began
    customers = set(Customer.objects.values_list("customer_id", flat=True))
    staff = set(Staff.objects.values_list("staff_id", flat=True))
    with transaction.atomic(durable=True):
        earlier = runs_supersede(SegmentRun.objects.filter(as_of=as_of, policy=version))
        CustomerSegment.objects.filter(run__in=earlier).delete()
        run = run_start(
            SegmentRun,
            actor=actor,
            as_of=as_of,
            policy=version,
            policy_label=version.run_label,
            lake_import=run_import,
            lake_path=str(lake_dir),
        )
        counts = _write_rows(
            _segment_rows(table, run=run, last_contacts=contacts, customers=customers, staff=staff)
        )
        written = sum(counts.values())
        run.skipped = table.num_rows - written
        run.tier_counts = counts
        run_succeed(
            run,
            actor=actor,
            row_count=written,
            update_fields=["skipped", "tier_counts"],
            verb=RUN_VERB,
            object_type="segment_run",
            object_id=str(run.run_id),
            before={"superseded": [str(r.run_id) for r in earlier]} if earlier else None,
            after={
                "as_of": as_of.isoformat(),
                "policy_version": version.pk,
                "policy_digest": version.digest,
                "lake": str(lake_dir),
                "customers": written,
                "skipped": run.skipped,
                "tiers": counts,
            },
        )
    _customer_index_ensure()
    logger.info(
        "segmented %s customers at %s in %.1f s (engine %.1f s)",
        written,
        as_of,
        time.perf_counter() - began,
        computed,
    )
    return run


def _customer_index_ensure() -> None:
    """The customer 360's index of the lake in use (built once per lake content)."""
    from rmperf.segments.lake_selectors import lake_files

    files = lake_files()
    if files is not None:
        customer_index_build(files)


def segment_run_latest(*, actor: Any = None) -> SegmentRun:
    """A run at the lake's end date: the business date of its last transaction, or the
    import's validation day when it has none (the hook `rmperf demo` calls)."""
    lake_dir = lake_current()
    if lake_dir is None:
        raise SegmentRunError(_("No lake has been imported yet."))
    version = policy_active(PolicyKind.SEGMENTATION)
    policy = policy_loaded(version).policy
    run_import = _lake_import(str(lake_dir))
    lake = _bank_lake(lake_dir, run_import, policy.time_zone)
    as_of = lake_end_date(lake) or lake.today
    return segment_run(actor=actor, as_of=as_of, policy_version=version)
