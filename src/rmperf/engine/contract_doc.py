"""Renders docs/data-format.md from the contract, so the reference cannot drift from it.

`python -m rmperf.engine.contract_doc > docs/data-format.md` rewrites the file; a test
fails when the committed file differs, and another checks every example row below
passes the validator.
"""

from __future__ import annotations

import sys

from rmperf.engine import contract as c

#: One realistic example row per table, as it would appear in a CSV lake.
EXAMPLES: dict[str, dict[str, str]] = {
    "org_units": {"unit_id": "BR01", "name": "杭州西湖支行", "kind": "branch", "parent_id": "RG01"},
    "staff": {
        "staff_id": "S0001",
        "name": "王晓明",
        "role": "rm",
        "rank": "intermediate",
        "unit_id": "TM0101",
        "hired_on": "2019-07-01",
        "business_line": "retail",
        "left_on": "",
        "material_risk": "false",
    },
    "customers": {
        "customer_id": "C00000001",
        "name": "李娜",
        "kind": "retail",
        "unit_id": "BR01",
        "birth_date": "1985-03-12",
        "opened_on": "2016-05-20",
        "phone": "13812341234",
        "id_number": "330106198503120023",
        "risk_level": "C3",
        "risk_assessed_on": "2026-02-01",
        "contact_verified_on": "2026-06-15",
        "marketing_opt_out": "false",
        "sci_tech": "",
        "industry": "教育（工作单位）",
        "household": "3",
        "hobbies": "瑜伽；旅行",
        "preferred_contact_times": "工作日 18:00 以后",
    },
    "assignments": {
        "customer_id": "C00000001",
        "staff_id": "S0001",
        "valid_from": "2024-01-01",
        "valid_to": "",
    },
    "products": {
        "product_id": "P012",
        "name": "稳盈90天理财",
        "category": "wealth",
        "risk_level": "R2",
        "term_days": "90",
        "revenue_rate": "0.008000",
    },
    "transactions": {
        "txn_id": "T000000000001",
        "customer_id": "C00000001",
        "ts": "2026-09-30T10:15:00+08:00",
        "amount": "5000.00",
        "direction": "credit",
        "channel": "mobile",
        "product_id": "",
    },
    "balances": {
        "customer_id": "C00000001",
        "month": "2026-09",
        "category": "deposit",
        "avg_daily_balance": "182345.67",
        "month_end_balance": "190000.00",
    },
    "holdings": {
        "customer_id": "C00000001",
        "product_id": "P012",
        "amount": "100000.00",
        "start_date": "2026-07-01",
        "maturity_date": "2026-09-29",
        "staff_id": "S0001",
    },
    "loans": {
        "loan_id": "L00000001",
        "customer_id": "C00000001",
        "product_id": "P031",
        "staff_id": "S0001",
        "amount": "800000.00",
        "disbursed_on": "2025-04-10",
        "maturity_date": "2045-04-10",
        "green": "false",
        "inclusive": "false",
        "applied_on": "2025-03-28",
        "supply_chain": "false",
        "rate": "0.039000",
    },
    "loan_status": {
        "loan_id": "L00000001",
        "month": "2026-09",
        "balance": "768432.10",
        "overdue_days": "0",
        "grade": "normal",
    },
    "events": {
        "customer_id": "C00000001",
        "ts": "2026-09-28T21:03:11+08:00",
        "kind": "page_view.mortgage",
        "detail": "mobile app",
        "staff_id": "",
    },
    "interactions": {
        "customer_id": "C00000001",
        "staff_id": "S0001",
        "ts": "2026-09-29T15:00:00+08:00",
        "channel": "phone",
        "outcome": "reached",
    },
    "referrals": {
        "referral_id": "RF0000001",
        "from_staff_id": "S0007",
        "to_staff_id": "S0001",
        "customer_id": "C00000001",
        "need": "wealth",
        "created_at": "2026-09-01T09:30:00+08:00",
        "status": "converted",
        "responded_at": "2026-09-01T14:00:00+08:00",
        "converted_at": "2026-09-05T10:00:00+08:00",
    },
    "feedback": {
        "staff_id": "S0001",
        "customer_id": "C00000001",
        "date": "2026-09-10",
        "kind": "nps",
        "score": "9",
    },
    "requests": {
        "request_id": "Q0000001",
        "customer_id": "C00000001",
        "staff_id": "S0001",
        "received_at": "2026-09-10T09:00:00+08:00",
        "resolved_at": "2026-09-10T16:30:00+08:00",
    },
    "trainings": {
        "staff_id": "S0001",
        "date": "2026-05-20",
        "kind": "certification",
        "name": "AFP",
        "hours": "16.00",
    },
    "projects": {
        "project_id": "PRJ2026-01",
        "name": "园区供应链平台",
        "staff_id": "S0001",
        "joined_on": "2026-03-02",
    },
    "proposals": {
        "proposal_id": "IP0001",
        "staff_id": "S0001",
        "title": "线上预约开户流程",
        "submitted_on": "2026-04-10",
        "adopted_on": "2026-05-06",
        "reviewer_id": "S0007",
    },
    "unit_financials": {
        "unit_id": "U0042",
        "month": "2026-09",
        "net_profit": "1250000.00",
        "equity": "98000000.00",
    },
    "economic_series": {"unit_id": "U0002", "month": "2026-09", "series": "pmi", "value": "50.8"},
}

#: Meanings of the columns whose contract entry has no description of its own.
MEANINGS: dict[str, str] = {
    "customer_id": "The customer (客户)",
    "staff_id": "The staff member (员工)",
    "product_id": "The product (产品)",
    "category": "Product or balance category (类别)",
    "txn_id": "Transaction id, unique in the lake",
    "ts": "When it happened (bank time if no offset)",
    "direction": "credit = money in (入账), debit = money out (出账)",
    "channel": "Where it happened (渠道)",
    "month": "Calendar month the figures are for",
    "amount": "Amount in CNY",
    "start_date": "First day the customer held the product (起始日)",
    "maturity_date": "Day the product or loan matures (到期日); may lie after the import day",
    "loan_id": "Loan (借据) id",
    "disbursed_on": "Day the loan was paid out (放款日)",
    "overdue_days": "Days past due at month end (逾期天数)",
    "kind": "What kind of record this is",
    "detail": "Free text about the event",
    "outcome": "What came of the contact, e.g. reached, no_answer, interested",
    "referral_id": "Referral (转介) id",
    "from_staff_id": "Who made the referral (转出人)",
    "to_staff_id": "Who received it (接收人)",
    "need": "The customer's need, e.g. wealth, corporate_loan, family_trust",
    "created_at": "When the referral was made",
    "status": "Where the referral is in its lifecycle",
    "responded_at": "When the receiver first responded (24-hour SLA)",
    "converted_at": "When it turned into a sale; set exactly when status = converted",
    "date": "Day of the record",
    "request_id": "Customer request (客户诉求) id",
    "received_at": "When the request came in",
    "resolved_at": "When it was resolved; empty while open",
    "name": "Name",
    "hours": "Training hours (学时)",
}

_TYPE_TEXT: dict[c.ColType, str] = {
    c.ColType.STRING: "string",
    c.ColType.DATE: "date `YYYY-MM-DD`",
    c.ColType.TIMESTAMP: "timestamp ISO 8601",
    c.ColType.MONTH: "month `YYYY-MM`",
    c.ColType.MONEY: "decimal(18,2)",
    c.ColType.RATE: "decimal(12,6)",
    c.ColType.SCORE: "decimal(9,2)",
    c.ColType.HOURS: "decimal(9,2)",
    c.ColType.INT: "integer",
    c.ColType.BOOL: "boolean `true`/`false`",
}


def _rules(col: c.Column) -> str:
    parts: list[str] = []
    if col.enum:
        parts.append("one of " + ", ".join(f"`{v}`" for v in col.enum))
    if col.references:
        parts.append(f"→ `{col.references}`")
    if col.min_value is not None:
        parts.append(f"{'>' if col.exclusive_min else '≥'} {col.min_value}")
    if col.max_value is not None:
        parts.append(f"≤ {col.max_value}")
    if col.pattern and not col.references and col.pattern != c.ID_PATTERN:
        parts.append(f"matches `{col.pattern}`")
    if col.past_only:
        parts.append("not after the import day")
    if col.max_length is not None:
        parts.append(f"at most {col.max_length} characters")
    return "; ".join(parts)


def _acceptance_section() -> list[str]:
    from rmperf.engine.acceptance import load_acceptance_policy, percent

    policy = load_acceptance_policy().policy
    needed = ", ".join(f"`{t}`" for t in policy.must_have_rows)
    return [
        "## Accepting a delivery (交付验收)",
        "",
        "A delivery is imported whole or not at all. `rmperf import` refuses it (exit 2, the",
        "import record says *refused*, nothing is loaded, the lake imported before stays the",
        "one in use) when any table",
        "",
        "- is missing or unreadable (no file, a 0-byte Parquet file, a CSV the reader gives up",
        "  on, a required column absent, an org tree without a bank);",
        "- had rows and lost every one of them to rejects;",
        f"- is one that must have rows ({needed}) and has none (a header-only file);",
        "- loses more than the lake policy's share of its rows to rejects (default",
        f"  {percent(policy.max_reject_share)}; a table may lose exactly that share).",
        "",
        "The refusal names each table with its counts and share, e.g. `customers: 4 of 300 rows",
        "rejected (1.33 %), more than the 1 % the lake policy allows`. Below the threshold the",
        "delivery lands with its rejects (exit 1, *succeeded with rejected rows*). Fact tables may",
        "be empty (a header-only file): a bank may have no loans or trainings yet.",
        "",
        "The share and the tables that must have rows are the `lake` policy",
        "(`policies/defaults/lake.yaml`, stored and approved like every policy, docs/policies.md).",
        "",
        "Engine commands (`segment`, `segment-migration`, `high-potential`, `score`, `explain`,",
        "`tasks`, `referral-candidates`, `recommend`, `recommend-train`, `recommend-evaluate`,",
        "`pay`, `career`, `negative-list`, `workload`, `gaming`, `what-if`) apply the same rule",
        "to the tables they read: they print the rows read and rejected per table on stderr and",
        "exit 2 without writing anything when a table is unusable. Their",
        "`--allow-rejects` computes anyway when the only problem is the share of rejects (never",
        "for a missing, unreadable or empty table); `--lake-policy FILE` reads another policy.",
        "An empty result is written with a note on stderr, never silently.",
        "",
    ]


def render() -> str:
    """The whole of docs/data-format.md."""
    out: list[str] = [
        "# The data lake: format reference (数据湖格式)",
        "",
        "<!-- Generated from src/rmperf/engine/contract.py by "
        "`python -m rmperf.engine.contract_doc`; do not edit by hand. -->",
        "",
        "A lake is a directory with one file per table: `<table>.parquet`, `<table>.csv`, or a",
        "folder `<table>/` of part files. Table and column names are fixed; more columns may be",
        "added and are ignored. Ids are strings (letters, digits and `_ . : -`, at most 64).",
        "Dates are ISO `YYYY-MM-DD`; timestamps ISO 8601, and a timestamp without an offset is",
        f"in bank time (`{c.BANK_TIME_ZONE}` by default). Money is a decimal with at most 2",
        "places and is never a float; a value with more places is rejected, not rounded. In CSV",
        "an empty field is a missing value.",
        "",
        "`rmperf validate DIR` and `rmperf import DIR` check every row. A row that breaks a rule",
        "is never dropped silently: it is written to `DIR/_rejects/<table>.csv` with its",
        "original values plus `reject_column` and `reject_reason`, and the command's summary and",
        "exit status count it. Rules: type, required value, allowed values, pattern, range,",
        f"dates between {c.MIN_DATE} and the import day (maturities may lie later), unique",
        "primary key (every copy of a duplicated key is rejected), foreign keys (the referenced",
        "row must exist and be valid itself, so a rejected customer takes its transactions with",
        "it), the org tree's shape (bank → [region →] branch [→ team]: a unit's parent is of a",
        "higher level, regions and teams are optional), assignment slices of one",
        "customer that overlap (valid_to inclusive; every overlapping slice is rejected) and the",
        "row rules listed per table.",
        "",
        "Text holds no control characters (NUL, tab, line break, escape and the rest of",
        "U+0000–U+001F, U+007F–U+009F): the database refuses NUL, and none belongs in a name or",
        f"an id. Names hold at most {c.NAME_MAX} characters; ids at most 64 (their pattern); phone",
        "numbers and id numbers fit their patterns. These are the limits of the application's",
        "database, so a row that passes validation always loads; a row that breaks one is",
        "rejected on its own, with the column and the reason, never quoted in the reason.",
        "",
        "Dimension tables (org, staff, customers, assignments, products) are loaded into the",
        "application's database; fact tables stay in the lake and are read by the engine.",
        f"Optional tables ({', '.join(t.name for t in c.TABLES if t.optional)}) may be absent:",
        "a lake without one reads it as empty, and validation only notes it; present, it is checked like",
        "the others. The indicators that read them are then 0 or undefined",
        "(docs/indicators.md).",
        "",
        *_acceptance_section(),
        "The lake is trusted no further than needed. A symbolic link (or a FIFO or device)",
        "where a table, a part file, a folder of part files, `_rejects/` or a file in it belongs",
        "is refused with a message naming it and never followed, so nothing outside the lake is",
        "read, quoted or written. Entries whose name starts with `_` or `.` are not data. In the",
        "rejects files and in CSV results, a text cell that a spreadsheet would take for a",
        "formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with",
        "a leading `'`.",
        "",
    ]
    for t in c.TABLES:
        kind = "fact table, stays in the lake" if t.fact else "dimension table, loaded into the app"
        if t.optional:
            kind += "; optional: a lake without it reads it as empty"
        out += [f"## `{t.name}` — {t.zh}", "", f"{t.description} ({kind})", ""]
        pk = ", ".join(f"`{k}`" for k in t.primary_key) if t.primary_key else "none"
        out += [f"Primary key: {pk}.", ""]
        out += [
            "| column | 中文 | type | required | rules | meaning |",
            "|---|---|---|---|---|---|",
        ]
        for col in t.columns:
            req = "yes" if col.required else "no"
            out.append(
                f"| `{col.name}` | {col.zh} | {_TYPE_TEXT[col.type]} | {req} | {_rules(col)} | "
                f"{col.description or MEANINGS[col.name]} |"
            )
        if t.checks:
            out += ["", "Row rules (each must hold; the reason is what a rejected row says):", ""]
            out += [f"- `{chk.name}`: `{chk.predicate}` — “{chk.reason}”" for chk in t.checks]
        example = EXAMPLES[t.name]
        out += ["", "Example row (CSV):", "", "```csv", ",".join(t.column_names)]
        out += [",".join(example[name] for name in t.column_names), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
