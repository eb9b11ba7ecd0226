"""A small hand-made lake: one bank, one region, one branch, two teams, seven staff, eight
customers (one reassigned), three products and a few rows in every fact table."""

from __future__ import annotations

import copy
import csv
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.utils import translation

from rmperf.engine import contract
from rmperf.lakes.models import LakeImport
from tests.dbsnapshot import import_lake

TODAY = dt.date(2026, 9, 30)

Rows = dict[str, list[dict[str, str]]]

BASE: Rows = {
    "org_units": [
        {"unit_id": "BANK", "name": "示范银行", "kind": "bank", "parent_id": ""},
        {"unit_id": "RG1", "name": "华东区域", "kind": "region", "parent_id": "BANK"},
        {"unit_id": "BR1", "name": "西湖支行", "kind": "branch", "parent_id": "RG1"},
        {"unit_id": "TM1", "name": "一组", "kind": "team", "parent_id": "BR1"},
        {"unit_id": "TM2", "name": "二组", "kind": "team", "parent_id": "BR1"},
    ],
    "staff": [
        {
            "staff_id": "S1",
            "name": "王一",
            "role": "rm",
            "rank": "senior",
            "unit_id": "TM1",
            "hired_on": "2018-03-01",
        },
        {
            "staff_id": "S2",
            "name": "李二",
            "role": "rm",
            "rank": "junior",
            "unit_id": "TM1",
            "hired_on": "2021-07-01",
        },
        {
            "staff_id": "S3",
            "name": "张三",
            "role": "rm",
            "rank": "intermediate",
            "unit_id": "TM2",
            "hired_on": "2019-05-01",
            "business_line": "sci_tech",
        },
        {
            "staff_id": "S4",
            "name": "赵四",
            "role": "team_leader",
            "rank": "",
            "unit_id": "TM1",
            "hired_on": "2015-01-01",
        },
        {
            "staff_id": "S5",
            "name": "钱五",
            "role": "branch_manager",
            "rank": "",
            "unit_id": "BR1",
            "hired_on": "2012-01-01",
        },
        {
            "staff_id": "S6",
            "name": "孙六",
            "role": "teller",
            "rank": "",
            "unit_id": "BR1",
            "hired_on": "2022-01-01",
        },
        {
            "staff_id": "S7",
            "name": "周七",
            "role": "hr",
            "rank": "",
            "unit_id": "BANK",
            "hired_on": "2010-01-01",
        },
    ],
    "customers": [
        {
            "customer_id": f"C{i}",
            "name": name,
            "kind": kind,
            "unit_id": "BR1",
            "birth_date": birth,
            "opened_on": opened,
            "phone": phone,
            "id_number": idn,
            "risk_level": risk,
            "risk_assessed_on": assessed,
            "contact_verified_on": verified,
            "marketing_opt_out": opt,
        }
        for i, (name, kind, birth, opened, phone, idn, risk, assessed, verified, opt) in enumerate(
            [
                (
                    "陈一",
                    "retail",
                    "1980-05-01",
                    "2010-01-01",
                    "13800001111",
                    "330101198005010011",
                    "C3",
                    "2026-01-10",
                    "2026-03-01",
                    "false",
                ),
                (
                    "林二",
                    "retail",
                    "1990-02-02",
                    "2015-06-01",
                    "13800002222",
                    "",
                    "C2",
                    "2025-12-01",
                    "",
                    "",
                ),
                ("黄三", "retail", "", "2020-03-03", "", "", "", "", "", "true"),
                (
                    "西湖贸易有限公司",
                    "corporate",
                    "",
                    "2018-08-08",
                    "0571-88880000",
                    "91330100MA2X000000",
                    "C4",
                    "2026-06-01",
                    "2026-06-01",
                    "false",
                ),
                (
                    "吴五",
                    "retail",
                    "1975-12-31",
                    "2005-05-05",
                    "13900005555",
                    "",
                    "C5",
                    "2026-02-02",
                    "",
                    "false",
                ),
                ("郑六", "retail", "2000-01-01", "2024-01-01", "", "", "", "", "", ""),
                (
                    "冯七",
                    "retail",
                    "1965-07-07",
                    "2001-01-01",
                    "13700007777",
                    "",
                    "C1",
                    "2026-05-05",
                    "2025-01-01",
                    "false",
                ),
                ("钱塘科技有限公司", "corporate", "", "2022-02-22", "", "", "", "", "", "false"),
            ],
            start=1,
        )
    ],
    "products": [
        {
            "product_id": "P1",
            "name": "活期存款",
            "category": "deposit",
            "risk_level": "R1",
            "term_days": "",
            "revenue_rate": "0.003000",
        },
        {
            "product_id": "P2",
            "name": "稳健理财180天",
            "category": "wealth",
            "risk_level": "R2",
            "term_days": "180",
            "revenue_rate": "0.012",
        },
        {
            "product_id": "P3",
            "name": "成长混合基金",
            "category": "fund",
            "risk_level": "R4",
            "term_days": "",
            "revenue_rate": "0.015",
        },
    ],
    "assignments": [
        # C1 was reassigned from S1 to S2 on 2025-07-01.
        {
            "customer_id": "C1",
            "staff_id": "S1",
            "valid_from": "2024-01-01",
            "valid_to": "2025-06-30",
        },
        {"customer_id": "C1", "staff_id": "S2", "valid_from": "2025-07-01", "valid_to": ""},
        {"customer_id": "C2", "staff_id": "S1", "valid_from": "2024-01-01", "valid_to": ""},
        {"customer_id": "C3", "staff_id": "S1", "valid_from": "2024-02-01", "valid_to": ""},
        {"customer_id": "C4", "staff_id": "S2", "valid_from": "2024-01-01", "valid_to": ""},
        {"customer_id": "C5", "staff_id": "S2", "valid_from": "2024-01-01", "valid_to": ""},
        {"customer_id": "C6", "staff_id": "S3", "valid_from": "2024-01-01", "valid_to": ""},
        {"customer_id": "C7", "staff_id": "S3", "valid_from": "2024-01-01", "valid_to": ""},
        {"customer_id": "C8", "staff_id": "S2", "valid_from": "2024-03-01", "valid_to": ""},
    ],
    "transactions": [
        {
            "txn_id": "T1",
            "customer_id": "C1",
            "ts": "2026-09-01T10:00:00+08:00",
            "amount": "1000.00",
            "direction": "credit",
            "channel": "mobile",
            "product_id": "P1",
        },
        {
            "txn_id": "T2",
            "customer_id": "C2",
            "ts": "2026-09-02T11:30:00+08:00",
            "amount": "250.50",
            "direction": "debit",
            "channel": "counter",
            "product_id": "",
        },
        {
            "txn_id": "T3",
            "customer_id": "C4",
            "ts": "2026-09-03T09:15:00",
            "amount": "88000.00",
            "direction": "credit",
            "channel": "transfer",
            "product_id": "",
        },
    ],
    "balances": [
        {
            "customer_id": "C1",
            "month": "2026-08",
            "category": "deposit",
            "avg_daily_balance": "52000.00",
            "month_end_balance": "53000.00",
        },
        {
            "customer_id": "C1",
            "month": "2026-08",
            "category": "wealth",
            "avg_daily_balance": "100000.00",
            "month_end_balance": "100000.00",
        },
    ],
    "holdings": [
        {
            "customer_id": "C1",
            "product_id": "P2",
            "amount": "100000.00",
            "start_date": "2026-04-01",
            "maturity_date": "2026-09-28",
            "staff_id": "S2",
        },
    ],
    "loans": [
        {
            "loan_id": "L1",
            "customer_id": "C4",
            "product_id": "P1",
            "staff_id": "S2",
            "amount": "500000.00",
            "disbursed_on": "2025-01-15",
            "maturity_date": "2027-01-15",
            "green": "true",
            "inclusive": "false",
        },
    ],
    "loan_status": [
        {
            "loan_id": "L1",
            "month": "2026-08",
            "balance": "400000.00",
            "overdue_days": "0",
            "grade": "normal",
        },
    ],
    "events": [
        {
            "customer_id": "C2",
            "ts": "2026-09-05T20:00:00+08:00",
            "kind": "page_view.mortgage",
            "detail": "",
        },
    ],
    "interactions": [
        {
            "customer_id": "C2",
            "staff_id": "S1",
            "ts": "2026-09-06T10:00:00+08:00",
            "channel": "phone",
            "outcome": "interested",
        },
    ],
    "referrals": [
        {
            "referral_id": "R1",
            "from_staff_id": "S6",
            "to_staff_id": "S2",
            "customer_id": "C5",
            "need": "wealth",
            "created_at": "2026-09-07T09:00:00+08:00",
            "status": "accepted",
            "responded_at": "2026-09-07T15:00:00+08:00",
            "converted_at": "",
        },
    ],
    "feedback": [
        {"staff_id": "S2", "customer_id": "C1", "date": "2026-09-10", "kind": "nps", "score": "9"},
    ],
    "requests": [
        {
            "request_id": "Q1",
            "customer_id": "C1",
            "staff_id": "S2",
            "received_at": "2026-09-11T09:00:00+08:00",
            "resolved_at": "2026-09-11T17:00:00+08:00",
        },
    ],
    "trainings": [
        {
            "staff_id": "S2",
            "date": "2026-06-01",
            "kind": "course",
            "name": "财富管理基础",
            "hours": "8",
        },
    ],
}


def write_lake(root: Path, rows: Rows) -> Path:
    """One CSV per table, in contract column order; a table missing from `rows` is absent."""
    root.mkdir(parents=True, exist_ok=True)
    for t in contract.TABLES:
        path = root / f"{t.name}.csv"
        if t.name not in rows:
            path.unlink(missing_ok=True)
            continue
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(t.column_names), extrasaction="raise")
            writer.writeheader()
            writer.writerows(rows[t.name])
    return root


@pytest.fixture
def lake_rows() -> Rows:
    """A fresh copy of the hand-made lake's rows, to be changed by a test."""
    return copy.deepcopy(BASE)


@pytest.fixture
def make_lake(tmp_path: Path) -> Callable[[Rows], Path]:
    """Writes (or rewrites) the lake at one path, so re-imports see the same lake."""

    def make(rows: Rows) -> Path:
        return write_lake(tmp_path / "lake", rows)

    return make


@pytest.fixture
def lake(make_lake: Callable[[Rows], Path], lake_rows: Rows) -> Path:
    return make_lake(lake_rows)


@pytest.fixture(scope="session")
def base_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made lake as it is, written once per process; never changed by a test."""
    return write_lake(tmp_path_factory.mktemp("base") / "lake", BASE).resolve()


@pytest.fixture
def base_imported(base_lake: Path, db: None) -> LakeImport:
    """`lake_import(actor=None, lake_dir=base_lake, today=TODAY)`: for real the first time in
    a process, its rows replayed after that (tests/dbsnapshot.py). For the tests that only
    read what the import of the unchanged lake wrote (or import again on top of it)."""
    return import_lake(base_lake, today=TODAY)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in English (the msgids), whatever the default language."""
    with translation.override("en"):
        yield
