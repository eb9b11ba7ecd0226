"""The console script end to end: generate a tiny bank, break rows on purpose, validate,
import twice, and check the rejects files and exit statuses a user relies on."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from rmperf.customers.models import Customer
from rmperf.lakes.models import LakeImport

pytestmark = pytest.mark.slow

RMPERF = str(Path(sys.executable).with_name("rmperf"))


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RMPERF_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "rmperf.config.settings",
    }
    env.pop("DATABASE_URL", None)  # the embedded SQLite of RMPERF_HOME
    return subprocess.run([RMPERF, *args], capture_output=True, text=True, env=env, check=False)


def append_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    with path.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in header})


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_generate_break_validate_import_reimport(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    home = tmp_path / "home"
    gen = run(
        "generate",
        "--scale",
        "tiny",
        "--seed",
        "3",
        "--format",
        "csv",
        "--out",
        str(lake),
        "--quiet",
        home=home,
    )
    assert gen.returncode == 0, gen.stderr
    assert (lake / "customers.csv").exists()

    clean = run("validate", str(lake), "--today", "2026-11-23", home=home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert not any((lake / "_rejects").glob("*.csv"))

    with (lake / "customers.csv").open(newline="", encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    append_rows(
        lake / "customers.csv",
        [
            dict(first, customer_id="BAD-KIND", kind="vip"),  # not an allowed value
            dict(first, customer_id="BAD-DATE", opened_on="2026-02-30"),  # no such day
        ],
    )
    append_rows(
        lake / "transactions.csv",
        [
            {
                "txn_id": "TX-NEG",
                "customer_id": first["customer_id"],
                "ts": "2026-09-01T10:00:00+08:00",
                "amount": "-5.00",
                "direction": "credit",
                "channel": "mobile",
            },
            {
                "txn_id": "TX-ORPHAN",
                "customer_id": "BAD-KIND",
                "ts": "2026-09-01T10:00:00+08:00",
                "amount": "5.00",
                "direction": "credit",
                "channel": "mobile",
            },
        ],
    )

    broken = run("validate", str(lake), "--today", "2026-11-23", home=home)
    assert broken.returncode == 1
    customers = {r["customer_id"]: r for r in read_rejects(lake / "_rejects" / "customers.csv")}
    assert set(customers) == {"BAD-KIND", "BAD-DATE"}
    assert customers["BAD-KIND"]["reject_column"] == "kind"
    assert "vip" in customers["BAD-KIND"]["reject_reason"]
    assert customers["BAD-DATE"]["reject_column"] == "opened_on"
    txns = {r["txn_id"]: r for r in read_rejects(lake / "_rejects" / "transactions.csv")}
    assert set(txns) == {"TX-NEG", "TX-ORPHAN"}
    assert txns["TX-NEG"]["reject_column"] == "amount"
    assert txns["TX-ORPHAN"]["reject_column"] == "customer_id"

    # The real migration chain on SQLite, as `make demo` runs it (the PostgreSQL leg runs
    # it on PostgreSQL): nothing else in the suite applies the migrations to SQLite.
    migrated = run("migrate", "--verbosity", "0", home=home)
    assert migrated.returncode == 0, migrated.stderr
    first_import = run("import", str(lake), "--today", "2026-11-23", home=home)
    assert first_import.returncode == 1, first_import.stdout + first_import.stderr
    assert "customers" in first_import.stdout

    again = run("import", str(lake), "--today", "2026-11-23", home=home)
    assert again.returncode == 1
    # What the two imports left, read from the home's database file (no third Django start).
    customer, run_table = Customer._meta, LakeImport._meta
    db = sqlite3.connect(home / "rmperf.sqlite3")
    try:
        bad, total = db.execute(
            f"SELECT count(*) FILTER (WHERE {customer.pk.column} LIKE 'BAD-%'), count(*)"
            f" FROM {customer.db_table}"
        ).fetchone()
        (tables,) = db.execute(
            f"SELECT tables FROM {run_table.db_table} ORDER BY {run_table.pk.column} DESC LIMIT 1"
        ).fetchone()
    finally:
        db.close()
    last = json.loads(tables)["customers"]
    assert (bad, last["created"], last["updated"]) == (0, 0, 0)
    assert total > 0


def test_generate_refuses_a_bad_scale_and_dates(tmp_path: Path) -> None:
    bad_scale = run("generate", "--scale", "huge", "--out", str(tmp_path / "x"), home=tmp_path)
    assert bad_scale.returncode == 2
    assert "invalid choice: 'huge'" in bad_scale.stderr
    backwards = run(
        "generate",
        "--out",
        str(tmp_path / "y"),
        "--start",
        "2026-01-01",
        "--end",
        "2025-01-01",
        home=tmp_path,
    )
    assert backwards.returncode == 2
    assert "is before --start" in backwards.stderr


def test_validate_and_import_name_a_missing_directory(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope")
    for command in ("validate", "import"):
        result = run(command, missing, home=tmp_path)
        assert result.returncode == 2
        assert "is not a directory" in result.stderr
