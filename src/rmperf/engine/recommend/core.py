"""Candidates, suitability and ranking over plain values (no I/O): the rules of
DOMAIN §2 in one place, so every path (CLI, app, API, export) shares them.

Suitability is a hard filter, never a weight. `suitability_verdict` decides one
(customer, product) pair; `present` is the single gate every caller uses to turn
ranked candidates into what a person may see, and it drops every blocked pair.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from rmperf.engine.recommend.policy import (
    Action,
    CandidateRule,
    ExtraRule,
    Family,
    RecommendPolicy,
    Scene,
)

CENT = Decimal("0.01")
RISK_RULE = "risk_above_tolerance"
ASSESSMENT_RULE = "assessment_missing_or_expired"


@dataclass(frozen=True)
class Customer:
    """What the rules need to know about one customer at D."""

    customer_id: str
    kind: str = "retail"
    unit_id: str = ""
    rm_id: str | None = None
    age: int | None = None
    risk: int = 0  # tolerance C1..C5 as 1..5; 0 = never assessed
    assessment_current: bool = False
    opt_out: bool = False
    #: The profile's industry (a corporate customer's own, a retail customer's employer's);
    #: read only by a rule that names `industries`.
    industry: str = ""
    aum: Decimal = Decimal("0.00")
    holds: frozenset[str] = frozenset()
    ever: frozenset[str] = frozenset()
    rule_counts: Mapping[str, int] = field(default_factory=dict)
    payroll_dom: int | None = None
    maturing: tuple[str, ...] = ()  # product ids maturing within the scene window


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    category: str
    risk: int  # R1..R5 as 1..5
    revenue_rate: Decimal


@dataclass(frozen=True)
class Candidate:
    """A product a rule proposes for a customer, with the rule in words."""

    customer_id: str
    product_id: str
    rule: CandidateRule


@dataclass(frozen=True)
class Finding:
    """One suitability rule that blocks or flags a pair, and why (both languages)."""

    rule: str
    action: Action
    reason_en: str
    reason_zh: str


@dataclass(frozen=True)
class Scored:
    """All candidates of one (customer, product) pair, merged and valued."""

    customer: Customer
    product: Product
    rules: tuple[CandidateRule, ...]
    propensity: float
    source: str  # "model" or "rules"
    expected_value: Decimal


@dataclass(frozen=True)
class Recommendation:
    scored: Scored
    rank: int
    flags: tuple[Finding, ...]


@dataclass(frozen=True)
class Blocked:
    scored: Scored
    findings: tuple[Finding, ...]


def next_payroll_day(as_of: dt.date, dom: int) -> dt.date:
    """The first day ≥ D whose day of month is `dom` (clamped to short months)."""
    last = calendar.monthrange(as_of.year, as_of.month)[1]
    this_month = dt.date(as_of.year, as_of.month, min(dom, last))
    if this_month >= as_of:
        return this_month
    year, month = (as_of.year + 1, 1) if as_of.month == 12 else (as_of.year, as_of.month + 1)
    return dt.date(year, month, min(dom, calendar.monthrange(year, month)[1]))


def rule_fires(rule: CandidateRule, c: Customer, as_of: dt.date) -> bool:
    """Whether every given part of the rule's condition holds for `c` at D."""
    w = rule.when
    if c.kind not in w.customer_kinds:
        return False
    if w.industries and c.industry.strip().casefold() not in {i.casefold() for i in w.industries}:
        return False
    if w.events is not None and c.rule_counts.get(rule.id, 0) < w.events.min_count:
        return False
    if w.holds_any and not (set(w.holds_any) & c.holds):
        return False
    if set(w.holds_none) & c.holds:
        return False
    if w.min_aum is not None and c.aum < w.min_aum:
        return False
    if w.scene is not None:
        match w.scene.scene:
            case Scene.PAYROLL_DAY:
                if c.payroll_dom is None:
                    return False
                ahead = (next_payroll_day(as_of, c.payroll_dom) - as_of).days
                if ahead > w.scene.days_ahead:
                    return False
            case Scene.MATURITY:
                if not c.maturing:
                    return False
    return True


def candidates(
    c: Customer,
    *,
    as_of: dt.date,
    policy: RecommendPolicy,
    shelf: Mapping[str, Product],
    by_category: Mapping[str, Sequence[Product]],
) -> list[Candidate]:
    """Every (product, rule) the policy's rules propose for `c` at D."""
    out: list[Candidate] = []
    for r in policy.rules:
        if not rule_fires(r, c, as_of):
            continue
        ids: list[str] = [p for p in r.offer.product_ids if p in shelf]
        for cat in r.offer.categories:
            ids.extend(p.product_id for p in by_category.get(cat, ()))
        if r.offer.renew_maturing:
            ids.extend(p for p in c.maturing if p in shelf)
        seen: set[str] = set()
        for pid in ids:
            if pid not in seen:
                seen.add(pid)
                out.append(Candidate(c.customer_id, pid, r))
    return out


def _risk_text(level: int, prefix: str) -> str:
    return f"{prefix}{level}"


def _extra_applies(x: ExtraRule, c: Customer, p: Product) -> bool:
    w = x.when
    if c.kind not in w.customer_kinds:
        return False
    if w.min_age is not None and (c.age is None or c.age < w.min_age):
        return False
    if w.first_purchase_of and set(w.first_purchase_of) & c.ever:
        return False
    if w.marketing_opt_out is not None and c.opt_out != w.marketing_opt_out:
        return False
    if x.categories and p.category not in x.categories:
        return False
    return p.risk > int(x.above_risk[1])


def suitability_verdict(c: Customer, p: Product, policy: RecommendPolicy) -> tuple[Finding, ...]:
    """Every suitability finding for offering `p` to `c` (empty: suitable, no safeguard).

    Product risk above the customer's current tolerance is blocked; without a current
    assessment (never assessed, expired, or dated after D) anything above
    `unassessed_max_risk` is blocked; then the policy's extra rules block or flag.
    """
    s = policy.suitability
    found: list[Finding] = []
    if c.assessment_current and c.risk > 0:
        if p.risk > c.risk:
            found.append(
                Finding(
                    RISK_RULE,
                    Action.BLOCK,
                    f"product risk {_risk_text(p.risk, 'R')} is above the customer's "
                    f"tolerance {_risk_text(c.risk, 'C')}",
                    f"产品风险等级{_risk_text(p.risk, 'R')}高于客户风险承受能力"
                    f"{_risk_text(c.risk, 'C')}",
                )
            )
    else:
        cap = int(s.unassessed_max_risk[1])
        if p.risk > cap:
            found.append(
                Finding(
                    ASSESSMENT_RULE,
                    Action.BLOCK,
                    f"no current risk assessment (valid {s.assessment_valid_months} months): "
                    f"nothing above {s.unassessed_max_risk} until it is renewed",
                    f"风险评估缺失或已过期（有效期{s.assessment_valid_months}个月）："
                    f"重新评估前只能推荐{s.unassessed_max_risk}及以下产品",
                )
            )
    for x in s.extra:
        if _extra_applies(x, c, p):
            found.append(Finding(x.id, x.action, x.reason.en, x.reason.zh))
    return tuple(found)


def expected_value(propensity: float, product: Product, policy: RecommendPolicy) -> Decimal:
    """propensity × revenue_rate × typical ticket of the category, to the cent (half up)."""
    ticket = policy.ranking.typical_ticket.get(product.category, Decimal("0"))
    p = Decimal(repr(round(propensity, 6)))
    return (p * product.revenue_rate * ticket).quantize(CENT, rounding=ROUND_HALF_UP)


Propensity = Callable[[Customer, Product], float | None]


def score(
    cands: Iterable[Candidate],
    *,
    customers: Mapping[str, Customer],
    shelf: Mapping[str, Product],
    policy: RecommendPolicy,
    propensity: Propensity | None = None,
) -> list[Scored]:
    """Merge candidates per (customer, product) and value them.

    The propensity is the model's when it has one for the pair, else the highest prior
    of the rules that proposed it.
    """
    merged: dict[tuple[str, str], list[CandidateRule]] = {}
    for cand in cands:
        rules = merged.setdefault((cand.customer_id, cand.product_id), [])
        # Identity, not equality: comparing pydantic rules field by field is slow.
        if not any(r is cand.rule for r in rules):
            rules.append(cand.rule)
    priors = {id(r): float(r.prior) for r in policy.rules}
    values: dict[tuple[float, str], Decimal] = {}
    out = []
    for (cid, pid), rules in merged.items():
        c, p = customers[cid], shelf[pid]
        learned = propensity(c, p) if propensity is not None else None
        if learned is None:
            prob, source = max(priors[id(r)] for r in rules), "rules"
        else:
            prob, source = learned, "model"
        key = (prob, pid)
        if key not in values:
            values[key] = expected_value(prob, p, policy)
        out.append(Scored(c, p, tuple(rules), prob, source, values[key]))
    return out


def _order_key(s: Scored) -> tuple[Decimal, float, str]:
    return (-s.expected_value, -s.propensity, s.product.product_id)


def present(
    scored: Iterable[Scored], *, policy: RecommendPolicy, top_n: int | None = None
) -> tuple[list[Recommendation], list[Blocked]]:
    """The only gate from candidates to what people see.

    Suitability first removes every blocked pair (each kept in the blocked list with its
    findings); what remains is ranked by expected value (ties: higher propensity, then
    product id) and cut to `top_n` per customer with at most `max_per_category` products
    of one category. Flags (safeguards) travel with the recommendation.
    """
    n = top_n or policy.ranking.top_n
    per_customer: dict[str, list[tuple[Scored, tuple[Finding, ...]]]] = {}
    blocked: list[Blocked] = []
    for s in scored:
        findings = suitability_verdict(s.customer, s.product, policy)
        if any(f.action is Action.BLOCK for f in findings):
            blocked.append(Blocked(s, tuple(f for f in findings if f.action is Action.BLOCK)))
        else:
            per_customer.setdefault(s.customer.customer_id, []).append((s, findings))
    recs: list[Recommendation] = []
    for cid in sorted(per_customer):
        rows = sorted(per_customer[cid], key=lambda sf: _order_key(sf[0]))
        taken: dict[str, int] = {}
        rank = 0
        for s, findings in rows:
            if rank >= n:
                break
            cat = s.product.category
            if taken.get(cat, 0) >= policy.ranking.max_per_category:
                continue
            taken[cat] = taken.get(cat, 0) + 1
            rank += 1
            recs.append(Recommendation(s, rank, findings))
    blocked.sort(key=lambda b: (b.scored.customer.customer_id, b.scored.product.product_id))
    return recs, blocked


def family_names(rules: Sequence[CandidateRule]) -> str:
    return ";".join(sorted({str(Family(r.family)) for r in rules}))
