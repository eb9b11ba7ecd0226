"""Tier migration between two dates: matrices, sleeping shares and wake-up rates by hand.

From = 2026-03-31: F window 2026-01-01 … 03-31, M months Jan–Mar.
To   = 2026-09-30: F window 2026-07-03 … 09-30, M months Jul–Sep.
Default policy (DOMAIN §1). Every customer's two tiers are worked out beside it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from rmperf.cli import main
from rmperf.engine.lake import Lake
from rmperf.engine.segmentation import segment
from rmperf.engine.segmentation.migration import (
    GONE,
    NEW,
    MigrationReport,
    Scope,
    migration_report,
    ratio,
    segment_migration,
)
from rmperf.engine.segmentation.policy import load_segmentation_policy
from tests.lakebuilder import LakeBuilder

FROM = dt.date(2026, 3, 31)
TO = dt.date(2026, 9, 30)
TODAY = dt.date(2026, 11, 23)
POLICY = load_segmentation_policy().policy


def txns(b: LakeBuilder, cid: str, base: dt.date, *days_before: int) -> None:
    for n in days_before:
        b.txn(cid, f"{(base - dt.timedelta(days=n)).isoformat()}T10:00:00+08:00")


def months(b: LakeBuilder, cid: str, keys: tuple[str, ...], avg: str) -> None:
    for key in keys:
        b.balance(cid, key, "deposit", avg)


Q1 = ("2026-01", "2026-02", "2026-03")
Q3 = ("2026-07", "2026-08", "2026-09")


def build() -> LakeBuilder:
    b = LakeBuilder()
    b.add("org_units", {"unit_id": "BR2", "name": "断桥支行", "kind": "branch", "parent_id": "RG1"})
    # core → core: R 0, F 5, M 600,000 at both dates.
    b.customer("CORE_CORE")
    txns(b, "CORE_CORE", FROM, 0, 1, 2, 3, 4)
    txns(b, "CORE_CORE", TO, 0, 1, 2, 3, 4)
    months(b, "CORE_CORE", Q1 + Q3, "600000.00")
    # core → sleeping: last transaction 2026-03-30, 184 days before TO.
    b.customer("CORE_SLEEP")
    txns(b, "CORE_SLEEP", FROM, 1, 2, 3, 4, 5)
    months(b, "CORE_SLEEP", Q1, "600000.00")
    # sleeping → core: no transaction before FROM (R from opened_on 2020-01-01), then woken.
    b.customer("SLEEP_CORE")
    txns(b, "SLEEP_CORE", TO, 0, 1, 2, 3, 4)
    months(b, "SLEEP_CORE", Q3, "600000.00")
    # sleeping → basic (RM2): R 0, F 2, M 50,000 at TO.
    b.customer("SLEEP_BASIC", rm="RM2")
    txns(b, "SLEEP_BASIC", TO, 0, 1)
    months(b, "SLEEP_BASIC", Q3, "50000.00")
    # sleeping → other: one payment 10 days before TO (F 1 < 2): left sleeping, not woken.
    b.customer("SLEEP_OTHER")
    txns(b, "SLEEP_OTHER", TO, 10)
    # sleeping → sleeping.
    b.customer("SLEEP_SLEEP")
    # other → sleeping: one payment on 2025-12-21, R 100 at FROM and 283 at TO.
    b.customer("OTHER_SLEEP")
    txns(b, "OTHER_SLEEP", FROM, 100)
    # basic → potential, home branch BR2, RM2.
    b.customer("BASIC_POT", rm="RM2", unit_id="BR2")
    txns(b, "BASIC_POT", FROM, 0, 1)
    months(b, "BASIC_POT", Q1, "50000.00")
    txns(b, "BASIC_POT", TO, 0, 1, 2)
    months(b, "BASIC_POT", Q3, "200000.00")
    # sleeping → sleeping, RM1 until 2026-06-30 then RM2: counts for RM2 at both dates.
    b.customer("MOVED", rm="RM1", since="2020-01-01")
    b.tables["assignments"][-1]["valid_to"] = "2026-06-30"
    b.add(
        "assignments",
        {"customer_id": "MOVED", "staff_id": "RM2", "valid_from": "2026-07-01", "valid_to": ""},
    )
    # new → basic: opened after FROM.
    b.customer("NEW_BASIC", opened_on="2026-05-01", since="2026-05-01")
    txns(b, "NEW_BASIC", TO, 0, 1)
    months(b, "NEW_BASIC", Q3, "50000.00")
    # new → other, unassigned: opened 2026-09-01, no transaction, R 29.
    b.customer("NEW_OTHER", rm=None, opened_on="2026-09-01")
    # sleeping → sleeping, unassigned, home branch BR2.
    b.customer("UNASSIGNED_SLEEP", rm=None, unit_id="BR2")
    return b


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    return Lake(build().write(tmp_path_factory.mktemp("migration") / "lake"), today=TODAY)


@pytest.fixture(scope="module")
def report(lake: Lake) -> MigrationReport:
    return segment_migration(lake, date_from=FROM, date_to=TO, policy=POLICY)


def nonzero(report: MigrationReport, scope: Scope, scope_id: str | None) -> dict[str, int]:
    return {f"{f}>{t}": n for (f, t), n in report.matrix(scope, scope_id).items() if n}


def test_the_tiers_behind_the_matrix(lake: Lake) -> None:
    at_from, at_to = (
        {
            r["customer_id"]: r["tier"]
            for r in segment(lake, as_of=d, policy=POLICY, with_tags=False).to_pylist()
        }
        for d in (FROM, TO)
    )
    tiers = {cid: (at_from.get(cid, NEW), tier) for cid, tier in at_to.items()}
    assert tiers == {
        "CORE_CORE": ("core", "core"),
        "CORE_SLEEP": ("core", "sleeping"),
        "SLEEP_CORE": ("sleeping", "core"),
        "SLEEP_BASIC": ("sleeping", "basic"),
        "SLEEP_OTHER": ("sleeping", "other"),
        "SLEEP_SLEEP": ("sleeping", "sleeping"),
        "OTHER_SLEEP": ("other", "sleeping"),
        "BASIC_POT": ("basic", "potential"),
        "MOVED": ("sleeping", "sleeping"),
        "NEW_BASIC": (NEW, "basic"),
        "NEW_OTHER": (NEW, "other"),
        "UNASSIGNED_SLEEP": ("sleeping", "sleeping"),
    }


def test_bank_matrix_and_shares(report: MigrationReport) -> None:
    assert nonzero(report, Scope.BANK, None) == {
        "core>core": 1,
        "core>sleeping": 1,
        "basic>potential": 1,
        "sleeping>core": 1,
        "sleeping>basic": 1,
        "sleeping>other": 1,
        "sleeping>sleeping": 3,  # SLEEP_SLEEP, MOVED, UNASSIGNED_SLEEP
        "other>sleeping": 1,
        "new>basic": 1,
        "new>other": 1,
    }
    shares = {
        (c.from_tier, c.to_tier): c.share for c in report.cells if c.scope == Scope.BANK and c.count
    }
    assert shares[("core", "core")] == Decimal("0.5000")
    assert shares[("sleeping", "core")] == Decimal("0.1667")  # 1 / 6, half up
    assert shares[("sleeping", "sleeping")] == Decimal("0.5000")
    assert shares[("new", "other")] == Decimal("0.5000")
    # Every tier row lists every tier and `gone`; `new` has no `gone` cell. Empty rows
    # (potential at FROM) have counts 0 and no shares.
    bank = [c for c in report.cells if c.scope == Scope.BANK]
    assert len(bank) == 5 * 6 + 5
    assert all(c.share is None for c in bank if c.from_tier == "potential")
    assert all(c.count == 0 for c in bank if c.to_tier == GONE)


def test_bank_sleeping_shares_and_wake_up_rate(report: MigrationReport) -> None:
    bank = report.summary()
    assert (bank.customers_from, bank.customers_to, bank.new, bank.gone) == (10, 12, 2, 0)
    assert (bank.sleeping_from, bank.sleeping_to) == (6, 5)
    assert bank.sleeping_share_from == Decimal("0.6000")
    assert bank.sleeping_share_to == Decimal("0.4167")  # 5 / 12 = 0.41666…
    # Woken: SLEEP_CORE and SLEEP_BASIC; SLEEP_OTHER left sleeping but is `other`.
    assert (bank.woken, bank.wake_up_rate) == (2, Decimal("0.3333"))
    assert (bank.left_sleeping, bank.left_sleeping_rate) == (3, Decimal("0.5000"))


def test_per_rm_uses_the_rm_in_charge_at_to(report: MigrationReport) -> None:
    assert [s.scope_id for s in report.summaries if s.scope == Scope.RM] == ["RM1", "RM2", None]
    assert nonzero(report, Scope.RM, "RM2") == {
        "sleeping>basic": 1,
        "basic>potential": 1,
        "sleeping>sleeping": 1,  # MOVED was RM1's at FROM
    }
    rm1, rm2, unassigned = (report.summary(Scope.RM, r) for r in ("RM1", "RM2", None))
    # RM1: CORE_CORE, CORE_SLEEP, SLEEP_CORE, SLEEP_OTHER, SLEEP_SLEEP, OTHER_SLEEP (+ NEW_BASIC).
    assert (rm1.customers_from, rm1.customers_to, rm1.sleeping_from, rm1.sleeping_to) == (
        6,
        7,
        3,
        3,
    )
    assert (rm1.sleeping_share_from, rm1.sleeping_share_to) == (
        Decimal("0.5000"),
        Decimal("0.4286"),
    )
    assert (rm1.wake_up_rate, rm1.left_sleeping_rate) == (Decimal("0.3333"), Decimal("0.6667"))
    # RM2: SLEEP_BASIC, BASIC_POT, MOVED.
    assert (rm2.sleeping_from, rm2.woken, rm2.wake_up_rate) == (2, 1, Decimal("0.5000"))
    assert rm2.sleeping_share_from == Decimal("0.6667")
    # Unassigned at TO: UNASSIGNED_SLEEP and NEW_OTHER.
    assert (unassigned.customers_from, unassigned.customers_to, unassigned.new) == (1, 2, 1)
    assert (unassigned.wake_up_rate, unassigned.sleeping_share_to) == (
        Decimal("0.0000"),
        Decimal("0.5000"),
    )


def test_per_branch(report: MigrationReport) -> None:
    br1, br2 = report.summary(Scope.BRANCH, "BR1"), report.summary(Scope.BRANCH, "BR2")
    assert (br1.customers_from, br1.customers_to, br1.sleeping_from, br1.woken) == (8, 10, 5, 2)
    assert (br1.wake_up_rate, br1.left_sleeping_rate) == (Decimal("0.4000"), Decimal("0.6000"))
    assert (br1.sleeping_share_to, br2.sleeping_share_to) == (Decimal("0.4000"), Decimal("0.5000"))
    assert nonzero(report, Scope.BRANCH, "BR2") == {"basic>potential": 1, "sleeping>sleeping": 1}
    # Scopes add up to the bank.
    for scope in (Scope.RM, Scope.BRANCH):
        parts = [s for s in report.summaries if s.scope == scope]
        assert sum(s.customers_to for s in parts) == report.summary().customers_to
        assert sum(s.woken for s in parts) == report.summary().woken


def _seg(rows: list[tuple[str, str, str | None, str]]) -> pa.Table:
    ids, units, rms, tiers = zip(*rows, strict=True)
    return pa.table(
        {
            "customer_id": list(ids),
            "unit_id": list(units),
            "rm_id": list(rms),
            "recency_days": [0] * len(rows),
            "tier": list(tiers),
            "holds_wealth": [True] * len(rows),  # a tag column: ignored
        }
    )


def test_gone_customers_count_for_their_rm_at_from_and_are_not_woken() -> None:
    before = _seg(
        [
            ("A", "BR1", "RM1", "sleeping"),
            ("B", "BR1", "RM1", "sleeping"),
            ("C", "BR2", "RM2", "core"),
        ]
    )
    after = _seg([("A", "BR1", "RM1", "basic")])
    report = migration_report(before, after, date_from=FROM, date_to=TO)
    bank = report.summary()
    assert (bank.customers_from, bank.customers_to, bank.gone) == (3, 1, 2)
    # Denominator: every customer sleeping at FROM, B included although gone.
    assert (bank.woken, bank.wake_up_rate) == (1, Decimal("0.5000"))
    assert nonzero(report, Scope.RM, "RM2") == {"core>gone": 1}
    assert report.matrix()[("sleeping", GONE)] == 1
    shares = {(c.from_tier, c.to_tier): c.share for c in report.cells if c.scope == Scope.BANK}
    assert shares[("sleeping", "basic")] == shares[("sleeping", GONE)] == Decimal("0.5000")


def test_unknown_tier_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown tier"):
        migration_report(
            _seg([("A", "BR1", "RM1", "vip")]),
            _seg([("A", "BR1", "RM1", "core")]),
            date_from=FROM,
            date_to=TO,
        )


def test_dates_in_order(lake: Lake) -> None:
    with pytest.raises(ValueError, match="must be before"):
        segment_migration(lake, date_from=TO, date_to=TO, policy=POLICY)


@pytest.mark.parametrize(
    ("n", "d", "expected"),
    [(1, 3, "0.3333"), (2, 3, "0.6667"), (1, 8, "0.1250"), (1, 80000, "0.0000"),
     (1, 20000, "0.0001"), (3, 3, "1.0000"), (0, 5, "0.0000")],
)  # fmt: skip
def test_ratio_rounds_half_up_exactly(n: int, d: int, expected: str) -> None:
    assert ratio(n, d) == Decimal(expected)
    assert ratio(n, 0) is None


def test_cli_writes_the_long_table_and_the_summary(
    lake: Lake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, summary = tmp_path / "migration.csv", tmp_path / "summary.json"
    status = main(
        [
            "segment-migration",
            "--lake", str(lake.path),
            "--from", FROM.isoformat(),
            "--to", TO.isoformat(),
            "--out", str(out),
            "--summary", str(summary),
            "--today", TODAY.isoformat(),
        ]
    )  # fmt: skip
    assert status == 0
    printed = capsys.readouterr().out
    assert "10 customers at from, 12 at to (2 new, 0 gone)" in printed
    assert "sleeping share: 60.00% at from, 41.67% at to" in printed
    assert "wake-up rate (sleeping → core/potential/basic): 33.33% (2 of 6)" in printed
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["scope", "scope_id", "from_tier", "to_tier", "count", "share"]
    # 35 cells for the bank, 3 RM scopes and 2 branches.
    assert len(rows) == 35 * (1 + 3 + 2)
    cell = next(
        r for r in rows if r["scope"] == "rm" and r["scope_id"] == "RM2"
        and r["from_tier"] == "sleeping" and r["to_tier"] == "basic"
    )  # fmt: skip
    assert (cell["count"], cell["share"]) == ("1", "0.5000")
    doc = json.loads(summary.read_text(encoding="utf-8"))
    bank = doc["scopes"][0]
    assert (bank["scope"], bank["wake_up_rate"], bank["sleeping_share_from"]) == (
        "bank",
        "0.3333",
        "0.6000",
    )
    assert doc["date_from"] == "2026-03-31"
    assert len(doc["policy_version"]) == 12
    assert "other is not woken" in doc["definitions"]["wake_up_rate"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--from", "2026-09-30", "--to", "2026-03-31", "--out", "x.csv"], "must be before"),
        (["--from", "2026-03-31", "--to", "2026-09-30", "--out", "x.txt"], ".csv or .parquet"),
    ],
)
def test_cli_refuses_bad_arguments(
    lake: Lake, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    extra = [str(tmp_path / a) if a.startswith("x.") else a for a in extra]
    assert main(["segment-migration", "--lake", str(lake.path), *extra]) == 2
    assert message in capsys.readouterr().err
