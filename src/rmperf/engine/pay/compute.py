"""The pay state machine: quarter by quarter, per RM (DOMAIN §6 "Pay statement").

A pure function of (people, loans, NPL balances, first bad months, ratings, targets,
plan). Every amount is a Decimal rounded once, ROUND_HALF_UP to the cent, where stated:

1. base: per month, monthly base × days employed ÷ days in the month, rounded; the line
   is the sum of the months.
2. loan pay: the RM's loans disbursed in Q, ordered by (disbursed_on, loan_id), fill the
   brackets cumulatively from 0 (marginal), or all sit at the rate of the bracket holding
   the quarter's volume V (whole; a bracket holds its upper bound); each loan's
   e = Σ(portion × rate ÷ 10000) × c, rounded per loan.
3. excess reward: round((V − T) × rate ÷ 10000) when V > T and the rating earns it.
4. P = loan pay + excess; D = round(P × share) (material risk: its own share); parts
   round(D ÷ n) each but the last, which takes the rest; I = P − D.
5. NPL ratio at Q's last month, compared exactly: above the threshold, held = I.
6. costs (malus, clawback) in the order (m, loan_id), then the parts due are released,
   then the held parts whose window sees a ratio at or under the threshold, then Q's
   own parts enter the balance.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from rmperf.engine.pay.plan import BracketMode, PayPlan
from rmperf.engine.pay.quarters import (
    last_month,
    month_bounds,
    month_key,
    quarter_key,
    quarter_of,
    quarter_period,
)
from rmperf.engine.scoring.policy import TargetBasis, Tier
from rmperf.engine.scoring.targets import EMPTY_SHEET, TargetSheet, joiner_factor, period_target

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PER_TEN_THOUSAND = Decimal(10000)


def cents(value: Decimal) -> Decimal:
    """`value` to the cent, ROUND_HALF_UP (never Python's half-to-even)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class PayError(ValueError):
    """Inputs that cannot be paid (a rating missing for a quarter with loan pay …)."""


@dataclass(frozen=True)
class Person:
    """An RM as the staff table holds them today (one rank per person, DOMAIN §6.7)."""

    staff_id: str
    rank: str
    hired_on: dt.date
    left_on: dt.date | None = None
    material_risk: bool = False

    def days_employed(self, start: dt.date, end: dt.date) -> int:
        first = max(start, self.hired_on)
        last = end if self.left_on is None else min(end, self.left_on)
        return max((last - first).days + 1, 0)


@dataclass(frozen=True)
class Loan:
    loan_id: str
    staff_id: str
    amount: Decimal
    disbursed_on: dt.date


@dataclass(frozen=True)
class PayInputs:
    """Everything the state machine reads, keyed by integer quarters and months."""

    people: Mapping[str, Person]
    loans: Sequence[Loan]
    #: (staff_id, month index) → (balance graded non-performing, balance of all loans)
    npl: Mapping[tuple[str, int], tuple[Decimal, Decimal]]
    #: loan_id → month index of its first non-performing grade
    first_bad: Mapping[str, int]
    #: (staff_id, quarter index) → quarterly rating
    ratings: Mapping[tuple[str, int], Tier]
    targets: TargetSheet = EMPTY_SHEET
    #: (staff_id, quarter index) → the rank in that quarter where it differs from the
    #: person's (a confirmed promotion of the app); the base of the quarter follows it.
    ranks: Mapping[tuple[str, int], str] = field(default_factory=dict)


@dataclass(frozen=True)
class PayLine:
    """One line of a statement and where it comes from (the payroll export's row)."""

    staff_id: str
    period: str
    line: str
    amount: Decimal
    loan_id: str = ""
    source_period: str = ""
    part: int | None = None
    due_period: str = ""
    month: str = ""
    portions: str = ""
    rate: Decimal | None = None
    coefficient: Decimal | None = None
    detail: str = ""


@dataclass(frozen=True)
class Statement:
    """One RM's pay statement for one quarter."""

    staff_id: str
    period: str
    rank: str
    rating: Tier | None
    coefficient: Decimal | None
    npl_bad: Decimal
    npl_all: Decimal
    base: Decimal
    loan_pay: Decimal
    excess_reward: Decimal
    performance_pay: Decimal
    deferred: Decimal
    immediate: Decimal
    held: Decimal
    held_released: Decimal
    deferral_released: Decimal
    malus: Decimal
    clawback: Decimal
    total_paid: Decimal
    deferral_balance: Decimal
    lines: tuple[PayLine, ...] = ()

    @property
    def npl_ratio(self) -> Decimal:
        """The exact ratio (0 when the RM has no loan balance that month)."""
        if self.npl_all == 0:
            return Decimal(0)
        with localcontext() as ctx:
            ctx.prec = 50
            return self.npl_bad / self.npl_all


@dataclass
class _Part:
    """One deferred part (a third, by default): what is left of it and whether it is out."""

    source: int
    number: int
    due: int
    remaining: Decimal
    released: bool = False


@dataclass
class _Hold:
    source: int
    amount: Decimal
    open: bool = True


@dataclass(frozen=True)
class _Cost:
    month: int
    loan_id: str
    loan_quarter: int
    amount: Decimal


@dataclass(frozen=True)
class _LoanPay:
    loan: Loan
    quarter: int
    e: Decimal
    portions: tuple[tuple[Decimal, Decimal], ...]  # (portion, rate ‱)


def bracket_portions(
    plan: PayPlan, before: Decimal, amount: Decimal
) -> tuple[tuple[Decimal, Decimal], ...]:
    """How a loan of `amount` fills the brackets after `before` of the quarter's volume."""
    out: list[tuple[Decimal, Decimal]] = []
    lower = Decimal(0)
    start, end = before, before + amount
    for b in plan.loan_pay.brackets:
        upper = b.up_to
        lo = max(start, lower)
        hi = end if upper is None else min(end, upper)
        if hi > lo:
            out.append((hi - lo, b.rate))
        if upper is None:
            break
        lower = upper
    return tuple(out)


def whole_rate(plan: PayPlan, volume: Decimal) -> Decimal:
    """The rate of the bracket holding `volume` (a bracket includes its upper bound)."""
    for b in plan.loan_pay.brackets:
        if b.up_to is None or volume <= b.up_to:
            return b.rate
    return plan.loan_pay.brackets[-1].rate


def loan_pay_of_quarter(
    plan: PayPlan, loans: Sequence[Loan], coefficient: Decimal
) -> list[tuple[Loan, Decimal, tuple[tuple[Decimal, Decimal], ...]]]:
    """(loan, e, portions) for one RM's loans of one quarter, in (disbursed_on, loan_id) order."""
    ordered = sorted(loans, key=lambda ln: (ln.disbursed_on, ln.loan_id))
    out = []
    volume = Decimal(0)
    total = sum((ln.amount for ln in ordered), Decimal(0))
    for ln in ordered:
        if plan.loan_pay.mode is BracketMode.MARGINAL:
            portions = bracket_portions(plan, volume, ln.amount)
        else:
            portions = ((ln.amount, whole_rate(plan, total)),)
        volume += ln.amount
        raw = sum((p * r for p, r in portions), Decimal(0)) / PER_TEN_THOUSAND
        out.append((ln, cents(raw * coefficient), portions))
    return out


def quarter_target(
    sheet: TargetSheet, indicator: str, person: Person, quarter: int
) -> Decimal | None:
    """The quarter's target as `rmperf score` resolves it, prorated for a joiner; None: no row."""
    period = quarter_period(quarter)
    row = sheet.get(person.staff_id, indicator, period.start.year)
    if row is None or (row.year is not None and row.year != period.start.year):
        return None
    target = period_target(row.annual, row.quarters, TargetBasis.ANNUAL, period)
    factor = joiner_factor(period, person.hired_on)
    if factor != 1:
        target = cents(target * factor)
    return target


def quarter_base(plan: PayPlan, person: Person, rank: str, quarter: int) -> list[BaseMonth]:
    """The base of each month of the quarter employed: round(monthly × days ÷ days in month)."""
    monthly = plan.base_monthly[rank]
    out = []
    for m in range(3 * quarter, 3 * quarter + 3):
        start, end = month_bounds(m)
        days = person.days_employed(start, end)
        if days == 0:
            continue
        dim = (end - start).days + 1
        out.append(BaseMonth(m, monthly, days, dim, cents(monthly * days / dim)))
    return out


@dataclass(frozen=True)
class BaseMonth:
    month: int
    monthly: Decimal
    days: int
    days_in_month: int
    amount: Decimal


@dataclass(frozen=True)
class QuarterPay:
    """One RM's pay of one quarter under a given rating, before deferral and holds."""

    base: Decimal
    loan_pay: Decimal
    excess_reward: Decimal

    @property
    def performance_pay(self) -> Decimal:
        return self.loan_pay + self.excess_reward

    @property
    def cost(self) -> Decimal:
        """Base plus performance pay: what the quarter's work costs the bank."""
        return self.base + self.performance_pay


def quarter_pay(
    plan: PayPlan,
    person: Person,
    loans: Sequence[Loan],
    rating: Tier,
    quarter: int,
    *,
    targets: TargetSheet = EMPTY_SHEET,
    rank: str | None = None,
) -> QuarterPay:
    """Base, loan pay and excess reward of `person` in `quarter` if rated `rating` (DOMAIN
    §6.1–3), the same arithmetic as the statement's; `loans` may hold other quarters' loans
    (only the quarter's are paid). Used to preview a calibration's effect on pay."""
    own = [
        ln
        for ln in loans
        if ln.staff_id == person.staff_id and quarter_of(ln.disbursed_on) == quarter
    ]
    c = plan.coefficients[rating]
    loan_pay = sum((e for _ln, e, _p in loan_pay_of_quarter(plan, own, c)), ZERO)
    volume = sum((ln.amount for ln in own), Decimal(0))
    excess = ZERO
    target = quarter_target(targets, plan.excess_reward.indicator, person, quarter)
    if target is not None and volume > target and rating in plan.excess_reward.tiers:
        excess = cents((volume - target) * plan.excess_reward.rate / PER_TEN_THOUSAND)
    base = sum((b.amount for b in quarter_base(plan, person, rank or person.rank, quarter)), ZERO)
    return QuarterPay(base=base, loan_pay=loan_pay, excess_reward=excess)


def split_deferral(total: Decimal, n: int) -> list[Decimal]:
    """round(D ÷ n) for each part but the last, which takes the rest."""
    each = cents(total / n)
    return [each] * (n - 1) + [total - each * (n - 1)]


def _portions_text(portions: Iterable[tuple[Decimal, Decimal]]) -> str:
    return " + ".join(f"{p:.2f} × {r}‱" for p, r in portions)


@dataclass
class _Rm:
    """One RM's carried state."""

    person: Person
    parts: list[_Part] = field(default_factory=list)
    holds: list[_Hold] = field(default_factory=list)


def compute_pay(
    inputs: PayInputs,
    plan: PayPlan,
    *,
    first: int,
    last: int,
    keep: Iterable[int] | None = None,
) -> dict[int, list[Statement]]:
    """Statements of quarters `first` … `last` (indexes), state carried from `first`.

    `keep` limits which quarters' statements are returned (default: all). Raises
    PayError when a quarter with loan pay has no rating for the RM.
    """
    kept = set(range(first, last + 1)) if keep is None else set(keep)
    by_rm_quarter: dict[tuple[str, int], list[Loan]] = defaultdict(list)
    for ln in inputs.loans:
        q = quarter_of(ln.disbursed_on)
        if ln.staff_id in inputs.people and first <= q <= last:
            by_rm_quarter[(ln.staff_id, q)].append(ln)
    missing = sorted(
        (quarter_key(q), sid) for (sid, q) in by_rm_quarter if (sid, q) not in inputs.ratings
    )
    if missing:
        shown = "; ".join(f"{sid} in {q}" for q, sid in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise PayError(f"no quarterly rating for an RM with loan pay: {shown}{more}")
    unknown = sorted(
        f"{sid} in {quarter_key(q)}: {rank!r}"
        for (sid, q), rank in inputs.ranks.items()
        if rank not in plan.base_monthly
    )
    if unknown:
        raise PayError(f"a rank without a monthly base in the pay plan: {'; '.join(unknown)}")

    # Every loan's pay first: a cost may fall in any later quarter.
    paid: dict[str, _LoanPay] = {}
    for (sid, q), loans in by_rm_quarter.items():
        c = plan.coefficients[inputs.ratings[(sid, q)]]
        for ln, e, portions in loan_pay_of_quarter(plan, loans, c):
            paid[ln.loan_id] = _LoanPay(ln, q, e, portions)
    window = plan.clawback.window_months
    costs: dict[tuple[str, int], list[_Cost]] = defaultdict(list)
    for loan_id, lp in paid.items():
        m = inputs.first_bad.get(loan_id)
        if m is None or m > last_month(lp.quarter) + window or m // 3 > last:
            continue
        costs[(lp.loan.staff_id, m // 3)].append(_Cost(m, loan_id, lp.quarter, lp.e))

    out: dict[int, list[Statement]] = {q: [] for q in sorted(kept) if first <= q <= last}
    for sid in sorted(inputs.people):
        rm = _Rm(inputs.people[sid])
        for q in range(first, last + 1):
            st = _quarter(rm, q, inputs, plan, by_rm_quarter.get((sid, q), []), paid, costs)
            if st is not None and q in out:
                out[q].append(st)
    return out


def _quarter(
    rm: _Rm,
    q: int,
    inputs: PayInputs,
    plan: PayPlan,
    loans: Sequence[Loan],
    paid: Mapping[str, _LoanPay],
    costs: Mapping[tuple[str, int], list[_Cost]],
) -> Statement | None:
    person = rm.person
    sid = person.staff_id
    key = quarter_key(q)
    lines: list[PayLine] = []

    def line(
        kind: str,
        amount: Decimal,
        *,
        loan_id: str = "",
        source_period: str = "",
        part: int | None = None,
        due_period: str = "",
        month: str = "",
        portions: str = "",
        rate: Decimal | None = None,
        coefficient: Decimal | None = None,
        detail: str = "",
    ) -> None:
        lines.append(
            PayLine(
                sid,
                key,
                kind,
                amount,
                loan_id=loan_id,
                source_period=source_period,
                part=part,
                due_period=due_period,
                month=month,
                portions=portions,
                rate=rate,
                coefficient=coefficient,
                detail=detail,
            )
        )

    # 1. base, per month, at the rank of the quarter
    rank = inputs.ranks.get((sid, q), person.rank)
    base = ZERO
    months = quarter_base(plan, person, rank, q)
    employed = bool(months)
    for b in months:
        base += b.amount
        line(
            "base",
            b.amount,
            month=month_key(b.month),
            detail=f"{b.monthly:.2f} × {b.days} / {b.days_in_month} days ({rank})",
        )

    # 2. loan pay
    rating = inputs.ratings.get((sid, q))
    coefficient = plan.coefficients[rating] if rating is not None else None
    loan_pay = ZERO
    volume = Decimal(0)
    for ln in sorted(loans, key=lambda x: (x.disbursed_on, x.loan_id)):
        lp = paid[ln.loan_id]
        loan_pay += lp.e
        volume += ln.amount
        rates = {r for _, r in lp.portions}
        line(
            "loan_pay",
            lp.e,
            loan_id=ln.loan_id,
            portions=_portions_text(lp.portions),
            rate=rates.pop() if len(rates) == 1 else None,
            coefficient=coefficient,
            detail=f"amount {ln.amount:.2f} disbursed {ln.disbursed_on.isoformat()}; "
            f"rating {rating}",
        )

    # 3. excess reward
    excess = ZERO
    target = quarter_target(inputs.targets, plan.excess_reward.indicator, person, q)
    if (
        target is not None
        and volume > target
        and rating is not None
        and rating in plan.excess_reward.tiers
    ):
        rate = plan.excess_reward.rate
        excess = cents((volume - target) * rate / PER_TEN_THOUSAND)
        if excess != 0:
            line(
                "excess_reward",
                excess,
                rate=rate,
                detail=f"(V {volume:.2f} − T {target:.2f}) × {rate}‱; rating {rating}",
            )

    # 4. deferral and immediate part
    performance = loan_pay + excess
    share = plan.deferral.material_risk_share if person.material_risk else plan.deferral.share
    deferred = cents(performance * share)
    immediate = performance - deferred
    parts = split_deferral(deferred, len(plan.deferral.schedule))
    for n, (after, amount) in enumerate(zip(plan.deferral.schedule, parts, strict=True), 1):
        if amount != 0:
            line(
                "deferred",
                amount,
                part=n,
                due_period=quarter_key(q + after),
                detail=f"part {n} of round({performance:.2f} × {share}) = {deferred:.2f}",
            )
    if immediate != 0:
        line("immediate", immediate, detail=f"{performance:.2f} − {deferred:.2f}")

    # 5. NPL gate at the quarter's last month (exact comparison)
    bad, whole = inputs.npl.get((sid, last_month(q)), (Decimal(0), Decimal(0)))
    threshold = plan.npl.threshold
    above = whole != 0 and bad > threshold * whole
    held = immediate if above else ZERO
    if held != 0:
        line(
            "held",
            held,
            detail=f"NPL {bad:.2f} / {whole:.2f} > {threshold} at {month_key(last_month(q))}",
        )

    # 6a. costs, in (m, loan_id) order, before any release; Q's own parts do not exist yet
    malus = ZERO
    clawback = ZERO
    for cost in sorted(costs.get((sid, q), []), key=lambda c: (c.month, c.loan_id)):
        left = cost.amount
        open_parts = [p for p in rm.parts if not p.released and p.remaining > 0]
        own = sorted((p for p in open_parts if p.source == cost.loan_quarter), key=_due_order)
        rest = sorted(
            (p for p in open_parts if p.source != cost.loan_quarter),
            key=lambda p: (p.source, p.due, p.number),
        )
        for p in own + rest:
            if left == 0:
                break
            take = min(p.remaining, left)
            p.remaining -= take
            left -= take
            malus += take
            line(
                "malus",
                take,
                loan_id=cost.loan_id,
                source_period=quarter_key(p.source),
                part=p.number,
                due_period=quarter_key(p.due),
                month=month_key(cost.month),
                detail=f"loan of {quarter_key(cost.loan_quarter)} (pay {cost.amount:.2f}) "
                f"graded non-performing in {month_key(cost.month)}",
            )
        if left != 0:
            clawback -= left
            line(
                "clawback",
                -left,
                loan_id=cost.loan_id,
                source_period=quarter_key(cost.loan_quarter),
                month=month_key(cost.month),
                detail=f"loan pay {cost.amount:.2f} less {cost.amount - left:.2f} taken from "
                f"deferral; graded non-performing in {month_key(cost.month)}",
            )

    # 6b. parts due now, what is left of them
    released = ZERO
    for p in rm.parts:
        if not p.released and p.due == q:
            p.released = True
            if p.remaining != 0:
                released += p.remaining
                line(
                    "deferral_released",
                    p.remaining,
                    source_period=quarter_key(p.source),
                    part=p.number,
                    due_period=key,
                )

    # 6c. held parts: paid in the first later quarter at or under the threshold
    held_released = ZERO
    for h in rm.holds:
        if not h.open:
            continue
        if not above:
            h.open = False
            held_released += h.amount
            line("held_released", h.amount, source_period=quarter_key(h.source))
        elif q - h.source >= plan.npl.hold_quarters:
            h.open = False
            line(
                "held_forfeited",
                h.amount,
                source_period=quarter_key(h.source),
                detail=f"NPL above {threshold} in each of the {plan.npl.hold_quarters} "
                "quarters after",
            )
    if held != 0:
        rm.holds.append(_Hold(q, held))

    # 6d. Q's own parts enter the balance
    for n, (after, amount) in enumerate(zip(plan.deferral.schedule, parts, strict=True), 1):
        rm.parts.append(_Part(q, n, q + after, amount))
    rm.parts = [p for p in rm.parts if not p.released]
    balance = ZERO
    for p in sorted(rm.parts, key=lambda p: (p.source, p.number)):
        if p.remaining != 0:
            balance += p.remaining
            line(
                "deferral_balance",
                p.remaining,
                source_period=quarter_key(p.source),
                part=p.number,
                due_period=quarter_key(p.due),
            )

    total = base + immediate - held + held_released + released + clawback
    # A statement is owed for a quarter employed, or for any non-zero column of the statement
    # (a leaver's release, malus or clawback). The unreleased balance and a forfeited hold
    # are not paid amounts: alone they make no statement (the lines keep the forfeit when a
    # statement is made).
    if not employed and not any(
        ln.amount != 0 and ln.line not in ("deferral_balance", "held_forfeited") for ln in lines
    ):
        return None
    return Statement(
        staff_id=sid,
        period=key,
        rank=rank,
        rating=rating,
        coefficient=coefficient,
        npl_bad=bad,
        npl_all=whole,
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
        lines=tuple(lines),
    )


def _due_order(p: _Part) -> tuple[int, int]:
    return (p.due, p.number)
