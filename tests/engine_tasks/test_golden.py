"""Golden cases for `generate_tasks`, one or more per kind and window boundary, by hand.

As-of D = 2026-09-30 (a Wednesday), bank time Asia/Shanghai (UTC+8), default policies:
- birthday: month-day in D … D + 3 = 09-30 … 10-03 (retail only);
- maturity: maturity_date in D … D + 7 = 09-30 … 10-07, categories time_deposit, wealth,
  fund, insurance, trust; renewed by the same product bought in maturity − 7 … maturity;
- wake_up: tier sleeping on D (R ≥ 180): last transaction on or before 2026-04-03;
  due D + 7 = 10-07;
- request_sla: open at the end of D (2026-09-30 24:00 +08:00); due received + 24 h;
- contact_refresh: stale unless 2026-03-30 (D − 6 months) ≤ verified ≤ D; due D + 14 = 10-14;
- risk_assessment: expires on E = assessed + 12 months; a task when E − 30 ≤ D, i.e.
  E ≤ 2026-10-30 (expired ones included).
Every customer has a transaction on 2026-09-20, contact verified on 2026-09-01 and a
risk assessment of 2026-01-01 unless the case says otherwise, so it only gets the tasks
its case is about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pyarrow.csv as pa_csv
import pytest

from rmperf.cli import main
from rmperf.engine.lake import Lake
from rmperf.engine.policy import PolicyError, load_policy_text
from rmperf.engine.segmentation import load_segmentation_policy
from rmperf.engine.tasks import TaskKind, generate_tasks, load_tasks_policy
from rmperf.engine.tasks.generate import birthday_days
from rmperf.engine.tasks.policy import RULES, TasksPolicy
from tests.lakebuilder import LakeBuilder

D = dt.date(2026, 9, 30)
TODAY = dt.date(2026, 11, 23)
POLICY = load_tasks_policy().policy
SEG = load_segmentation_policy().policy


def person(b: LakeBuilder, cid: str, *, rm: str | None = "RM1", active: bool = True,
           **overrides: str) -> None:  # fmt: skip
    defaults = {"contact_verified_on": "2026-09-01", "risk_assessed_on": "2026-01-01"}
    b.customer(cid, rm=rm, **{**defaults, **overrides})
    if active:
        b.txn(cid, "2026-09-20T10:00:00+08:00")


def request(b: LakeBuilder, rid: str, cid: str, received: str, resolved: str = "") -> None:
    b.add(
        "requests",
        {"request_id": rid, "customer_id": cid, "staff_id": "TE1", "received_at": received,
         "resolved_at": resolved},
    )  # fmt: skip


def build() -> LakeBuilder:
    b = LakeBuilder()
    b.product("TD", "time_deposit", "0.016000", term_days="365")
    b.product("WM", "wealth", "0.006000")
    # -- birthday: D … D + 3
    person(b, "B0", birth_date="1980-09-30")  # on D: due today
    person(b, "B3", birth_date="1980-10-03")  # D + 3: the last day in
    person(b, "B4", birth_date="1980-10-04")  # D + 4: out
    person(b, "BPAST", birth_date="1980-09-29")  # yesterday: out
    person(b, "BCORP", kind="corporate", birth_date="1980-10-01")  # corporate: out
    # -- maturity: D … D + 7
    for cid, product, start, maturity in (
        ("M0", "TD", "2025-09-30", "2026-09-30"),  # matures on D: in
        ("M7", "WM", "2026-04-07", "2026-10-07"),  # D + 7: in
        ("M8", "WM", "2026-04-08", "2026-10-08"),  # D + 8: out
        ("MPAST", "TD", "2025-09-29", "2026-09-29"),  # matured yesterday: out
        ("MDEP", "DEP", "2025-10-03", "2026-10-03"),  # deposit: not a maturity category
        ("MREN", "WM", "2026-04-05", "2026-10-05"),  # renewed on 09-28 (10-05 − 7): out
        ("MOLD", "WM", "2026-04-05", "2026-10-05"),  # bought again 09-27 (10-05 − 8): in
    ):
        person(b, cid)
        b.holding(cid, product, "50000.00", start, maturity)
    b.holding("MREN", "WM", "50000.00", "2026-09-28", "2027-03-28")
    b.holding("MOLD", "WM", "20000.00", "2026-09-27", "2027-03-27")
    # -- wake_up: sleeping when R ≥ 180
    person(b, "W180", active=False)
    b.txn("W180", "2026-04-03T12:00:00+08:00")  # R = 27+31+31+30+31+30 = 180: sleeping
    person(b, "W179", active=False)
    b.txn("W179", "2026-04-04T12:00:00+08:00")  # R = 179: other, no task
    # -- request_sla: open at the end of D
    person(b, "RQ")
    request(b, "RQ1", "RQ", "2026-09-29T10:00:00+08:00")  # due 09-30 10:00
    request(b, "RQ2", "RQ", "2026-09-30T23:59:59+08:00")  # last second of D: due 10-01
    request(b, "RQ3", "RQ", "2026-10-01T00:00:00+08:00")  # after D: out
    request(b, "RQ4", "RQ", "2026-09-29T10:00:00+08:00", "2026-09-30T12:00:00+08:00")  # answered
    # answered at the first instant after D: still open at the end of D, in
    request(b, "RQ5", "RQ", "2026-09-28T09:00:00+08:00", "2026-10-01T00:00:00+08:00")
    person(b, "RQNORM", rm=None)  # no RM: the request's handler TE1 gets the task
    request(b, "RQ6", "RQNORM", "2026-09-30T08:00:00+08:00")
    # -- contact_refresh: fresh while 2026-03-30 ≤ verified ≤ D
    person(b, "CV_EDGE", contact_verified_on="2026-03-30")  # exactly 6 months: fresh
    person(b, "CV_OLD", contact_verified_on="2026-03-29")  # a day older: stale
    person(b, "CV_NEVER", contact_verified_on="")
    person(b, "CV_FUTURE", contact_verified_on="2026-10-01")  # not known on D: stale
    # -- risk_assessment: E − 30 ≤ D
    person(b, "RA30", risk_assessed_on="2025-10-30")  # E 2026-10-30 = D + 30: in
    person(b, "RA31", risk_assessed_on="2025-10-31")  # E 2026-10-31 = D + 31: out
    person(b, "RAEXP", risk_assessed_on="2025-01-01")  # expired 2026-01-01: in
    # 2024-02-29 + 12 months is clamped to 2025-02-28, still current that day: E = 03-01
    person(b, "RALEAP", risk_assessed_on="2024-02-29", opened_on="2019-01-01")
    person(b, "RANONE", risk_level="", risk_assessed_on="")  # never assessed: no task
    # -- assignments are time-sliced: the RM on D gets the task
    b.customer("MOVED", rm=None, birth_date="1990-10-01", contact_verified_on="2026-09-01")
    b.txn("MOVED", "2026-09-20T10:00:00+08:00")
    b.add(
        "assignments",
        {"customer_id": "MOVED", "staff_id": "RM1", "valid_from": "2020-01-01",
         "valid_to": "2026-09-29"},
        {"customer_id": "MOVED", "staff_id": "RM2", "valid_from": "2026-09-30", "valid_to": ""},
    )  # fmt: skip
    person(b, "NEW", opened_on="2026-10-01", birth_date="1990-10-01", active=False)  # not yet
    return b


@pytest.fixture(scope="module")
def tasks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    lake = Lake(build().write(tmp_path_factory.mktemp("lake")), today=TODAY)
    run = generate_tasks(lake, as_of=D, policy=POLICY, segmentation=SEG)
    assert TaskKind.HIGH_POTENTIAL not in run.kinds  # a Wednesday: no weekly list
    return run.tasks.to_pylist()


def of(rows: Iterable[dict[str, object]], kind: str) -> set[tuple[object, ...]]:
    return {
        (r["staff_id"], r["customer_id"], r["due_date"], r["source_key"])
        for r in rows
        if r["kind"] == kind
    }


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_birthday_window_is_three_days_ahead_inclusive(tasks: list[dict[str, object]]) -> None:
    assert of(tasks, "birthday") == {
        ("RM1", "B0", D, "2026-09-30"),
        ("RM1", "B3", day("2026-10-03"), "2026-10-03"),
        ("RM2", "MOVED", day("2026-10-01"), "2026-10-01"),
    }
    b0 = next(r for r in tasks if r["customer_id"] == "B0" and r["kind"] == "birthday")
    assert b0["reason"] == "Birthday on 2026-09-30 (today)"


def test_maturity_window_and_renewal(tasks: list[dict[str, object]]) -> None:
    assert of(tasks, "maturity") == {
        ("RM1", "M0", D, "TD:2025-09-30"),
        ("RM1", "M7", day("2026-10-07"), "WM:2026-04-07"),
        ("RM1", "MOLD", day("2026-10-05"), "WM:2026-04-05"),
    }


def test_wake_up_from_the_sleeping_tier_with_its_offer(tasks: list[dict[str, object]]) -> None:
    # NEW opened after D: not a customer yet; everyone else transacted on 09-20.
    assert of(tasks, "wake_up") == {("RM1", "W180", day("2026-10-07"), "since:2026-04-03")}
    row = next(r for r in tasks if r["kind"] == "wake_up")
    assert "Free account check-up" in str(row["action"])  # the sleeping tier's plan
    assert "免费账户诊断" in str(row["action_zh"])
    assert "180 days" in str(row["reason"])


def test_request_open_at_end_of_day(tasks: list[dict[str, object]]) -> None:
    assert of(tasks, "request_sla") == {
        ("RM1", "RQ", day("2026-09-30"), "RQ1"),
        ("RM1", "RQ", day("2026-10-01"), "RQ2"),
        ("RM1", "RQ", day("2026-09-29"), "RQ5"),  # 09-28 09:00 + 24 h
        ("TE1", "RQNORM", day("2026-10-01"), "RQ6"),
    }


def test_contact_older_than_six_months(tasks: list[dict[str, object]]) -> None:
    due = day("2026-10-14")  # D + 14
    assert of(tasks, "contact_refresh") == {
        ("RM1", "CV_OLD", due, "2026-03-29"),
        ("RM1", "CV_NEVER", due, "never"),
        ("RM1", "CV_FUTURE", due, "2026-10-01"),
    }


def test_risk_assessment_expiring_within_30_days(tasks: list[dict[str, object]]) -> None:
    assert of(tasks, "risk_assessment") == {
        ("RM1", "RA30", day("2026-10-30"), "2025-10-30"),
        ("RM1", "RAEXP", day("2026-01-01"), "2025-01-01"),
        ("RM1", "RALEAP", day("2025-03-01"), "2024-02-29"),
    }


def test_nothing_for_customers_opened_after_d(tasks: list[dict[str, object]]) -> None:
    assert not [r for r in tasks if r["customer_id"] == "NEW"]


def test_feb_29_birthdays() -> None:
    # 2027 is a common year: a 29 February birthday is celebrated on the 28th.
    assert (229, dt.date(2027, 2, 28)) in birthday_days(dt.date(2027, 2, 25), 3)
    assert 229 not in [k for k, _ in birthday_days(dt.date(2027, 2, 24), 3)]  # 02-24 … 02-27
    # 2028 is a leap year: the 29th itself, and the 28th is only for those born on the 28th.
    leap = birthday_days(dt.date(2028, 2, 26), 3)
    assert (229, dt.date(2028, 2, 29)) in leap
    assert [d for k, d in leap if k == 228] == [dt.date(2028, 2, 28)]


def test_feb_29_birthday_in_a_lake(tmp_path: Path) -> None:
    b = LakeBuilder()
    person(b, "LEAP", birth_date="1988-02-29")
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    common = generate_tasks(lake, as_of=dt.date(2027, 2, 25), policy=POLICY, segmentation=SEG)
    assert of(common.tasks.to_pylist(), "birthday") == {
        ("RM1", "LEAP", dt.date(2027, 2, 28), "2027-02-28")
    }
    early = generate_tasks(lake, as_of=dt.date(2027, 2, 24), policy=POLICY, segmentation=SEG)
    assert of(early.tasks.to_pylist(), "birthday") == set()


def test_high_potential_on_the_policy_weekday(tmp_path: Path) -> None:
    # Basic on 2026-09-28 (Monday): R = 3, F = 2, M = 180,000.00 (three months of 180,000);
    # potential needs F ≥ 3 and M ≥ 200,000: F within 1 and M ≥ 80% (160,000) → listed.
    b = LakeBuilder()
    person(b, "HP", active=False)
    b.txn("HP", "2026-09-20T10:00:00+08:00")
    b.txn("HP", "2026-09-25T10:00:00+08:00")
    for month in ("2026-07", "2026-08", "2026-09"):
        b.balance("HP", month, "deposit", "180000.00")
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    monday = dt.date(2026, 9, 28)
    run = generate_tasks(lake, as_of=monday, policy=POLICY, segmentation=SEG)
    assert TaskKind.HIGH_POTENTIAL in run.kinds
    # ISO week 40 of 2026 starts on Monday 09-28; due Sunday 10-04 (D + 6).
    assert of(run.tasks.to_pylist(), "high_potential") == {
        ("RM1", "HP", dt.date(2026, 10, 4), "2026-W40")
    }
    tuesday = generate_tasks(lake, as_of=dt.date(2026, 9, 29), policy=POLICY, segmentation=SEG)
    assert TaskKind.HIGH_POTENTIAL not in tuesday.kinds


def test_disabled_kind_is_not_computed(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "src/rmperf/policies/defaults/tasks.yaml").read_text()
    text = text.replace("birthday:              #", "birthday:\n  enabled: false\n  #", 1)
    policy = load_policy_text(text, TasksPolicy, rules=RULES).policy
    b = LakeBuilder()
    person(b, "B0", birth_date="1980-09-30")
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    run = generate_tasks(lake, as_of=D, policy=policy, segmentation=SEG)
    assert TaskKind.BIRTHDAY not in run.kinds
    assert of(run.tasks.to_pylist(), "birthday") == set()


def test_policy_errors_name_file_line_and_rule() -> None:
    text = (Path(__file__).parents[2] / "src/rmperf/policies/defaults/tasks.yaml").read_text()
    bad = text.replace("categories: [time_deposit,", "categories: [savings, time_deposit,")
    with pytest.raises(PolicyError) as err:
        load_policy_text(bad, TasksPolicy, source="tasks.yaml", rules=RULES)
    assert "tasks.yaml:13: error [maturity_categories_known]" in str(err.value)
    with pytest.raises(PolicyError) as err:
        load_policy_text(text.replace("days_before: 3", "days_before: -1"), TasksPolicy)
    assert "birthday.days_before" in str(err.value)


def test_cli_writes_the_required_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = build().write(tmp_path / "lake")
    out = tmp_path / "tasks.csv"
    code = main(["tasks", "--lake", str(lake), "--as-of", "2026-09-30", "--today",
                 "2026-11-23", "--out", str(out)])  # fmt: skip
    assert code == 0
    table = pa_csv.read_csv(out)
    assert table.column_names[:5] == ["staff_id", "customer_id", "kind", "due_date", "reason"]
    assert set(table.column("kind").to_pylist()) == {
        "birthday", "maturity", "wake_up", "request_sla", "contact_refresh", "risk_assessment"
    }  # fmt: skip
    assert "tasks (birthday 3," in capsys.readouterr().out


def test_cli_rejects_bad_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["tasks", "--lake", str(tmp_path), "--as-of", "2026-09-30",
                 "--out", str(tmp_path / "x.txt")])  # fmt: skip
    assert code == 2
    assert "must end in .csv or .parquet" in capsys.readouterr().err


def test_given_segmentation_gives_the_same_tasks(tmp_path: Path) -> None:
    # Tiers read from a segmentation result of the same day equal tiers computed here,
    # on a Wednesday (wake-up only) and on a Monday (the high-potential list too).
    from rmperf.engine.segmentation import segment

    lake = Lake(build().write(tmp_path / "lake"), today=TODAY)
    for as_of in (D, dt.date(2026, 9, 28)):
        computed = generate_tasks(lake, as_of=as_of, policy=POLICY, segmentation=SEG)
        segments = segment(lake, as_of=as_of, policy=SEG)
        given = generate_tasks(lake, as_of=as_of, policy=POLICY, segmentation=SEG, tiers=segments)
        assert given.tasks.equals(computed.tasks)
        assert computed.tasks.num_rows > 0
    with pytest.raises(ValueError, match="lacks column"):
        generate_tasks(lake, as_of=D, policy=POLICY, segmentation=SEG,
                       tiers=segments.select(["customer_id"]))  # fmt: skip


def test_cli_reads_a_segment_result(tmp_path: Path) -> None:
    lake = build().write(tmp_path / "lake")
    seg = tmp_path / "seg.csv"
    assert main(["segment", "--lake", str(lake), "--as-of", "2026-09-30", "--today",
                 "2026-11-23", "--out", str(seg)]) == 0  # fmt: skip
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    args = ["tasks", "--lake", str(lake), "--as-of", "2026-09-30", "--today", "2026-11-23"]
    assert main([*args, "--out", str(a)]) == 0
    assert main([*args, "--segments", str(seg), "--out", str(b)]) == 0
    assert a.read_text() == b.read_text()
