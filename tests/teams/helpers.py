"""A small bank in the database matching the hand-built lake of tests/lakebuilder.py
(BANK → RG1 → BR1 → TM1 with RM1, RM2 and team leader TL1; BM1 manages BR1), plus a
second branch BR2 with team TM2 (RM3, team leader TL2) that must see nothing of TM1."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.test import Client
from django.utils import timezone

from rmperf.customers.models import Customer
from rmperf.org.models import OrgUnit, Staff
from rmperf.performance.models import SheetStatus, TargetLine, TargetSheet
from rmperf.tasks.models import Task, TaskRun, TaskStatus
from rmperf.teams.models import Board, BoardKind, CheckIn, Training
from tests.factories import make_assignment, make_customer, make_staff, make_unit
from tests.lakebuilder import LakeBuilder


@dataclass
class Small:
    team: OrgUnit
    team2: OrgUnit
    rm1: Staff
    rm2: Staff
    rm3: Staff
    tl1: Staff
    tl2: Staff
    bm1: Staff
    hr: Staff
    auditor: Staff
    c1: Customer
    c2: Customer
    c3: Customer

    def client(self, staff: Staff) -> Client:
        c = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert staff.user is not None
        c.force_login(staff.user)
        return c


def build_small() -> Small:
    bank = make_unit(unit_id="BANK", name="示例银行", kind="bank")
    rg = make_unit(unit_id="RG1", name="浙江区域", kind="region", parent=bank)
    br1 = make_unit(unit_id="BR1", name="西湖支行", kind="branch", parent=rg)
    br2 = make_unit(unit_id="BR2", name="滨江支行", kind="branch", parent=rg)
    tm1 = make_unit(unit_id="TM1", name="西湖一组", kind="team", parent=br1)
    tm2 = make_unit(unit_id="TM2", name="滨江一组", kind="team", parent=br2)
    s = {
        "rm1": make_staff(staff_id="RM1", name="王一", role="rm", rank="junior", unit=tm1,
                          username="rm1", hired_on=dt.date(2020, 1, 1)),
        "rm2": make_staff(staff_id="RM2", name="李二", role="rm", rank="senior", unit=tm1,
                          username="rm2", hired_on=dt.date(2018, 1, 1)),
        "rm3": make_staff(staff_id="RM3", name="周三", role="rm", rank="junior", unit=tm2,
                          username="rm3"),
        "tl1": make_staff(staff_id="TL1", name="张三", role="team_leader", unit=tm1,
                          username="tl1"),
        "tl2": make_staff(staff_id="TL2", name="吴二", role="team_leader", unit=tm2,
                          username="tl2"),
        "bm1": make_staff(staff_id="BM1", name="赵四", role="branch_manager", unit=br1,
                          username="bm1"),
        "hr": make_staff(staff_id="HR1", name="孙六", role="hr", unit=bank, username="hr1"),
        "auditor": make_staff(staff_id="AU1", name="郑七", role="auditor", unit=bank,
                              username="au1"),
    }  # fmt: skip
    c1 = make_customer(customer_id="C1", name="客户C1", unit=br1)
    c2 = make_customer(customer_id="C2", name="客户C2", unit=br1)
    c3 = make_customer(customer_id="C3", name="客户C3", unit=br2)
    make_assignment(customer=c1, staff=s["rm1"], valid_from=dt.date(2020, 1, 1))
    make_assignment(customer=c2, staff=s["rm2"], valid_from=dt.date(2020, 1, 1))
    make_assignment(customer=c3, staff=s["rm3"], valid_from=dt.date(2020, 1, 1))
    return Small(team=tm1, team2=tm2, c1=c1, c2=c2, c3=c3, **s)


def make_task(*, staff: Staff, customer: Customer, kind: str, key: str,
              status: str = TaskStatus.OPEN, due: dt.date | None = None) -> Task:  # fmt: skip
    now = timezone.now()
    run = TaskRun.objects.create(
        as_of=timezone.localdate(), lake_path="/x", policy_digest="d", started_at=now,
        finished_at=now,
    )  # fmt: skip
    return Task.objects.create(
        staff=staff, customer=customer, kind=kind, source_key=key,
        due_date=due or timezone.localdate(), reason="Request open", reason_zh="诉求未办结",
        action="Answer", action_zh="答复", status=status, first_run=run,
        created_on=timezone.localdate(),
    )  # fmt: skip


def make_sheet(staff: Staff, year: int, quarter_targets: dict[str, str]) -> TargetSheet:
    """An approved sheet whose every quarter target is the figure given (annual 4×)."""
    sheet = TargetSheet.objects.create(
        staff=staff, year=year, status=SheetStatus.APPROVED,
        proposed_at=timezone.now() - dt.timedelta(days=1),
    )  # fmt: skip
    for indicator, q in quarter_targets.items():
        TargetLine.objects.create(
            sheet=sheet, indicator=indicator, annual=Decimal(q) * 4,
            q1=Decimal(q), q2=Decimal(q), q3=Decimal(q), q4=Decimal(q),
        )  # fmt: skip
    return sheet


def _txn(b: LakeBuilder, cid: str, ts: str, amount: str, direction: str, product: str = "") -> None:
    n = len(b.tables.get("transactions", []))
    b.add(
        "transactions",
        {"txn_id": f"T{n:04d}", "customer_id": cid, "ts": ts, "amount": amount,
         "direction": direction, "channel": "mobile", "product_id": product},
    )  # fmt: skip


def board_lake(path: Path) -> Path:
    """The lake of the board tests (tests/teams/test_board.py states every figure)."""
    b = LakeBuilder()
    b.customer("C1", rm="RM1")
    b.customer("C2", rm="RM2")
    b.customer("C5", rm="RM1", since="2026-09-15", opened_on="2026-09-15")
    b.customer("C6", rm="RM2", since="2026-09-03", opened_on="2026-09-03")
    _txn(b, "C1", "2026-09-02T10:00:00+08:00", "2000.00", "credit")
    _txn(b, "C1", "2026-09-15T09:00:00+08:00", "5000.00", "credit")
    _txn(b, "C1", "2026-09-15T10:00:00+08:00", "1200.50", "debit", "DEP")
    _txn(b, "C1", "2026-09-16T10:00:00+08:00", "999.00", "credit")
    _txn(b, "C2", "2026-08-31T10:00:00+08:00", "100.00", "credit")
    _txn(b, "C2", "2026-09-15T11:00:00+08:00", "300.00", "debit")
    b.balance("C1", "2026-08", "deposit", "9000.00", "10000.00")
    b.balance("C1", "2026-08", "wealth", "5000.00", "5000.00")
    b.balance("C1", "2026-07", "deposit", "11000.00", "12000.00")
    b.balance("C2", "2026-08", "fund", "700.00", "800.00")
    b.add("trainings",
          {"staff_id": "RM1", "date": "2026-03-02", "kind": "course", "name": "开户业务操作规范",
           "hours": "8.00"},
          {"staff_id": "RM2", "date": "2026-04-01", "kind": "certification", "name": "基金从业资格",
           "hours": "30.00"})  # fmt: skip
    return b.write(path)


def board_in_alices_scope(bank: object) -> Board:
    """A daily board of alice's team TA1 (tests/factories.py), for the generic suites."""
    team = bank.team_a1  # type: ignore[attr-defined]
    day = timezone.localdate()
    board, _ = Board.objects.get_or_create(
        team=team, kind=BoardKind.DAILY, day=day,
        defaults={"covers_from": day - dt.timedelta(days=1),
                  "covers_to": day - dt.timedelta(days=1), "aum_month": "2026-01"},
    )  # fmt: skip
    return board


def grow_checkins(bank: object, start: int, n: int) -> None:
    """n check-ins of tina with alice about her customers and tasks (query-count suites)."""
    alice, tina = bank.alice, bank.tina  # type: ignore[attr-defined]
    customers = (bank.c001, bank.c002)  # type: ignore[attr-defined]
    for i in range(start, start + n):
        task = make_task(staff=alice, customer=customers[i % 2], kind="birthday", key=f"g{i}")
        CheckIn.objects.create(
            staff=alice, leader=tina, day=timezone.localdate(), note=f"note {i}",
            customer=customers[i % 2], task=task, created_at=timezone.now(),
        )  # fmt: skip
        Training.objects.create(
            staff=alice, day=timezone.localdate(), kind="course", name=f"course {i}",
            hours=Decimal(2), entered_at=timezone.now(),
        )  # fmt: skip
