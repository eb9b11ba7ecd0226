"""Hand-built lakes for golden tests: a minimal valid bank plus the rows a test cares about.

Every table of the contract is written (as CSV, header only when empty), so a test lake
passes validation unless a test breaks it on purpose. Values are given as the text a CSV
would hold, so tests state exactly what the file says.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rmperf.engine import contract

Row = Mapping[str, str]


def base_org() -> dict[str, list[dict[str, str]]]:
    """A bank, one region, one branch, one team; an RM, a teller, a manager; one product."""
    return {
        "org_units": [
            {"unit_id": "BANK", "name": "示例银行", "kind": "bank", "parent_id": ""},
            {"unit_id": "RG1", "name": "浙江区域", "kind": "region", "parent_id": "BANK"},
            {"unit_id": "BR1", "name": "西湖支行", "kind": "branch", "parent_id": "RG1"},
            {"unit_id": "TM1", "name": "西湖一组", "kind": "team", "parent_id": "BR1"},
        ],
        "staff": [
            {
                "staff_id": "RM1",
                "name": "王一",
                "role": "rm",
                "rank": "junior",
                "unit_id": "TM1",
                "hired_on": "2020-01-01",
            },
            {
                "staff_id": "RM2",
                "name": "李二",
                "role": "rm",
                "rank": "senior",
                "unit_id": "TM1",
                "hired_on": "2018-01-01",
            },
            {
                "staff_id": "TL1",
                "name": "张三",
                "role": "team_leader",
                "rank": "",
                "unit_id": "TM1",
                "hired_on": "2015-01-01",
            },
            {
                "staff_id": "BM1",
                "name": "赵四",
                "role": "branch_manager",
                "rank": "",
                "unit_id": "BR1",
                "hired_on": "2010-01-01",
            },
            {
                "staff_id": "TE1",
                "name": "钱五",
                "role": "teller",
                "rank": "",
                "unit_id": "BR1",
                "hired_on": "2021-01-01",
            },
        ],
        "products": [
            {
                "product_id": "DEP",
                "name": "活期存款",
                "category": "deposit",
                "risk_level": "R1",
                "term_days": "",
                "revenue_rate": "0.015000",
            },
        ],
    }


def customer(customer_id: str, **overrides: str) -> dict[str, str]:
    """A retail customer of BR1 with sensible defaults; override any column."""
    row = {
        "customer_id": customer_id,
        "name": f"客户{customer_id}",
        "kind": "retail",
        "unit_id": "BR1",
        "birth_date": "1980-01-01",
        "opened_on": "2020-01-01",
        "phone": "13800000000",
        "id_number": "330106198001010011",
        "risk_level": "C3",
        "risk_assessed_on": "2026-01-01",
        "contact_verified_on": "2026-01-01",
        "marketing_opt_out": "false",
    }
    row.update(overrides)
    return row


@dataclass
class LakeBuilder:
    """Collects rows per table, then writes them as a CSV lake."""

    tables: dict[str, list[dict[str, str]]] = field(default_factory=base_org)

    def add(self, table: str, *rows: Row) -> LakeBuilder:
        contract.table(table)  # fail fast on a misspelt table name
        self.tables.setdefault(table, []).extend(dict(r) for r in rows)
        return self

    def customer(
        self,
        customer_id: str,
        *,
        rm: str | None = "RM1",
        since: str = "2020-01-01",
        **overrides: str,
    ) -> LakeBuilder:
        """A customer, assigned to `rm` from `since` (None: unassigned)."""
        self.add("customers", customer(customer_id, **overrides))
        if rm is not None:
            self.add(
                "assignments",
                {"customer_id": customer_id, "staff_id": rm, "valid_from": since, "valid_to": ""},
            )
        return self

    def txn(
        self,
        customer_id: str,
        ts: str,
        amount: str = "100.00",
        *,
        direction: str = "credit",
        txn_id: str | None = None,
        channel: str = "mobile",
    ) -> LakeBuilder:
        n = len(self.tables.get("transactions", []))
        return self.add(
            "transactions",
            {
                "txn_id": txn_id or f"T{n:08d}",
                "customer_id": customer_id,
                "ts": ts,
                "amount": amount,
                "direction": direction,
                "channel": channel,
                "product_id": "",
            },
        )

    def balance(
        self, customer_id: str, month: str, category: str, avg: str, end: str | None = None
    ) -> LakeBuilder:
        return self.add(
            "balances",
            {
                "customer_id": customer_id,
                "month": month,
                "category": category,
                "avg_daily_balance": avg,
                "month_end_balance": end if end is not None else avg,
            },
        )

    def product(
        self,
        product_id: str,
        category: str,
        revenue_rate: str = "0.010000",
        *,
        risk_level: str = "R1",
        term_days: str = "",
    ) -> LakeBuilder:
        return self.add(
            "products",
            {
                "product_id": product_id,
                "name": f"产品{product_id}",
                "category": category,
                "risk_level": risk_level,
                "term_days": term_days,
                "revenue_rate": revenue_rate,
            },
        )

    def holding(
        self,
        customer_id: str,
        product_id: str,
        amount: str,
        start: str,
        maturity: str = "",
        *,
        staff_id: str = "",
    ) -> LakeBuilder:
        return self.add(
            "holdings",
            {
                "customer_id": customer_id,
                "product_id": product_id,
                "amount": amount,
                "start_date": start,
                "maturity_date": maturity,
                "staff_id": staff_id,
            },
        )

    def loan(
        self,
        loan_id: str,
        customer_id: str,
        product_id: str,
        amount: str,
        disbursed: str,
        maturity: str,
        *,
        staff_id: str = "RM1",
    ) -> LakeBuilder:
        return self.add(
            "loans",
            {
                "loan_id": loan_id,
                "customer_id": customer_id,
                "product_id": product_id,
                "staff_id": staff_id,
                "amount": amount,
                "disbursed_on": disbursed,
                "maturity_date": maturity,
                "green": "false",
                "inclusive": "false",
                "applied_on": "",
                "supply_chain": "",
            },
        )

    def loan_status(
        self, loan_id: str, month: str, balance: str, *, grade: str = "normal", overdue: str = "0"
    ) -> LakeBuilder:
        return self.add(
            "loan_status",
            {
                "loan_id": loan_id,
                "month": month,
                "balance": balance,
                "overdue_days": overdue,
                "grade": grade,
            },
        )

    def event(self, customer_id: str, ts: str, kind: str, detail: str = "") -> LakeBuilder:
        return self.add(
            "events",
            {"customer_id": customer_id, "ts": ts, "kind": kind, "detail": detail, "staff_id": ""},
        )

    def write(self, path: Path, *, skip: Iterable[str] = ()) -> Path:
        """Write every contract table (header only when empty) except those in `skip`."""
        path.mkdir(parents=True, exist_ok=True)
        skipped = set(skip)
        for t in contract.TABLES:
            if t.name in skipped:
                continue
            with (path / f"{t.name}.csv").open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(t.column_names), extrasaction="raise")
                writer.writeheader()
                for row in self.tables.get(t.name, []):
                    unknown = set(row) - set(t.column_names)
                    if unknown:
                        raise KeyError(f"{t.name} has no column(s) {sorted(unknown)}")
                    writer.writerow({c: row.get(c, "") for c in t.column_names})
        return path
