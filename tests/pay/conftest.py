"""A small bank for the pay app: the performance app's hand-built lake (tests/performance/
conftest.py: RM1, RM2 in team TM1 of BR1 with team leader TL1 and branch manager BM1; RM3
in TM2 of BR2 with BM2; HR1 at the bank) with loans added, imported through the real
importer. Its 2026Q3 ratings, scored by the performance app on the test card, are RM1
outstanding (100.00), RM2 competent (60.00), RM3 not competent (21.00).

Loans (the only quarter with loans is 2026Q3, so it is the only quarter pay needs rated):

- RM1 (junior, hired 2020): L1 8,000,000.00 on 2026-07-10 and L2 5,000,000.00 on
  2026-08-20, both graded normal at 2026-09.
- RM2 (senior, hired 2018, left 2026-09-30): L4 100,000.00 on 2026-07-15, graded
  substandard at 2026-09; L3 2,000,000.00 on 2026-09-01, normal.
- RM3: no loan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from rmperf.org.models import Staff
from tests.dbsnapshot import import_lake
from tests.performance.conftest import (
    CARD,
    IMPORT_DAY,
    PEOPLE,
    _activate_test_card,
    build_lake,
)

QUARTER = "2026Q3"


def build_pay_lake() -> Any:
    b = build_lake()
    for row in b.tables["staff"]:
        row.setdefault("left_on", "")
        row.setdefault("material_risk", "false")
        if row["staff_id"] == "RM2":
            row["left_on"] = "2026-09-30"
    b.add(
        "products",
        {"product_id": "LN", "name": "经营贷", "category": "business_loan", "risk_level": "R2",
         "term_days": "365", "revenue_rate": "0.040000"},
    )  # fmt: skip
    b.loan("L1", "C1", "LN", "8000000.00", "2026-07-10", "2027-07-10", staff_id="RM1")
    b.loan("L2", "C1", "LN", "5000000.00", "2026-08-20", "2027-08-20", staff_id="RM1")
    b.loan("L4", "C2", "LN", "100000.00", "2026-07-15", "2027-07-15", staff_id="RM2")
    b.loan("L3", "C2", "LN", "2000000.00", "2026-09-01", "2027-09-01", staff_id="RM2")
    b.loan_status("L1", "2026-09", "8000000.00")
    b.loan_status("L2", "2026-09", "5000000.00")
    b.loan_status("L4", "2026-09", "100000.00", grade="substandard", overdue="95")
    b.loan_status("L3", "2026-09", "2000000.00")
    return b


@pytest.fixture(scope="session")
def pay_paths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("pay")
    lake = build_pay_lake().write(root / "lake")
    card = root / "cards"
    card.mkdir()
    (card / "test_retail.yaml").write_text(CARD, encoding="utf-8")
    return lake, card


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _test_card(monkeypatch: pytest.MonkeyPatch, pay_paths: tuple[Path, Path]) -> None:
    """The shipped cards are swapped for the test card (as tests/performance does)."""
    from rmperf.performance import selectors

    real_load = selectors.load_scorecards
    _lake, card_dir = pay_paths

    def load_scorecards(path: Any = None, **kw: Any) -> Any:
        return real_load(path if path is not None else card_dir, **kw)

    monkeypatch.setattr(selectors, "load_scorecards", load_scorecards)


@dataclass(frozen=True)
class PayBank:
    path: Path
    users: dict[str, User]

    def client(self, who: str, language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(self.users[who])
        return client


@pytest.fixture
def pay_bank(db: None, pay_paths: tuple[Path, Path]) -> PayBank:
    """The lake imported, a login per person (PEOPLE), a superuser `root`, a second HR
    `hr2` and an auditor `au1`; the test card in force."""
    path, _card = pay_paths
    run = import_lake(path, today=IMPORT_DAY)
    assert run.status == "succeeded", (run.problems, run.tables)
    users: dict[str, User] = {}
    for username, staff_id in PEOPLE.items():
        user = User.objects.create(username=username)
        Staff.objects.filter(pk=staff_id).update(user=user)
        users[username] = user
    bank_unit = Staff.objects.get(pk="HR1").unit
    for username, staff_id, role in (("hr2", "HR2", "hr"), ("au1", "AU1", "auditor")):
        user = User.objects.create(username=username)
        Staff.objects.create(
            staff_id=staff_id, name=username, role=role, unit=bank_unit,
            hired_on=dt.date(2015, 1, 1), user=user,
        )  # fmt: skip
        users[username] = user
    users["root"] = User.objects.create(username="root", is_superuser=True, is_staff=True)
    _activate_test_card()
    return PayBank(path=path, users=users)


@pytest.fixture
def confirmed(pay_bank: PayBank) -> PayBank:
    """2026Q3 scored and its ratings confirmed (computed → calibrated), as HR would."""
    from rmperf.performance.services.calibration import period_confirm_calibration
    from rmperf.performance.services.runs import period_run

    period_run(actor=None, key=QUARTER)
    period_confirm_calibration(actor=None, key=QUARTER)
    return pay_bank
