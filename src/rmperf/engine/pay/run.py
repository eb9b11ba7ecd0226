"""Paying a lake: read the RMs, their loans and loan grades, get the ratings, run the state
machine from the first quarter with loans up to the requested quarter.

Ratings come from a ratings file (`staff_id, period, tier`, e.g. concatenated
`rmperf score --out` files) or, without one, from scoring each quarter that needs them
with the shipped scorecards (docs/pay.md).
"""

# ruff: noqa: S608 - SQL over the contract's view names and the plan's grade names

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rmperf.engine.backends import BackendName, attach_lake, open_backend
from rmperf.engine.contract import LOAN_GRADES
from rmperf.engine.lake import Lake
from rmperf.engine.pay.compute import Loan, PayError, PayInputs, Person, Statement, compute_pay
from rmperf.engine.pay.plan import PayPlan
from rmperf.engine.pay.quarters import month_index, quarter_index, quarter_key, quarter_of
from rmperf.engine.periods import Period
from rmperf.engine.policy import PolicyError, PolicyIssue, Severity
from rmperf.engine.scoring.policy import Tier
from rmperf.engine.scoring.targets import EMPTY_SHEET, TargetSheet
from rmperf.engine.validity import valid_view_name

Ratings = dict[tuple[str, int], Tier]
#: Scores one quarter (index) and returns staff_id → tier (used without a ratings file).
Scorer = Callable[[int], Mapping[str, Tier]]


@dataclass(frozen=True)
class LakeData:
    """The pay inputs a lake holds (everything but ratings and targets)."""

    people: dict[str, Person]
    loans: list[Loan]
    npl: dict[tuple[str, int], tuple[Decimal, Decimal]]
    first_bad: dict[str, int]


def read_lake(lake: Lake, plan: PayPlan, *, backend: BackendName = "duckdb") -> LakeData:
    """RMs, their loans, their month-end NPL balances and each loan's first bad month."""
    grades = [g for g in plan.npl.grades if g in LOAN_GRADES]  # validated by the plan rules
    in_bad = "(" + ", ".join(f"'{g}'" for g in grades) + ")"
    engine = open_backend(backend)
    try:
        attach_lake(engine, lake, ["staff", "loans", "loan_status"])
        s, ln, st = (valid_view_name(t) for t in ("staff", "loans", "loan_status"))
        staff = engine.to_arrow(
            f"SELECT staff_id, rank, hired_on, left_on, material_risk FROM {s} "
            "WHERE role = 'rm' ORDER BY staff_id"
        ).to_pylist()
        loans = engine.to_arrow(
            f"SELECT l.loan_id, l.staff_id, l.amount, l.disbursed_on FROM {ln} l "
            f"JOIN {s} r ON r.staff_id = l.staff_id AND r.role = 'rm' "
            "ORDER BY l.staff_id, l.disbursed_on, l.loan_id"
        ).to_pylist()
        # Only quarter-end months decide the NPL gate.
        npl = engine.to_arrow(
            f"SELECT l.staff_id, x.month, "
            f"SUM(CASE WHEN x.grade IN {in_bad} THEN x.balance ELSE 0 END) AS bad, "
            "SUM(x.balance) AS total "
            f"FROM {st} x JOIN {ln} l ON l.loan_id = x.loan_id "
            f"JOIN {s} r ON r.staff_id = l.staff_id AND r.role = 'rm' "
            "WHERE substr(x.month, 6, 2) IN ('03', '06', '09', '12') "
            "GROUP BY l.staff_id, x.month"
        ).to_pylist()
        first_bad = engine.to_arrow(
            f"SELECT x.loan_id, MIN(x.month) AS month FROM {st} x "
            f"WHERE x.grade IN {in_bad} GROUP BY x.loan_id"
        ).to_pylist()
    finally:
        engine.close()
    return LakeData(
        people={
            r["staff_id"]: Person(
                staff_id=r["staff_id"],
                rank=r["rank"],
                hired_on=r["hired_on"],
                left_on=r["left_on"],
                material_risk=bool(r["material_risk"]),
            )
            for r in staff
        },
        loans=[Loan(r["loan_id"], r["staff_id"], r["amount"], r["disbursed_on"]) for r in loans],
        npl={
            (r["staff_id"], month_index(r["month"])): (
                Decimal(r["bad"] or 0),
                Decimal(r["total"] or 0),
            )
            for r in npl
        },
        first_bad={r["loan_id"]: month_index(r["month"]) for r in first_bad},
    )


def first_quarter(data: LakeData, plan: PayPlan, period: int) -> int:
    """The earliest quarter with a disbursal of an RM's loan, or the plan's earlier start."""
    candidates = [quarter_of(ln.disbursed_on) for ln in data.loans]
    if plan.start is not None:
        candidates.append(quarter_index(Period.parse(plan.start)))
    return min([*candidates, period]) if candidates else period


def quarters_needing_ratings(data: LakeData, first: int, last: int) -> list[int]:
    """Quarters first … last in which an RM has a loan disbursed."""
    return sorted({q for ln in data.loans if first <= (q := quarter_of(ln.disbursed_on)) <= last})


# -- the ratings file ----------------------------------------------------------------------

TIERS = {str(t): t for t in Tier}


def parse_ratings(text: str, *, source: str = "<ratings>") -> Ratings:
    """`staff_id, period, tier` rows (more columns allowed; repeated header lines skipped).

    A tier outside the score vocabulary, a period that is not a quarter, or one RM with
    two different tiers for a quarter is an error naming the file and the line.
    """
    issues: list[PolicyIssue] = []

    def bad(rule_name: str, message: str, line: int | None) -> None:
        issues.append(PolicyIssue(Severity.ERROR, rule_name, message, source, line))

    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"staff_id", "period", "tier"} - set(reader.fieldnames or ())
    if missing:
        bad("ratings.columns", f"missing column(s): {', '.join(sorted(missing))}", 1)
        raise PolicyError(issues)
    out: Ratings = {}
    seen: dict[tuple[str, int], int] = {}
    for rec in reader:
        line = reader.line_num
        staff_id = (rec.get("staff_id") or "").strip()
        period_text = (rec.get("period") or "").strip()
        tier_text = (rec.get("tier") or "").strip()
        if (staff_id, period_text, tier_text) == ("staff_id", "period", "tier"):
            continue  # the header of a concatenated file
        if not staff_id:
            bad("ratings.row", "staff_id is empty", line)
            continue
        try:
            q = quarter_index(Period.parse(period_text))
        except ValueError as exc:
            bad("ratings.period", f"{staff_id}: {exc}", line)
            continue
        tier = TIERS.get(tier_text)
        if tier is None:
            bad(
                "ratings.tier",
                f"{staff_id} {period_text}: unknown tier {tier_text!r} (one of {', '.join(TIERS)})",
                line,
            )
            continue
        key = (staff_id, q)
        if key in out and out[key] is not tier:
            bad(
                "ratings.unique",
                f"{staff_id} {quarter_key(q)} is {out[key]} on line {seen[key]} and {tier} here",
                line,
            )
            continue
        out[key] = tier
        seen.setdefault(key, line)
    if issues:
        raise PolicyError(issues)
    return out


def load_ratings(path: Path | str) -> Ratings:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(
            [PolicyIssue(Severity.ERROR, "file", f"cannot read: {exc.strerror}", str(p), None)]
        ) from None
    return parse_ratings(text, source=str(p))


# -- the whole run -------------------------------------------------------------------------


@dataclass(frozen=True)
class LakePay:
    """The statements of the requested quarter and how far back the state was carried."""

    period: str
    statements: list[Statement]
    first: str
    scored: tuple[str, ...] = ()


def pay_lake(
    lake: Lake,
    *,
    period: Period,
    plan: PayPlan,
    ratings: Ratings | None = None,
    scorer: Scorer | None = None,
    targets: TargetSheet = EMPTY_SHEET,
    backend: BackendName = "duckdb",
    data: LakeData | None = None,
    ranks: Mapping[tuple[str, int], str] | None = None,
) -> LakePay:
    """Pay every RM of `lake` for `period` (a quarter), state carried from the first loan.

    Without `ratings`, `scorer` rates each quarter with loan pay (and `period` itself).
    `ranks` ((staff_id, quarter) → rank) overrides the lake's one rank per person for
    the quarters it names (the app's confirmed promotions).
    """
    last = quarter_index(period)
    data = data if data is not None else read_lake(lake, plan, backend=backend)
    first = first_quarter(data, plan, last)
    scored: list[str] = []
    if ratings is None:
        if scorer is None:
            raise PayError("no ratings file and no way to score the quarters")
        ratings = {}
        for q in sorted({*quarters_needing_ratings(data, first, last), last}):
            for staff_id, tier in scorer(q).items():
                ratings[(staff_id, q)] = tier
            scored.append(quarter_key(q))
    inputs = PayInputs(
        people=data.people,
        loans=data.loans,
        npl=data.npl,
        first_bad=data.first_bad,
        ratings=ratings,
        targets=targets,
        ranks=dict(ranks or {}),
    )
    result = compute_pay(inputs, plan, first=first, last=last, keep=[last])
    return LakePay(quarter_key(last), result[last], quarter_key(first), tuple(scored))
