"""A hand-built lake for the segmentation pages, imported through the real importer.

As of 2026-09-30 (import day 2026-10-01), default policy (DOMAIN §1):

- K1 (RM1): transactions 2025-01-10, 2026-09-01, 2026-09-15, 2026-09-29 → R = 1, F = 3;
  balances Jul–Sep 2026: deposit 300,000 each month, wealth 200,000 / 300,000 / 150,000
  → M = (500,000 + 600,000 + 450,000) / 3 = 516,666.67 → potential (core needs F ≥ 5).
  Holds WM1 (wealth, matures 2026-10-15) and DEP; mortgage L1 with status 2026-08
  normal and 2026-09 special_mention (15 days overdue); two interactions; one referral.
- K2 (RM1): one transaction 2026-01-01 → R = 272, F = 0, M = 0 → sleeping.
- K3 (RM2): transactions 2026-08-01, 2026-08-02; deposit 150,000 in Sep only
  → R = 59, F = 2, M = 50,000.00 → basic.
- K4 (RM1): opened 2026-06-01, nothing else → R = 121 → other; a name that a
  spreadsheet would read as a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from rmperf.org.models import Staff
from tests.dbsnapshot import import_lake
from tests.lakebuilder import LakeBuilder

AS_OF = dt.date(2026, 9, 30)
IMPORT_DAY = dt.date(2026, 10, 1)
FORMULA_NAME = '=HYPERLINK("http://x","y")'


def build_lake() -> LakeBuilder:
    b = LakeBuilder()
    b.add(
        "products",
        {"product_id": "WM1", "name": "稳健理财", "category": "wealth", "risk_level": "R2",
         "term_days": "180", "revenue_rate": "0.008000"},
        {"product_id": "LN1", "name": "个人住房贷款", "category": "mortgage", "risk_level": "R1",
         "term_days": "", "revenue_rate": "0.012000"},
    )  # fmt: skip
    b.customer("K1", phone="13912345678", opened_on="2019-03-01")
    for ts in ("2025-01-10T10:00:00+08:00", "2026-09-01T09:00:00+08:00",
               "2026-09-15T09:00:00+08:00", "2026-09-29T23:30:00+08:00"):  # fmt: skip
        b.txn("K1", ts, "1000.00")
    for month, wealth in (
        ("2026-07", "200000.00"),
        ("2026-08", "300000.00"),
        ("2026-09", "150000.00"),
    ):
        b.balance("K1", month, "deposit", "300000.00")
        b.balance("K1", month, "wealth", wealth)
    b.balance("K1", "2026-09", "loan", "890000.00")  # a liability: not in the chart
    b.add(
        "holdings",
        {"customer_id": "K1", "product_id": "WM1", "amount": "200000.00",
         "start_date": "2026-04-15", "maturity_date": "2026-10-15", "staff_id": "RM1"},
        {"customer_id": "K1", "product_id": "DEP", "amount": "300000.00",
         "start_date": "2019-03-01", "maturity_date": "", "staff_id": ""},
    )  # fmt: skip
    b.add(
        "loans",
        {"loan_id": "L1", "customer_id": "K1", "product_id": "LN1", "staff_id": "RM1",
         "amount": "1000000.00", "disbursed_on": "2024-05-01", "maturity_date": "2044-05-01",
         "green": "false", "inclusive": "false"},
    )  # fmt: skip
    b.add(
        "loan_status",
        {"loan_id": "L1", "month": "2026-08", "balance": "900000.00", "overdue_days": "0",
         "grade": "normal"},
        {"loan_id": "L1", "month": "2026-09", "balance": "890000.00", "overdue_days": "15",
         "grade": "special_mention"},
    )  # fmt: skip
    b.add(
        "interactions",
        {"customer_id": "K1", "staff_id": "RM1", "ts": "2026-09-20T10:00:00+08:00",
         "channel": "phone", "outcome": "reached"},
        {"customer_id": "K1", "staff_id": "RM1", "ts": "2026-06-01T15:00:00+08:00",
         "channel": "visit", "outcome": "appointment_made"},
    )  # fmt: skip
    b.add(
        "referrals",
        {"referral_id": "RF1", "from_staff_id": "TE1", "to_staff_id": "RM1",
         "customer_id": "K1", "need": "wealth", "created_at": "2026-08-01T09:00:00+08:00",
         "status": "converted", "responded_at": "2026-08-01T12:00:00+08:00",
         "converted_at": "2026-08-05T12:00:00+08:00"},
    )  # fmt: skip
    b.customer("K2", phone="13700001111")
    b.txn("K2", "2026-01-01T12:00:00+08:00", "50.00")
    b.customer("K3", rm="RM2", phone="13600002222")
    b.txn("K3", "2026-08-01T12:00:00+08:00", "10.00")
    b.txn("K3", "2026-08-02T12:00:00+08:00", "10.00")
    b.balance("K3", "2026-09", "deposit", "150000.00")
    b.customer("K4", name=FORMULA_NAME, opened_on="2026-06-01", phone="13500003333")
    return b


@dataclass(frozen=True)
class LakeBank:
    path: Path
    users: dict[str, User]

    def client(self, who: str) -> Client:
        client = Client()
        client.force_login(self.users[who])
        return client


@pytest.fixture(scope="session")
def lake_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lake's files, written once (tests only read them)."""
    return build_lake().write(tmp_path_factory.mktemp("segments") / "lake")


_ENGINE_RESULTS: dict[tuple[Any, ...], Any] = {}


@pytest.fixture(scope="session")
def _index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lake-cache")


@pytest.fixture(autouse=True)
def _lake_cache(settings: Any, _index_dir: Path) -> None:
    """Customer indexes go to a temporary directory (named by content, so shared)."""
    settings.RMPERF_LAKE_CACHE_DIR = _index_dir


@pytest.fixture(autouse=True)
def _engine_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's result for one (lake, date, policy) is computed once per session: the
    engine has its own golden tests; here it is the app around it that is under test."""
    from rmperf.segments import services

    real_segment, real_contacts = services.segment, services.last_contacts

    def segment(lake: Any, *, as_of: dt.date, policy: Any, **kw: Any) -> Any:
        key = ("segment", str(lake.path), as_of, policy.model_dump_json())
        if key not in _ENGINE_RESULTS:
            _ENGINE_RESULTS[key] = real_segment(lake, as_of=as_of, policy=policy, **kw)
        return _ENGINE_RESULTS[key]

    def last_contacts(lake: Any, *, as_of: dt.date) -> Any:
        key = ("contacts", str(lake.path), as_of)
        if key not in _ENGINE_RESULTS:
            _ENGINE_RESULTS[key] = real_contacts(lake, as_of=as_of)
        return _ENGINE_RESULTS[key]

    monkeypatch.setattr(services, "segment", segment)
    monkeypatch.setattr(services, "last_contacts", last_contacts)


@pytest.fixture
def lake_bank(db: None, lake_path: Path) -> LakeBank:
    """The hand-built lake imported, with logins for RM1, RM2, the team leader TL1, the
    branch manager BM1 and a superuser."""
    path = lake_path
    run = import_lake(path, today=IMPORT_DAY)
    assert run.status == "succeeded", (run.problems, run.tables)
    users: dict[str, User] = {}
    for staff_id, username in (("RM1", "rm1"), ("RM2", "rm2"), ("TL1", "tl1"), ("BM1", "bm1")):
        user = User.objects.create(username=username)
        Staff.objects.filter(pk=staff_id).update(user=user)
        users[username] = user
    users["root"] = User.objects.create(username="root", is_superuser=True, is_staff=True)
    return LakeBank(path=path, users=users)


@pytest.fixture
def lake_client(lake_bank: LakeBank) -> Callable[[str], Client]:
    return lake_bank.client
