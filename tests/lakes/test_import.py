"""`lake_import`: counts, idempotence, changes, rejects, failures, fact registration."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rmperf.core.audit import audit_verify
from rmperf.core.models import AuditEvent
from rmperf.customers.models import Assignment, Customer, Product
from rmperf.engine import contract
from rmperf.engine.acceptance import AcceptancePolicy
from rmperf.engine.lake import table_digest
from rmperf.lakes import services
from rmperf.lakes.models import ImportStatus, LakeImport, RegisteredTable
from rmperf.lakes.selectors import lake_current, lake_import_summary
from rmperf.lakes.services import lake_import
from rmperf.org.models import OrgUnit, Staff

from .conftest import TODAY, Rows

pytestmark = pytest.mark.django_db

MakeLake = Callable[[Rows], Path]
DIMENSION_MODELS = (OrgUnit, Staff, Customer, Product, Assignment)


def dump() -> dict[str, list[dict[str, Any]]]:
    """Every row of the tables an import writes (the run records aside)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for model in (*DIMENSION_MODELS, RegisteredTable):
        out[model.__name__] = list(model._default_manager.order_by("pk").values())
    return out


def run(lake: Path, **kw: Any) -> LakeImport:
    return lake_import(actor=None, lake_dir=lake, today=TODAY, **kw)


def read_rejects(lake: Path, table: str) -> list[dict[str, str]]:
    with (lake / "_rejects" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def counts(imp: LakeImport, table: str) -> tuple[int, int, int]:
    t = imp.tables[table]
    return t["created"], t["updated"], t["unchanged"]


def test_first_import_loads_every_dimension_row(base_imported: LakeImport, base_lake: Path) -> None:
    imp, lake = base_imported, base_lake

    assert imp.status == ImportStatus.SUCCEEDED, imp.problems
    assert imp.exit_status == 0
    assert imp.rejected == 0
    assert imp.lake_path == str(lake.resolve())
    assert imp.today == TODAY
    assert counts(imp, "org_units") == (5, 0, 0)
    assert counts(imp, "staff") == (7, 0, 0)
    assert counts(imp, "customers") == (8, 0, 0)
    assert counts(imp, "products") == (3, 0, 0)
    assert counts(imp, "assignments") == (9, 0, 0)
    # 5 + 7 + 8 + 3 + 9 dimension rows, 3 + 2 + 1 × 9 fact rows.
    assert imp.total_rows == 32 + 14
    assert OrgUnit.objects.count() == 5
    assert Staff.objects.count() == 7
    assert Customer.objects.count() == 8
    assert Product.objects.count() == 3
    assert Assignment.objects.count() == 9
    # One audit event for the whole run, none per created row.
    events = list(AuditEvent.objects.all())
    assert [(e.verb, e.object_type, e.object_id) for e in events] == [
        ("lake.import", "lake_import", str(imp.pk))
    ]
    assert events[0].after["tables"]["customers"]["created"] == 8
    assert audit_verify() == []


@pytest.mark.usefixtures("base_imported")
def test_values_are_mapped_to_the_models_empty_values() -> None:
    c1 = Customer.objects.get(pk="C1")
    assert (c1.kind, c1.unit_id, c1.birth_date, c1.risk_level) == (
        "retail",
        "BR1",
        dt.date(1980, 5, 1),
        "C3",
    )
    assert c1.marketing_opt_out is False
    c3 = Customer.objects.get(pk="C3")
    assert (c3.phone, c3.id_number, c3.risk_level) == ("", "", "")
    assert (c3.birth_date, c3.risk_assessed_on, c3.contact_verified_on) == (None, None, None)
    assert c3.marketing_opt_out is True
    assert Customer.objects.get(pk="C6").marketing_opt_out is False  # empty: never opted out
    s4 = Staff.objects.get(pk="S4")
    assert (s4.role, s4.rank, s4.unit_id, s4.user_id) == ("team_leader", "", "TM1", None)
    assert Staff.objects.get(pk="S1").rank == "senior"
    assert Staff.objects.get(pk="S3").business_line == "sci_tech"
    assert Staff.objects.get(pk="S1").business_line == ""  # empty: decided from the book
    p1, p2 = Product.objects.get(pk="P1"), Product.objects.get(pk="P2")
    assert (p1.term_days, p1.revenue_rate) == (None, Decimal("0.003"))
    assert (p2.term_days, p2.revenue_rate) == (180, Decimal("0.012"))
    reassigned = list(
        Assignment.objects.filter(customer_id="C1").values_list(
            "staff_id", "valid_from", "valid_to"
        )
    )
    assert reassigned == [
        ("S1", dt.date(2024, 1, 1), dt.date(2025, 6, 30)),
        ("S2", dt.date(2025, 7, 1), None),
    ]


@pytest.mark.usefixtures("base_imported")
def test_org_unit_paths_follow_the_parent_chain() -> None:
    paths = dict(OrgUnit.objects.values_list("unit_id", "path"))
    assert paths == {
        "BANK": "/BANK/",
        "RG1": "/BANK/RG1/",
        "BR1": "/BANK/RG1/BR1/",
        "TM1": "/BANK/RG1/BR1/TM1/",
        "TM2": "/BANK/RG1/BR1/TM2/",
    }
    assert OrgUnit.objects.get(pk="TM2").parent_id == "BR1"


def test_reimporting_the_same_lake_changes_nothing(
    base_imported: LakeImport, base_lake: Path
) -> None:
    first, lake = base_imported, base_lake
    before = dump()
    events_before = AuditEvent.objects.count()

    again = run(lake)

    assert again.status == ImportStatus.SUCCEEDED
    for table in ("org_units", "staff", "customers", "products", "assignments"):
        created, updated, unchanged = counts(again, table)
        assert (created, updated) == (0, 0), table
        assert unchanged == first.tables[table]["created"], table
    assert dump() == before
    # Only the run's own event; nothing per object.
    assert AuditEvent.objects.count() == events_before + 1
    assert RegisteredTable.objects.filter(lake_import=again).count() == 0
    registrations = {n: r["registration"] for n, r in again.tables.items() if "registration" in r}
    assert set(registrations) == set(contract.FACT_TABLES)
    # The optional tables are absent from this lake: reported so, never registered.
    optional = {t.name for t in contract.TABLES if t.optional}
    assert {r for n, r in registrations.items() if n not in optional} == {"unchanged"}
    assert {registrations[n] for n in optional} == {"absent"}


def test_a_changed_customer_is_the_only_update_and_is_audited(
    make_lake: MakeLake, lake_rows: Rows
) -> None:
    lake = make_lake(lake_rows)
    run(lake)
    lake_rows["customers"][2].update(
        phone="13600003333", risk_level="C2", risk_assessed_on="2026-09-01"
    )
    make_lake(lake_rows)
    events_before = AuditEvent.objects.count()

    imp = run(lake)

    assert counts(imp, "customers") == (0, 1, 7)
    for table in ("org_units", "staff", "products", "assignments"):
        assert counts(imp, table)[:2] == (0, 0), table
    c3 = Customer.objects.get(pk="C3")
    assert (c3.phone, c3.risk_level, c3.risk_assessed_on) == (
        "13600003333",
        "C2",
        dt.date(2026, 9, 1),
    )
    assert c3.name == "黄三"
    new = list(AuditEvent.objects.order_by("seq")[events_before:])
    assert [(e.verb, e.object_type, e.object_id) for e in new] == [
        ("lake.import.update", "customer", "C3"),
        ("lake.import", "lake_import", str(imp.pk)),
    ]
    assert new[0].before == {"phone": "", "risk_level": "", "risk_assessed_on": None}
    assert new[0].after == {
        "phone": "13600003333",
        "risk_level": "C2",
        "risk_assessed_on": "2026-09-01",
    }
    assert audit_verify() == []


def test_moving_a_team_rewrites_its_path(make_lake: MakeLake, lake_rows: Rows) -> None:
    lake = make_lake(lake_rows)
    run(lake)
    lake_rows["org_units"].append(
        {"unit_id": "BR2", "name": "钱江支行", "kind": "branch", "parent_id": "RG1"}
    )
    lake_rows["org_units"][4]["parent_id"] = "BR2"
    make_lake(lake_rows)

    imp = run(lake)

    assert counts(imp, "org_units") == (1, 1, 4)
    assert OrgUnit.objects.get(pk="TM2").path == "/BANK/RG1/BR2/TM2/"
    event = AuditEvent.objects.get(verb="lake.import.update")
    assert event.before == {"parent_id": "BR1", "path": "/BANK/RG1/BR1/TM2/"}
    assert event.after == {"parent_id": "BR2", "path": "/BANK/RG1/BR2/TM2/"}


def test_an_assignment_gone_from_the_lake_is_kept_and_reported(
    make_lake: MakeLake, lake_rows: Rows
) -> None:
    lake = make_lake(lake_rows)
    run(lake)
    gone = Assignment.objects.get(customer_id="C7")
    del lake_rows["assignments"][7]  # C7 → S3
    make_lake(lake_rows)

    imp = run(lake)

    assert imp.tables["assignments"]["absent"] == 1
    assert counts(imp, "assignments") == (0, 0, 8)
    assert imp.stale_assignments == [
        {
            "id": gone.pk,
            "customer_id": "C7",
            "staff_id": "S3",
            "valid_from": "2024-01-01",
            "valid_to": None,
        }
    ]
    assert Assignment.objects.filter(pk=gone.pk).exists()
    assert "1 assignments in the database are no longer in the lake" in lake_import_summary(
        lake_import=imp
    )


def test_broken_rows_are_rejected_with_column_and_reason(
    make_lake: MakeLake, lake_rows: Rows
) -> None:
    customer = dict(lake_rows["customers"][5])
    lake_rows["customers"] += [
        {**customer, "customer_id": "C9", "kind": "vip"},  # bad enum
        {**customer, "customer_id": "C10"},  # duplicate id: both copies go
        {**customer, "customer_id": "C10", "name": "重复"},
    ]
    lake_rows["staff"].append(
        {
            "staff_id": "S8",
            "name": "错日期",
            "role": "teller",
            "rank": "",
            "unit_id": "BR1",
            "hired_on": "2020-13-45",
        }  # malformed date
    )
    lake_rows["assignments"] += [
        {
            "customer_id": "C2",
            "staff_id": "S99",
            "valid_from": "2026-01-01",
            "valid_to": "",
        },  # unknown RM
        {
            "customer_id": "C9",
            "staff_id": "S1",
            "valid_from": "2026-01-01",
            "valid_to": "",
        },  # its customer was rejected
    ]
    lake_rows["transactions"].append(
        {
            "txn_id": "T4",
            "customer_id": "C1",
            "ts": "2026-09-04T10:00:00+08:00",
            "amount": "-5.00",
            "direction": "debit",
            "channel": "atm",
            "product_id": "",
        }
    )
    lake = make_lake(lake_rows)

    # A quarter of the transactions is far above the default 1 %: loosened here.
    imp = run(lake, acceptance=AcceptancePolicy(max_reject_share=Decimal("0.5")))

    assert imp.status == ImportStatus.SUCCEEDED_WITH_REJECTS
    assert imp.exit_status == 1
    assert imp.rejected == 3 + 1 + 2 + 1
    assert imp.tables["customers"]["rejected"] == 3
    assert imp.tables["staff"]["rejected"] == 1
    assert imp.tables["assignments"]["rejected"] == 2
    assert imp.tables["transactions"]["rejected"] == 1
    assert counts(imp, "customers") == (8, 0, 0)
    assert counts(imp, "staff") == (7, 0, 0)
    assert counts(imp, "assignments") == (9, 0, 0)
    assert not Customer.objects.filter(pk__in=["C9", "C10"]).exists()
    assert not Staff.objects.filter(pk="S8").exists()
    assert not Assignment.objects.filter(valid_from=dt.date(2026, 1, 1)).exists()
    assert imp.tables["customers"]["rejects_file"] == str(
        lake.resolve() / "_rejects" / "customers.csv"
    )

    rejected_customers = {
        (r["customer_id"], r["reject_column"]) for r in read_rejects(lake, "customers")
    }
    assert rejected_customers == {("C9", "kind"), ("C10", "customer_id")}
    assert len(read_rejects(lake, "customers")) == 3
    assert all(r["reject_reason"] for r in read_rejects(lake, "customers"))
    assert [
        (r["staff_id"], r["reject_column"], r["hired_on"]) for r in read_rejects(lake, "staff")
    ] == [("S8", "hired_on", "2020-13-45")]
    assert {(r["staff_id"], r["reject_column"]) for r in read_rejects(lake, "assignments")} == {
        ("S99", "staff_id"),
        ("S1", "customer_id"),
    }
    [txn] = read_rejects(lake, "transactions")
    assert (txn["txn_id"], txn["reject_column"], txn["amount"]) == (
        "T4",
        "amount",
        "'-5.00",
    )  # formula-safe
    # The fact table is registered with its counts, rejects and all.
    reg = RegisteredTable.objects.get(table="transactions")
    assert (reg.rows, reg.rejected) == (4, 1)
    summary = lake_import_summary(lake_import=imp)
    assert str(lake.resolve() / "_rejects" / "customers.csv") in summary
    assert str(lake.resolve() / "_rejects" / "transactions.csv") in summary


def test_a_missing_dimension_table_is_refused_and_writes_nothing(
    make_lake: MakeLake, lake_rows: Rows
) -> None:
    del lake_rows["products"]
    lake = make_lake(lake_rows)

    imp = run(lake)

    assert imp.status == ImportStatus.REFUSED
    assert imp.exit_status == 2
    assert any(p.startswith("products: the table cannot be used") for p in imp.problems)
    for model in (*DIMENSION_MODELS, RegisteredTable):
        assert not model._default_manager.exists(), model.__name__
    assert LakeImport.objects.get() == imp
    assert list(AuditEvent.objects.values_list("verb", "after__status")) == [
        ("lake.import", "refused")
    ]
    assert lake_current() is None


def test_a_missing_column_in_a_dimension_table_is_refused(
    make_lake: MakeLake, lake_rows: Rows, tmp_path: Path
) -> None:
    lake = make_lake(lake_rows)
    (lake / "staff.csv").write_text("staff_id,name,role\nS1,王一,rm\n", encoding="utf-8")

    imp = run(lake)

    assert imp.status == ImportStatus.REFUSED
    assert any("staff" in p for p in imp.problems)
    assert not OrgUnit.objects.exists()


def test_a_failure_half_way_rolls_everything_back(
    lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = services.iter_valid_rows

    def failing(lake_dir: Path, table: str, **kw: Any) -> Any:
        if table == "staff":  # org units are loaded by now
            raise OSError("disk went away")
        return real(lake_dir, table, **kw)

    monkeypatch.setattr(services, "iter_valid_rows", failing)

    imp = run(lake)

    assert imp.status == ImportStatus.FAILED
    assert imp.problems == ["the import failed and nothing was written: OSError: disk went away"]
    # The record keeps what validation counted, not the rolled-back load's counts.
    assert imp.tables["org_units"] == {"rows": 5, "rejected": 0, "reasons": {}}
    for model in (*DIMENSION_MODELS, RegisteredTable):
        assert not model._default_manager.exists(), model.__name__
    assert list(AuditEvent.objects.values_list("verb", flat=True)) == ["lake.import"]


def test_a_failure_on_reimport_keeps_the_previous_state(
    make_lake: MakeLake, lake_rows: Rows, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = make_lake(lake_rows)
    run(lake)
    before = dump()
    lake_rows["customers"][0]["name"] = "陈一改"
    make_lake(lake_rows)

    def boom(**kw: Any) -> Any:
        raise RuntimeError("registration failed")

    monkeypatch.setattr(services, "_register_facts", boom)

    imp = run(lake)

    assert imp.status == ImportStatus.FAILED
    assert dump() == before
    assert not AuditEvent.objects.filter(verb="lake.import.update").exists()


def test_fact_tables_are_registered_not_copied(base_imported: LakeImport, base_lake: Path) -> None:
    imp, lake = base_imported, base_lake

    regs = {r.table: r for r in RegisteredTable.objects.all()}
    # The optional tables are absent from this lake (test_optional_tables.py).
    assert set(regs) == {t.name for t in contract.TABLES if t.fact and not t.optional}
    txn = regs["transactions"]
    assert txn.lake_path == str(lake.resolve())
    assert txn.files == [str(lake.resolve() / "transactions.csv")]
    assert txn.digest == table_digest(lake, "transactions")
    assert (txn.rows, txn.rejected) == (3, 0)
    assert (regs["balances"].rows, regs["trainings"].rows) == (2, 1)
    assert all(r.lake_import_id == imp.pk for r in regs.values())
    assert lake_current() == lake.resolve()


def test_a_changed_fact_file_updates_its_registration(make_lake: MakeLake, lake_rows: Rows) -> None:
    lake = make_lake(lake_rows)
    first = run(lake)
    lake_rows["transactions"].append(
        {
            "txn_id": "T9",
            "customer_id": "C3",
            "ts": "2026-09-20T10:00:00+08:00",
            "amount": "10.00",
            "direction": "credit",
            "channel": "pos",
            "product_id": "",
        }
    )
    make_lake(lake_rows)

    second = run(lake)

    txn = RegisteredTable.objects.get(table="transactions")
    assert (txn.rows, txn.lake_import_id) == (4, second.pk)
    assert txn.digest == table_digest(lake, "transactions")
    assert RegisteredTable.objects.get(table="balances").lake_import_id == first.pk
    assert second.tables["transactions"]["registration"] == "updated"


@pytest.mark.usefixtures("base_imported")
def test_lake_current_prefers_the_setting(settings: Any, tmp_path: Path) -> None:
    settings.RMPERF_LAKE_DIR = str(tmp_path / "elsewhere")
    assert lake_current() == (tmp_path / "elsewhere").resolve()


def test_summary_lists_every_table(base_imported: LakeImport, base_lake: Path) -> None:
    imp, lake = base_imported, base_lake
    text = lake_import_summary(lake_import=imp)
    for t in contract.TABLES:
        assert t.name in text
    assert str(lake.resolve()) in text


def test_an_absent_optional_column_is_a_note_not_a_problem(
    make_lake: MakeLake, lake_rows: Rows
) -> None:
    for row in lake_rows["customers"]:
        del row["marketing_opt_out"]
    lake = make_lake(lake_rows)
    columns = [c for c in contract.table("customers").column_names if c != "marketing_opt_out"]
    with (lake / "customers.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(lake_rows["customers"])

    imp = run(lake)

    assert imp.status == ImportStatus.SUCCEEDED
    assert any("marketing_opt_out" in n for n in imp.notes)
    assert not Customer.objects.filter(marketing_opt_out=True).exists()
    assert "marketing_opt_out" in lake_import_summary(lake_import=imp)


def test_a_value_too_long_for_the_database_is_rejected_on_its_own(
    make_lake: MakeLake, lake_rows: Rows
) -> None:
    lake_rows["customers"][5]["name"] = "长" * 201  # the contract and the model: 200
    lake = make_lake(lake_rows)

    # C6 takes its assignment with it: shares above the default 1 %.
    imp = run(lake, acceptance=AcceptancePolicy(max_reject_share=Decimal("0.5")))

    assert imp.status == ImportStatus.SUCCEEDED_WITH_REJECTS
    assert imp.tables["customers"]["reasons"] == {"name: longer than 200 characters": 1}
    assert read_rejects(lake, "customers")[0]["reject_reason"] == (
        "name: is 201 characters long; at most 200"
    )
    assert not Customer.objects.filter(pk="C6").exists()
    assert Customer.objects.count() == 7


def test_a_missing_fact_table_refuses_the_delivery(make_lake: MakeLake, lake_rows: Rows) -> None:
    del lake_rows["trainings"]
    lake = make_lake(lake_rows)

    imp = run(lake)

    assert imp.status == ImportStatus.REFUSED
    assert imp.exit_status == 2
    assert imp.rejected == 0
    assert any(p.startswith("trainings: the table cannot be used (no file") for p in imp.problems)
    assert not Customer.objects.exists()
    assert not RegisteredTable.objects.exists()


def test_an_empty_fact_table_is_allowed_by_the_default_policy(
    make_lake: MakeLake, lake_rows: Rows
) -> None:
    lake_rows["trainings"] = []  # header only: a bank may have no trainings yet
    lake = make_lake(lake_rows)

    imp = run(lake)

    assert imp.status == ImportStatus.SUCCEEDED
    present = [t for t in contract.TABLES if t.fact and (not t.optional or t.name in lake_rows)]
    assert RegisteredTable.objects.count() == len(present)


def test_a_customer_gone_from_the_lake_is_kept_and_counted(
    make_lake: MakeLake, lake_rows: Rows
) -> None:
    lake = make_lake(lake_rows)
    run(lake)
    lake_rows["customers"] = [c for c in lake_rows["customers"] if c["customer_id"] != "C8"]
    lake_rows["assignments"] = [a for a in lake_rows["assignments"] if a["customer_id"] != "C8"]
    make_lake(lake_rows)

    imp = run(lake)

    assert imp.tables["customers"]["absent"] == 1
    assert imp.tables["assignments"]["absent"] == 1
    assert [a["customer_id"] for a in imp.stale_assignments] == ["C8"]
    assert Customer.objects.filter(pk="C8").exists()
    text = lake_import_summary(lake_import=imp)
    assert "1 rows of customers in the database are no longer in the lake; kept" in text


def test_a_landed_import_refreshes_the_planners_statistics_on_postgresql(lake: Path) -> None:
    """After a delivery the planner knows the new row counts (ANALYZE), instead of the
    empty tables' estimates until autovacuum comes round."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no planner row estimates")
    imp = run(lake)
    assert imp.status == ImportStatus.SUCCEEDED, imp.problems
    with connection.cursor() as cursor:
        for model in DIMENSION_MODELS:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
            )
            (estimate,) = cursor.fetchone()
            assert estimate == model._default_manager.count(), model.__name__
