"""A delivery is imported whole or not at all: the lake policy's rejected-row threshold
(issue #18, finding 1). A refused delivery loads nothing, never becomes the current lake,
and the command says which table and what share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from rmperf.cli import main
from rmperf.core.models import AuditEvent
from rmperf.customers.models import Assignment, Customer, Product
from rmperf.engine.acceptance import AcceptancePolicy
from rmperf.lakes.models import ImportStatus, LakeImport, RegisteredTable
from rmperf.lakes.selectors import lake_current
from rmperf.lakes.services import acceptance_in_force, lake_import
from rmperf.org.models import OrgUnit, Staff
from rmperf.policies.models import PolicyStatus, PolicyVersion

from .conftest import TODAY, Rows

pytestmark = pytest.mark.django_db

MakeLake = Callable[[Rows], Path]
MODELS = (OrgUnit, Staff, Customer, Product, Assignment, RegisteredTable)


def dump() -> dict[str, list[dict[str, Any]]]:
    return {m.__name__: list(m._default_manager.order_by("pk").values()) for m in MODELS}


def run(lake: Path, **kw: Any) -> LakeImport:
    return lake_import(actor=None, lake_dir=lake, today=TODAY, **kw)


def header_only(path: Path) -> None:
    """Keep a CSV file's header line and drop every row."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(first + "\n", encoding="utf-8")


@pytest.fixture
def landed(base_imported: LakeImport, base_lake: Path) -> Path:
    """A first, good delivery (the unchanged lake) that is live before each test's broken one."""
    assert base_imported.status == ImportStatus.SUCCEEDED
    assert lake_current() == base_lake
    return base_lake


def assert_refused(imp: LakeImport, *, live: Path, before: dict[str, Any]) -> None:
    assert imp.status == ImportStatus.REFUSED
    assert imp.exit_status == 2
    assert not imp.succeeded
    assert imp.problems[0].startswith("the delivery was refused and nothing was loaded")
    assert lake_current() == live
    assert dump() == before
    assert AuditEvent.objects.filter(verb="lake.import", after__status="refused").count() == 1
    assert not AuditEvent.objects.filter(verb="lake.import.update").exists()


def test_a_header_only_customers_file_is_refused_and_the_previous_lake_stays(
    landed: Path, make_lake: MakeLake, lake_rows: Rows
) -> None:
    before = dump()
    lake_rows["customers"][0]["name"] = "改了名"  # would be an update, were it loaded
    lake = make_lake(lake_rows)
    header_only(lake / "customers.csv")

    imp = run(lake)

    assert_refused(imp, live=landed, before=before)
    assert "customers: the table has no rows" in imp.problems


def test_a_missing_customers_file_is_refused_the_same_way(
    landed: Path, make_lake: MakeLake, lake_rows: Rows
) -> None:
    before = dump()
    del lake_rows["customers"]
    lake = make_lake(lake_rows)

    imp = run(lake)

    assert_refused(imp, live=landed, before=before)
    assert any(p.startswith("customers: the table cannot be used (no file") for p in imp.problems)


def test_a_zero_byte_parquet_fact_table_is_refused(
    landed: Path, make_lake: MakeLake, lake_rows: Rows
) -> None:
    before = dump()
    del lake_rows["transactions"]
    lake = make_lake(lake_rows)
    (lake / "transactions.parquet").write_bytes(b"")

    imp = run(lake)

    assert_refused(imp, live=landed, before=before)
    assert any(
        p.startswith("transactions: the table cannot be used (unreadable file")
        for p in imp.problems
    )


def test_an_unreadable_csv_fact_table_is_refused(
    landed: Path, make_lake: MakeLake, lake_rows: Rows
) -> None:
    before = dump()
    lake = make_lake(lake_rows)
    (lake / "loans.csv").write_bytes(b"loan_id,customer_id\xff\xfe\n\x00\x81,\x92\n")

    imp = run(lake)

    assert_refused(imp, live=landed, before=before)
    assert any(p.startswith("loans: the table cannot be used") for p in imp.problems)


def test_every_transaction_rejected_as_a_float_is_refused(
    landed: Path, make_lake: MakeLake, lake_rows: Rows
) -> None:
    before = dump()
    for txn in lake_rows["transactions"]:
        txn["amount"] = txn["amount"] + "001"  # 3 places: money is never a float
    lake = make_lake(lake_rows)

    imp = run(lake)

    assert_refused(imp, live=landed, before=before)
    n = len(lake_rows["transactions"])
    assert f"transactions: all {n} rows were rejected (100 %)" in imp.problems
    # The rejects are kept for whoever fixes the delivery.
    assert (lake / "_rejects" / "transactions.csv").exists()


def _with_customers(lake_rows: Rows, total: int) -> Rows:
    """The lake with `total` customers: the hand-made ones plus plain copies."""
    template = lake_rows["customers"][0]
    extra = [
        {**template, "customer_id": f"X{i:04d}"} for i in range(total - len(lake_rows["customers"]))
    ]
    lake_rows["customers"] = lake_rows["customers"] + extra
    return lake_rows


def test_the_threshold_is_more_than_one_percent_by_default(
    landed: Path, make_lake: MakeLake, lake_rows: Rows
) -> None:
    rows = _with_customers(lake_rows, 300)
    # 3 of 300 customers = 1 %: not more than the policy's 1 %, so the delivery lands.
    for c in rows["customers"][-3:]:
        c["kind"] = "vip"
    lake = make_lake(rows)

    imp = run(lake)

    assert imp.status == ImportStatus.SUCCEEDED_WITH_REJECTS
    assert imp.exit_status == 1
    assert Customer.objects.count() == 297
    assert lake_current() == lake.resolve()

    # 4 of 300 = 1.33 %: refused, and the lake just landed stays live.
    before = dump()
    rows["customers"][-4]["kind"] = "vip"
    make_lake(rows)
    imp = run(lake)
    assert_refused(imp, live=lake.resolve(), before=before)
    assert (
        "customers: 4 of 300 rows rejected (1.33 %), more than the 1 % the lake policy allows"
        in imp.problems
    )


def test_a_higher_share_from_the_policy_lets_the_delivery_land(
    make_lake: MakeLake, lake_rows: Rows
) -> None:
    lake_rows["customers"][7]["kind"] = "vip"  # C8: 1 of 8 customers, 1 of 9 assignments
    lake = make_lake(lake_rows)

    assert run(lake).status == ImportStatus.REFUSED
    imp = run(lake, acceptance=AcceptancePolicy(max_reject_share=Decimal("0.2")))

    assert imp.status == ImportStatus.SUCCEEDED_WITH_REJECTS
    assert Customer.objects.count() == 7


def test_the_active_stored_lake_policy_is_the_one_in_force(db: None) -> None:
    assert acceptance_in_force().max_reject_share == Decimal("0.01")
    PolicyVersion.objects.create(
        kind="lake",
        label="looser",
        yaml_text="max_reject_share: 0.05\nmust_have_rows: [customers]\n",
        digest="d" * 64,
        status=PolicyStatus.ACTIVE,
        created_at=timezone.now(),
    )
    policy = acceptance_in_force()
    assert policy.max_reject_share == Decimal("0.05")
    assert policy.must_have_rows == ("customers",)


def test_the_command_exits_2_naming_the_table_and_the_share(
    landed: Path, make_lake: MakeLake, lake_rows: Rows, capsys: pytest.CaptureFixture[str]
) -> None:
    for txn in lake_rows["transactions"][:1]:
        txn["amount"] = "-1.00"
    lake = make_lake(lake_rows)
    n = len(lake_rows["transactions"])

    status = main(["import", str(lake), "--today", TODAY.isoformat()])

    out = capsys.readouterr().out
    assert status == 2
    assert "Refused" in out
    assert n == 3  # so 1 rejected is 33.33 %
    assert "transactions: 1 of 3 rows rejected (33.33 %), more than the 1 % the lake" in out
    assert lake_current() == landed
    assert dt.date.fromisoformat(TODAY.isoformat()) == LakeImport.objects.latest("pk").today
