"""File-level behaviour of validation: layouts, problems, rejects files, idempotence, reading."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rmperf.engine import contract
from rmperf.engine.lake import Lake, table_digest
from rmperf.engine.validate import iter_valid_rows, validate_lake
from tests.engine.lakes import BASE, TODAY, read_rejects, row, validate, write_csv, write_lake

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_base_lake_is_valid(tmp_path: Path) -> None:
    result = validate(write_lake(tmp_path))
    assert result.ok
    assert result.problems == [] and result.notes == []
    assert result.total_rows == sum(len(rows) for rows in BASE.values())
    assert set(result.summaries) == {t.name for t in contract.TABLES}
    assert not (tmp_path / "_rejects" / "transactions.csv").exists()
    summary = json.loads((tmp_path / "_rejects" / "summary.json").read_text())
    assert summary["total_rejected"] == 0
    assert summary["tables"]["customers"] == {"rows": 3, "rejected": 0, "reasons": {}}


def test_rejects_file_keeps_every_original_value(tmp_path: Path) -> None:
    rows = [
        row("transactions", txn_id="X1"),
        row("transactions", txn_id="X9", amount=" -5.00", channel="pigeon"),
    ]
    write_lake(tmp_path, {"transactions": rows})
    result = validate(tmp_path, tables=["transactions"])
    assert result.summaries["transactions"] == contract.ValidationSummary(
        "transactions", 2, 1, {"amount: not a number": 1, "channel: not allowed": 1}
    )
    assert not result.ok
    assert read_rejects(tmp_path, "transactions") == [
        {
            "txn_id": "X9",
            "customer_id": "C1",
            "ts": "2026-06-01T10:00:00+08:00",
            "amount": " -5.00",
            "direction": "credit",
            "channel": "pigeon",
            "product_id": "P1",
            "reject_column": "amount; channel",
            "reject_reason": "amount:  -5.00 is not a decimal number; "
            "channel: pigeon is not one of counter, atm, mobile, online, pos, transfer",
        }
    ]
    summary = json.loads((tmp_path / "_rejects" / "summary.json").read_text())
    assert summary["tables"]["transactions"]["rejected"] == 1


def test_revalidation_is_idempotent_and_stale_rejects_go(tmp_path: Path) -> None:
    bad = [row("transactions", txn_id="X9", amount="0")]
    write_lake(tmp_path, {"transactions": bad})
    validate(tmp_path)
    rejects = tmp_path / "_rejects" / "transactions.csv"
    summary = tmp_path / "_rejects" / "summary.json"
    first = (rejects.read_bytes(), summary.read_bytes())
    validate(tmp_path)
    assert (rejects.read_bytes(), summary.read_bytes()) == first

    write_lake(tmp_path)  # the bank fixed the file
    result = validate(tmp_path)
    assert result.ok
    assert not rejects.exists()
    assert json.loads(summary.read_text())["total_rejected"] == 0


def test_write_rejects_false_touches_nothing(tmp_path: Path) -> None:
    write_lake(tmp_path, {"transactions": [row("transactions", amount="0")]})
    result = validate(tmp_path, write_rejects=False)
    assert result.total_rejected == 1
    assert not (tmp_path / "_rejects").exists()


def test_missing_table_and_missing_column_are_problems(tmp_path: Path) -> None:
    write_lake(tmp_path, drop=["trainings"])
    cols = [c for c in contract.table("customers").column_names if c not in ("name", "phone")]
    write_csv(tmp_path / "customers.csv", BASE["customers"], cols)
    result = validate(tmp_path)
    assert result.problems == [
        "customers: required column name is missing (every row is rejected)",
        "trainings: no file (expected trainings.parquet, trainings.csv or trainings/)",
    ]
    assert result.notes == ["customers: optional column phone is absent (read as empty)"]
    assert not result.ok
    assert {r["reject_reason"] for r in read_rejects(tmp_path, "customers")} == {
        "name: column is missing from the file"
    }
    # every fact of those customers falls with them
    assert result.summaries["transactions"].rejected == 2
    assert result.summaries["trainings"] == contract.ValidationSummary("trainings", 0, 0)


def test_a_table_missing_underneath_rejects_what_refers_to_it(tmp_path: Path) -> None:
    write_lake(tmp_path, drop=["products"])
    result = validate(tmp_path, tables=["transactions"])
    assert result.problems == [
        "products: no file (expected products.parquet, products.csv or products/) "
        "(needed to check transactions)"
    ]
    assert {r["txn_id"]: r["reject_reason"] for r in read_rejects(tmp_path, "transactions")} == {
        "X1": "product_id: P1 not found in products (or rejected there)"
    }


def test_extra_columns_are_allowed_and_noted(tmp_path: Path) -> None:
    rows = [{**r, "note": "vip"} for r in BASE["products"]]
    rows[0]["revenue_rate"] = "2"
    write_lake(tmp_path)
    write_csv(tmp_path / "products.csv", rows, [*contract.table("products").column_names, "note"])
    result = validate(tmp_path, tables=["products"])
    assert result.problems == []
    assert result.notes == ["products: extra column note is not in the contract (ignored)"]
    assert result.summaries["products"].rejected == 1
    assert read_rejects(tmp_path, "products")[0]["note"] == "vip"


def test_unknown_files_and_underscore_entries_are_not_tables(tmp_path: Path) -> None:
    write_lake(tmp_path)
    write_csv(tmp_path / "_scratch" / "transactions.csv", [{"junk": "1"}])
    write_csv(tmp_path / "branches_old.csv", [{"junk": "1"}])
    result = validate(tmp_path)
    assert result.ok
    assert result.notes == ["branches_old.csv: not a lake table (ignored)"]


def test_unreadable_csv_is_a_problem(tmp_path: Path) -> None:
    write_lake(tmp_path)
    (tmp_path / "products.csv").write_text(
        "product_id,name,category,risk_level,term_days,revenue_rate\nP1,a,deposit,R1,,0.01,extra\n"
    )
    result = validate(tmp_path, tables=["products"])
    assert len(result.problems) == 1
    assert result.problems[0].startswith("products: unreadable file")


def test_two_sources_for_one_table_is_a_problem(tmp_path: Path) -> None:
    write_lake(tmp_path)
    pq.write_table(pa.table({"product_id": ["P1"]}), tmp_path / "products.parquet")
    result = validate(tmp_path, tables=["products"])
    assert result.problems == [
        "products: more than one source (products.parquet, products.csv); keep one"
    ]


def test_part_folders_of_csv_and_parquet(tmp_path: Path) -> None:
    write_lake(tmp_path, drop=["transactions", "customers"])
    cols = contract.table("customers").column_names
    write_csv(tmp_path / "customers" / "part-0.csv", BASE["customers"][:2], cols)
    write_csv(tmp_path / "customers" / "part-1.csv", BASE["customers"][2:], cols)
    (tmp_path / "customers" / "_SUCCESS").write_text("")
    part = {
        "txn_id": ["X1", "X2"],
        "customer_id": ["C1", "C3"],
        "ts": pa.array([datetime(2026, 6, 1, 2, tzinfo=UTC)] * 2, pa.timestamp("us", "UTC")),
        "amount": pa.array([Decimal("1.00"), Decimal("0")], pa.decimal128(18, 2)),
        "direction": ["credit", "debit"],
        "channel": ["atm", "atm"],
        "product_id": pa.array([None, None], pa.string()),
    }
    (tmp_path / "transactions" / "month=2026-06").mkdir(parents=True)
    pq.write_table(pa.table(part), tmp_path / "transactions" / "month=2026-06" / "a.parquet")
    part2 = {**part, "txn_id": ["X3", "X1"], "amount": part["amount"].take([0, 0])}
    pq.write_table(pa.table(part2), tmp_path / "transactions" / "b.parquet")
    result = validate(tmp_path)
    assert result.summaries["customers"] == contract.ValidationSummary("customers", 3, 0)
    assert {r["txn_id"]: r["reject_reason"] for r in read_rejects(tmp_path, "transactions")} == {
        "X1": "txn_id: duplicate primary key (txn_id=X1) on 2 rows",
        "X2": "amount: 0.00 is not > 0",
    }
    assert result.summaries["transactions"].rows == 4


def test_typed_parquet_columns_get_the_same_checks(tmp_path: Path) -> None:
    write_lake(tmp_path, drop=["transactions", "products", "loans"])
    n = 5
    pq.write_table(
        pa.table(
            {
                "txn_id": [f"X{i}" for i in range(n)],
                "customer_id": ["C1"] * n,
                # a wall-clock time without zone is bank time
                "ts": pa.array([datetime(2026, 6, 1, 23, 30)] * n, pa.timestamp("us")),  # noqa: DTZ001
                # more places in the file are fine while they are zeros
                "amount": pa.array(
                    [
                        Decimal("1.2300"),
                        Decimal("1.2345"),
                        Decimal("-1.0000"),
                        Decimal("5"),
                        Decimal("0.0100"),
                    ],
                    pa.decimal128(20, 4),
                ),
                "direction": ["credit"] * n,
                "channel": ["atm"] * n,
                "product_id": pa.array([None] * n, pa.string()),
            }
        ),
        tmp_path / "transactions.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "product_id": ["P1", "P2"],
                "name": ["a", "b"],
                "category": ["deposit", "fund"],
                "risk_level": ["R1", "R4"],
                "term_days": pa.array([None, 365], pa.int32()),
                "revenue_rate": pa.array([0.01, 0.02], pa.float64()),  # a float: never exact
            }
        ),
        tmp_path / "products.parquet",
    )
    loans = {k: [v] for k, v in BASE["loans"][0].items()}
    loans["green"] = pa.array([True])
    loans["inclusive"] = pa.array([1], pa.int8())
    loans["disbursed_on"] = pa.array([date(2025, 1, 15)])
    pq.write_table(pa.table(loans), tmp_path / "loans.parquet")
    result = validate(tmp_path)
    assert {r["txn_id"]: r["reject_reason"] for r in read_rejects(tmp_path, "transactions")} == {
        "X1": "amount: 1.2345 has more than 2 decimal places",
        "X2": "amount: -1.0000 is not > 0",
    }
    assert {r["product_id"]: r["reject_reason"] for r in read_rejects(tmp_path, "products")} == {
        "P1": "revenue_rate: 0.01 is a floating-point number; decimal columns need exact values",
        "P2": "revenue_rate: 0.02 is a floating-point number; decimal columns need exact values",
    }
    # booleans from Parquet bool and int columns parse; only the missing product is wrong
    assert result.summaries["loans"].reasons == {"product_id: not found in products": 1}
    got = [r for batch in iter_valid_rows(tmp_path, "transactions", today=TODAY) for r in batch]
    assert [(r["txn_id"], r["amount"], r["ts"]) for r in got] == [
        ("X0", Decimal("1.23"), datetime(2026, 6, 1, 23, 30, tzinfo=SHANGHAI)),
        ("X3", Decimal("5.00"), datetime(2026, 6, 1, 23, 30, tzinfo=SHANGHAI)),
        ("X4", Decimal("0.01"), datetime(2026, 6, 1, 23, 30, tzinfo=SHANGHAI)),
    ]


def test_iter_valid_rows_gives_exact_python_values(tmp_path: Path) -> None:
    customers = [
        row("customers", customer_id="C3", marketing_opt_out="1"),
        row("customers", customer_id="C1", marketing_opt_out="False"),
        row("customers", customer_id="C2", marketing_opt_out="", birth_date=""),
        row("customers", customer_id="C9", kind="vip"),  # rejected: never handed out
    ]
    txns = [
        row("transactions", txn_id="X2", amount="0.10", ts="2026-06-01T23:30:00Z"),
        row("transactions", txn_id="X1", amount="0.20", ts="2026-06-01 08:00:00"),
    ]
    write_lake(tmp_path, {"customers": customers, "transactions": txns})
    batches = list(iter_valid_rows(tmp_path, "customers", today=TODAY, batch_size=2))
    assert [len(b) for b in batches] == [2, 1]
    rows = [r for b in batches for r in b]
    assert [r["customer_id"] for r in rows] == ["C1", "C2", "C3"]  # by primary key
    assert rows[0] == {
        "customer_id": "C1",
        "name": "Chen Jie",
        "kind": "retail",
        "unit_id": "BR1",
        "birth_date": date(1980, 5, 1),
        "opened_on": date(2020, 1, 2),
        "phone": "+86 138 0000 0001",
        "id_number": "110101198005010011",
        "risk_level": "C3",
        "risk_assessed_on": date(2026, 1, 5),
        "contact_verified_on": date(2026, 1, 5),
        "marketing_opt_out": False,
        "sci_tech": None,
        "industry": None,
        "household": None,
        "hobbies": None,
        "preferred_contact_times": None,
    }
    assert rows[1]["birth_date"] is None and rows[1]["marketing_opt_out"] is None
    assert rows[2]["marketing_opt_out"] is True

    txn = [r for b in iter_valid_rows(tmp_path, "transactions", today=TODAY) for r in b]
    amounts = [r["amount"] for r in txn]
    assert all(isinstance(a, Decimal) for a in amounts)
    assert sum(amounts, Decimal(0)) == Decimal("0.30")
    assert txn[1]["ts"] == datetime(2026, 6, 2, 7, 30, tzinfo=SHANGHAI)
    assert txn[1]["ts"].utcoffset() == timedelta(hours=8)
    assert txn[0]["ts"] == datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


def test_iter_valid_rows_in_another_bank_time_zone(tmp_path: Path) -> None:
    txns = [row("transactions", ts="2026-06-01 08:00:00")]
    write_lake(tmp_path, {"transactions": txns})
    got = next(iter_valid_rows(tmp_path, "transactions", today=TODAY, time_zone="Europe/Paris"))
    assert got[0]["ts"] == datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    assert str(got[0]["ts"].tzinfo) == "Europe/Paris"


def test_table_digest_is_stable_and_sees_changes(tmp_path: Path) -> None:
    write_lake(tmp_path)
    first = table_digest(tmp_path, "customers")
    assert first == table_digest(tmp_path, "customers")
    assert len(first) == 64
    write_lake(tmp_path, {"customers": [row("customers", name="Chen Jie2")]})
    assert table_digest(tmp_path, "customers") != first
    (tmp_path / "trainings.csv").unlink()
    with pytest.raises(FileNotFoundError):
        table_digest(tmp_path, "trainings")


def test_lake_value(tmp_path: Path) -> None:
    lake = Lake(tmp_path, TODAY)
    assert lake.time_zone == contract.BANK_TIME_ZONE
    assert lake.files("customers").problem is not None
    with pytest.raises(ValueError, match="unknown time zone"):
        Lake(tmp_path, TODAY, "Mars/Olympus")
    with pytest.raises(KeyError, match="unknown lake table"):
        validate_lake(tmp_path, today=TODAY, tables=["branches"])


def test_lake_gives_typed_valid_rows(tmp_path: Path) -> None:
    write_lake(
        tmp_path,
        {"products": [*BASE["products"], row("products", product_id="P9", revenue_rate="1.5")]},
    )
    got = Lake(tmp_path, TODAY).valid_rows("products")
    assert got.column_names == list(contract.table("products").column_names)
    assert got.schema.field("revenue_rate").type == pa.decimal128(12, 6)
    assert got.schema.field("term_days").type == pa.int64()
    assert got.column("product_id").to_pylist() == ["P1", "P2", "P3"]
    assert got.column("revenue_rate").to_pylist()[0] == Decimal("0.010000")


def test_csv_dialect_details(tmp_path: Path) -> None:
    write_lake(tmp_path)
    header = ",".join(contract.table("products").column_names)
    body = (
        "\ufeff" + header + "\r\n"
        'P1,"Deposit, ""plus""",deposit,R1,,0.01\r\n'
        'P2,"Two\nlines",wealth,R3,"",0.02\r\n'
    )
    (tmp_path / "products.csv").write_bytes(body.encode("utf-8"))
    result = validate(tmp_path, tables=["products"])
    assert not result.problems
    # The quoted line break is read as part of one value, and text holds no control
    # characters (docs/data-format.md), so that row is rejected on its own.
    [rejected] = read_rejects(tmp_path, "products")
    assert (rejected["product_id"], rejected["name"]) == ("P2", "Two\nlines")
    assert rejected["reject_column"] == "name"
    rows = Lake(tmp_path, TODAY).valid_rows("products").to_pylist()
    assert [r["name"] for r in rows] == ['Deposit, "plus"']
    assert rows[0]["term_days"] is None
