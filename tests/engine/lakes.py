"""Tiny hand-built lakes for engine tests (no generator: every value is written here)."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from rmperf.engine import contract
from rmperf.engine.validate import LakeValidation, validate_lake

TODAY = date(2026, 6, 30)

Rows = Sequence[Mapping[str, str]]

#: A small bank whose every row is valid on TODAY: one bank, one region, one branch, one
#: team; an RM, a teller, a wealth manager; two customers with data and one without.
BASE: dict[str, list[dict[str, str]]] = {
    "org_units": [
        {"unit_id": "B", "name": "Bank", "kind": "bank", "parent_id": ""},
        {"unit_id": "R1", "name": "Region 1", "kind": "region", "parent_id": "B"},
        {"unit_id": "BR1", "name": "Branch 1", "kind": "branch", "parent_id": "R1"},
        {"unit_id": "T1", "name": "Team 1", "kind": "team", "parent_id": "BR1"},
    ],
    "staff": [
        {
            "staff_id": "S1",
            "name": "Wang Fang",
            "role": "rm",
            "rank": "senior",
            "unit_id": "T1",
            "hired_on": "2015-03-01",
        },
        {
            "staff_id": "S2",
            "name": "Li Na",
            "role": "teller",
            "rank": "",
            "unit_id": "BR1",
            "hired_on": "2019-07-15",
        },
        {
            "staff_id": "S3",
            "name": "Zhao Lei",
            "role": "wealth_manager",
            "rank": "",
            "unit_id": "BR1",
            "hired_on": "2021-01-04",
        },
    ],
    "customers": [
        {
            "customer_id": "C1",
            "name": "Chen Jie",
            "kind": "retail",
            "unit_id": "BR1",
            "birth_date": "1980-05-01",
            "opened_on": "2020-01-02",
            "phone": "+86 138 0000 0001",
            "id_number": "110101198005010011",
            "risk_level": "C3",
            "risk_assessed_on": "2026-01-05",
            "contact_verified_on": "2026-01-05",
            "marketing_opt_out": "false",
        },
        {
            "customer_id": "C2",
            "name": "Acme Ltd",
            "kind": "corporate",
            "unit_id": "BR1",
            "birth_date": "",
            "opened_on": "2021-03-01",
            "phone": "",
            "id_number": "",
            "risk_level": "",
            "risk_assessed_on": "",
            "contact_verified_on": "",
            "marketing_opt_out": "",
        },
        {
            "customer_id": "C3",
            "name": "Sun Yue",
            "kind": "retail",
            "unit_id": "BR1",
            "birth_date": "1990-02-03",
            "opened_on": "2024-04-01",
            "phone": "",
            "id_number": "",
            "risk_level": "",
            "risk_assessed_on": "",
            "contact_verified_on": "",
            "marketing_opt_out": "TRUE",
        },
    ],
    "assignments": [
        {"customer_id": "C1", "staff_id": "S1", "valid_from": "2020-01-02", "valid_to": ""},
        {
            "customer_id": "C2",
            "staff_id": "S1",
            "valid_from": "2021-03-01",
            "valid_to": "2099-12-31",
        },
    ],
    "products": [
        {
            "product_id": "P1",
            "name": "Current account",
            "category": "deposit",
            "risk_level": "R1",
            "term_days": "",
            "revenue_rate": "0.0100",
        },
        {
            "product_id": "P2",
            "name": "Wealth 365",
            "category": "wealth",
            "risk_level": "R3",
            "term_days": "365",
            "revenue_rate": "0.015",
        },
        {
            "product_id": "P3",
            "name": "Operating loan",
            "category": "business_loan",
            "risk_level": "R2",
            "term_days": "730",
            "revenue_rate": "0.045",
        },
    ],
    "transactions": [
        {
            "txn_id": "X1",
            "customer_id": "C1",
            "ts": "2026-06-01T10:00:00+08:00",
            "amount": "100.00",
            "direction": "credit",
            "channel": "mobile",
            "product_id": "P1",
        },
        {
            "txn_id": "X2",
            "customer_id": "C2",
            "ts": "2026-06-02 09:30:00",
            "amount": "20.5",
            "direction": "debit",
            "channel": "counter",
            "product_id": "",
        },
    ],
    "balances": [
        {
            "customer_id": "C1",
            "month": "2026-05",
            "category": "deposit",
            "avg_daily_balance": "1000.00",
            "month_end_balance": "1200.00",
        },
    ],
    "holdings": [
        {
            "customer_id": "C1",
            "product_id": "P2",
            "amount": "50000.00",
            "start_date": "2026-01-10",
            "maturity_date": "2027-01-10",
            "staff_id": "S1",
        },
    ],
    "loans": [
        {
            "loan_id": "L1",
            "customer_id": "C2",
            "product_id": "P3",
            "staff_id": "S1",
            "amount": "100000.00",
            "disbursed_on": "2025-01-15",
            "maturity_date": "2027-01-15",
            "green": "true",
            "inclusive": "0",
        },
    ],
    "loan_status": [
        {
            "loan_id": "L1",
            "month": "2026-05",
            "balance": "90000.00",
            "overdue_days": "0",
            "grade": "normal",
        },
    ],
    "events": [
        {
            "customer_id": "C1",
            "ts": "2026-06-01T10:00:00+08:00",
            "kind": "page_view.mortgage",
            "detail": "",
        },
    ],
    "interactions": [
        {
            "customer_id": "C1",
            "staff_id": "S1",
            "ts": "2026-06-02T09:00:00",
            "channel": "phone",
            "outcome": "reached",
        },
    ],
    "referrals": [
        {
            "referral_id": "F1",
            "from_staff_id": "S2",
            "to_staff_id": "S1",
            "customer_id": "C1",
            "need": "wealth",
            "created_at": "2026-06-01T10:00:00",
            "status": "converted",
            "responded_at": "2026-06-01T12:00:00",
            "converted_at": "2026-06-03T12:00:00",
        },
    ],
    "feedback": [
        {"staff_id": "S1", "customer_id": "C1", "date": "2026-06-01", "kind": "nps", "score": "9"},
    ],
    "requests": [
        {
            "request_id": "Q1",
            "customer_id": "C1",
            "staff_id": "S1",
            "received_at": "2026-06-01T10:00:00",
            "resolved_at": "2026-06-01T15:00:00",
        },
    ],
    "trainings": [
        {
            "staff_id": "S1",
            "date": "2026-03-01",
            "kind": "course",
            "name": "AML basics",
            "hours": "4.5",
        },
    ],
    "projects": [
        {"project_id": "PJ1", "name": "Supply chain", "staff_id": "S1", "joined_on": "2026-03-01"},
    ],
    "proposals": [
        {
            "proposal_id": "PR1",
            "staff_id": "S1",
            "title": "Online booking",
            "submitted_on": "2026-03-01",
            "adopted_on": "2026-03-10",
            "reviewer_id": "S2",
        },
    ],
    "unit_financials": [
        {"unit_id": "T1", "month": "2026-03", "net_profit": "-100.00", "equity": "1000.00"},
    ],
    "economic_series": [
        {"unit_id": "B", "month": "2026-03", "series": "pmi", "value": "50.8"},
    ],
}


def write_csv(path: Path, rows: Rows, columns: Sequence[str] | None = None) -> Path:
    cols = list(columns) if columns is not None else list(rows[0]) if rows else []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(cols)
        for row in rows:
            writer.writerow([row.get(c, "") for c in cols])
    return path


def write_lake(
    root: Path,
    overrides: Mapping[str, Rows] | None = None,
    *,
    drop: Sequence[str] = (),
) -> Path:
    """The base lake as CSV files, with some tables replaced or left out."""
    root.mkdir(parents=True, exist_ok=True)
    tables = {**BASE, **(overrides or {})}
    for name, rows in tables.items():
        if name in drop:
            continue
        write_csv(root / f"{name}.csv", rows, contract.table(name).column_names)
    return root


def read_rejects(root: Path, table: str) -> list[dict[str, str]]:
    path = root / "_rejects" / f"{table}.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def rejected(
    root: Path,
    table: str,
    rows: Rows,
    *,
    key: str | None = None,
    problems: Sequence[str] = (),
    **others: Rows,
) -> dict[str, str]:
    """Validate one table of the base lake with `rows` in it: {key value: reject_reason}."""
    write_lake(root, {table: rows, **others})
    result = validate_lake(root, today=TODAY, tables=[table])
    assert result.problems == list(problems)
    column = key or contract.table(table).column_names[0]
    found = {r[column]: r["reject_reason"] for r in read_rejects(root, table)}
    assert result.summaries[table].rejected == len(read_rejects(root, table))
    return found


def validate(root: Path, **kw: object) -> LakeValidation:
    return validate_lake(root, today=TODAY, **kw)  # type: ignore[arg-type]


def row(table: str, **values: str) -> dict[str, str]:
    """The first base row of `table` with some values changed."""
    return {**BASE[table][0], **values}
