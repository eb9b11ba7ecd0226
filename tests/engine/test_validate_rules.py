"""Every row-level rule of the contract, one small lake per case, reasons hand-written."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from rmperf.engine import contract
from rmperf.engine.formula_safe import formula_safe
from tests.engine.lakes import BASE, rejected, row

ID = contract.ID_PATTERN

# (table, column, bad value, the reason written to the rejects file)
TYPE_ERRORS = [
    ("products", "term_days", "12.5", "term_days: 12.5 is not an integer"),
    ("products", "term_days", "abc", "term_days: abc is not an integer"),
    (
        "products",
        "term_days",
        "99999999999999999999",
        "term_days: 99999999999999999999 is out of range for a 64-bit integer",
    ),
    ("staff", "hired_on", "abc", "hired_on: abc is not a date (YYYY-MM-DD)"),
    ("staff", "hired_on", "2026-02-30", "hired_on: 2026-02-30 is not a date (YYYY-MM-DD)"),
    ("staff", "hired_on", "2026/01/05", "hired_on: 2026/01/05 is not a date (YYYY-MM-DD)"),
    ("staff", "hired_on", "5 Jan 2026", "hired_on: 5 Jan 2026 is not a date (YYYY-MM-DD)"),
    ("transactions", "ts", "yesterday", "ts: yesterday is not an ISO 8601 timestamp"),
    (
        "transactions",
        "ts",
        "2026-06-01T25:00:00",
        "ts: 2026-06-01T25:00:00 is not an ISO 8601 timestamp",
    ),
    ("transactions", "ts", "2026-06-01", "ts: 2026-06-01 is not an ISO 8601 timestamp"),
    ("transactions", "amount", "12.345", "amount: 12.345 has more than 2 decimal places"),
    ("transactions", "amount", "0.001", "amount: 0.001 has more than 2 decimal places"),
    ("transactions", "amount", "1,000.00", "amount: 1,000.00 is not a decimal number"),
    ("transactions", "amount", "1e3", "amount: 1e3 is not a decimal number"),
    ("transactions", "amount", "ten", "amount: ten is not a decimal number"),
    (
        "transactions",
        "amount",
        "10000000000000000.00",
        "amount: 10000000000000000.00 is too large for decimal(18,2)",
    ),
    (
        "products",
        "revenue_rate",
        "0.1234567",
        "revenue_rate: 0.1234567 has more than 6 decimal places",
    ),
    ("trainings", "hours", "1.234", "hours: 1.234 has more than 2 decimal places"),
    ("feedback", "score", "9.999", "score: 9.999 has more than 2 decimal places"),
    ("loans", "green", "yes", "green: yes is not a boolean (true/false/1/0)"),
    ("loans", "inclusive", "2", "inclusive: 2 is not a boolean (true/false/1/0)"),
    ("balances", "month", "2026-13", "month: 2026-13 is not a month (YYYY-MM)"),
    ("balances", "month", "2026-5", "month: 2026-5 is not a month (YYYY-MM)"),
]


@pytest.mark.parametrize(("table", "column", "value", "reason"), TYPE_ERRORS)
def test_a_value_that_does_not_parse_is_rejected(
    tmp_path: Path, batch: Batch, table: str, column: str, value: str, reason: str
) -> None:
    assert single_case(tmp_path, batch, table, column, value) == reason


GOOD_VALUES = [
    ("transactions", "amount", "12.340"),  # trailing zeros lose nothing
    ("transactions", "amount", "7"),
    ("transactions", "amount", "+7.5"),
    ("transactions", "ts", "2026-06-01T10:00:00Z"),
    ("transactions", "ts", "2026-06-01T10:00+05:30"),
    ("transactions", "ts", "2026-06-01 10:00:00.123456+0800"),
    ("loans", "green", "FALSE"),
    ("loans", "green", "True"),
    ("loans", "green", "1"),
    ("products", "term_days", "-0"),  # min 0 holds for minus zero
    ("products", "revenue_rate", "1"),  # max is inclusive
    ("products", "revenue_rate", "0"),  # min is inclusive
    ("feedback", "score", "10"),
]


@pytest.mark.parametrize(("table", "column", "value"), GOOD_VALUES)
def test_well_formed_values_pass(
    tmp_path: Path, batch: Batch, table: str, column: str, value: str
) -> None:
    assert single_case(tmp_path, batch, table, column, value) is None


VALUE_ERRORS = [
    # required: an empty or blank field is missing
    ("customers", "name", "", "name: a value is required"),
    ("customers", "name", "   ", "name: a value is required"),
    ("transactions", "amount", "", "amount: a value is required"),
    # enum
    ("transactions", "direction", "sideways", "direction: sideways is not one of credit, debit"),
    ("transactions", "direction", "Credit", "direction: Credit is not one of credit, debit"),
    ("customers", "risk_level", "C6", "risk_level: C6 is not one of C1, C2, C3, C4, C5"),
    (
        "staff",
        "business_line",
        "Corporate",
        "business_line: Corporate is not one of retail, corporate, sci_tech",
    ),
    # pattern (whole string)
    ("customers", "phone", "call me", r"phone: call me does not match ^\+?[0-9][0-9 -]{5,19}$"),
    (
        "events",
        "kind",
        "Page View",
        f"kind: Page View does not match {contract.EVENT_KIND_PATTERN}",
    ),
    (
        "events",
        "kind",
        "page_view.",
        f"kind: page_view. does not match {contract.EVENT_KIND_PATTERN}",
    ),
    # min / max / exclusive min
    ("transactions", "amount", "-5.00", "amount: -5.00 is not > 0"),
    ("transactions", "amount", "0", "amount: 0 is not > 0"),
    ("transactions", "amount", "0.00", "amount: 0.00 is not > 0"),
    ("products", "revenue_rate", "1.000001", "revenue_rate: 1.000001 is not <= 1"),
    ("products", "revenue_rate", "-0.01", "revenue_rate: -0.01 is not >= 0"),
    ("products", "term_days", "-1", "term_days: -1 is not >= 0"),
    ("loan_status", "overdue_days", "-3", "overdue_days: -3 is not >= 0"),
    ("feedback", "score", "100.01", "score: 100.01 is not <= 100"),
    ("trainings", "hours", "1000.5", "hours: 1000.5 is not <= 1000"),
    # dates: not before 1900, not after the validation day (TODAY = 2026-06-30)
    ("staff", "hired_on", "1899-12-31", "hired_on: 1899-12-31 is before 1900-01-01"),
    (
        "staff",
        "hired_on",
        "2026-07-01",
        "hired_on: 2026-07-01 is after the validation day 2026-06-30",
    ),
    ("balances", "month", "2026-07", "month: 2026-07 is after the validation day 2026-06-30"),
    ("balances", "month", "1899-12", "month: 1899-12 is before 1900-01-01"),
    (
        "events",
        "ts",
        "2026-07-01T00:00:00+08:00",
        "ts: 2026-07-01T00:00:00+08:00 is after the validation day 2026-06-30",
    ),
    # 16:30 UTC on the 30th is 00:30 on 1 July in Shanghai: already tomorrow for the bank
    (
        "events",
        "ts",
        "2026-06-30T16:30:00Z",
        "ts: 2026-06-30T16:30:00Z is after the validation day 2026-06-30",
    ),
    ("events", "ts", "1899-12-31T12:00:00", "ts: 1899-12-31T12:00:00 is before 1900-01-01"),
]


@pytest.mark.parametrize(("table", "column", "value", "reason"), VALUE_ERRORS)
def test_value_rules(
    tmp_path: Path, batch: Batch, table: str, column: str, value: str, reason: str
) -> None:
    assert single_case(tmp_path, batch, table, column, value) == reason


# Cases of a table whose rows can carry a unique label are validated together, one lake
# per table (a validation costs a few hundred milliseconds); the rest one by one.
LABEL_COLUMN = {
    "products": "product_id",
    "staff": "staff_id",
    "transactions": "txn_id",
    "customers": "customer_id",
    "loans": "loan_id",
    "events": "detail",
    "trainings": "name",
}
Case = tuple[str, str, str]
Batch = dict[Case, str | None]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    cases = [(t, c, v) for t, c, v, _ in TYPE_ERRORS + VALUE_ERRORS] + GOOD_VALUES
    by_table: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        if case[0] in LABEL_COLUMN and case[1] != LABEL_COLUMN[case[0]]:
            by_table[case[0]].append(case)
    out: Batch = {}
    for table, mine in by_table.items():
        label = LABEL_COLUMN[table]
        rows = [
            row(table, **{label: f"K{n}", col: value}) for n, (_, col, value) in enumerate(mine)
        ]
        found = rejected(tmp_path_factory.mktemp(table), table, rows, key=label)
        for n, case in enumerate(mine):
            out[case] = found.get(f"K{n}")
    return out


def single_case(tmp_path: Path, batch: Batch, table: str, column: str, value: str) -> str | None:
    if (table, column, value) in batch:
        return batch[(table, column, value)]
    bad = row(table, **{column: value})
    found = rejected(tmp_path, table, [bad], key=column)
    shown = formula_safe(value)  # the rejects file writes "-3" as "'-3"
    assert set(found) <= {shown}
    return found.get(shown)


def test_time_of_day_decides_the_business_date(tmp_path: Path) -> None:
    rows = [
        # naive: bank time, still the 30th
        row("events", customer_id="C1", ts="2026-06-30T23:59:59", detail="a"),
        # 15:59:59 UTC is 23:59:59 in Shanghai: still the 30th
        row("events", customer_id="C2", ts="2026-06-30T15:59:59Z", detail="b"),
        # 01:00 in Tokyo on 1 July is 00:00 in Shanghai on 1 July: future
        row("events", customer_id="C3", ts="2026-07-01T01:00:00+09:00", detail="c"),
    ]
    assert rejected(tmp_path, "events", rows) == {
        "C3": "ts: 2026-07-01T01:00:00+09:00 is after the validation day 2026-06-30"
    }


def test_future_dated_columns_may_lie_ahead(tmp_path: Path) -> None:
    holding = row("holdings", maturity_date="2099-01-01")
    assert rejected(tmp_path, "holdings", [holding]) == {}
    assignment = row("assignments", valid_to="2099-01-01")
    assert rejected(tmp_path, "assignments", [assignment]) == {}


def test_optional_values_may_be_empty(tmp_path: Path) -> None:
    txn = row("transactions", product_id="")
    assert rejected(tmp_path, "transactions", [txn]) == {}


ROW_CHECKS = [
    (
        "org_units",
        row("org_units", unit_id="B2", kind="region", parent_id=""),
        "parent_id: only the bank has no parent, and the bank has none "
        "(kind=region, parent_id=empty)",
    ),
    (
        "staff",
        row("staff", staff_id="S9", rank=""),
        "rank: an RM must have a rank (role=rm, rank=empty)",
    ),
    (
        "staff",
        row("staff", staff_id="S8", role="teller", rank="", business_line="retail"),
        "business_line: only RMs have a business line (role=teller, business_line=retail)",
    ),
    (
        "staff",
        row("staff", staff_id="S7", left_on="2015-02-28"),
        "left_on: left_on is before hired_on (hired_on=2015-03-01, left_on=2015-02-28)",
    ),
    (
        "customers",
        row("customers", customer_id="C9", birth_date="2021-01-01"),
        "birth_date: birth_date is after opened_on (birth_date=2021-01-01, opened_on=2020-01-02)",
    ),
    (
        "customers",
        row("customers", customer_id="C9", risk_assessed_on=""),
        "risk_assessed_on: risk_level and risk_assessed_on must be given together "
        "(risk_level=C3, risk_assessed_on=empty)",
    ),
    (
        "assignments",
        row("assignments", customer_id="C2", valid_to="2019-12-31"),
        "valid_to: valid_to is before valid_from (valid_from=2020-01-02, valid_to=2019-12-31)",
    ),
    (
        "holdings",
        row("holdings", customer_id="C2", maturity_date="2025-01-01"),
        "maturity_date: maturity_date is before start_date "
        "(start_date=2026-01-10, maturity_date=2025-01-01)",
    ),
    (
        "loans",
        row("loans", loan_id="L9", maturity_date="2024-01-01"),
        "maturity_date: maturity_date is before disbursed_on "
        "(disbursed_on=2025-01-15, maturity_date=2024-01-01)",
    ),
    (
        "referrals",
        row("referrals", referral_id="F9", to_staff_id="S2"),
        "to_staff_id: a referral to oneself (from_staff_id=S2, to_staff_id=S2)",
    ),
    (
        "referrals",
        row("referrals", referral_id="F9", responded_at="2026-06-01T09:00:00"),
        "responded_at: responded_at is before created_at "
        "(created_at=2026-06-01T10:00:00, responded_at=2026-06-01T09:00:00)",
    ),
    (
        "loans",
        row("loans", loan_id="L9", applied_on="2025-02-01"),
        "applied_on: applied_on is after disbursed_on "
        "(disbursed_on=2025-01-15, applied_on=2025-02-01)",
    ),
    # 01:59:59 UTC is 09:59:59 in Shanghai: before the 10:00 (bank time) creation
    (
        "referrals",
        row("referrals", referral_id="F9", converted_at="2026-06-01T01:59:59Z"),
        "converted_at: converted_at is before created_at "
        "(created_at=2026-06-01T10:00:00, converted_at=2026-06-01T01:59:59Z)",
    ),
    (
        "referrals",
        row("referrals", referral_id="F9", status="lost"),
        "converted_at: converted_at must be set exactly when status is converted "
        "(status=lost, converted_at=2026-06-03T12:00:00)",
    ),
    (
        "feedback",
        row("feedback", staff_id="S3", score="11"),
        "score: an NPS answer is between 0 and 10 (kind=nps, score=11)",
    ),
    (
        "requests",
        row("requests", request_id="Q9", resolved_at="2026-06-01T09:59:00"),
        "resolved_at: resolved_at is before received_at "
        "(received_at=2026-06-01T10:00:00, resolved_at=2026-06-01T09:59:00)",
    ),
    (
        "proposals",
        row("proposals", proposal_id="PR9", adopted_on="2026-02-28"),
        "adopted_on: adopted_on is before submitted_on "
        "(submitted_on=2026-03-01, adopted_on=2026-02-28)",
    ),
    (
        "proposals",
        row("proposals", proposal_id="PR8", reviewer_id=""),
        "reviewer_id: an adopted proposal names its reviewer "
        "(adopted_on=2026-03-10, reviewer_id=empty)",
    ),
    (
        "proposals",
        row("proposals", proposal_id="PR7", reviewer_id="S1"),
        "reviewer_id: a proposal reviewed by its author (staff_id=S1, reviewer_id=S1)",
    ),
]


@pytest.mark.parametrize(("table", "bad", "reason"), ROW_CHECKS)
def test_every_row_check(tmp_path: Path, table: str, bad: dict[str, str], reason: str) -> None:
    key = contract.table(table).column_names[0]
    rows = [*BASE[table], bad] if bad[key] not in {r[key] for r in BASE[table]} else [bad]
    assert rejected(tmp_path, table, rows, key=key) == {bad[key]: reason}


def test_every_contract_row_check_is_covered() -> None:
    named = {c.name for t in contract.TABLES for c in t.checks}
    covered = {
        "root_is_bank",
        "rm_has_rank",
        "line_only_for_rms",
        "left_after_hired",
        "birth_before_open",
        "assessment_has_level",
        "valid_range",
        "maturity_after_start",
        "maturity_after_disbursement",
        "not_self",
        "responded_after_created",
        "converted_after_created",
        "converted_has_time",
        "nps_scale",
        "resolved_after_received",
        "applied_before_disbursement",
        "adopted_after_submitted",
        "adopted_has_reviewer",
        "not_own_reviewer",
    }
    assert named == covered
    assert len(ROW_CHECKS) == len(covered)


def test_a_row_check_is_not_judged_on_a_value_that_did_not_parse(tmp_path: Path) -> None:
    bad = row("customers", customer_id="C9", risk_assessed_on="last year")
    assert rejected(tmp_path, "customers", [bad]) == {
        "C9": "risk_assessed_on: last year is not a date (YYYY-MM-DD)"
    }


def test_all_problems_of_a_row_in_column_order(tmp_path: Path) -> None:
    bad = row(
        "transactions",
        txn_id="X9",
        customer_id="C404",
        amount="-1",
        direction="up",
        product_id="P404",
    )
    assert rejected(tmp_path, "transactions", [bad]) == {
        "X9": "customer_id: C404 not found in customers (or rejected there); "
        "amount: -1 is not > 0; direction: up is not one of credit, debit; "
        "product_id: P404 not found in products (or rejected there)"
    }


def test_duplicate_primary_key_rejects_every_copy(tmp_path: Path) -> None:
    rows = [
        row("transactions", txn_id="X1", amount="1.00"),
        row("transactions", txn_id="X1", amount="2.00"),
        row("transactions", txn_id="X1", amount="3.00"),
        row("transactions", txn_id="X2"),
    ]
    tmp = tmp_path / "lake"
    found = rejected(tmp, "transactions", rows)
    assert found == {"X1": "txn_id: duplicate primary key (txn_id=X1) on 3 rows"}
    from tests.engine.lakes import read_rejects

    assert sorted(r["amount"] for r in read_rejects(tmp, "transactions")) == [
        "1.00",
        "2.00",
        "3.00",
    ]


def test_composite_primary_key(tmp_path: Path) -> None:
    rows = [
        row("assignments"),
        row("assignments", staff_id="S3"),  # same customer and valid_from
        row("assignments", valid_from="2021-01-01"),
    ]
    found = rejected(tmp_path, "assignments", rows, key="staff_id")
    reason = "customer_id: duplicate primary key (customer_id=C1, valid_from=2020-01-02) on 2 rows"
    assert found == {"S1": reason, "S3": reason}


def test_a_rejected_customer_rejects_its_transactions(tmp_path: Path) -> None:
    customers = [*BASE["customers"], row("customers", customer_id="C9", kind="vip")]
    txns = [
        row("transactions", txn_id="X1", customer_id="C1"),
        row("transactions", txn_id="X9", customer_id="C9"),
        row("transactions", txn_id="X8", customer_id="C8"),
    ]
    found = rejected(tmp_path, "transactions", txns, customers=customers)
    assert found == {
        "X9": "customer_id: C9 not found in customers (or rejected there)",
        "X8": "customer_id: C8 not found in customers (or rejected there)",
    }


def test_rejection_cascades_down_the_org_tree_into_facts(tmp_path: Path) -> None:
    # R1 has no name, so its branch, team, staff, customers and their facts all fall.
    org = [
        BASE["org_units"][0],
        {"unit_id": "R1", "name": "", "kind": "region", "parent_id": "B"},
        {"unit_id": "R2", "name": "Region 2", "kind": "region", "parent_id": "B"},
        {"unit_id": "BR1", "name": "Branch 1", "kind": "branch", "parent_id": "R1"},
        {"unit_id": "BR2", "name": "Branch 2", "kind": "branch", "parent_id": "R2"},
        {"unit_id": "T1", "name": "Team 1", "kind": "team", "parent_id": "BR1"},
    ]
    from tests.engine.lakes import read_rejects, validate, write_lake

    lake = write_lake(tmp_path, {"org_units": org})
    result = validate(lake)
    assert {r["unit_id"]: r["reject_reason"] for r in read_rejects(lake, "org_units")} == {
        "R1": "name: a value is required",
        "BR1": "parent_id: R1 not found in org_units (or rejected there)",
        "T1": "parent_id: BR1 not found in org_units (or rejected there)",
    }
    assert result.summaries["org_units"].accepted == 3
    assert result.summaries["staff"].rejected == 3  # T1 and BR1
    assert result.summaries["customers"].rejected == 3
    assert {r["txn_id"] for r in read_rejects(lake, "transactions")} == {"X1", "X2"}
    assert result.summaries["loan_status"].rejected == 1  # its loan's customer fell


def test_org_tree_shape(tmp_path: Path) -> None:
    org = [
        {"unit_id": "B", "name": "Bank", "kind": "bank", "parent_id": ""},
        {"unit_id": "B2", "name": "Other bank", "kind": "bank", "parent_id": ""},
        {"unit_id": "R1", "name": "Region", "kind": "region", "parent_id": "B"},
        {"unit_id": "R2", "name": "Region under region", "kind": "region", "parent_id": "R1"},
        {"unit_id": "BR1", "name": "Branch", "kind": "branch", "parent_id": "R1"},
        {"unit_id": "T1", "name": "Team under region", "kind": "team", "parent_id": "R1"},
        {"unit_id": "T2", "name": "Team", "kind": "team", "parent_id": "BR1"},
        {"unit_id": "X1", "name": "Loop a", "kind": "branch", "parent_id": "X2"},
        {"unit_id": "X2", "name": "Loop b", "kind": "branch", "parent_id": "X1"},
    ]
    found = rejected(
        tmp_path, "org_units", org, problems=["org_units: no valid bank; the org tree needs one"]
    )
    many = "kind: bank appears on 2 rows; the org tree has exactly one bank"
    assert found == {
        "B": many,
        "B2": many,
        "R1": "parent_id: B not found in org_units (or rejected there)",
        "R2": "parent_id: R1 is a region, but a region needs a bank as parent",
        "BR1": "parent_id: R1 not found in org_units (or rejected there)",
        "T1": "parent_id: R1 is a region, but a team needs a branch as parent",
        "T2": "parent_id: BR1 not found in org_units (or rejected there)",
        "X1": "parent_id: X2 is a branch, but a branch needs a region or bank as parent",
        "X2": "parent_id: X1 is a branch, but a branch needs a region or bank as parent",
    }


def test_a_bank_with_a_parent_is_rejected(tmp_path: Path) -> None:
    org = [
        {"unit_id": "B", "name": "Bank", "kind": "bank", "parent_id": "R1"},
        {"unit_id": "R1", "name": "Region", "kind": "region", "parent_id": "B"},
    ]
    found = rejected(
        tmp_path, "org_units", org, problems=["org_units: no valid bank; the org tree needs one"]
    )
    assert found == {
        "B": "parent_id: only the bank has no parent, and the bank has none "
        "(kind=bank, parent_id=R1)",
        "R1": "parent_id: B not found in org_units (or rejected there)",
    }


def test_a_month_key_that_is_no_month_is_not_a_duplicate(tmp_path: Path) -> None:
    # The duplicate check hashes the key's text; a key whose month does not parse has
    # no typed key, so two such rows are rejected for the month alone.
    rows = [
        row("balances", month="2024-13"),
        row("balances", month="2024-13"),
        row("balances", month="2024-02"),
        row("balances", month="2024-02"),
        row("balances", month="2024-03"),
    ]
    found = rejected(tmp_path, "balances", rows, key="month")
    assert found == {
        "2024-13": "month: 2024-13 is not a month (YYYY-MM)",
        "2024-02": "customer_id: duplicate primary key "
        "(customer_id=C1, month=2024-02, category=deposit) on 2 rows",
    }
