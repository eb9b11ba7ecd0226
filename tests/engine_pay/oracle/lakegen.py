"""Small pay lakes full of §6 boundary cases: a case model, a CSV writer, hand-made
boundary cases and a hypothesis strategy.

A `PayCase` is what pay reads (RMs, loans, month-end loan statuses), the ratings and the
target sheet, and the quarters to compare. `write_case` writes it as a complete CSV lake
(every contract table, header only when empty, so `rmperf validate` passes) plus
`ratings.csv` and `targets.csv` beside it.

The strategy aims at the edges on purpose: cumulative quarter volumes at and around
10,000,000.00 and 30,000,000.00, loans whose e is an exact half cent, NPL ratios at exactly
2% and one cent either side, loans first graded bad in their own quarter, in the clawback
window's last month and one month after, ties on disbursed_on, joiners and leavers
mid-month, material-risk staff, and targets with V a cent or ten yuan above T.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from hypothesis import strategies as st

from rmperf.engine import contract
from tests.engine_pay.oracle import reference as ref

FIRST_Q = ref.parse_quarter("2023Q1")
LAST_Q = ref.parse_quarter("2026Q3")  # every date stays before the day the tests run
TIERS = ("outstanding", "good", "competent", "not_competent")
RANKS = ("assistant", "junior", "intermediate", "senior")
EXTRA_STAFF_COLUMNS = ("left_on", "material_risk")  # new optional columns (issue #13)


@dataclass(frozen=True)
class RM:
    staff_id: str
    rank: str = "junior"
    hired_on: str = "2015-01-01"
    left_on: str = ""
    material_risk: bool | None = None  # None: the cell is left empty
    role: str = "rm"


@dataclass(frozen=True)
class LoanRow:
    loan_id: str
    staff_id: str
    amount: str
    disbursed_on: str


@dataclass(frozen=True)
class StatusRow:
    loan_id: str
    month: str
    balance: str
    grade: str = "normal"


@dataclass
class PayCase:
    """One lake, its ratings and target sheet, and the quarters to compare."""

    name: str
    staff: list[RM]
    loans: list[LoanRow] = field(default_factory=list)
    status: list[StatusRow] = field(default_factory=list)
    ratings: dict[tuple[str, str], str] = field(default_factory=dict)
    targets: list[dict[str, str]] = field(default_factory=list)
    periods: list[str] = field(default_factory=lambda: [ref.quarter_key(LAST_Q)])
    notable: set[int] = field(default_factory=set)  # quarters where the strategy aimed at an edge

    def rate(self, staff_id: str, first: str, last: str, tier: str) -> PayCase:
        """Rate `staff_id` `tier` in every quarter first..last."""
        for q in range(ref.parse_quarter(first), ref.parse_quarter(last) + 1):
            self.ratings[(staff_id, ref.quarter_key(q))] = tier
        return self

    def loan(self, loan_id: str, staff_id: str, amount: str, disbursed_on: str) -> PayCase:
        self.loans.append(LoanRow(loan_id, staff_id, amount, disbursed_on))
        return self

    def state(self, loan_id: str, month: str, balance: str, grade: str = "normal") -> PayCase:
        self.status.append(StatusRow(loan_id, month, balance, grade))
        return self


@dataclass(frozen=True)
class CaseFiles:
    lake: Path
    ratings: Path
    targets: Path | None


def _org() -> dict[str, list[dict[str, str]]]:
    return {
        "org_units": [
            {"unit_id": "BANK", "name": "示例银行", "kind": "bank", "parent_id": ""},
            {"unit_id": "RG1", "name": "浙江区域", "kind": "region", "parent_id": "BANK"},
            {"unit_id": "BR1", "name": "西湖支行", "kind": "branch", "parent_id": "RG1"},
            {"unit_id": "TM1", "name": "西湖一组", "kind": "team", "parent_id": "BR1"},
        ],
        "customers": [
            {
                "customer_id": "C1",
                "name": "杭州某某科技有限公司",
                "kind": "corporate",
                "unit_id": "BR1",
                "opened_on": "2010-01-01",
            }
        ],
        "products": [
            {
                "product_id": "PBL",
                "name": "经营贷",
                "category": "business_loan",
                "risk_level": "R2",
                "term_days": "1095",
                "revenue_rate": "0.045000",
            }
        ],
    }


def _staff_row(p: RM) -> dict[str, str]:
    return {
        "staff_id": p.staff_id,
        "name": f"员工{p.staff_id}",
        "role": p.role,
        "rank": p.rank if p.role == "rm" else "",
        "unit_id": "TM1",
        "hired_on": p.hired_on,
        "left_on": p.left_on,
        "material_risk": "" if p.material_risk is None else str(p.material_risk).lower(),
    }


def _loan_row(x: LoanRow) -> dict[str, str]:
    disbursed = dt.date.fromisoformat(x.disbursed_on)
    return {
        "loan_id": x.loan_id,
        "customer_id": "C1",
        "product_id": "PBL",
        "staff_id": x.staff_id,
        "amount": x.amount,
        "disbursed_on": x.disbursed_on,
        "maturity_date": disbursed.replace(year=disbursed.year + 3).isoformat()
        if not (disbursed.month == 2 and disbursed.day == 29)
        else f"{disbursed.year + 3}-03-01",
        "green": "false",
        "inclusive": "false",
    }


def write_case(case: PayCase, root: Path) -> CaseFiles:
    """Write `case` under `root`: `lake/` (every contract table), ratings.csv, targets.csv."""
    lake = root / "lake"
    lake.mkdir(parents=True, exist_ok=True)
    tables = _org()
    leader = RM("TL1", role="team_leader", hired_on="2012-01-01")
    tables["staff"] = [_staff_row(p) for p in [*case.staff, leader]]
    tables["loans"] = [_loan_row(x) for x in case.loans]
    tables["loan_status"] = [
        {
            "loan_id": s.loan_id,
            "month": s.month,
            "balance": s.balance,
            "overdue_days": "0" if s.grade in ("normal", "special_mention") else "120",
            "grade": s.grade,
        }
        for s in case.status
    ]
    for t in contract.TABLES:
        columns = list(t.column_names)
        if t.name == "staff":
            columns += [c for c in EXTRA_STAFF_COLUMNS if c not in columns]
        _write_csv(lake / f"{t.name}.csv", columns, tables.get(t.name, []))
    ratings = root / "ratings.csv"
    _write_csv(
        ratings,
        ["staff_id", "period", "tier"],
        [
            {"staff_id": s, "period": q, "tier": tier}
            for (s, q), tier in sorted(case.ratings.items())
        ],
    )
    targets = None
    if case.targets:
        targets = root / "targets.csv"
        columns = ["staff_id", "indicator", "annual", "year", "q1", "q2", "q3", "q4"]
        _write_csv(targets, columns, case.targets)
    return CaseFiles(lake, ratings, targets)


def _write_csv(path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            unknown = set(row) - set(columns)
            if unknown:
                raise KeyError(f"{path.name} has no column(s) {sorted(unknown)}")
            writer.writerow({c: row.get(c, "") for c in columns})


# -- helpers shared by the boundary cases and the strategy -----------------------------


def cents(x: Fraction) -> str:
    return ref.fmt(x)


def month_key(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def quarter_end_month(q: int) -> int:
    return ref.month_index(*ref.quarter_months(q)[2])


def target_row(
    staff_id: str,
    annual: str,
    *,
    year: str = "",
    quarters: Sequence[str] | None = None,
) -> dict[str, str]:
    row = {"staff_id": staff_id, "indicator": "new_loans", "annual": annual, "year": year}
    if quarters is not None:
        row.update(zip(("q1", "q2", "q3", "q4"), quarters, strict=True))
    return row


# -- hypothesis ------------------------------------------------------------------------

EDGES = (Fraction(10_000_000), Fraction(30_000_000))
NEAR = (Fraction(0), Fraction(1, 100), Fraction(-1, 100), Fraction(1), Fraction(-1))


def _day_in(draw: st.DrawFn, first: dt.date, last: dt.date) -> dt.date:
    """A day in first..last, often a month's first or last day or the 15th."""
    span = (last - first).days
    day = first + dt.timedelta(days=draw(st.integers(0, span)))
    kind = draw(st.sampled_from(("any", "any", "first", "last", "mid")))
    if kind == "first":
        day = day.replace(day=1)
    elif kind == "last":
        day = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    elif kind == "mid":
        day = day.replace(day=15)
    return min(max(day, first), last)


def _volumes(draw: st.DrawFn, n: int) -> list[Fraction]:
    """n loan amounts whose running sums sit on or beside the bracket edges."""
    points: set[Fraction] = set()
    while len(points) < n:
        kind = draw(st.sampled_from(("edge", "edge", "small", "any")))
        if kind == "edge":
            point = draw(st.sampled_from(EDGES)) + draw(st.sampled_from(NEAR))
        elif kind == "small":
            point = Fraction(draw(st.integers(1, 500_000)), 100)
        else:
            point = Fraction(draw(st.integers(1, 4_000_000_000)), 100)
        points.add(point)
    ordered = sorted(points)
    return [b - a for a, b in zip([Fraction(0), *ordered[:-1]], ordered, strict=True)]


def _half_cent(amount: Fraction, coefficient: Fraction) -> Fraction:
    """`amount` nudged up by whole cents until amount × 15‱ × c is an exact half cent
    (a loan alone in the first bracket); unchanged when no nudge below 200.00 does it."""
    for extra in range(20_000):
        candidate = amount + Fraction(extra, 100)
        if (candidate * Fraction(15, 10_000) * coefficient * 100).denominator == 2:
            return candidate
    return amount


@st.composite
def pay_cases(draw: st.DrawFn) -> PayCase:
    """A lake of 1–3 RMs with loans over 2023Q1–2026Q3 aimed at the §6 boundaries."""
    case = PayCase(name="hypothesis", staff=[])
    n_rms = draw(st.integers(1, 3))
    loan_no = 0
    last_day = ref.quarter_end(LAST_Q)
    for i in range(n_rms):
        sid = f"RM{i + 1:02d}"
        hired = dt.date(2015, 1, 1)
        if draw(st.booleans()):  # a joiner inside the range
            hired = _day_in(draw, ref.quarter_start(FIRST_Q), dt.date(2025, 12, 31))
        left = None
        if draw(st.integers(0, 3)) == 0:  # a leaver
            left = _day_in(draw, max(hired, dt.date(2023, 6, 1)), dt.date(2026, 6, 30))
        person = RM(
            sid,
            rank=draw(st.sampled_from(RANKS)),
            hired_on=hired.isoformat(),
            left_on="" if left is None else left.isoformat(),
            material_risk=draw(st.sampled_from((None, False, True))),
        )
        case.staff.append(person)
        first_q = max(FIRST_Q, ref.quarter_of(hired))
        last_q = min(LAST_Q, ref.quarter_of(left) if left else LAST_Q)
        # ratings: every quarter the RM works in, a few left out (only where no loans)
        tiers: dict[int, str | None] = {}
        for q in range(first_q, last_q + 1):
            tiers[q] = draw(st.sampled_from((*TIERS, None)))
        active = sorted(set(draw(st.lists(st.integers(first_q, last_q), min_size=0, max_size=4))))
        rm_loans: list[tuple[LoanRow, int]] = []
        for q in active:
            tier = tiers[q] or draw(st.sampled_from(TIERS))
            tiers[q] = tier
            amounts = _volumes(draw, draw(st.integers(1, 4)))
            if draw(st.booleans()):  # the first loan's e an exact half cent, the sums kept
                nudged = _half_cent(amounts[0], ref.DEFAULT_PLAN.coefficients[tier])
                if len(amounts) == 1 or amounts[1] > nudged - amounts[0]:
                    if len(amounts) > 1:
                        amounts[1] -= nudged - amounts[0]
                    amounts[0] = nudged
            start = max(ref.quarter_start(q), hired)
            end = min(ref.quarter_end(q), left or last_day)
            keys = []
            day = _day_in(draw, start, end)
            for _ in amounts:
                if not draw(st.booleans()):  # else the same day: loan_id breaks the tie
                    day = _day_in(draw, start, end)
                loan_no += 1
                # ids are not in creation order (7919 is prime to 10,000), so the engine
                # must sort by (disbursed_on, loan_id), not take the file's order
                keys.append((day.isoformat(), f"L{(loan_no * 7919) % 10_000:04d}"))
            # the amounts' running sums sit on the edges in the order the brackets fill
            by_fill = dict(zip(sorted(keys), amounts, strict=True))
            for day_text, loan_id in keys:
                row = LoanRow(loan_id, sid, cents(by_fill[(day_text, loan_id)]), day_text)
                case.loans.append(row)
                rm_loans.append((row, q))
            case.notable.add(q)
        for q, tier in tiers.items():
            if tier is not None:
                case.ratings[(sid, ref.quarter_key(q))] = tier
        _statuses(draw, case, rm_loans)
        _npl_edges(draw, case, sid)
        _target(draw, case, person, rm_loans)
    # compare the last quarter and two aimed-at ones (a loan quarter, a first bad month's,
    # an NPL edge, a targeted quarter, or a hold window's quarters after them)
    notable = sorted(q + k for q in case.notable for k in (0, 1, 4) if q + k <= LAST_Q)
    periods = {LAST_Q}
    if notable:
        periods.update(draw(st.lists(st.sampled_from(notable), max_size=2)))
    else:
        periods.add(draw(st.integers(FIRST_Q, LAST_Q)))
    case.periods = [ref.quarter_key(q) for q in sorted(periods)]
    return case


def _statuses(draw: st.DrawFn, case: PayCase, loans: Sequence[tuple[LoanRow, int]]) -> None:
    """Quarter-end rows from disbursal to 2026-09, plus a first bad month aimed at the
    clawback window's edges; a bad loan may recover or be written off to 0."""
    last = quarter_end_month(LAST_Q)
    for loan, q in loans:
        disbursed = dt.date.fromisoformat(loan.disbursed_on)
        start = ref.month_index(disbursed.year, disbursed.month)
        window_end = quarter_end_month(q) + 36
        fate = draw(
            st.sampled_from(
                ("good", "good", "own_month", "own_quarter", "window_last", "window_after", "any")
            )
        )
        bad: int | None = {
            "good": None,
            "own_month": start,
            "own_quarter": quarter_end_month(q),
            "window_last": window_end,
            "window_after": window_end + 1,
            "any": draw(st.integers(start, last)),
        }[fate]
        if bad is not None and bad > last:
            bad = None
        stops = draw(st.sampled_from((last, last, draw(st.integers(start, last)))))
        months = {m for m in range(start, stops + 1) if m % 3 == 2}
        if bad is not None:
            months.add(bad)
            case.notable.add(bad // 3)
        amount = ref.money(loan.amount)
        recover = draw(st.integers(0, 3)) == 0
        write_off = draw(st.integers(0, 3)) == 0
        for m in sorted(months):
            grade = "normal"
            if bad is not None and m >= bad:
                grade = draw(st.sampled_from(("substandard", "doubtful", "loss")))
                if recover and m > bad:
                    grade = "normal"
            share = Fraction(draw(st.integers(0, 100)), 100)
            balance = amount * share
            if write_off and grade == "loss" and m > (bad or 0):
                balance = Fraction(0)
            case.state(loan.loan_id, month_key(m), cents(ref.round_half_up(balance)), grade)


def _npl_edges(draw: st.DrawFn, case: PayCase, staff_id: str) -> None:
    """At up to two quarter ends with a bad balance B, set one normal row so the RM's
    ratio is exactly 2% (normal total 49·B), or a cent either side of it."""
    mine = {x.loan_id for x in case.loans if x.staff_id == staff_id}
    months = sorted(
        {
            s.month
            for s in case.status
            if s.loan_id in mine and s.month[5:] in ("03", "06", "09", "12")
        }
    )
    if not months:
        return
    for month in draw(st.lists(st.sampled_from(months), max_size=2, unique=True)):
        rows = [(i, s) for i, s in enumerate(case.status) if s.loan_id in mine and s.month == month]
        bad = sum((ref.money(s.balance) for _, s in rows if s.grade in ref.BAD_GRADES), Fraction(0))
        normal = [(i, s) for i, s in rows if s.grade not in ref.BAD_GRADES]
        if bad == 0 or not normal:
            continue
        i, chosen = normal[0]
        others = sum((ref.money(s.balance) for j, s in normal if j != i), Fraction(0))
        nudge = draw(
            st.sampled_from((Fraction(0), Fraction(0), Fraction(-1, 100), Fraction(1, 100)))
        )
        balance = 49 * bad - others + nudge
        if balance >= 0:
            case.status[i] = StatusRow(chosen.loan_id, month, cents(balance), chosen.grade)
            case.notable.add(ref.parse_month(month) // 3)


def _target(
    draw: st.DrawFn, case: PayCase, person: RM, loans: Sequence[tuple[LoanRow, int]]
) -> None:
    """Maybe a target row; sometimes a second row for another year, before or after it
    (a sheet spanning years: each row applies to its own year only)."""
    before = len(case.targets)
    _one_target(draw, case, person, loans)
    if len(case.targets) == before or not case.targets[-1]["year"] or not draw(st.booleans()):
        return
    used = case.targets[-1]["year"]
    other = draw(st.sampled_from([y for y in ("2023", "2024", "2025", "2026") if y != used]))
    annual = Fraction(draw(st.integers(0, 4_000_000_000)), 100)
    extra = target_row(person.staff_id, cents(annual), year=other)
    case.targets.insert(len(case.targets) - draw(st.integers(0, 1)), extra)


def _one_target(
    draw: st.DrawFn, case: PayCase, person: RM, loans: Sequence[tuple[LoanRow, int]]
) -> None:
    """Maybe a new_loans target; when the RM has loans, aimed so V − T is 0, ±0.01 or ~10."""
    kind = draw(st.sampled_from(("none", "aimed", "aimed", "aimed", "random")))
    if kind == "none":
        return
    sid = person.staff_id
    if kind == "random" or not loans:
        annual = Fraction(draw(st.integers(0, 8_000_000_000)), 100)
        year = draw(st.sampled_from(("", "2024", "2025", "2026")))
        case.targets.append(target_row(sid, cents(annual), year=year))
        return
    q = draw(st.sampled_from(sorted({qq for _, qq in loans})))
    case.notable.add(q)
    volume = sum((ref.money(x.amount) for x, qq in loans if qq == q), Fraction(0))
    gap = draw(
        st.sampled_from(
            (
                Fraction(0),
                Fraction(1, 100),
                Fraction(-1, 100),
                Fraction(10),
                Fraction(999, 100),
                Fraction(1001, 100),
                Fraction(draw(st.integers(1, 10**9)), 100),
            )
        )
    )
    t = max(Fraction(0), volume - gap)
    index = q % 4
    year = str(q // 4)
    if draw(st.booleans()):  # the sheet's own quarter figures
        others = [Fraction(draw(st.integers(0, 10**9)), 100) for _ in range(3)]
        quarters = [*others[:index], t, *others[index:]]
        case.targets.append(
            target_row(
                sid,
                cents(sum(quarters, Fraction(0))),
                year=year,
                quarters=[cents(x) for x in quarters],
            )
        )
        return
    # annual only: annual = 4T + x, with x chosen so that this quarter's split is exactly T
    x = draw(st.sampled_from((Fraction(0), Fraction(1, 100), Fraction(-2, 100))))
    if index == 3:
        x = draw(st.sampled_from((Fraction(0), Fraction(3, 100), Fraction(-3, 100))))
    annual = max(Fraction(0), 4 * t + x)
    case.targets.append(
        target_row(sid, cents(annual), year=draw(st.sampled_from((year, year, ""))))
    )
