"""The career ladder checked at a year end (DOMAIN §6 "Career ladder", "Grade steps").

`evaluate` is a pure function of the RMs (rank, hire date), their loan book at the
as-of month and their annual ratings; `loan_book` measures the book on a lake.

- Years since hire: full years from `hired_on` to the year's last day by anniversary
  (hired 2025-12-31 has 1 year on 2026-12-31; hired 2026-01-01 has 0).
- Managed loans: the RM's originated loans (`loans.staff_id`) with a positive balance in
  `loan_status` for the as-of month (December of the year by default).
- Overdue rate: balance of those loans with `overdue_days` > 0 ÷ their balance (0 when
  there is none), compared with the limit exactly (overdue ≤ limit × balance), never
  after rounding; the output shows it rounded to 6 places, ROUND_HALF_UP.
- Ratings "X or better in each of the last N years": the year checked and the N − 1
  before it; a missing annual rating does not meet the rule.
"""

# ruff: noqa: S608 - SQL over the contract's view names and an ISO month literal; no user text

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa

from rmperf.engine.arrow_rows import table_from_rows
from rmperf.engine.backends import BackendName, attach_lake, open_backend
from rmperf.engine.career.policy import LADDER, CareerPolicy, Step, at_least
from rmperf.engine.lake import Lake
from rmperf.engine.scoring.policy import Tier
from rmperf.engine.validity import valid_view_name

RATE_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class RmRecord:
    """An RM as the ladder sees them: staff.rank and staff.hired_on."""

    staff_id: str
    rank: str
    hired_on: dt.date


@dataclass(frozen=True)
class LoanBook:
    """The managed loans of one RM at the as-of month."""

    loans: int = 0
    balance: Decimal = Decimal("0.00")
    overdue_balance: Decimal = Decimal("0.00")

    @property
    def overdue_rate(self) -> Decimal:
        """Exact fraction (0 with no balance); round only to show it."""
        if self.balance == 0:
            return Decimal(0)
        return self.overdue_balance / self.balance


@dataclass(frozen=True)
class CareerRow:
    """One RM's year-end check: the next rank's rules, measured values and results."""

    staff_id: str
    year: int
    rank: str
    next_rank: str | None
    hired_on: dt.date
    years_of_service: int
    years_required: int | None
    years_met: bool | None
    managed_loans: int
    loans_required: int | None
    loans_met: bool | None
    managed_balance: Decimal
    overdue_balance: Decimal
    overdue_rate: Decimal
    overdue_max: Decimal | None
    overdue_met: bool | None
    rating: Tier | None
    previous_rating: Tier | None
    rating_required: Tier | None
    rating_years: int | None
    rating_met: bool | None
    eligible: bool
    grade_steps: int | None
    honours: bool
    training_priority: bool
    policy_version: str


def years_since(hired_on: dt.date, day: dt.date) -> int:
    """Full years from `hired_on` to `day` by anniversary (0 before the first one)."""
    years = day.year - hired_on.year
    if (day.month, day.day) < (hired_on.month, hired_on.day):
        years -= 1
    return max(years, 0)


def next_rank(rank: str) -> str | None:
    """The rank above `rank` on the ladder; None at the top (or for a rank off the ladder)."""
    if rank not in LADDER or rank == LADDER[-1]:
        return None
    return LADDER[LADDER.index(rank) + 1]


def _check(
    step: Step,
    *,
    rm: RmRecord,
    year: int,
    book: LoanBook,
    ratings: Mapping[tuple[str, int], Tier],
) -> tuple[bool | None, bool | None, bool | None, bool | None]:
    """(years, loans, overdue, rating) met? None where the step does not ask."""
    year_end = dt.date(year, 12, 31)
    years = (
        None
        if step.min_years_since_hire is None
        else years_since(rm.hired_on, year_end) >= step.min_years_since_hire
    )
    loans = None if step.min_managed_loans is None else book.loans >= step.min_managed_loans
    overdue = (
        None
        if step.max_overdue_rate is None
        else book.overdue_balance <= step.max_overdue_rate * book.balance
    )
    rating = None
    if step.min_rating is not None:
        minimum = step.min_rating
        rating = all(
            at_least(ratings.get((rm.staff_id, year - k)), minimum)
            for k in range(step.rating_years)
        )
    return years, loans, overdue, rating


def evaluate(
    rms: Mapping[str, RmRecord],
    *,
    year: int,
    books: Mapping[str, LoanBook],
    ratings: Mapping[tuple[str, int], Tier],
    policy: CareerPolicy,
    policy_version: str = "",
) -> list[CareerRow]:
    """Every RM's next-rank check for `year`; ratings are annual: (staff_id, year) → tier."""
    rows: list[CareerRow] = []
    year_end = dt.date(year, 12, 31)
    for staff_id in sorted(rms):
        rm = rms[staff_id]
        book = books.get(staff_id, LoanBook())
        target = next_rank(rm.rank)
        step = policy.ladder.step_to(target) if target is not None else None
        met: tuple[bool | None, ...] = (None, None, None, None)
        if step is not None:
            met = _check(step, rm=rm, year=year, book=book, ratings=ratings)
        rating = ratings.get((staff_id, year))
        eligible = step is not None and all(m is not False for m in met)
        rows.append(
            CareerRow(
                staff_id=staff_id,
                year=year,
                rank=rm.rank,
                next_rank=target,
                hired_on=rm.hired_on,
                years_of_service=years_since(rm.hired_on, year_end),
                years_required=None if step is None else step.min_years_since_hire,
                years_met=met[0],
                managed_loans=book.loans,
                loans_required=None if step is None else step.min_managed_loans,
                loans_met=met[1],
                managed_balance=book.balance,
                overdue_balance=book.overdue_balance,
                overdue_rate=book.overdue_rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP),
                overdue_max=None if step is None else step.max_overdue_rate,
                overdue_met=met[2],
                rating=rating,
                previous_rating=ratings.get((staff_id, year - 1)),
                rating_required=None if step is None else step.min_rating,
                rating_years=None if step is None or step.min_rating is None else step.rating_years,
                rating_met=met[3],
                eligible=eligible,
                grade_steps=None if rating is None else policy.grade_steps.of(rating),
                honours=rating is not None and rating in policy.honours,
                training_priority=rating is not None and rating in policy.training_priority,
                policy_version=policy_version,
            )
        )
    return rows


def as_of_month(year: int, policy: CareerPolicy) -> str:
    """The YYYY-MM whose loan_status counts for `year`."""
    return f"{year:04d}-{policy.as_of_month:02d}"


def ladder_rms(lake: Lake, *, year: int, backend: BackendName = "duckdb") -> dict[str, RmRecord]:
    """Every RM (role rm) hired by the year's last day, with rank and hire date."""
    engine = open_backend(backend)
    try:
        attach_lake(engine, lake, ["staff"])
        sql = f"""
            SELECT staff_id, rank, hired_on FROM {valid_view_name("staff")}
            WHERE role = 'rm' AND hired_on <= DATE '{dt.date(year, 12, 31).isoformat()}'
            ORDER BY staff_id
        """
        table = engine.to_arrow(sql)
    finally:
        engine.close()
    return {
        r["staff_id"]: RmRecord(r["staff_id"], r["rank"] or "", r["hired_on"])
        for r in table.to_pylist()
    }


def loan_book(lake: Lake, *, month: str, backend: BackendName = "duckdb") -> dict[str, LoanBook]:
    """staff_id → managed loans, their balance and overdue balance in `month` (YYYY-MM)."""
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
        raise ValueError(f"{month!r} is not a month (YYYY-MM)")
    engine = open_backend(backend)
    try:
        attach_lake(engine, lake, ["loans", "loan_status"])
        loans, status = valid_view_name("loans"), valid_view_name("loan_status")
        sql = f"""
            SELECT l.staff_id,
                   COUNT(*) AS loans,
                   SUM(s.balance) AS balance,
                   SUM(CASE WHEN s.overdue_days > 0 THEN s.balance ELSE 0 END) AS overdue
            FROM {loans} l
            JOIN {status} s ON s.loan_id = l.loan_id
            WHERE s.month = '{month}' AND s.balance > 0 AND l.staff_id IS NOT NULL
            GROUP BY l.staff_id
        """
        table = engine.to_arrow(sql)
    finally:
        engine.close()
    return {
        r["staff_id"]: LoanBook(
            loans=int(r["loans"]),
            balance=Decimal(r["balance"]),
            overdue_balance=Decimal(r["overdue"]),
        )
        for r in table.to_pylist()
    }


MONEY = pa.decimal128(20, 2)

CAREER_SCHEMA = pa.schema(
    [
        ("staff_id", pa.string()),
        ("year", pa.int32()),
        ("rank", pa.string()),
        ("next_rank", pa.string()),
        ("hired_on", pa.date32()),
        ("years_of_service", pa.int32()),
        ("years_required", pa.int32()),
        ("years_met", pa.bool_()),
        ("managed_loans", pa.int64()),
        ("loans_required", pa.int64()),
        ("loans_met", pa.bool_()),
        ("managed_balance", MONEY),
        ("overdue_balance", MONEY),
        ("overdue_rate", pa.decimal128(12, 6)),
        ("overdue_max", pa.decimal128(12, 6)),
        ("overdue_met", pa.bool_()),
        ("rating", pa.string()),
        ("previous_rating", pa.string()),
        ("rating_required", pa.string()),
        ("rating_years", pa.int32()),
        ("rating_met", pa.bool_()),
        ("eligible", pa.bool_()),
        ("grade_steps", pa.int32()),
        ("honours", pa.bool_()),
        ("training_priority", pa.bool_()),
        ("policy_version", pa.string()),
    ]
)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def career_table(rows: list[CareerRow]) -> pa.Table:
    """The `rmperf career --out` table, one row per RM (columns: docs/career.md)."""
    return table_from_rows(
        [
            {
                "staff_id": r.staff_id,
                "year": r.year,
                "rank": r.rank,
                "next_rank": r.next_rank,
                "hired_on": r.hired_on,
                "years_of_service": r.years_of_service,
                "years_required": r.years_required,
                "years_met": r.years_met,
                "managed_loans": r.managed_loans,
                "loans_required": r.loans_required,
                "loans_met": r.loans_met,
                "managed_balance": r.managed_balance,
                "overdue_balance": r.overdue_balance,
                "overdue_rate": r.overdue_rate,
                "overdue_max": (
                    None
                    if r.overdue_max is None
                    else r.overdue_max.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
                ),
                "overdue_met": r.overdue_met,
                "rating": _text(r.rating),
                "previous_rating": _text(r.previous_rating),
                "rating_required": _text(r.rating_required),
                "rating_years": r.rating_years,
                "rating_met": r.rating_met,
                "eligible": r.eligible,
                "grade_steps": r.grade_steps,
                "honours": r.honours,
                "training_priority": r.training_priority,
                "policy_version": r.policy_version,
            }
            for r in rows
        ],
        CAREER_SCHEMA,
    )
