"""A deliberately plain reference implementation of quarterly pay (DOMAIN §6), for comparison.

This is the test oracle for `rmperf pay`: written without looking at the engine, in plain
Python (csv, fractions, datetime), one quarter at a time and one RM at a time, so each
rule of §6 can be read off one short block. Every amount is an exact `Fraction`; the only
roundings are the ones §6 states (ROUND_HALF_UP to the cent, away from zero on a half),
each made by `round_half_up` at the line that names it.

Run it like the real command (same options) to get a statement file to diff by hand:

    .venv/bin/python -m tests.engine_pay.oracle.reference --lake DIR --period 2026Q3 \
        --ratings R.csv [--targets T.csv] --out OUT.csv

Decisions shared with the engine (the brief of issue #13) are stated where they apply.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import floor
from pathlib import Path

COLUMNS = (
    "staff_id",
    "period",
    "rank",
    "rating",
    "coefficient",
    "npl_ratio",
    "base",
    "loan_pay",
    "excess_reward",
    "performance_pay",
    "deferred",
    "immediate",
    "held",
    "held_released",
    "deferral_released",
    "malus",
    "clawback",
    "total_paid",
    "deferral_balance",
)
# The statement's money lines: a non-zero one gives a statement even to someone not employed
# in the quarter (a leaver's release or clawback). deferral_balance is a balance, not a line.
LINES = COLUMNS[6:18]

BAD_GRADES = frozenset({"substandard", "doubtful", "loss"})
EXCESS_TIERS = frozenset({"outstanding", "good", "competent"})
ZERO = Fraction(0)


@dataclass(frozen=True)
class Plan:
    """The default pay plan of DOMAIN §6 (every figure exact)."""

    monthly_base: Mapping[str, Fraction] = field(
        default_factory=lambda: {
            "assistant": Fraction(1800),
            "junior": Fraction(2300),
            "intermediate": Fraction(2900),
            "senior": Fraction(3500),
        }
    )
    # (lower, upper or None for no upper bound, rate) — marginal brackets on the quarter's volume
    brackets: tuple[tuple[Fraction, Fraction | None, Fraction], ...] = (
        (Fraction(0), Fraction(10_000_000), Fraction(15, 10_000)),
        (Fraction(10_000_000), Fraction(30_000_000), Fraction(18, 10_000)),
        (Fraction(30_000_000), None, Fraction(20, 10_000)),
    )
    coefficients: Mapping[str, Fraction] = field(
        default_factory=lambda: {
            "outstanding": Fraction(120, 100),
            "good": Fraction(100, 100),
            "competent": Fraction(80, 100),
            "not_competent": Fraction(50, 100),
        }
    )
    excess_rate: Fraction = Fraction(5, 10_000)
    deferral_share: Fraction = Fraction(30, 100)
    material_risk_share: Fraction = Fraction(40, 100)
    third_due_after: tuple[int, int, int] = (4, 8, 12)  # quarters after Q
    npl_threshold: Fraction = Fraction(2, 100)
    hold_window: int = 4  # quarters after Q in which a held part can be released
    clawback_months: int = 36


DEFAULT_PLAN = Plan()


# -- rounding and formatting -----------------------------------------------------------


def round_half_up(x: Fraction, places: int = 2) -> Fraction:
    """`x` to `places` decimals, a half going away from zero (Decimal's ROUND_HALF_UP)."""
    scale = 10**places
    n = floor(abs(x) * scale + Fraction(1, 2))
    return Fraction(n if x >= 0 else -n, scale)


def fmt(x: Fraction, places: int = 2) -> str:
    """Exact decimal text of an already-rounded amount (never '-0.00')."""
    scaled = x * 10**places
    if scaled.denominator != 1:
        raise ValueError(f"{x} has more than {places} decimals")
    n = int(scaled)
    sign = "-" if n < 0 else ""
    whole, frac = divmod(abs(n), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def money(text: str) -> Fraction:
    """A lake or sheet amount ('1234.50') as an exact Fraction."""
    return Fraction(text.strip())


# -- quarters as integers: year * 4 + (quarter - 1) ------------------------------------


def parse_quarter(key: str) -> int:
    text = key.strip().upper()
    if len(text) != 6 or text[4] != "Q" or text[5] not in "1234" or not text[:4].isdigit():
        raise ValueError(f"{key!r} is not a quarter like 2026Q3")
    return int(text[:4]) * 4 + int(text[5]) - 1


def quarter_key(q: int) -> str:
    return f"{q // 4:04d}Q{q % 4 + 1}"


def quarter_of(day: dt.date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def quarter_months(q: int) -> list[tuple[int, int]]:
    year, first = q // 4, 3 * (q % 4) + 1
    return [(year, first), (year, first + 1), (year, first + 2)]


def quarter_start(q: int) -> dt.date:
    year, month = quarter_months(q)[0]
    return dt.date(year, month, 1)


def quarter_end(q: int) -> dt.date:
    year, month = quarter_months(q)[2]
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def parse_month(text: str) -> int:
    year, month = text.strip().split("-")
    return month_index(int(year), int(month))


# -- inputs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Staff:
    staff_id: str
    role: str
    rank: str
    hired_on: dt.date
    left_on: dt.date | None
    material_risk: bool

    def days_employed(self, first: dt.date, last: dt.date) -> int:
        start = max(first, self.hired_on)
        end = last if self.left_on is None else min(last, self.left_on)
        return max(0, (end - start).days + 1)


@dataclass(frozen=True)
class Loan:
    loan_id: str
    staff_id: str
    amount: Fraction
    disbursed_on: dt.date


@dataclass(frozen=True)
class Status:
    balance: Fraction
    grade: str


@dataclass(frozen=True)
class TargetRow:
    staff_id: str
    annual: Fraction
    year: int | None
    quarters: tuple[Fraction, Fraction, Fraction, Fraction] | None


@dataclass(frozen=True)
class PayLake:
    """The three tables pay reads: staff, loans and loan_status (month → balance, grade)."""

    staff: Mapping[str, Staff]
    loans: Sequence[Loan]
    status: Mapping[str, Mapping[int, Status]]  # loan_id → month index → status


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def read_lake(lake: Path) -> PayLake:
    """Read a CSV lake (the generator's format); other tables are not needed for pay."""
    staff = {}
    for row in _rows(lake / "staff.csv"):
        left = row.get("left_on", "")
        staff[row["staff_id"]] = Staff(
            staff_id=row["staff_id"],
            role=row["role"],
            rank=row.get("rank", ""),
            hired_on=_date(row["hired_on"]),
            left_on=_date(left) if left else None,
            material_risk=row.get("material_risk", "").lower() == "true",
        )
    loans = [
        Loan(r["loan_id"], r["staff_id"], money(r["amount"]), _date(r["disbursed_on"]))
        for r in _rows(lake / "loans.csv")
    ]
    status: dict[str, dict[int, Status]] = {}
    for r in _rows(lake / "loan_status.csv"):
        status.setdefault(r["loan_id"], {})[parse_month(r["month"])] = Status(
            money(r["balance"]), r["grade"]
        )
    return PayLake(staff, loans, status)


def read_ratings(path: Path) -> dict[tuple[str, int], str]:
    """`staff_id, period, tier` (extra columns ignored) → {(staff_id, quarter): tier}."""
    out: dict[tuple[str, int], str] = {}
    for row in _rows(path):
        if row["tier"] not in DEFAULT_PLAN.coefficients:
            raise ValueError(f"{path}: unknown tier {row['tier']!r}")
        out[(row["staff_id"], parse_quarter(row["period"]))] = row["tier"]
    return out


def read_targets(path: Path) -> list[TargetRow]:
    """The `new_loans` rows of a target sheet (staff_id, indicator, annual[, year, q1..q4])."""
    out = []
    for row in _rows(path):
        if row["indicator"] != "new_loans":
            continue
        qs = [row.get(c, "") for c in ("q1", "q2", "q3", "q4")]
        quarters = None
        if any(qs):
            quarters = (money(qs[0]), money(qs[1]), money(qs[2]), money(qs[3]))
        year = row.get("year", "")
        out.append(
            TargetRow(row["staff_id"], money(row["annual"]), int(year) if year else None, quarters)
        )
    return out


# -- the rules -------------------------------------------------------------------------


class MissingRating(Exception):
    """A quarter with loan pay and no rating: an error, never a default (§6.7)."""

    def __init__(self, staff_id: str, quarter: int) -> None:
        super().__init__(f"{staff_id} has loans in {quarter_key(quarter)} but no rating for it")
        self.staff_id = staff_id
        self.quarter = quarter


def base_pay(person: Staff, q: int, plan: Plan) -> Fraction:
    """§6.1: per month monthly base × days employed ÷ days in month, rounded per month."""
    total = ZERO
    for year, month in quarter_months(q):
        days_in_month = calendar.monthrange(year, month)[1]
        days = person.days_employed(dt.date(year, month, 1), dt.date(year, month, days_in_month))
        total += round_half_up(plan.monthly_base[person.rank] * days / days_in_month)
    return total


def loan_earnings(
    loans: Sequence[Loan], coefficient: Fraction, plan: Plan
) -> list[tuple[Loan, Fraction]]:
    """§6.2: loans in (disbursed_on, loan_id) order fill the marginal brackets from 0."""
    out = []
    filled = ZERO
    for loan in sorted(loans, key=lambda x: (x.disbursed_on, x.loan_id)):
        low, high = filled, filled + loan.amount
        raw = ZERO
        for lower, upper, rate in plan.brackets:
            top = high if upper is None else min(high, upper)
            portion = top - max(low, lower)
            if portion > 0:
                raw += portion * rate
        out.append((loan, round_half_up(raw * coefficient)))
        filled = high
    return out


def joiner_factor(person: Staff, q: int) -> Fraction:
    """As scoring's joiner_factor: days in post ÷ days in Q, half up to 4 places (1 if hired
    on or before Q's first day, 0 if after its last)."""
    start, end = quarter_start(q), quarter_end(q)
    if person.hired_on <= start:
        return Fraction(1)
    if person.hired_on > end:
        return ZERO
    days = (end - person.hired_on).days + 1
    return round_half_up(Fraction(days, (end - start).days + 1), 4)


def quarter_target(rows: Iterable[TargetRow], person: Staff, q: int) -> Fraction | None:
    """§6.3's T: the sheet's qN, else annual ÷ 4 half up (Q4 the remainder); joiner-prorated."""
    year, index = q // 4, q % 4
    matching = [r for r in rows if r.staff_id == person.staff_id and r.year in (None, year)]
    if not matching:
        return None
    if len(matching) > 1:
        raise ValueError(f"{person.staff_id}: more than one new_loans target for {year}")
    row = matching[0]
    if row.quarters is not None:
        target = row.quarters[index]
    else:
        first = round_half_up(row.annual / 4)
        target = first if index < 3 else row.annual - 3 * first
    factor = joiner_factor(person, q)
    return target if factor == 1 else round_half_up(target * factor)


def npl_ratio(lake: PayLake, staff_id: str, q: int) -> Fraction:
    """§6.5: bad balance ÷ all balance of the RM's loans with a row for Q's last month."""
    last = month_index(*quarter_months(q)[2])
    bad = total = ZERO
    for loan in lake.loans:
        if loan.staff_id != staff_id:
            continue
        row = lake.status.get(loan.loan_id, {}).get(last)
        if row is None:
            continue
        total += row.balance
        if row.grade in BAD_GRADES:
            bad += row.balance
    return ZERO if total == 0 else bad / total


def first_bad_month(lake: PayLake, loan_id: str) -> int | None:
    months = sorted(m for m, s in lake.status.get(loan_id, {}).items() if s.grade in BAD_GRADES)
    return months[0] if months else None


# -- carried state ---------------------------------------------------------------------


@dataclass
class Third:
    source: int  # the quarter that deferred it
    due: int
    left: Fraction


@dataclass
class Held:
    source: int
    amount: Fraction


@dataclass
class Account:
    """What one RM carries from quarter to quarter."""

    thirds: list[Third] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    earned: dict[str, tuple[Fraction, int]] = field(default_factory=dict)  # loan → (e, Q)


@dataclass(frozen=True)
class Statement:
    staff_id: str
    quarter: int
    rank: str
    rating: str | None
    coefficient: Fraction | None
    npl_ratio: Fraction
    base: Fraction
    loan_pay: Fraction
    excess_reward: Fraction
    performance_pay: Fraction
    deferred: Fraction
    immediate: Fraction
    held: Fraction
    held_released: Fraction
    deferral_released: Fraction
    malus: Fraction
    clawback: Fraction
    total_paid: Fraction
    deferral_balance: Fraction
    loan_earnings: tuple[tuple[str, Fraction], ...] = ()

    def row(self) -> dict[str, str]:
        out = {
            "staff_id": self.staff_id,
            "period": quarter_key(self.quarter),
            "rank": self.rank,
            "rating": self.rating or "",
            "coefficient": "" if self.coefficient is None else fmt(self.coefficient),
            "npl_ratio": fmt(round_half_up(self.npl_ratio, 6), 6),
        }
        for name in COLUMNS[6:]:
            out[name] = fmt(getattr(self, name))
        return out


def _take(thirds: Iterable[Third], cost: Fraction) -> Fraction:
    """Take up to `cost` from `thirds` in the given order; return what was taken."""
    taken = ZERO
    for third in thirds:
        part = min(third.left, cost - taken)
        third.left -= part
        taken += part
        if taken == cost:
            break
    return taken


def compute(
    lake: PayLake,
    period: int,
    ratings: Mapping[tuple[str, int], str],
    targets: Sequence[TargetRow] = (),
    plan: Plan = DEFAULT_PLAN,
) -> dict[int, list[Statement]]:
    """Every quarter's statements from the first quarter with a loan up to `period`."""
    first = min((quarter_of(x.disbursed_on) for x in lake.loans), default=period)
    rms = sorted((s for s in lake.staff.values() if s.role == "rm"), key=lambda s: s.staff_id)
    return _run(lake, range(min(first, period), period + 1), rms, ratings, targets, plan)


def _run(
    lake: PayLake,
    quarters: range,
    rms: Sequence[Staff],
    ratings: Mapping[tuple[str, int], str],
    targets: Sequence[TargetRow],
    plan: Plan,
) -> dict[int, list[Statement]]:
    accounts = {p.staff_id: Account() for p in rms}
    bad_month = {x.loan_id: first_bad_month(lake, x.loan_id) for x in lake.loans}
    out: dict[int, list[Statement]] = {}
    for q in quarters:
        statements = []
        for person in rms:
            s = _quarter(
                lake, q, person, accounts[person.staff_id], ratings, targets, plan, bad_month
            )
            if s is not None:
                statements.append(s)
        out[q] = statements
    return out


def _quarter(
    lake: PayLake,
    q: int,
    person: Staff,
    acct: Account,
    ratings: Mapping[tuple[str, int], str],
    targets: Sequence[TargetRow],
    plan: Plan,
    bad_month: Mapping[str, int | None],
) -> Statement | None:
    sid = person.staff_id
    base = base_pay(person, q, plan)

    # §6.2 loan pay
    mine = [x for x in lake.loans if x.staff_id == sid and quarter_of(x.disbursed_on) == q]
    rating = ratings.get((sid, q))
    if mine and rating is None:
        raise MissingRating(sid, q)
    coefficient = plan.coefficients[rating] if rating is not None else None
    earned = loan_earnings(mine, coefficient or ZERO, plan) if mine else []
    for loan, e in earned:
        acct.earned[loan.loan_id] = (e, q)
    loan_pay = sum((e for _, e in earned), ZERO)

    # §6.3 excess reward
    volume = sum((x.amount for x in mine), ZERO)
    target = quarter_target(targets, person, q)
    excess = ZERO
    if target is not None and volume > target and rating in EXCESS_TIERS:
        excess = round_half_up((volume - target) * plan.excess_rate)

    # §6.4 deferral
    performance = loan_pay + excess
    share = plan.material_risk_share if person.material_risk else plan.deferral_share
    deferred = round_half_up(performance * share)
    t1 = t2 = round_half_up(deferred / 3)
    t3 = deferred - t1 - t2
    immediate = performance - deferred

    # §6.5 NPL gate on this quarter's immediate part
    ratio = npl_ratio(lake, sid, q)
    passes = ratio <= plan.npl_threshold
    held = ZERO if passes else immediate

    # §6.6 costs of loans first bad in Q (within the window), before any release; Q's own
    # thirds are not there yet
    costs = []
    for loan_id, (e, source) in acct.earned.items():
        m = bad_month[loan_id]
        if m is None or quarter_of(dt.date(m // 12, m % 12 + 1, 1)) != q:
            continue
        if m <= month_index(*quarter_months(source)[2]) + plan.clawback_months:
            costs.append((m, loan_id, e, source))
    malus = clawback = ZERO
    for _, _, e, source in sorted(costs):
        own = sorted((t for t in acct.thirds if t.source == source), key=lambda t: t.due)
        others = sorted(
            (t for t in acct.thirds if t.source != source), key=lambda t: (t.source, t.due)
        )
        taken = _take([*own, *others], e)
        malus += taken
        clawback -= e - taken

    # releases: thirds due now, then held parts (first passing quarter of their window)
    released = ZERO
    for third in acct.thirds:
        if third.due == q:
            released += third.left
            third.left = ZERO
    held_released = ZERO
    still_held = []
    for part in acct.held:
        if passes:
            held_released += part.amount
        elif q - part.source < plan.hold_window:
            still_held.append(part)
        # else: the window's last quarter also failed: forfeited
    acct.held = still_held

    # this quarter's deferral and hold enter the carried state
    d1, d2, d3 = plan.third_due_after
    acct.thirds.extend([Third(q, q + d1, t1), Third(q, q + d2, t2), Third(q, q + d3, t3)])
    if held > 0:
        acct.held.append(Held(q, held))
    acct.thirds = [t for t in acct.thirds if t.left > 0]
    balance = sum((t.left for t in acct.thirds), ZERO)

    total = base + immediate - held + held_released + released + clawback
    statement = Statement(
        staff_id=sid,
        quarter=q,
        rank=person.rank,
        rating=rating,
        coefficient=coefficient,
        npl_ratio=ratio,
        base=base,
        loan_pay=loan_pay,
        excess_reward=excess,
        performance_pay=performance,
        deferred=deferred,
        immediate=immediate,
        held=held,
        held_released=held_released,
        deferral_released=released,
        malus=malus,
        clawback=clawback,
        total_paid=total,
        deferral_balance=balance,
        loan_earnings=tuple((loan.loan_id, e) for loan, e in earned),
    )
    employed = person.days_employed(quarter_start(q), quarter_end(q)) > 0
    if employed or any(getattr(statement, name) != 0 for name in LINES):
        return statement
    return None


def statements_for(
    lake_dir: Path,
    period: str,
    ratings: Path | None,
    targets: Path | None,
    plan: Plan = DEFAULT_PLAN,
) -> list[Statement]:
    """The statements of `period` for a lake directory and sheet files."""
    q = parse_quarter(period)
    lake = read_lake(lake_dir)
    rated = read_ratings(ratings) if ratings is not None else {}
    sheet = read_targets(targets) if targets is not None else []
    return compute(lake, q, rated, sheet, plan)[q]


def write_statements(statements: Sequence[Statement], out: Path) -> None:
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        for s in statements:
            writer.writerow(s.row())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reference pay statements (test oracle).")
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--ratings", type=Path)
    parser.add_argument("--targets", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        statements = statements_for(args.lake, args.period, args.ratings, args.targets)
    except MissingRating as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201 - a command-line tool
        return 2
    write_statements(statements, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
