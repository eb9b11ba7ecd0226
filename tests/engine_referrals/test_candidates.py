"""Golden cases for `rmperf referral-candidates` and the conversion window, worked by hand.

As-of date D = 2026-09-30, bank time Asia/Shanghai (UTC+8). Default rule book:
- teller → RM: opened_on in D − 29 … D = 2026-09-01 … 09-30, credits to deposit products
  from opened_on to D ≥ 50,000.00, an inquiry.wealth event in 09-01 … 09-30;
- WM → RM: inquiry.business_loan / inquiry.corporate_settlement in 09-01 … 09-30;
- RM → WM: inquiry.family_trust / inquiry.medical_insurance in 09-01 … 09-30, retail only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow.csv as pa_csv

from rmperf.cli import main
from rmperf.engine.lake import Lake
from rmperf.engine.referrals import (
    CANDIDATE_SCHEMA,
    OpenReferral,
    load_referral_policy,
    match_purchases,
    referral_candidates,
)
from tests.lakebuilder import LakeBuilder

D = dt.date(2026, 9, 30)
TODAY = dt.date(2027, 1, 31)  # after every holding start
POLICY = load_referral_policy().policy


def credit(b: LakeBuilder, cid: str, day: str, amount: str, *, direction: str = "credit") -> None:
    n = len(b.tables.get("transactions", []))
    b.add(
        "transactions",
        {
            "txn_id": f"T{n:05d}",
            "customer_id": cid,
            "ts": f"{day}T10:00:00+08:00",
            "amount": amount,
            "direction": direction,
            "channel": "counter",
            "product_id": "DEP",
        },
    )


def build(path: Path) -> Lake:
    b = LakeBuilder()
    b.add(
        "staff",
        {
            "staff_id": "WM1",
            "name": "孙理财",
            "role": "wealth_manager",
            "rank": "",
            "unit_id": "TM1",
            "hired_on": "2019-01-01",
        },
    )
    b.product("WMP", "wealth", risk_level="R2").product("TRU", "trust", risk_level="R3")
    b.product("TRU2", "trust", risk_level="R3")
    b.product("LN", "business_loan").product("CARD", "credit_card")
    # N1: new, 30,000 + 20,000 = 50,000.00 exactly, asked about wealth → teller rule
    b.customer("N1", opened_on="2026-09-20")
    credit(b, "N1", "2026-09-20", "30000.00")
    credit(b, "N1", "2026-09-21", "20000.00")
    b.event("N1", "2026-09-20T16:10:00+08:00", "inquiry.wealth")
    # N2: 49,999.99 is one cent short
    b.customer("N2", opened_on="2026-09-20")
    credit(b, "N2", "2026-09-20", "49999.99")
    b.event("N2", "2026-09-20T16:10:00+08:00", "inquiry.wealth")
    # N3: opened on D − 29 (the first day of the window), 60,000 → proposed
    b.customer("N3", opened_on="2026-09-01")
    credit(b, "N3", "2026-09-01", "60000.00")
    b.event("N3", "2026-09-01T09:00:00+08:00", "inquiry.wealth")
    # N4: opened on D − 30: not a new account any more
    b.customer("N4", opened_on="2026-08-31")
    credit(b, "N4", "2026-08-31", "60000.00")
    b.event("N4", "2026-09-02T09:00:00+08:00", "inquiry.wealth")
    # N5: big deposit, never asked about wealth
    b.customer("N5", opened_on="2026-09-25")
    credit(b, "N5", "2026-09-25", "80000.00")
    # N6: a debit of 80,000 does not count; credits 10,000 only
    b.customer("N6", opened_on="2026-09-25")
    credit(b, "N6", "2026-09-25", "10000.00")
    credit(b, "N6", "2026-09-26", "80000.00", direction="debit")
    b.event("N6", "2026-09-25T11:00:00+08:00", "inquiry.wealth")
    # N7: would qualify, but a referral for wealth is already open in the lake
    b.customer("N7", opened_on="2026-09-20")
    credit(b, "N7", "2026-09-20", "70000.00")
    b.event("N7", "2026-09-20T11:00:00+08:00", "inquiry.wealth")
    b.add(
        "referrals",
        {
            "referral_id": "R1",
            "from_staff_id": "TE1",
            "to_staff_id": "RM1",
            "customer_id": "N7",
            "need": "wealth",
            "created_at": "2026-09-21T10:00:00+08:00",
            "status": "accepted",
            "responded_at": "2026-09-21T12:00:00+08:00",
            "converted_at": "",
        },
    )
    # W1: corporate, asked about settlement on 09-15 → WM rule, need corporate_settlement
    b.customer("W1", kind="corporate", rm="RM2")
    b.event("W1", "2026-09-15T10:00:00+08:00", "inquiry.corporate_settlement")
    # W2: asked about a business loan on 08-31, a day before the window
    b.customer("W2", kind="corporate")
    b.event("W2", "2026-08-31T10:00:00+08:00", "inquiry.business_loan")
    # T1: asked about a family trust at 23:30 bank time on D → RM rule, RM1 → WM1
    b.customer("T1")
    b.event("T1", "2026-09-30T23:30:00+08:00", "inquiry.family_trust")
    # T2: 16:30 UTC on D is 00:30 on 10-01 in bank time: after D
    b.customer("T2")
    b.event("T2", "2026-09-30T16:30:00Z", "inquiry.family_trust")
    # Holdings for the conversion window (see the conversion test)
    b.holding("N1", "CARD", "1000.00", "2026-09-22")  # not a conversion category
    b.holding("N1", "WMP", "95000.00", "2026-12-29")  # D0 = 09-30, + 90 = 12-29: in
    b.holding("N3", "WMP", "95000.00", "2026-12-30")  # one day after the window
    b.holding("N3", "WMP", "20000.00", "2026-09-29")  # before the referral date
    b.holding("T1", "TRU", "300000.00", "2026-10-01")
    b.holding("T1", "TRU2", "500000.00", "2026-10-01")  # same day: the larger one wins
    return Lake(b.write(path / "lake"), today=TODAY)


def test_candidates_golden(tmp_path: Path) -> None:
    table = referral_candidates(build(tmp_path), as_of=D, policy=POLICY)
    assert table.schema == CANDIDATE_SCHEMA
    rows = [
        (
            r["rule_id"],
            r["customer_id"],
            r["need"],
            r["from_staff_id"],
            r["to_staff_id"],
            r["deposit"],
            r["trigger_date"],
        )
        for r in table.to_pylist()
    ]
    assert rows == [
        ("rm_trust_medical", "T1", "family_trust", "RM1", "WM1", None, D),
        (
            "teller_new_account_wealth",
            "N1",
            "wealth",
            None,
            "RM1",
            Decimal("50000.00"),  # 30,000 + 20,000
            dt.date(2026, 9, 20),
        ),
        (
            "teller_new_account_wealth",
            "N3",
            "wealth",
            None,
            "RM1",
            Decimal("60000.00"),
            dt.date(2026, 9, 1),
        ),
        (
            "wm_corporate_business",
            "W1",
            "corporate_settlement",
            None,
            "RM2",
            None,
            dt.date(2026, 9, 15),
        ),
    ]


def test_the_cli_writes_the_candidates(tmp_path: Path, capsys: object) -> None:
    build(tmp_path)
    out = tmp_path / "cand.csv"
    status = main(
        [
            "referral-candidates",
            "--lake",
            str(tmp_path / "lake"),
            "--as-of",
            "2026-09-30",
            "--today",
            "2027-01-31",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    csv = pa_csv.read_csv(out)
    assert csv.column("customer_id").to_pylist() == ["T1", "N1", "N3", "W1"]


def test_the_cli_names_a_bad_policy(tmp_path: Path, capsys: object) -> None:
    build(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: []\npoints: {base: 1, per_amount: '1.00', cap: 1}\n", encoding="utf-8")
    status = main(
        [
            "referral-candidates",
            "--lake",
            str(tmp_path / "lake"),
            "--as-of",
            "2026-09-30",
            "--policy",
            str(bad),
            "--out",
            str(tmp_path / "x.csv"),
        ]
    )
    assert status == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert f"{bad}:1: error [schema.too_short] at rules" in err


def test_conversion_window_boundaries(tmp_path: Path) -> None:
    lake = build(tmp_path)
    refs = [
        OpenReferral("a", "N1", D, "teller_new_account_wealth"),
        OpenReferral("b", "N3", D, "teller_new_account_wealth"),
        OpenReferral("c", "T1", D, "rm_trust_medical"),
        OpenReferral("d", "N2", D, "teller_new_account_wealth"),
    ]
    found = match_purchases(lake, refs, policy=POLICY)
    # a: WMP bought on D + 90 = 12-29, the window's last day (the card is no conversion)
    assert found["a"].product_id == "WMP"
    assert found["a"].start_date == dt.date(2026, 12, 29)
    # b: 12-30 is a day late and 09-29 is before the referral: no conversion
    assert "b" not in found
    # c: two trusts on the same day, the larger amount converts
    assert (found["c"].product_id, found["c"].amount) == ("TRU2", Decimal("500000.00"))
    assert "d" not in found


def test_a_bank_policy_changes_the_threshold(tmp_path: Path) -> None:
    from rmperf.engine.policy import load_policy_text
    from rmperf.engine.referrals.policy import RULES, ReferralPolicy

    text = (
        Path(__file__).resolve().parents[2] / "src/rmperf/policies/defaults/referrals.yaml"
    ).read_text(encoding="utf-8")
    text = text.replace('deposit_min: "50000.00"', 'deposit_min: "60000.00"')
    policy = load_policy_text(text, ReferralPolicy, rules=RULES).policy
    table = referral_candidates(build(tmp_path), as_of=D, policy=policy)
    teller = [
        r["customer_id"] for r in table.to_pylist() if r["rule_id"] == "teller_new_account_wealth"
    ]
    # N1 deposited 50,000.00 < 60,000; N3 deposited exactly 60,000.00
    assert teller == ["N3"]
