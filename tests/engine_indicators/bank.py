"""The hand-built bank behind the indicator golden tests (every value written here).

Period under test: 2026Q3 (1 July – 30 September, D = 92 days); previous: 2026Q2
(D_prev = 91). Bank time Asia/Shanghai (UTC+8). Lake day 2026-11-23.

Org: BANK → RG1 → BR1 → TM1 (RM1, RM2), TM2 (RM3); RG1 → BR2 → TM3 (RM4, hired
2026-08-15, mid-period), and RM5 attached straight to BR2 (no team, no activity). RM6 is
hired after the period (not in it); TL1, BM1, TE1 and WM1 (wealth manager) are no RMs.

Customers and who looks after them:
- C1 RM1 throughout. Deposits Q2 100,000/month; Q3 120,000, 120,000, 130,000 with a
  400,000 September month-end (时点冲量: October's average falls back to 125,000).
  Wealth 200,000/month in Q3 and October.
- C2 RM1 until 2026-08-15, RM2 from 2026-08-16 (mid-period reassignment). Deposits Q2
  50,000/month; Q3 60,000, 62,000, 62,000.
- C3 RM1 until 2026-06-30 (left): deposits Q2 10,000/month, nothing after.
- C7 RM1, never transacted (sleeping); buys insurance on 2026-09-30.
- C4 RM2, corporate sci-tech; deposits Q3 100,000 (month-end 300,000), 300,000,
  300,000: a jump that stays, so no spike flag.
- C5 RM2 sleeping since 2025-12-01, wakes up on 2026-07-15; C6 RM2 last seen
  2026-01-02 (179 days before 30 June: not sleeping).
- N1, N2 RM3, opened in Q3 (N1 valid, N2 never transacts); N3 opened 2026-09-10 and
  assigned to RM4 only from 2026-09-12 (credited by the first later assignment).
- H1, H2, H3 RM3: high-net-worth cases (daily-average based); H3 holds a trust.
- V1, V2, V3 RM5: VIP (core-tier) cases on 30 June: V1 and V2 are VIP (V2 by the
  half-up rounding of its AUM), V3 has only 4 transactions in the 90 days.
- RX, RY, RZ nobody's: customers RM3 referred to the wealth manager WM1 (referral points).
- Loans L5, L6 (Q2) and the rates of L1, L4 for the financing cost; unit_financials of
  TM1 and TM2; projects and proposals of RM1–RM3; interactions of RM1, RM2, RM5.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.lakebuilder import LakeBuilder

TODAY = dt.date(2026, 11, 23)
Q2 = ("2026-04", "2026-05", "2026-06")
Q3 = ("2026-07", "2026-08", "2026-09")


def staff(staff_id: str, unit: str, hired: str, role: str = "rm") -> dict[str, str]:
    return {
        "staff_id": staff_id,
        "name": f"员工{staff_id}",
        "role": role,
        "rank": "junior" if role == "rm" else "",
        "unit_id": unit,
        "hired_on": hired,
    }


def product(pid: str, category: str, rate: str) -> dict[str, str]:
    return {
        "product_id": pid,
        "name": pid,
        "category": category,
        "risk_level": "R2",
        "term_days": "",
        "revenue_rate": rate,
    }


def loan(
    loan_id: str,
    customer: str,
    rm: str,
    product_id: str,
    amount: str,
    disbursed: str,
    *,
    applied: str = "",
    green: str = "false",
    inclusive: str = "false",
    supply_chain: str = "",
    rate: str = "",
) -> dict[str, str]:
    return {
        "loan_id": loan_id,
        "customer_id": customer,
        "product_id": product_id,
        "staff_id": rm,
        "amount": amount,
        "disbursed_on": disbursed,
        "maturity_date": "2030-01-01",
        "green": green,
        "inclusive": inclusive,
        "applied_on": applied,
        "supply_chain": supply_chain,
        "rate": rate,
    }


def status(
    loan_id: str, month: str, balance: str, overdue: int = 0, grade: str = "normal"
) -> dict[str, str]:
    return {
        "loan_id": loan_id,
        "month": month,
        "balance": balance,
        "overdue_days": str(overdue),
        "grade": grade,
    }


def holding(customer: str, pid: str, amount: str, start: str, maturity: str = "") -> dict[str, str]:
    return {
        "customer_id": customer,
        "product_id": pid,
        "amount": amount,
        "start_date": start,
        "maturity_date": maturity,
        "staff_id": "",
    }


def event(customer: str, ts: str, kind: str, staff_id: str = "") -> dict[str, str]:
    return {"customer_id": customer, "ts": ts, "kind": kind, "detail": "", "staff_id": staff_id}


def request(rid: str, rm: str, received: str, resolved: str = "") -> dict[str, str]:
    return {
        "request_id": rid,
        "customer_id": "C2",
        "staff_id": rm,
        "received_at": received,
        "resolved_at": resolved,
    }


def feedback(rm: str, day: str, kind: str, score: str) -> dict[str, str]:
    return {"staff_id": rm, "customer_id": "", "date": day, "kind": kind, "score": score}


def referral(
    rid: str,
    customer: str,
    created: str,
    status_: str,
    converted: str = "",
    *,
    to: str = "RM1",
    need: str = "wealth",
) -> dict[str, str]:
    return {
        "referral_id": rid,
        "from_staff_id": "RM3",
        "to_staff_id": to,
        "customer_id": customer,
        "need": need,
        "created_at": created,
        "status": status_,
        "responded_at": "",
        "converted_at": converted,
    }


def interaction(customer: str, rm: str, ts: str) -> dict[str, str]:
    return {"customer_id": customer, "staff_id": rm, "ts": ts, "channel": "phone", "outcome": "ok"}


def build() -> LakeBuilder:
    b = LakeBuilder()
    b.tables["org_units"] += [
        {"unit_id": "TM2", "name": "西湖二组", "kind": "team", "parent_id": "BR1"},
        {"unit_id": "BR2", "name": "滨江支行", "kind": "branch", "parent_id": "RG1"},
        {"unit_id": "TM3", "name": "滨江一组", "kind": "team", "parent_id": "BR2"},
    ]
    b.tables["staff"] += [
        staff("RM3", "TM2", "2019-01-01"),
        staff("RM4", "TM3", "2026-08-15"),
        staff("RM5", "BR2", "2019-01-01"),
        staff("RM6", "TM3", "2026-10-10"),
        staff("WM1", "BR1", "2018-01-01", role="wealth_manager"),
    ]
    b.tables["products"] += [
        product("WEALTH", "wealth", "0.010000"),
        product("FUND", "fund", "0.015000"),
        product("INS", "insurance", "0.020000"),
        product("CARD", "credit_card", "0"),
        product("BIZ", "business_loan", "0.040000"),
        product("MORT", "mortgage", "0.020000"),
        product("TRUST", "trust", "0"),
    ]

    # -- customers and assignments
    b.customer("C1").customer("C7")
    b.customer("C2", rm=None).add(
        "assignments",
        {
            "customer_id": "C2",
            "staff_id": "RM1",
            "valid_from": "2020-01-01",
            "valid_to": "2026-08-15",
        },
        {"customer_id": "C2", "staff_id": "RM2", "valid_from": "2026-08-16", "valid_to": ""},
    )
    b.customer("C3", rm=None).add(
        "assignments",
        {
            "customer_id": "C3",
            "staff_id": "RM1",
            "valid_from": "2020-01-01",
            "valid_to": "2026-06-30",
        },
    )
    b.customer("C4", rm="RM2", kind="corporate", birth_date="", sci_tech="true")
    b.customer("C5", rm="RM2").customer("C6", rm="RM2")
    b.customer("N1", rm="RM3", since="2026-07-05", opened_on="2026-07-05")
    b.customer("N2", rm="RM3", since="2026-08-01", opened_on="2026-08-01")
    b.customer("N3", rm="RM4", since="2026-09-12", opened_on="2026-09-10")
    for h in ("H1", "H2", "H3"):
        b.customer(h, rm="RM3")

    # -- balances
    for m in Q2:
        b.balance("C1", m, "deposit", "100000.00")
        b.balance("C2", m, "deposit", "50000.00")
        b.balance("C3", m, "deposit", "10000.00")
    b.balance("C1", "2026-07", "deposit", "120000.00")
    b.balance("C1", "2026-08", "deposit", "120000.00")
    b.balance("C1", "2026-09", "deposit", "130000.00", "400000.00")
    b.balance("C1", "2026-10", "deposit", "125000.00", "250000.00")
    for m in (*Q3, "2026-10"):
        b.balance("C1", m, "wealth", "200000.00")
    b.balance("C2", "2026-07", "deposit", "60000.00")
    b.balance("C2", "2026-08", "deposit", "62000.00")
    b.balance("C2", "2026-09", "deposit", "62000.00")
    b.balance("C4", "2026-07", "deposit", "100000.00", "300000.00")
    b.balance("C4", "2026-08", "deposit", "300000.00")
    b.balance("C4", "2026-09", "deposit", "300000.00")
    b.balance("N1", "2026-07", "deposit", "5000.00")
    b.balance("N2", "2026-08", "deposit", "5000.00")
    b.balance("N3", "2026-09", "deposit", "1000.00")
    b.balance("H1", "2026-06", "deposit", "600000.00").balance(
        "H1", "2026-06", "wealth", "500000.00"
    )
    for m in ("2026-07", "2026-08"):
        b.balance("H1", m, "deposit", "600000.00").balance("H1", m, "wealth", "500000.00")
    b.balance("H1", "2026-09", "deposit", "600000.00").balance(
        "H1", "2026-09", "wealth", "450000.00"
    )
    b.balance("H2", "2026-06", "deposit", "1000000.00")
    b.balance("H2", "2026-09", "deposit", "999999.99", "5000000.00")
    b.balance("H3", "2026-06", "deposit", "900000.00", "2000000.00")
    b.balance("H3", "2026-09", "deposit", "2000000.00")

    # -- transactions (bank time UTC+8; the Z ones sit near midnight)
    b.txn("C1", "2026-06-01T10:00:00+08:00", channel="counter")  # Q2: C1 not sleeping
    b.txn("C1", "2026-06-30T16:30:00Z")  # 1 July 00:30 in Shanghai: Q3, mobile
    b.txn("C1", "2026-09-30T16:30:00Z")  # 1 October in Shanghai: not Q3
    b.txn("C1", "2026-07-10T10:00:00+08:00", channel="counter")
    b.txn("C2", "2026-05-01T10:00:00+08:00", channel="counter")  # Q2
    b.txn("C2", "2026-08-15T15:59:59Z", channel="online")  # 15 Aug 23:59:59: RM1
    b.txn("C2", "2026-08-15T16:00:00Z", channel="counter")  # 16 Aug 00:00: RM2
    b.txn("C5", "2025-12-01T10:00:00+08:00", channel="counter")
    b.txn("C5", "2026-07-15T10:00:00+08:00", channel="counter")  # wakes up
    b.txn("C6", "2026-01-02T10:00:00+08:00", channel="counter")
    b.txn("N1", "2026-07-06T10:00:00+08:00", channel="counter")
    b.txn("N3", "2026-09-20T10:00:00+08:00")  # mobile

    # -- loans (originated by RM1, except L0)
    b.add(
        "loans",
        loan("L0", "C2", "RM2", "BIZ", "200000.00", "2025-01-10"),
        loan(
            "L1",
            "C1",
            "RM1",
            "BIZ",
            "1000000.00",
            "2026-07-10",
            applied="2026-07-01",
            green="true",
            inclusive="true",
            supply_chain="true",
            rate="0.040000",
        ),
        loan(
            "L2",
            "C2",
            "RM1",
            "MORT",
            "500000.00",
            "2026-08-20",
            applied="2026-08-05",
            inclusive="true",
        ),
        loan("L3", "C7", "RM1", "BIZ", "300000.00", "2026-06-15", rate="0.060000"),
        loan("L4", "C1", "RM1", "BIZ", "100000.00", "2026-07-10", inclusive="true", rate="0.038"),
        # Q2 inclusive loans of RM1 to C3 (no status rows: only the financing cost reads them)
        loan("L5", "C3", "RM1", "BIZ", "50000.00", "2026-05-10", inclusive="true", rate="0.045"),
        loan("L6", "C3", "RM1", "BIZ", "80000.00", "2026-06-01", inclusive="true", rate="0.043"),
    )
    b.add(
        "loan_status",
        *[status("L0", m, "150000.00") for m in Q3],
        *[status("L1", m, "1000000.00") for m in Q3],
        status("L2", "2026-08", "500000.00"),
        status("L2", "2026-09", "480000.00", 35, "special_mention"),
        status("L3", "2026-07", "300000.00"),
        status("L3", "2026-08", "300000.00", 20, "special_mention"),
        status("L3", "2026-09", "290000.00", 100, "substandard"),
        status("L3", "2026-10", "290000.00", 130, "doubtful"),
        status("L4", "2026-07", "100000.00"),
        status("L4", "2026-08", "100000.00"),
        status("L4", "2026-09", "0.00"),
    )

    # -- holdings
    b.add(
        "holdings",
        holding("C1", "WEALTH", "100000.00", "2026-07-01", "2026-09-29"),
        holding("C1", "FUND", "50000.00", "2026-08-01"),
        holding("C1", "INS", "20000.00", "2026-06-01"),
        holding("C1", "CARD", "0.00", "2025-01-01"),
        holding("C2", "WEALTH", "200000.00", "2026-08-20"),
        holding("C2", "FUND", "10000.00", "2026-01-01"),
        holding("C7", "INS", "30000.00", "2026-09-30"),
    )

    # -- events
    b.add(
        "events",
        event("C1", "2026-07-01T00:30:00+08:00", "complaint"),
        event("C1", "2026-06-30T23:59:00+08:00", "complaint"),  # Q2
        event("C2", "2026-08-16T00:10:00+08:00", "complaint"),  # RM2's by then
        event("C1", "2026-09-01T10:00:00+08:00", "compliance.breach", "RM4"),
        event("C2", "2026-07-20T10:00:00+08:00", "compliance.breach"),  # RM1 then
    )

    # -- requests (handled by RM2)
    b.add(
        "requests",
        request("R1", "RM2", "2026-07-01T09:00:00+08:00", "2026-07-02T09:00:00+08:00"),
        request("R2", "RM2", "2026-07-03T09:00:00+08:00", "2026-07-04T09:00:01+08:00"),
        request("R3", "RM2", "2026-09-30T20:00:00+08:00"),
        request("R4", "RM2", "2026-06-30T17:00:00Z", "2026-06-30T19:00:00Z"),
        request("R5", "RM2", "2026-09-30T16:30:00Z", "2026-09-30T17:00:00Z"),
    )

    # -- feedback
    b.add(
        "feedback",
        *[feedback("RM2", "2026-08-01", "nps", s) for s in ("10", "9", "9", "7", "6")],
        feedback("RM2", "2026-06-30", "nps", "0"),
        feedback("RM1", "2026-08-01", "risk_due_diligence", "90"),
        feedback("RM1", "2026-09-01", "risk_due_diligence", "85.5"),
        feedback("RM1", "2026-07-15", "mystery_shopper", "80"),
        feedback("RM1", "2026-09-30", "mystery_shopper", "92.5"),
        feedback("RM1", "2026-10-01", "mystery_shopper", "10"),
        feedback("RM3", "2026-08-10", "peer", "70"),
        feedback("RM3", "2026-08-11", "peer", "80.5"),
        feedback("RM3", "2026-09-12", "peer", "90"),
        feedback("RM3", "2026-06-30", "peer", "0"),
    )

    # -- trainings (RM3)
    b.add(
        "trainings",
        {
            "staff_id": "RM3",
            "date": "2026-07-10",
            "kind": "course",
            "name": "销售技巧",
            "hours": "8",
        },
        {
            "staff_id": "RM3",
            "date": "2026-08-10",
            "kind": "certification",
            "name": "AFP",
            "hours": "40",
        },
        {"staff_id": "RM3", "date": "2026-06-30", "kind": "course", "name": "合规", "hours": "16"},
    )

    # -- referrals (made by RM3)
    b.add(
        "referrals",
        referral(
            "RF1", "C1", "2026-07-05T10:00:00+08:00", "converted", "2026-08-10T10:00:00+08:00"
        ),
        referral("RF2", "C1", "2026-08-01T10:00:00+08:00", "lost"),
        referral(
            "RF3", "C1", "2026-09-25T10:00:00+08:00", "converted", "2026-10-02T10:00:00+08:00"
        ),
        referral(
            "RF4", "H1", "2026-06-20T10:00:00+08:00", "converted", "2026-07-15T10:00:00+08:00"
        ),
        # To the wealth manager WM1 (rule rm_trust_medical: a trust or insurance purchase
        # from the referral's day through 90 days later converts it). RX, RY, RZ are
        # nobody's customers, so no other indicator sees their holdings.
        referral(
            "RF5",
            "RX",
            "2026-07-20T10:00:00+08:00",
            "converted",
            "2026-08-02T10:00:00+08:00",
            to="WM1",
            need="medical_insurance",
        ),
        referral(
            "RF6",
            "RY",
            "2026-09-01T10:00:00+08:00",
            "converted",
            "2026-09-10T10:00:00+08:00",
            to="WM1",
            need="family_trust",
        ),
        referral(
            "RF7",
            "RZ",
            "2026-09-02T10:00:00+08:00",
            "converted",
            "2026-09-20T10:00:00+08:00",
            to="WM1",
            need="family_trust",
        ),
    )
    for cid in ("RX", "RY", "RZ"):
        b.customer(cid, rm=None)
    b.add(
        "holdings",
        holding("RX", "INS", "95000.00", "2026-08-01"),  # first: 10 + 9 = 19 points
        holding("RX", "INS", "2000000.00", "2026-08-15"),  # later: not the converting one
        holding("RY", "WEALTH", "300000.00", "2026-09-02"),  # not a conversion category
        holding("RY", "TRUST", "1500000.00", "2026-09-05"),  # 10 + 150, capped at 100
        holding("RZ", "INS", "50000.00", "2026-08-31"),  # before the referral: no purchase
    )
    # -- VIP cases of RM5 (wealth only in Q2: no deposit figure moves)
    for v in ("V1", "V2", "V3"):
        b.customer(v, rm="RM5")
    for m in Q2:
        b.balance("V1", m, "wealth", "600000.00").balance("V3", m, "wealth", "600000.00")
    b.balance("V2", "2026-04", "wealth", "499999.99")
    b.balance("V2", "2026-05", "wealth", "500000.00").balance(
        "V2", "2026-06", "wealth", "500000.00"
    )
    for day in ("04-10", "05-10", "06-05", "06-15", "06-25"):
        b.txn("V1", f"2026-{day}T10:00:00+08:00", channel="counter")
    for day in ("04-03", "05-10", "06-05", "06-15", "06-30"):
        b.txn("V2", f"2026-{day}T10:00:00+08:00", channel="counter")
    for day in ("05-10", "06-05", "06-15", "06-25"):
        b.txn("V3", f"2026-{day}T10:00:00+08:00", channel="counter")
    b.add(
        "holdings",
        holding("V1", "FUND", "100000.00", "2026-05-01"),
        holding("V1", "INS", "50000.00", "2026-04-01"),
        holding("H3", "TRUST", "1000000.00", "2026-09-01"),
        holding("H1", "TRUST", "500000.00", "2026-01-01", "2026-09-29"),  # ended before 30 Sep
    )

    # -- interactions
    b.add(
        "interactions",
        interaction("C1", "RM1", "2026-07-01T10:00:00+08:00"),
        interaction("C1", "RM1", "2026-07-01T15:00:00+08:00"),  # same customer, same day
        interaction("C2", "RM1", "2026-07-01T11:00:00+08:00"),
        interaction("C7", "RM1", "2026-06-30T17:00:00Z"),  # 1 July 01:00 in Shanghai
        interaction("C1", "RM1", "2026-07-02T10:00:00+08:00"),
        interaction("C7", "RM1", "2026-09-26T10:00:00+08:00"),  # a Saturday
        interaction("C2", "RM1", "2026-09-30T16:30:00Z"),  # 1 October in Shanghai: out
        interaction("V1", "RM1", "2026-08-04T10:00:00+08:00"),
        interaction("C1", "RM2", "2026-07-01T10:00:00+08:00"),
        interaction("V1", "RM5", "2026-07-03T10:00:00+08:00"),
        interaction("V3", "RM5", "2026-07-03T11:00:00+08:00"),
        interaction("V1", "RM5", "2026-08-03T10:00:00+08:00"),
        interaction("V1", "RM5", "2026-06-29T10:00:00+08:00"),  # Q2
    )

    # -- unit figures, projects, proposals (the optional tables)
    b.add(
        "unit_financials",
        {"unit_id": "TM1", "month": "2026-06", "net_profit": "900000.00", "equity": "1000000.00"},
        {"unit_id": "TM1", "month": "2026-07", "net_profit": "100000.00", "equity": "10000000.00"},
        {"unit_id": "TM1", "month": "2026-08", "net_profit": "120000.00", "equity": "10000000.00"},
        {"unit_id": "TM1", "month": "2026-09", "net_profit": "-20000.00", "equity": "12000000.00"},
        {"unit_id": "TM2", "month": "2026-09", "net_profit": "50000.00", "equity": "2000000.00"},
    )
    b.add(
        "projects",
        {"project_id": "P1", "name": "供应链平台", "staff_id": "RM3", "joined_on": "2026-07-20"},
        {"project_id": "P2", "name": "科创走廊", "staff_id": "RM3", "joined_on": "2026-06-10"},
        {"project_id": "P1", "name": "供应链平台", "staff_id": "RM1", "joined_on": "2026-09-30"},
    )

    def proposal(pid: str, submitted: str, adopted: str = "") -> dict[str, str]:
        return {
            "proposal_id": pid,
            "staff_id": "RM2",
            "title": f"建议{pid}",
            "submitted_on": submitted,
            "adopted_on": adopted,
            "reviewer_id": "TL1" if adopted else "",
        }

    b.add(
        "proposals",
        proposal("PR1", "2026-06-01", "2026-07-05"),
        proposal("PR2", "2026-08-01"),  # not adopted
        proposal("PR3", "2026-09-20", "2026-10-08"),  # adopted after the period
    )
    return b


def write(path: Path) -> Path:
    return build().write(path)
