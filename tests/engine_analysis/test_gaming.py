"""Gaming detection on hand-built lakes: each rule fires at its threshold and not just
past it (defaults of src/rmperf/policies/defaults/gaming.yaml, docs/analysis.md). The
per-customer conditions of 时点冲量 and the amount share of loan bunching are tested with
the RM-level thresholds at 1 (PER_CUSTOMER); the defaults have tests of their own."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from rmperf.engine.analysis import detect_gaming, load_gaming_policy
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from tests.lakebuilder import LakeBuilder

TODAY = dt.date(2026, 11, 23)
Q3 = Period.parse("2026Q3")


#: The per-customer conditions alone: any spiking customer flags their RM; one loan in
#: the last days is enough by count.
PER_CUSTOMER = """
balance_pump: {min_customers: 1, min_book_share: "0"}
loan_bunching: {max_count_share: "0", min_tail_loans: 1}
"""


def run(
    b: LakeBuilder, tmp: Path, rule: str, policy: str | None = PER_CUSTOMER
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Flags of `rule` by staff_id, and that rule's evidence rows (`policy`: YAML text, or
    None for the shipped defaults)."""
    lake = Lake(b.write(tmp / "lake"), today=TODAY)
    if policy is None:
        loaded = load_gaming_policy()
    else:
        path = tmp / "gaming.yaml"
        path.write_text(policy, encoding="utf-8")
        loaded = load_gaming_policy(path)
    result = detect_gaming(lake, period=Q3, policy=loaded.policy, policy_version=loaded.version)
    flags = {f["staff_id"]: f for f in result.flags.to_pylist() if f["kind"] == rule}
    evidence = [e for e in result.evidence.to_pylist() if e["kind"] == rule]
    return flags, evidence


# --- 时点冲量 ------------------------------------------------------------------------------


def test_balance_pump(tmp_path: Path) -> None:
    b = LakeBuilder()
    for cid in ("P1", "P2", "P3", "P4", "P5", "P6", "P7"):
        b.customer(cid, rm="RM2" if cid == "P3" else "RM1")
    # P1: spike 150,000 (2.5×), 20,000 of it left in August's average: fires.
    b.balance("P1", "2026-07", "deposit", "100000.00", "250000.00")
    b.balance("P1", "2026-08", "deposit", "120000.00", "120000.00")
    # P2: 30,000 left = exactly 20% of the spike: fires (at most 1 − 0.8 kept).
    b.balance("P2", "2026-07", "deposit", "100000.00", "250000.00")
    b.balance("P2", "2026-08", "deposit", "130000.00", "130000.00")
    # P3 (RM2): one cent more kept: does not fire.
    b.balance("P3", "2026-07", "deposit", "100000.00", "250000.00")
    b.balance("P3", "2026-08", "deposit", "130000.01", "130000.01")
    # P4: exactly 1.5× and exactly 100,000 above; August has no row (counts as 0): fires.
    b.balance("P4", "2026-07", "deposit", "200000.00", "300000.00")
    # P5: a cent short of 1.5×: does not fire.
    b.balance("P5", "2026-07", "deposit", "200000.01", "300000.01")
    # P6: a wealth spike is not a deposit spike.
    b.balance("P6", "2026-07", "wealth", "100000.00", "900000.00")
    # P7: a September spike, but the lake has no October yet: not judged.
    b.balance("P7", "2026-09", "deposit", "100000.00", "900000.00")
    flags, evidence = run(b, tmp_path, "balance_pump")
    assert set(flags) == {"RM1"}
    assert flags["RM1"]["instances"] == 3
    instances = sorted({e["instance"] for e in evidence})
    assert instances == ["P1@2026-07", "P2@2026-07", "P4@2026-07"]
    p1 = [e for e in evidence if e["customer_id"] == "P1"]
    assert [json.loads(e["row_key"])["month"] for e in p1] == ["2026-07", "2026-08"]
    # RM1's July book: the customers with a deposit row in July (P1, P2, P4, P5).
    assert json.loads(p1[0]["row_values"]) == {
        "avg_daily_balance": "100000.00",
        "month_end_balance": "250000.00",
        "rm_book": "4",
    }
    p4 = [json.loads(e["row_values"]) for e in evidence if e["customer_id"] == "P4"]
    assert "absent" in p4[1]


# --- loans bunched at the quarter's end ----------------------------------------------------


def test_loan_bunching(tmp_path: Path) -> None:
    b = LakeBuilder()
    b.tables["staff"].append(
        {
            "staff_id": "RM3",
            "name": "孙六",
            "role": "rm",
            "rank": "junior",
            "unit_id": "TM1",
            "hired_on": "2020-01-01",
        }
    )
    b.product("BL", "business_loan", "0.030000")
    b.customer("C1")
    # RM1: 400,000.01 of 1,000,000.01 in 21–30 September, above 40%: fires.
    b.loan("A1", "C1", "BL", "300000.00", "2026-07-10", "2027-07-10")
    b.loan("A2", "C1", "BL", "300000.00", "2026-09-20", "2027-09-20")  # day 11 before the end
    b.loan("A3", "C1", "BL", "400000.01", "2026-09-21", "2027-09-21")
    # RM2: exactly 40%: does not fire ("more than").
    b.loan("B1", "C1", "BL", "300000.00", "2026-07-10", "2027-07-10", staff_id="RM2")
    b.loan("B2", "C1", "BL", "300000.00", "2026-08-10", "2027-08-10", staff_id="RM2")
    b.loan("B3", "C1", "BL", "400000.00", "2026-09-30", "2027-09-30", staff_id="RM2")
    # RM3: everything on the last day, but two loans are fewer than the 3 required.
    b.loan("D1", "C1", "BL", "100000.00", "2026-09-30", "2027-09-30", staff_id="RM3")
    b.loan("D2", "C1", "BL", "100000.00", "2026-09-30", "2027-09-30", staff_id="RM3")
    flags, evidence = run(b, tmp_path, "loan_bunching")
    assert set(flags) == {"RM1"}
    assert flags["RM1"]["measure"] == "0.4000 of 1000000.01"
    assert [json.loads(e["row_key"]) for e in evidence] == [{"loan_id": "A3"}]
    assert json.loads(evidence[0]["row_values"]) == {
        "amount": "400000.01",
        "disbursed_on": "2026-09-21",
    }


# --- split transactions -------------------------------------------------------------------


def test_split_transactions(tmp_path: Path) -> None:
    b = LakeBuilder()
    for cid, rm in (("S1", "RM1"), ("S2", "RM2"), ("S3", "RM2"), ("S4", "RM1"), ("S5", "RM1")):
        b.customer(cid, rm=rm)
    # S1: five credits of 2,000 on 5 August in bank time (the first at 00:10 Shanghai,
    # still 4 August in UTC) = 10,000: a split group.
    b.txn("S1", "2026-08-04T16:10:00Z", "2000.00")
    for hour in (9, 10, 11):
        b.txn("S1", f"2026-08-05T{hour:02d}:00:00+08:00", "2000.00")
    b.txn("S1", "2026-08-05T23:59:00+08:00", "2000.00")
    # S2: four of 2,500 (too few), and on another day five summing to 10,000.01 (not round).
    for hour in (9, 10, 11, 12):
        b.txn("S2", f"2026-08-05T{hour:02d}:00:00+08:00", "2500.00")
    for amount in ("2000.00", "2000.00", "2000.00", "2000.00", "2000.01"):
        b.txn("S2", "2026-08-06T10:00:00+08:00", amount)
    # S3: five debits of 2,000 and a 60,000 debit (above the 50,000 "small" limit, left out).
    for _ in range(5):
        b.txn("S3", "2026-08-07T10:00:00+08:00", "2000.00", direction="debit")
    b.txn("S3", "2026-08-07T11:00:00+08:00", "60000.00", direction="debit")
    # S4: three credits and two debits the same day: neither direction has five.
    for direction in ("credit", "credit", "credit", "debit", "debit"):
        b.txn("S4", "2026-08-08T10:00:00+08:00", "2000.00", direction=direction)
    # S5: five of exactly 50,000 (small, inclusive) = 250,000: a group; five more with one
    # of 50,000.01 on another day: four small ones left, too few.
    for _ in range(5):
        b.txn("S5", "2026-08-09T10:00:00+08:00", "50000.00")
    for amount in ("50000.00", "50000.00", "50000.00", "50000.00", "50000.01"):
        b.txn("S5", "2026-08-10T10:00:00+08:00", amount)
    flags, evidence = run(b, tmp_path, "split_transactions")
    assert set(flags) == {"RM1", "RM2"}
    assert flags["RM1"]["instances"] == 2
    assert flags["RM2"]["instances"] == 1
    groups = sorted({(e["staff_id"], e["instance"]) for e in evidence})
    assert groups == [
        ("RM1", "S1@2026-08-05/credit"),
        ("RM1", "S5@2026-08-09/credit"),
        ("RM2", "S3@2026-08-07/debit"),
    ]
    s1 = [e for e in evidence if e["customer_id"] == "S1"]
    assert len(s1) == 5
    assert {json.loads(e["row_values"])["group_sum"] for e in s1} == {"10000.00"}


def test_split_min_count_is_a_threshold(tmp_path: Path) -> None:
    b = LakeBuilder()
    b.customer("S1")
    for hour in (9, 10, 11, 12):
        b.txn("S1", f"2026-08-05T{hour:02d}:00:00+08:00", "2500.00")
    policy = tmp_path / "gaming.yaml"
    policy.write_text("split_transactions:\n  min_count: 4\n", encoding="utf-8")
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    loaded = load_gaming_policy(policy)
    result = detect_gaming(lake, period=Q3, policy=loaded.policy, policy_version="v")
    assert result.flags.column("kind").to_pylist() == ["split_transactions"]


# --- referrals in circles -------------------------------------------------------------------


def referral(rid: str, src: str, dst: str, customer: str, created: str) -> dict[str, str]:
    return {
        "referral_id": rid,
        "from_staff_id": src,
        "to_staff_id": dst,
        "customer_id": customer,
        "need": "wealth",
        "created_at": created,
        "status": "created",
        "responded_at": "",
        "converted_at": "",
    }


def test_circular_referrals(tmp_path: Path) -> None:
    b = LakeBuilder()
    for cid in ("R1", "R2", "R3", "R4"):
        b.customer(cid)
    b.add(
        "referrals",
        # RM1 → RM2 → RM1 on R1, 90 days apart (1 July → 29 September): a circle.
        referral("F1", "RM1", "RM2", "R1", "2026-07-01T10:00:00+08:00"),
        referral("F2", "RM2", "RM1", "R1", "2026-09-29T10:00:00+08:00"),
        # TE1 → RM1 → TE1 on R2, 91 days apart: outside the window.
        referral("F3", "TE1", "RM1", "R2", "2026-07-01T10:00:00+08:00"),
        referral("F4", "RM1", "TE1", "R2", "2026-09-30T10:00:00+08:00"),
        # RM1 → RM2 → TL1 → RM1 on R3: a circle of three.
        referral("F5", "RM1", "RM2", "R3", "2026-08-01T10:00:00+08:00"),
        referral("F6", "RM2", "TL1", "R3", "2026-08-02T10:00:00+08:00"),
        referral("F7", "TL1", "RM1", "R3", "2026-08-03T10:00:00+08:00"),
        # RM2 → TE1 → RM2 on R4, closed in Q2: another period's.
        referral("F8", "RM2", "TE1", "R4", "2026-05-01T10:00:00+08:00"),
        referral("F9", "TE1", "RM2", "R4", "2026-06-15T10:00:00+08:00"),
        # RM2 → RM1 on R1 122 days before F1 (RM1 → RM2): a circle RM2 → RM1 → RM2, but
        # outside the window.
        referral("F0", "RM2", "RM1", "R1", "2026-03-01T10:00:00+08:00"),
    )
    flags, evidence = run(b, tmp_path, "circular_referrals")
    assert {s: f["instances"] for s, f in flags.items()} == {"RM1": 2, "RM2": 2, "TL1": 1}
    rm1 = sorted({e["instance"] for e in evidence if e["staff_id"] == "RM1"})
    assert rm1 == ["circle:F1>F2", "circle:F5>F6>F7"]
    tl1 = [json.loads(e["row_key"])["referral_id"] for e in evidence if e["staff_id"] == "TL1"]
    assert sorted(tl1) == ["F5", "F6", "F7"]


def test_a_quiet_lake_has_no_flags(tmp_path: Path) -> None:
    b = LakeBuilder()
    b.customer("C1")
    b.txn("C1", "2026-08-05T10:00:00+08:00", "2000.00")
    b.balance("C1", "2026-07", "deposit", "100000.00", "100000.00")
    b.balance("C1", "2026-08", "deposit", "100000.00", "100000.00")
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    loaded = load_gaming_policy()
    result = detect_gaming(lake, period=Q3, policy=loaded.policy, policy_version="v")
    assert result.flags.num_rows == 0
    assert result.evidence.num_rows == 0


@pytest.mark.parametrize("rule", ["balance_pump", "loan_bunching", "circular_referrals"])
def test_a_disabled_rule_never_fires(tmp_path: Path, rule: str) -> None:
    b = LakeBuilder()
    b.customer("P1")
    b.balance("P1", "2026-07", "deposit", "100000.00", "250000.00")
    b.balance("P1", "2026-08", "deposit", "100000.00", "100000.00")
    policy = tmp_path / "gaming.yaml"
    text = f"{rule}:\n  enabled: false\n"
    if rule != "balance_pump":
        text += "balance_pump: {min_customers: 1}\n"
    policy.write_text(text, encoding="utf-8")
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    loaded = load_gaming_policy(policy)
    result = detect_gaming(lake, period=Q3, policy=loaded.policy, policy_version="v")
    expected = [] if rule == "balance_pump" else ["balance_pump"]
    assert result.flags.column("kind").to_pylist() == expected


def test_quarter_end_pump_across_the_period_end(tmp_path: Path) -> None:
    b = LakeBuilder()
    # Q1 is RM1's on 30 September and RM2's from 1 October: the pump is RM1's.
    b.customer("Q1", rm=None)
    b.add(
        "assignments",
        {
            "customer_id": "Q1",
            "staff_id": "RM1",
            "valid_from": "2020-01-01",
            "valid_to": "2026-09-30",
        },
        {"customer_id": "Q1", "staff_id": "RM2", "valid_from": "2026-10-01", "valid_to": ""},
    )
    b.customer("Q2")
    # September spike (ratio 3, spike 200,000), October back to 100,000: fires.
    b.balance("Q1", "2026-09", "deposit", "100000.00", "300000.00")
    b.balance("Q1", "2026-10", "deposit", "100000.00", "100000.00")
    # A July spike: not a quarter end, so not looked at with months: quarter_end.
    b.balance("Q2", "2026-07", "deposit", "100000.00", "300000.00")
    b.balance("Q2", "2026-08", "deposit", "100000.00", "100000.00")
    policy = tmp_path / "gaming.yaml"
    policy.write_text(
        "balance_pump:\n  months: quarter_end\n  min_customers: 1\n", encoding="utf-8"
    )
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    loaded = load_gaming_policy(policy)
    result = detect_gaming(lake, period=Q3, policy=loaded.policy, policy_version="v")
    flags = result.flags.to_pylist()
    assert [(f["staff_id"], f["kind"], f["instances"]) for f in flags] == [
        ("RM1", "balance_pump", 1)
    ]
    assert sorted({e["instance"] for e in result.evidence.to_pylist()}) == ["Q1@2026-09"]


# --- the defaults: one customer's spike or one late loan is not a flag ----------------------


def _spiking(b: LakeBuilder, cid: str) -> None:
    """A July spike of 150,000 (2.5×) gone in August."""
    b.balance(cid, "2026-07", "deposit", "100000.00", "250000.00")
    b.balance(cid, "2026-08", "deposit", "100000.00", "100000.00")


def _steady(b: LakeBuilder, cid: str) -> None:
    b.balance(cid, "2026-07", "deposit", "100000.00", "100000.00")
    b.balance(cid, "2026-08", "deposit", "100000.00", "100000.00")


def test_balance_pump_defaults_need_ten_customers_and_four_percent(tmp_path: Path) -> None:
    b = LakeBuilder()
    b.tables["staff"].append({**b.tables["staff"][0], "staff_id": "RM3", "name": "孙六"})
    # RM1 dresses the book: 10 of 250 customers spike (10 ≥ 10 and 10 / 250 = 0.04 ≥ 0.04).
    # RM2: 9 of 9 spike, but 9 < 10 customers. RM3: 10 of 251 = 0.0398 < 0.04.
    for rm, spiking, book in (("RM1", 10, 250), ("RM2", 9, 9), ("RM3", 10, 251)):
        for i in range(book):
            cid = f"{rm}C{i:03d}"
            b.customer(cid, rm=rm)
            (_spiking if i < spiking else _steady)(b, cid)
    flags, evidence = run(b, tmp_path, "balance_pump", policy=None)
    assert set(flags) == {"RM1"}
    assert flags["RM1"]["instances"] == 10
    assert {json.loads(e["row_values"]).get("rm_book") for e in evidence} == {"250", None}


def _rm3(b: LakeBuilder) -> None:
    b.tables["staff"].append({**b.tables["staff"][0], "staff_id": "RM3", "name": "孙六"})


def test_loan_bunching_defaults_need_count_and_amount(tmp_path: Path) -> None:
    b = LakeBuilder()
    _rm3(b)
    b.product("BL", "business_loan", "0.030000")
    b.customer("C1")
    loans = {
        # RM1 pushes loans out at the end: 3 of 5 loans (0.6 > 0.4) and 300,000 of
        # 500,000 (0.6 > 0.4) in 21–30 September: flagged.
        "RM1": [("07-10", "100000.00"), ("08-10", "100000.00"), ("09-21", "100000.00"),
                ("09-25", "100000.00"), ("09-30", "100000.00")],
        # RM2 signs one large loan late: 0.7 of the amount, but 1 loan < 3 in those days.
        "RM2": [("07-10", "100000.00"), ("08-10", "100000.00"), ("08-20", "100000.00"),
                ("09-30", "700000.00")],
        # RM3: 3 of 8 loans late (0.375, not more than 0.4), 0.6 of the amount: not flagged.
        "RM3": [("07-01", "40000.00"), ("07-02", "40000.00"), ("07-03", "40000.00"),
                ("07-04", "40000.00"), ("07-05", "40000.00"), ("09-28", "100000.00"),
                ("09-29", "100000.00"), ("09-30", "100000.00")],
    }  # fmt: skip
    n = 0
    for rm, rows in loans.items():
        for day, amount in rows:
            n += 1
            b.loan(f"L{n:02d}", "C1", "BL", amount, f"2026-{day}", "2027-12-31", staff_id=rm)
    flags, evidence = run(b, tmp_path, "loan_bunching", policy=None)
    assert set(flags) == {"RM1"}
    assert flags["RM1"]["measure"] == "0.6000 of 500000.00"
    assert sorted(json.loads(e["row_key"])["loan_id"] for e in evidence) == ["L03", "L04", "L05"]


# --- tasks closed in bulk without an interaction ------------------------------------------


def _tasks(rows: list[tuple[str, str, str, str, str, bool]]) -> pa.Table:
    from rmperf.engine.analysis import TASKS_SCHEMA

    names = TASKS_SCHEMA.names
    cols = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    for n in ("created_on", "closed_on"):
        cols[n] = [dt.date.fromisoformat(str(v)) for v in cols[n]]
    return pa.table(cols, schema=TASKS_SCHEMA)


def test_bulk_task_closing(tmp_path: Path) -> None:
    b = LakeBuilder()
    for i in range(12):
        b.customer(f"K{i:02d}")
    # RM1 closes 10 tasks on 20 August: 2 have a contact, 8 of 10 = 0.8 bare: a bulk day.
    # K00 was visited on 10 August (in the lake); K01's contact was logged in the app.
    b.add(
        "interactions",
        {"customer_id": "K00", "staff_id": "RM1", "ts": "2026-08-10T10:00:00+08:00",
         "channel": "visit", "outcome": "done"},
        # A contact by someone else, and one before the task was created: neither counts.
        {"customer_id": "K02", "staff_id": "RM2", "ts": "2026-08-12T10:00:00+08:00",
         "channel": "visit", "outcome": "done"},
        {"customer_id": "K03", "staff_id": "RM1", "ts": "2026-07-31T10:00:00+08:00",
         "channel": "phone", "outcome": "done"},
    )  # fmt: skip
    rows = [(f"T{i}", "RM1", f"K{i:02d}", "2026-08-01", "2026-08-20", i == 1) for i in range(10)]
    # RM2 closes 10 the same day with 3 contacts logged: 7 of 10 = 0.7 < 0.8: not flagged.
    rows += [(f"U{i}", "RM2", f"K{i:02d}", "2026-08-01", "2026-08-20", i < 3) for i in range(10)]
    # RM1 closes 9 bare ones on 21 August: fewer than 10 that day.
    rows += [(f"V{i}", "RM1", f"K{i:02d}", "2026-08-01", "2026-08-21", False) for i in range(9)]
    # Closed on 1 October: outside the period.
    rows += [(f"W{i}", "RM2", f"K{i:02d}", "2026-09-01", "2026-10-01", False) for i in range(10)]
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    loaded = load_gaming_policy()
    result = detect_gaming(
        lake, period=Q3, policy=loaded.policy, policy_version="v", tasks=_tasks(rows)
    )
    flags = [f for f in result.flags.to_pylist() if f["kind"] == "bulk_task_closing"]
    assert [(f["staff_id"], f["instances"], f["measure"]) for f in flags] == [("RM1", 1, "1 days")]
    evidence = [e for e in result.evidence.to_pylist() if e["kind"] == "bulk_task_closing"]
    assert len(evidence) == 10 and {e["instance"] for e in evidence} == {"RM1@2026-08-20"}
    t0 = next(json.loads(e["row_values"]) for e in evidence if e["customer_id"] == "K00")
    assert t0["lake_interactions"] == "1" and t0["logged_in_app"] == "no"
    t3 = next(json.loads(e["row_values"]) for e in evidence if e["customer_id"] == "K03")
    assert t3["lake_interactions"] == "0"
    # Without tasks (the CLI) the rule is not judged.
    plain = detect_gaming(lake, period=Q3, policy=loaded.policy, policy_version="v")
    assert "bulk_task_closing" not in plain.flags.column("kind").to_pylist()
