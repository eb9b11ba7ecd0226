"""What the customers of one block do: events, contacts, purchases, loans, balances,
transactions, requests, referrals and NPS answers.

Everything here is drawn per block of `SEED_BLOCK` customers from streams seeded by
(seed, behaviour, block), vectorised over customer-months and rows.

Planted signal for the propensity model (monthly purchase hazards, logistic, per
customer-month that is active, outside a dormant spell):

| category | logit | notable effects |
|---|---|---|
| wealth | -5.2 + 0.6·la + 1.6·inq + 0.5·contact + 0.3·skill + 0.6·payroll | wealth inquiries (this or the two previous months), high AUM, payroll ("周周存") |
| fund | -6.0 + 0.5·la + 1.2·inq + 0.4·contact + 0.3·skill + 0.5·[C3+] | inquiries, AUM, risk appetite |
| insurance | -6.6 + 0.4·la + 1.0·gap + 0.3·contact + 0.5·[35-60] | holds wealth/fund but no insurance (product gap) |
| time_deposit | -4.6 + 0.3·la + 0.4·contact + 0.5·[60+] | older, wealthier |
| trust | -5.5 + 0.8·la + 1.0·inq (AUM ≥ 1,000,000 only) | |
| credit_card | -4.8 - 0.03·(age-30) (retail without a card) | younger |
| fx | -7.0 + 0.3·la (corporate -4.5) | |

la = ln(AUM / 60,000); inq = a wealth inquiry in months m-2..m; contact = an RM contact in
months m-1..m; skill = the RM's latent skill (the case RM's skill rises by 1.0 from 40 %
of the window on: the turnaround). Product choice inside a category respects
suitability: risk ≤ the customer's tolerance while the assessment is under 12 months
old, R1 only otherwise.

Loans on the books when the window opens were disbursed in the year before it (so pay
history, DOMAIN §6, starts there); inside the window loans follow journeys: 6 % of
retail customers aged 25-50 go house hunting (2-7 mortgage page views in a month, more
the next month) and take a mortgage 1-3 months later with probability 0.45 (base rate
without views 0.04 % a month); 30 % of new mortgagors take a renovation/appliance
instalment loan 1-4 months after disbursement; a business-loan inquiry (corporate
6 %/month, business owners 5 %) leads to a business loan 0-2 months later with
probability 0.45.

Loan quality: each loan has a monthly hazard of falling overdue (0.12 % × 0.5 for
mortgages, 1.5 consumer, 2 business; lower for RMs with more `care`). From then on it
never cures: no repayments, days overdue grow with the calendar and the five-grade
class follows them (GRADE_BOUNDS), so grades only age forward; an overdue loan keeps
reporting after its maturity. Healthy loans amortise (mortgage and consumer loans,
equal principal) or are repaid at maturity (business loans, bullet) and stop reporting
in their maturity month.

Compliance breaches (`compliance.breach` events, 合规违规: no dual recording, signing for
the customer, an unsuitable sale) are rare: BREACH_RATE per customer-month, × e^(-0.8·care)
of the customer's RM, from their own stream (so adding them changed no other row). The
scorecards' veto line counts them for the RM in charge on the day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rmperf.engine.contract import BALANCE_CATEGORIES

from .arrow import to_cents
from .calendar import Calendar, add_years, local_us, seconds_of_day
from .customers import Population
from .org import Org
from .products import CATEGORY_INDEX, SHELF, Shelf
from .rng import stream

CAT = {c: i for i, c in enumerate(BALANCE_CATEGORIES)}
# Product category → balance category (time deposits count as deposits).
HOLDING_BALANCE = {
    "time_deposit": "deposit",
    "wealth": "wealth",
    "fund": "fund",
    "insurance": "insurance",
    "trust": "trust",
}
# Yearly growth of a holding's value while held (funds follow the market instead).
GROWTH = {"time_deposit": 0.0, "wealth": 0.03, "insurance": 0.025, "trust": 0.05}
# Five-grade classification by days overdue, after the 2023 rules on risk classification
# of financial assets (金融资产风险分类办法): any arrears → special mention, over 90 days →
# substandard, over 270 → doubtful, over 360 → loss. Overdue days where each grade starts:
GRADE_BOUNDS = np.array([1, 91, 271, 361])
EVENT_KINDS = (
    "account.opened",
    "page_view.mortgage",
    "page_view.wealth",
    "page_view.fund",
    "inquiry.wealth",
    "inquiry.business_loan",
    "payroll.credit",
    "mortgage.disbursed",
    "complaint",
    "compliance.breach",
)
EK = {k: i for i, k in enumerate(EVENT_KINDS)}
CHANNELS = ("counter", "atm", "mobile", "online", "pos", "transfer")
CH = {c: i for i, c in enumerate(CHANNELS)}
OUTCOMES = (
    "reached",
    "no_answer",
    "appointment_made",
    "interested",
    "declined",
    "wrong_number",
    "complaint_resolved",
)
NEEDS = (
    "wealth_products",
    "corporate_loan",
    "corporate_settlement",
    "family_trust",
    "medical_insurance",
)
STATUSES = ("created", "accepted", "contacted", "converted", "lost", "expired")


def sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


@dataclass
class World:
    """Everything shared by the blocks."""

    seed: int
    cal: Calendar
    org: Org
    pop: Population
    shelf: Shelf
    market: np.ndarray  # fund index level per month (1.0 at the first month)
    turnaround: int  # day from which the case RM works differently


@dataclass
class Rows:
    """Columns of rows for one table, still as numpy arrays with local customer index."""

    cols: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return next(iter(self.cols.values())).size if self.cols else 0

    def take(self, order: np.ndarray) -> Rows:
        return Rows({k: v[order] for k, v in self.cols.items()})


def cat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    keys = parts[0].keys()
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


class Block:
    """One block of customers and the calendar grid of their months."""

    def __init__(self, world: World, number: int, first: int, last: int) -> None:
        self.w = world
        self.number = number
        self.g = np.arange(first, last)  # global customer indices
        self.n = self.g.size
        p = world.pop
        cal = world.cal
        self.corp = p.corporate[self.g]
        self.start = p.act_start[self.g]
        self.last = p.last_active[self.g]
        self.gap_lo = p.gap_lo[self.g]
        self.gap_hi = p.gap_hi[self.g]
        self.la = np.log(p.aum[self.g] / 60_000)
        self.age_now = p.age_end[self.g]
        ms = cal.month_start[None, :]
        # The last month may be cut short by the window's end (a T+1 lake ends yesterday).
        me = np.minimum(cal.month_end, cal.end)[None, :]
        # Cell (customer, month) ranges: present = the customer exists; active = may
        # transact (before last activity, outside a dormant spell).
        self.lo_present = np.maximum(ms, self.start[:, None])
        self.hi_present = np.broadcast_to(me, (self.n, cal.n_months))
        self.present = self.lo_present <= self.hi_present
        self.lo = self.lo_present
        self.hi = np.minimum(me, self.last[:, None])
        in_gap = (self.lo >= self.gap_lo[:, None]) & (self.hi <= self.gap_hi[:, None])
        self.active = (self.lo <= self.hi) & ~in_gap
        touches_gap = (self.hi >= self.gap_lo[:, None]) & (self.lo <= self.gap_hi[:, None])
        self.buyable = self.active & ~touches_gap
        # The first deposit of a new account, and whether the new customer asked about
        # wealth products while opening it (the teller → RM referral trigger).
        rng = self.rng("opening")
        aum = p.aum[self.g]
        opening = np.where(
            self.corp, aum * rng.uniform(0.05, 0.3, self.n), aum * rng.uniform(0.05, 0.6, self.n)
        )
        self.first_deposit = np.maximum(np.round(opening / 100) * 100, 100)
        opened = p.opened[self.g]
        self.opened = opened
        new = (opened >= cal.start) & (opened <= self.last)
        self.open_inquiry = (
            new & (~self.corp) & (self.first_deposit >= 50_000) & (rng.random(self.n) < 0.35)
        )

    def rng(self, name: str) -> np.random.Generator:
        return stream(self.w.seed, name, self.number)

    def cell_days(
        self, rng: np.random.Generator, c: np.ndarray, m: np.ndarray, active: bool = True
    ) -> np.ndarray:
        lo = self.lo[c, m] if active else self.lo_present[c, m]
        hi = self.hi[c, m] if active else self.hi_present[c, m]
        return np.asarray(lo + (rng.random(c.size) * (hi - lo + 1)).astype(np.int64))

    def rm_at(self, c: np.ndarray, day: np.ndarray) -> np.ndarray:
        return self.w.pop.rm_at(self.g[c], day)

    def skill_at(self, staff: np.ndarray, day: np.ndarray) -> np.ndarray:
        org = self.w.org
        lift = (staff == org.case_rm) & (day >= self.w.turnaround)
        return np.asarray(org.skill[staff] + 1.0 * lift)


def explode(counts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Row indices (per dimension) repeated by a count array."""
    flat = counts.ravel()
    rows = np.repeat(np.arange(flat.size), flat)
    return np.unravel_index(rows, counts.shape)


# --------------------------------------------------------------------------- events


def behaviour(b: Block) -> dict[str, np.ndarray]:
    """Monthly event counts that later drive purchases: (n, months) arrays."""
    rng = b.rng("behaviour")
    p = b.w.pop
    shape = (b.n, b.w.cal.n_months)
    lam_w = np.where(b.corp, 0.01, np.clip(0.04 * np.exp(0.45 * b.la), 0.005, 0.5))
    inq_w = rng.poisson(lam_w[:, None], shape) * b.active
    oc = np.flatnonzero(b.open_inquiry)
    inq_open = np.zeros(shape, dtype=np.int64)
    inq_open[oc, b.w.cal.month_of(b.opened[oc])] = 1
    lam_bl = np.where(b.corp, 0.06, np.where(p.owner[b.g], 0.05, 0.0))
    inq_bl = rng.poisson(lam_bl[:, None], shape) * b.active
    # House hunting: a burst of mortgage page views over two months.
    hunter = (~b.corp) & (b.age_now >= 25) & (b.age_now <= 50) & (rng.random(b.n) < 0.06)
    act_months = b.active.sum(axis=1)
    k = (rng.random(b.n) * np.maximum(act_months, 1)).astype(np.int64)
    # the k-th active month of each customer
    order = np.cumsum(b.active, axis=1) - 1
    h = np.argmax((order == k[:, None]) & b.active, axis=1)
    hunter &= act_months > 0
    views = rng.poisson(0.01, shape) * b.active
    burst = np.zeros(shape, dtype=np.int64)
    rows = np.flatnonzero(hunter)
    burst[rows, h[rows]] = 2 + rng.poisson(3, rows.size)
    nxt = h[rows] + 1
    ok = nxt < shape[1]
    burst[rows[ok], nxt[ok]] = rng.poisson(2, int(ok.sum()))
    views = views + burst * b.active
    pv_wealth = rng.poisson((0.12 * p.digital[b.g] * (~b.corp))[:, None], shape) * b.active
    pv_fund = rng.poisson((0.06 * p.digital[b.g] * (~b.corp))[:, None], shape) * b.active
    rm = p.rm0[b.g]
    lam_c = 0.002 * np.exp(-0.4 * b.w.org.skill[rm])
    complaints = rng.poisson(lam_c[:, None], shape) * b.active
    return {
        "inq_w": inq_w + inq_open,
        "inq_w_random": inq_w,
        "inq_bl": inq_bl,
        "pv_mortgage": views,
        "hunter_month": np.where(hunter, h, -1),
        "pv_wealth": pv_wealth,
        "pv_fund": pv_fund,
        "complaint": complaints,
    }


def interactions(b: Block) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Staff contacts with customers (RM calls, visits …) and a per-cell contact flag."""
    rng = b.rng("interactions")
    p = b.w.pop
    org = b.w.org
    shape = (b.n, b.w.cal.n_months)
    rm = p.rm0[b.g]
    base = np.where(b.corp, 0.45, 0.10 * (1 + np.clip(b.la, 0, 4)))
    lam = base * np.exp(0.3 * org.diligence[rm])
    # Sleeping customers still get the occasional wake-up call.
    lam_cell = np.where(b.active, lam[:, None], 0.4 * lam[:, None]) * b.present
    counts = rng.poisson(lam_cell)
    c, m = explode(counts)
    day = b.cell_days(rng, c, m, active=False)
    staff = b.rm_at(c, day)
    by_wm = (p.aum[b.g[c]] > 200_000) & (rng.random(c.size) < 0.1)
    wms = org.wms_by_branch
    branch = p.branch[b.g[c]]
    wm = np.array([wms[x][0] if wms[x].size else -1 for x in range(len(wms))])[branch]
    staff = np.where(by_wm & (wm >= 0), wm, staff)
    keep = org.hired[staff] <= day
    c, m, day, staff = c[keep], m[keep], day[keep], staff[keep]
    n = c.size
    sleeping = ~b.active[c, m]
    channel = rng.choice(5, n, p=[0.40, 0.15, 0.12, 0.13, 0.20])
    outcome = rng.choice(7, n, p=[0.45, 0.20, 0.10, 0.10, 0.08, 0.04, 0.03])
    outcome = np.where(sleeping & (rng.random(n) < 0.6), 1, outcome)
    office = channel != 4  # wechat messages arrive at all hours
    ts = local_us(day, seconds_of_day(rng, office))
    flag = np.zeros(shape, dtype=bool)
    flag[c, m] = True
    contact = flag | np.concatenate([np.zeros((b.n, 1), dtype=bool), flag[:, :-1]], axis=1)
    return {"c": c, "staff": staff, "ts": ts, "channel": channel, "outcome": outcome}, contact


def event_rows(
    b: Block, beh: dict[str, np.ndarray], extra: list[dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Events from the monthly counts plus extra rows (payroll, disbursements …)."""
    rng = b.rng("events")
    parts = list(extra)
    for key, kind in (
        ("pv_mortgage", "page_view.mortgage"),
        ("pv_wealth", "page_view.wealth"),
        ("pv_fund", "page_view.fund"),
        ("inq_w_random", "inquiry.wealth"),
        ("inq_bl", "inquiry.business_loan"),
        ("complaint", "complaint"),
    ):
        c, m = explode(beh[key])
        day = b.cell_days(rng, c, m)
        office = np.full(c.size, kind.startswith("inquiry") or kind == "complaint")
        ts = local_us(day, seconds_of_day(rng, office))
        detail = rng.integers(0, 3, c.size) + DETAIL_OFFSET[kind]
        parts.append(
            {
                "c": c,
                "ts": ts,
                "kind": np.full(c.size, EK[kind]),
                "detail": detail,
                "text": np.full(c.size, -1),
            }
        )
    parts.append(compliance_breaches(b))
    return cat(parts)


#: Compliance breaches (合规违规) per customer-month under an RM of average care: about
#: 0.35 a year for a book of 800 customers, i.e. a quarter of the RMs have one a year.
BREACH_RATE = 3.5e-5


def compliance_breaches(b: Block) -> dict[str, np.ndarray]:
    """Rare breaches on a customer's business (no dual recording, signing for the customer,
    an unsuitable sale), rarer under careful RMs; drawn from their own stream."""
    rng = b.rng("events.compliance")
    rm = b.w.pop.rm0[b.g]
    lam = BREACH_RATE * np.exp(-0.8 * b.w.org.care[rm])
    c, m = explode(rng.poisson(lam[:, None] * b.present))
    day = b.cell_days(rng, c, m, active=False)
    ts = local_us(day, seconds_of_day(rng, np.ones(c.size, dtype=bool)))
    kind = "compliance.breach"
    return {
        "c": c,
        "ts": ts,
        "kind": np.full(c.size, EK[kind]),
        "detail": rng.integers(0, 3, c.size) + DETAIL_OFFSET[kind],
        "text": np.full(c.size, -1),
    }


# Details are chosen from a small vocabulary per kind; -1 = free text given separately.
DETAILS = (
    "/loan/mortgage",
    "/loan/mortgage/calculator",
    "/loan/mortgage/rates",
    "/wealth/products",
    "/wealth/weekly-plan",
    "/wealth/compare",
    "/fund/ranking",
    "/fund/detail",
    "/fund/sip",
    "branch",
    "app",
    "phone",
    "operating_loan",
    "working_capital",
    "equipment_loan",
    "service",
    "fees",
    "waiting_time",
    "salary",
    "no_dual_recording",
    "signed_for_customer",
    "unsuitable_sale",
)
DETAIL_OFFSET = {
    "page_view.mortgage": 0,
    "page_view.wealth": 3,
    "page_view.fund": 6,
    "inquiry.wealth": 9,
    "inquiry.business_loan": 12,
    "complaint": 15,
    "payroll.credit": 18,
    "compliance.breach": 19,
}


# ------------------------------------------------------------------------- holdings


def _suitable_max(b: Block, c: np.ndarray, day: np.ndarray) -> np.ndarray:
    p = b.w.pop
    risk = p.risk[b.g[c]]
    valid = (risk > 0) & (day <= p.assessed[b.g[c]] + 365)
    return np.where(valid, risk, 1)


def _round_to(x: np.ndarray, step: float, minimum: float) -> np.ndarray:
    return np.maximum(np.round(x / step) * step, minimum)


def holdings(b: Block, beh: dict[str, np.ndarray], contact: np.ndarray) -> dict[str, np.ndarray]:
    """Initial portfolios, purchases in the window and automatic renewals (no loans)."""
    rng = b.rng("holdings")
    w = b.w
    p = w.pop
    cal = w.cal
    shelf = w.shelf
    g = b.g
    corp = b.corp
    aum = p.aum[g]
    opened = p.opened[g]
    parts: list[dict[str, np.ndarray]] = []

    def add(
        c: np.ndarray,
        prod: np.ndarray,
        amount: np.ndarray,
        start: np.ndarray,
        staff: np.ndarray,
        sale: np.ndarray,
    ) -> None:
        ok = prod >= 0
        term = shelf.term[prod]
        maturity = np.where(term > 0, start + term, -1)
        parts.append(
            {
                "c": c[ok],
                "prod": prod[ok],
                "amount": to_cents(amount[ok]),
                "start": start[ok],
                "maturity": maturity[ok],
                "staff": staff[ok],
                "sale": sale[ok],
            }
        )

    idx = np.arange(b.n)
    none = np.full(b.n, -1)
    # The current account, opened with the first deposit.
    first_deposit = b.first_deposit
    dep = np.where(corp, shelf.first("deposit", True), shelf.first("deposit"))
    add(idx, dep, first_deposit, opened, none, np.zeros(b.n, dtype=bool))
    # Payroll service and credit cards.
    salary = _round_to(np.exp(rng.normal(np.log(9_000), 0.45, b.n)), 0.01, 2_500)
    pay = p.payroll[g]
    pay_start = np.maximum(opened, cal.start - rng.integers(0, 2000, b.n))
    add(
        idx[pay],
        np.full(int(pay.sum()), shelf.first("payroll")),
        salary[pay],
        pay_start[pay],
        none[pay],
        np.zeros(int(pay.sum()), dtype=bool),
    )
    card = (~corp) & (b.age_now < 65) & (rng.random(b.n) < 0.35)
    card_start = opened + (rng.random(b.n) * np.maximum(b.start - opened, 1)).astype(np.int64)
    limit = _round_to(np.clip(aum * 0.3, 10_000, 200_000), 1000, 10_000)
    card_prod = np.where(aum > 300_000, shelf.first("credit_card") + 1, shelf.first("credit_card"))
    add(
        idx[card],
        card_prod[card],
        limit[card],
        card_start[card],
        none[card],
        np.zeros(int(card.sum()), dtype=bool),
    )

    # Portfolios held when the window opens (customers opened before it).
    pre = opened < cal.start
    held = {}
    for category, prob in (
        ("time_deposit", sigmoid(-0.6 + 0.3 * b.la)),
        ("wealth", np.where(corp, 0.3, sigmoid(-1.2 + 0.8 * b.la))),
        ("fund", np.where(corp, 0.0, sigmoid(-2.2 + 0.6 * b.la))),
        ("insurance", np.where(corp, 0.0, sigmoid(-2.0 + 0.4 * b.la))),
        ("trust", np.where(corp | (aum < 1e6), 0.0, 0.3)),
    ):
        has = pre & (rng.random(b.n) < prob)
        max_risk = _suitable_max(b, idx, np.full(b.n, cal.start - 1))
        prod = shelf.choose(rng, category, corp, max_risk)
        term = np.where(prod >= 0, shelf.term[prod], 0)
        lo = np.where(term > 0, np.maximum(opened, cal.start - term + 1), opened)
        start = lo + (rng.random(b.n) * np.maximum(cal.start - lo, 1)).astype(np.int64)
        share = {
            "time_deposit": (0.1, 0.4),
            "wealth": (0.1, 0.4),
            "fund": (0.05, 0.2),
            "insurance": (0.05, 0.15),
            "trust": (0.2, 0.4),
        }[category]
        amount = aum * rng.uniform(*share, b.n)
        step = 10_000 if category == "trust" else 1_000
        amount = _round_to(amount, step, 1_000_000 if category == "trust" else step)
        add(
            idx[has],
            prod[has],
            amount[has],
            start[has],
            none[has],
            np.zeros(int(has.sum()), dtype=bool),
        )
        held[category] = has

    # Purchases inside the window: monthly hazards on active customer-months.
    inq = beh["inq_w"]
    inq3 = inq + np.pad(inq, ((0, 0), (1, 0)))[:, :-1] + np.pad(inq, ((0, 0), (2, 0)))[:, :-2]
    any_inq = (inq3 > 0).astype(np.float64)
    ct = contact.astype(np.float64)
    month_mid = (cal.month_start + cal.month_end) // 2
    rm_cell = p.rm_at(g[:, None], month_mid[None, :])
    skill = b.skill_at(rm_cell, month_mid[None, :])
    la = b.la[:, None]
    age = b.age_now[:, None]
    payroll = p.payroll[g][:, None].astype(np.float64)
    c3 = (p.risk[g] >= 3)[:, None].astype(np.float64)
    prior = held["wealth"] | held["fund"]
    gap = (prior & ~held["insurance"])[:, None].astype(np.float64)
    corp_c = corp[:, None]
    logits = {
        "wealth": -5.2 + 0.6 * la + 1.6 * any_inq + 0.5 * ct + 0.3 * skill + 0.6 * payroll,
        "fund": np.where(
            corp_c, -12.0, -6.0 + 0.5 * la + 1.2 * any_inq + 0.4 * ct + 0.3 * skill + 0.5 * c3
        ),
        "insurance": np.where(
            corp_c,
            -12.0,
            -6.6 + 0.4 * la + 1.0 * gap + 0.3 * ct + 0.5 * ((age >= 35) & (age <= 60)),
        ),
        "time_deposit": -4.6 + 0.3 * la + 0.4 * ct + 0.5 * (age >= 60),
        "trust": np.where(
            (p.aum[g] >= 1e6)[:, None] & ~corp_c, -5.5 + 0.8 * la + 1.0 * any_inq, -20.0
        ),
        "fx": np.where(corp_c, -4.5, -7.0 + 0.3 * la),
    }
    for category, logit in logits.items():
        prob = sigmoid(logit) * b.buyable
        c, m = np.nonzero(rng.random(prob.shape) < prob)
        day = b.cell_days(rng, c, m)
        if category == "wealth":
            # Payroll customers buy the weekly plan right after their payroll day.
            pd = p.payroll_day[g[c]]
            after = cal.month_start[m] + pd + rng.integers(0, 3, c.size)
            day = np.where(
                p.payroll[g[c]] & (after <= b.hi[c, m]) & (after >= b.lo[c, m]), after, day
            )
        prod = shelf.choose(rng, category, corp[c], _suitable_max(b, c, day))
        share = {
            "wealth": (0.08, 0.35),
            "fund": (0.03, 0.15),
            "insurance": (0.05, 0.2),
            "time_deposit": (0.1, 0.4),
            "trust": (0.2, 0.5),
            "fx": (0.02, 0.1),
        }[category]
        amount = p.aum[g[c]] * rng.uniform(*share, c.size)
        minimum = {"trust": 1_000_000, "wealth": 10_000, "time_deposit": 10_000}.get(
            category, 1_000
        )
        amount = _round_to(amount, 100 if category in ("fund", "fx") else 1_000, minimum)
        staff = b.rm_at(c, day)
        self_service = (rng.random(c.size) < 0.25) | (w.org.hired[staff] > day)
        staff = np.where(self_service, -1, staff)
        add(c, prod, amount, day, staff, np.ones(c.size, dtype=bool))
    # Credit cards for younger retail customers without one.
    lg = -4.8 - 0.03 * (age - 30)
    prob = sigmoid(lg) * b.buyable * ((~corp) & ~card)[:, None]
    hit = rng.random(prob.shape) < prob
    c = np.flatnonzero(hit.any(axis=1))
    m = np.argmax(hit[c], axis=1)  # one card: the first month the hazard fires
    day = b.cell_days(rng, c, m)
    add(
        c,
        np.full(c.size, shelf.first("credit_card")),
        limit[c],
        day,
        b.rm_at(c, day),
        np.zeros(c.size, dtype=bool),
    )

    h = cat(parts)
    # Automatic renewals of term products on maturity while the customer is active.
    renewable = [CATEGORY_INDEX[x] for x in ("time_deposit", "wealth", "insurance")]
    current = h
    for _ in range(40):
        mat = current["maturity"]
        due = np.isin(shelf.category[current["prod"]], renewable)
        due &= (mat >= 0) & (mat + 1 <= b.last[current["c"]]) & (mat + 1 <= cal.end)
        due &= rng.random(mat.size) < 0.55
        if not due.any():
            break
        nxt = {k: v[due] for k, v in current.items()}
        nxt["start"] = nxt["maturity"] + 1
        nxt["maturity"] = nxt["start"] + shelf.term[nxt["prod"]]
        nxt["staff"] = np.full(nxt["c"].size, -1)
        nxt["sale"] = np.zeros(nxt["c"].size, dtype=bool)
        parts.append(nxt)
        current = nxt
    h = cat(parts)
    key = np.lexsort((h["start"], h["prod"], h["c"]))
    h = {k: v[key] for k, v in h.items()}
    dup = np.zeros(h["c"].size, dtype=bool)
    dup[1:] = (
        (h["c"][1:] == h["c"][:-1])
        & (h["prod"][1:] == h["prod"][:-1])
        & (h["start"][1:] == h["start"][:-1])
    )
    return {k: v[~dup] for k, v in h.items()}


# ---------------------------------------------------------------------------- loans


def loans(b: Block, beh: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Loans held at the start of the window and those disbursed inside it."""
    rng = b.rng("loans")
    w = b.w
    p = w.pop
    cal = w.cal
    g = b.g
    corp = b.corp
    owner = p.owner[g]
    opened = p.opened[g]
    parts: list[dict[str, np.ndarray]] = []
    shelf = w.shelf

    def add(
        c: np.ndarray,
        kind: str,
        day: np.ndarray,
        years: np.ndarray,
        amount: np.ndarray,
        product: np.ndarray,
    ) -> None:
        parts.append(
            {
                "c": c,
                "kind": np.full(c.size, LOAN_KIND[kind]),
                "day": day,
                "years": years,
                "amount": amount,
                "prod": product,
            }
        )

    def amounts(kind: str, c: np.ndarray) -> np.ndarray:
        n = c.size
        if kind == "mortgage":
            a = np.clip(np.exp(rng.normal(np.log(1.2e6), 0.5, n)), 2e5, 8e6)
            return np.round(a / 10_000) * 10_000
        if kind == "consumer_loan":
            a = np.clip(np.exp(rng.normal(np.log(8e4), 0.6, n)), 1e4, 5e5)
            return np.round(a / 1_000) * 1_000
        corp_c = corp[c]
        big = np.clip(p.aum[g[c]] * rng.uniform(0.5, 3.0, n), 5e5, 5e7)
        small = np.clip(np.exp(rng.normal(np.log(5e5), 0.6, n)), 1e5, 3e6)
        return np.round(np.where(corp_c, big, small) / 10_000) * 10_000

    def years(kind: str, n: int) -> np.ndarray:
        if kind == "mortgage":
            return np.array([20, 25, 30])[rng.integers(0, 3, n)]
        if kind == "consumer_loan":
            return rng.integers(1, 6, n)
        return rng.integers(1, 4, n)

    idx = np.arange(b.n)
    # Loans on the books when the window opens, disbursed in the year before it (PRE_DAYS),
    # so pay history (DOMAIN §6: deferral, malus, clawback) starts a year before the window.
    m_pre = (
        (~corp)
        & (b.age_now >= 28)
        & (b.age_now <= 65)
        & (opened < cal.start)
        & (rng.random(b.n) < 0.15)
    )
    lo = np.maximum(opened, cal.start - PRE_DAYS)
    day = lo + (rng.random(b.n) * np.maximum(cal.start - lo, 1)).astype(np.int64)
    c = idx[m_pre & (lo < cal.start)]
    add(
        c,
        "mortgage",
        day[c],
        years("mortgage", c.size),
        amounts("mortgage", c),
        np.full(c.size, shelf.first("mortgage")),
    )
    b_pre = (corp | owner) & (opened < cal.start) & (rng.random(b.n) < np.where(corp, 0.35, 0.3))
    yrs = years("business_loan", b.n)
    lo = np.maximum(np.maximum(opened, cal.start - yrs * 365 + 30), cal.start - PRE_DAYS)
    day = lo + (rng.random(b.n) * np.maximum(cal.start - lo, 1)).astype(np.int64)
    c = idx[b_pre & (lo < cal.start)]
    add(
        c,
        "business_loan",
        day[c],
        yrs[c],
        amounts("business_loan", c),
        _biz_product(shelf, corp[c], rng),
    )

    # Journeys inside the window.
    nm = cal.n_months
    hunt = beh["hunter_month"]
    c = np.flatnonzero((hunt >= 0) & (rng.random(b.n) < 0.45))
    m = hunt[c] + 1 + rng.integers(0, 3, c.size)
    base = (~corp[:, None]) & b.buyable & (rng.random((b.n, nm)) < 0.0004)
    bc, bm = np.nonzero(base)
    c = np.concatenate([c, bc])
    m = np.concatenate([m, bm])
    ok = m < nm
    c, m = c[ok], m[ok]
    ok = b.buyable[c, m]
    c, m = c[ok], m[ok]
    c, first = np.unique(c, return_index=True)  # one new mortgage per customer
    m = m[first]
    mday = b.cell_days(rng, c, m)
    add(
        c,
        "mortgage",
        mday,
        years("mortgage", c.size),
        amounts("mortgage", c),
        np.full(c.size, shelf.first("mortgage")),
    )
    # Renovation / appliance instalments after a new mortgage.
    follow = rng.random(c.size) < 0.30
    fc = c[follow]
    fm = m[follow] + 1 + rng.integers(0, 4, fc.size)
    base = (
        (~corp[:, None])
        & b.buyable
        & (rng.random((b.n, nm)) < 0.002)
        & ((b.age_now >= 22) & (b.age_now <= 45))[:, None]
    )
    bc, bm = np.nonzero(base)
    fc = np.concatenate([fc, bc])
    fm = np.concatenate([fm, bm])
    ok = fm < nm
    fc, fm = fc[ok], fm[ok]
    ok = b.buyable[fc, fm]
    fc, fm = fc[ok], fm[ok]
    fday = b.cell_days(rng, fc, fm)
    cons = shelf.first("consumer_loan") + rng.integers(0, 2, fc.size)
    add(
        fc,
        "consumer_loan",
        fday,
        years("consumer_loan", fc.size),
        amounts("consumer_loan", fc),
        cons,
    )
    # Business loans after business-loan inquiries.
    ic, im = np.nonzero(beh["inq_bl"] > 0)
    go = rng.random(ic.size) < 0.45
    ic, im = ic[go], im[go] + rng.integers(0, 3, int(go.sum()))
    base = (
        (corp | owner)[:, None]
        & b.buyable
        & (rng.random((b.n, nm)) < np.where(corp, 0.003, 0.001)[:, None])
    )
    bc, bm = np.nonzero(base)
    ic = np.concatenate([ic, bc])
    im = np.concatenate([im, bm])
    ok = im < nm
    ic, im = ic[ok], im[ok]
    ok = b.buyable[ic, im]
    ic, im = ic[ok], im[ok]
    iday = b.cell_days(rng, ic, im)
    add(
        ic,
        "business_loan",
        iday,
        years("business_loan", ic.size),
        amounts("business_loan", ic),
        _biz_product(shelf, corp[ic], rng),
    )

    ln = cat(parts)
    order = np.lexsort((ln["day"], ln["c"]))
    ln = {k: v[order] for k, v in ln.items()}
    n = ln["c"].size
    kind = ln["kind"]
    ln["maturity"] = add_years(ln["day"], ln["years"])
    ln["amount"] = to_cents(ln["amount"])
    staff = b.rm_at(ln["c"], ln["day"])
    bm_ = w.org.branch_manager[p.branch[g[ln["c"]]]]
    ln["staff"] = np.where(w.org.hired[staff] <= ln["day"], staff, bm_)
    is_biz = kind == LOAN_KIND["business_loan"]
    corp_l = corp[ln["c"]]
    ln["green"] = rng.random(n) < np.where(
        is_biz, np.where(corp_l, 0.15, 0.05), np.where(kind == LOAN_KIND["mortgage"], 0.03, 0.0)
    )
    # 普惠: loans to individual business owners, and half of the corporate loans up to
    # 10 million yuan (amounts are in cents here).
    ln["inclusive"] = is_biz & (~corp_l | ((ln["amount"] <= 1_000_000_000) & (rng.random(n) < 0.5)))
    ln["disbursed_in_window"] = ln["day"] >= cal.start
    # Application date and supply-chain finance (their own stream: the columns above stay
    # as they were). Approval takes 1–20 days, longer for business loans; a fifth of the
    # corporate business loans finance a supply chain (供应链金融).
    extra = b.rng("loans.application")
    ln["applied"] = (
        ln["day"] - extra.integers(1, 11, n) - np.where(is_biz, extra.integers(0, 11, n), 0)
    )
    ln["supply_chain"] = is_biz & corp_l & (extra.random(n) < 0.2)
    # Annual contract rate in millionths (loans.rate), from its own stream: by kind, ±0.5
    # percentage points, and for inclusive (small-business) loans 0.3 points a year lower
    # as the window goes on (the policy of lowering small businesses' financing cost);
    # whole basis points.
    rates = b.rng("loans.rate")
    micro = np.array([39_000, 55_000, 45_000])[kind] + rates.integers(-5_000, 5_001, n)
    drift = (ln["day"] - cal.start) * 3_000 // 365
    micro = np.where(ln["inclusive"], micro - drift, micro)
    ln["rate"] = np.clip(np.round(micro / 100).astype(np.int64) * 100, 1_000, 200_000)
    # Delinquency: a monthly hazard from the first month on the books, lower for careful
    # RMs; a loan that falls overdue never cures (its grade only ages).
    hazard = 0.0012 * np.exp(-0.35 * w.org.care[ln["staff"]]) * np.array([0.5, 1.5, 2.0])[kind]
    ln["default_after"] = rng.geometric(np.clip(hazard, 1e-6, 1)) - 1
    ln["due_day"] = rng.integers(1, 21, n)
    # A third of a branch's retail loans disbursed while its former RM was employed were
    # theirs (org.py), from their own stream: every draw above stays as it was.
    org = w.org
    branch = p.branch[g[ln["c"]]]
    former = org.leaver[branch]
    hired_l, left_l = org.leaver_hired[branch], org.leaver_left[branch]
    theirs = (
        (former >= 0)
        & ~corp_l
        & (ln["day"] >= hired_l)
        & (ln["day"] <= left_l)
        & (b.rng("loans.leavers").random(n) < 1 / 3)
    )
    ln["staff"] = np.where(theirs, former, ln["staff"])
    _former_book_sours(w, ln)
    return ln


#: A loan of at least this amount (cents) is one of the former RM's large loans.
SOURING_MIN_AMOUNT = 200_000_000
#: Quarters whose loans are still inside the clawback window of a quarter (DOMAIN §6:
#: a loan paid in Q can cost up to Q's last month + 36 months).
CLAWBACK_QUARTERS = 12


def _quarter_no(days: np.ndarray) -> np.ndarray:
    """year × 4 + quarter index (0–3) of day numbers."""
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return np.asarray(months // 3)


def last_closed_quarter_month(cal: Calendar) -> int:
    """Window index of the last month of the last quarter that ends on or before the
    window's last day (the demo's last closed quarter), -1 if none does."""
    closed = np.flatnonzero(cal.quarter_end & (cal.month_end <= cal.end))
    return int(closed[-1]) if closed.size else -1


def _former_book_sours(w: World, ln: dict[str, np.ndarray]) -> None:
    """The first branch's former RM's large loans turn bad in the last closed quarter.

    Every loan of theirs of at least SOURING_MIN_AMOUNT, disbursed in one of the
    CLAWBACK_QUARTERS quarters before the window's last closed quarter T (before the month
    before T) and still performing at T's end, falls overdue in the month before T with
    its instalment due on the 20th, so it first reaches substandard (over 90 days) in T's
    last month: inside the clawback window of the quarter that paid
    it. Its cost exceeds what little deferral a leaver has left, so T shows a clawback
    (DOMAIN §6; the pay statements of a leaver). No random draw: every other row stays.
    """
    cal = w.cal
    t_last = last_closed_quarter_month(cal)
    onset = t_last - 3
    former = int(w.org.leaver[0])
    if onset < 0 or former < 0:
        return
    first = np.maximum(cal.month_of(np.maximum(ln["day"], cal.start)), 0)
    quarter_t = int(_quarter_no(cal.month_end[t_last : t_last + 1])[0])
    quarter = _quarter_no(ln["day"])
    sours = (
        (ln["staff"] == former)
        & (ln["amount"] >= SOURING_MIN_AMOUNT)
        & (quarter >= quarter_t - CLAWBACK_QUARTERS)
        & (first < onset)
        & (ln["maturity"] > cal.month_end[t_last])
        & (first + ln["default_after"] > onset)
    )
    ln["default_after"] = np.where(sours, onset - first, ln["default_after"])
    ln["due_day"] = np.where(sours, 20, ln["due_day"])


LOAN_KIND = {"mortgage": 0, "consumer_loan": 1, "business_loan": 2}
#: Loans on the books at the window's start were disbursed at most this many days before.
PRE_DAYS = 365


def _biz_product(shelf: Shelf, corp: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    personal = shelf.first("business_loan")
    corp_prods = shelf.choose(
        rng, "business_loan", np.ones(corp.size, dtype=bool), np.full(corp.size, 5)
    )
    return np.where(corp, corp_prods, personal)


def loan_status(b: Block, ln: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Month-end balance, days overdue and grade of each loan, month by month."""
    cal = b.w.cal
    nm = cal.n_months
    first = np.maximum(cal.month_of(np.maximum(ln["day"], cal.start)), 0)
    mat_month = np.where(
        ln["maturity"] > cal.end, nm - 1, cal.month_of(np.minimum(ln["maturity"], cal.end))
    )
    onset = first + ln["default_after"]
    defaults = onset <= mat_month
    last = np.where(defaults, nm - 1, mat_month)
    count = np.maximum(last - first + 1, 0)
    row = np.repeat(np.arange(count.size), count)
    m = first[row] + (np.arange(row.size) - np.repeat(np.cumsum(count) - count, count))
    # Months since disbursement (calendar) for amortisation.
    dis_month = ln["day"].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    cal_month = cal.month_start.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    elapsed = cal_month[m] - dis_month[row]
    term_months = ln["years"][row] * 12
    amort = ln["kind"][row] != LOAN_KIND["business_loan"]
    frac = np.where(amort, np.clip(1 - elapsed / term_months, 0, 1), 1.0)
    delinquent = defaults[row] & (m >= onset[row])
    frozen_elapsed = cal_month[np.minimum(onset[row], nm - 1)] - dis_month[row]
    frac_frozen = np.where(amort, np.clip(1 - frozen_elapsed / term_months, 0, 1), 1.0)
    frac = np.where(delinquent, np.maximum(frac_frozen, 0.05), frac)
    matured = ~delinquent & (ln["maturity"][row] <= cal.month_end[m])
    balance = np.where(matured, 0, np.round(ln["amount"][row] * frac)).astype(np.int64)
    due = cal.month_start[np.minimum(onset[row], nm - 1)] + ln["due_day"][row] - 1
    overdue = np.where(delinquent, cal.month_end[m] - due, 0)
    overdue = np.maximum(overdue, 0)
    grade = np.searchsorted(GRADE_BOUNDS, overdue, side="right")
    return {"loan": row, "m": m, "balance": balance, "overdue": overdue, "grade": grade}


# ------------------------------------------------------------------------- balances


def balances(
    b: Block, h: dict[str, np.ndarray], st: dict[str, np.ndarray], ln: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Monthly average-daily and month-end balances per category.

    Deposits follow a multiplicative random walk (σ 8 %/month) from the customer's
    deposit level, plus time deposits held; sleeping customers' deposits freeze and
    decay 0.5 %/month after their last activity. Customers flagged for 冲量 (window
    dressing) show month-end spikes: at every quarter end (+50 % to +300 % of the
    month's average) and at 30 % of other month ends (+20 % to +80 %). The money
    arrives on the last day and leaves on the 1st-2nd of the next month, so the
    average barely moves and the next month's average falls back. Other categories sum
    the value of the holdings held during the month (funds move with a market index,
    wealth grows 3 %/year, insurance 2.5 %, trusts 5 %); loans come from loan_status.
    Returns the rows and the month-end spike per (customer, month) in cents.
    """
    rng = b.rng("balances")
    w = b.w
    cal = w.cal
    p = w.pop
    nm = cal.n_months
    dim = (cal.month_end - cal.month_start + 1).astype(np.float64)
    # Deposits.
    share = np.where(b.corp, rng.uniform(0.6, 0.9, b.n), rng.uniform(0.3, 0.8, b.n))
    level0 = p.aum[b.g] * share
    steps = rng.normal(0.004, 0.08, (b.n, nm))
    frozen = cal.month_start[None, :] > b.last[:, None]
    steps = np.where(frozen, -0.005, steps)
    level = level0[:, None] * np.exp(np.cumsum(steps, axis=1))
    present = b.present
    first_days = np.clip(cal.month_end[None, :] - b.lo_present + 1, 0, None)
    avg = level * np.minimum(first_days / dim[None, :], 1.0)
    spike = np.zeros((b.n, nm))
    # Only on month-ends the customer is active (never inside a dormant spell).
    spiky = p.spike[b.g][:, None] & b.buyable & (b.hi >= cal.month_end[None, :])
    qe = np.broadcast_to(cal.quarter_end[None, :], spiky.shape)
    size = np.where(qe, rng.uniform(0.5, 3.0, spiky.shape), rng.uniform(0.2, 0.8, spiky.shape))
    happens = spiky & (qe | (rng.random(spiky.shape) < 0.3))
    spike = np.where(happens, level * size, 0.0)
    end_bal = level * np.exp(rng.normal(0, 0.04, (b.n, nm))) + spike
    avg = avg + spike / dim[None, :]
    c, m = np.nonzero(present)
    parts = [
        {
            "c": c,
            "m": m,
            "k": np.full(c.size, CAT["deposit"]),
            "avg": to_cents(avg[c, m]),
            "end": to_cents(end_bal[c, m]),
        }
    ]
    # Holdings with a balance.
    bal_cat = np.array([CAT.get(HOLDING_BALANCE.get(pc.category, ""), -1) for pc in SHELF])
    growth = np.array([GROWTH.get(pc.category, 0.0) for pc in SHELF])
    is_fund = np.array([pc.category == "fund" for pc in SHELF])
    k = bal_cat[h["prod"]]
    sel = np.flatnonzero(k >= 0)
    start = h["start"][sel]
    mat = h["maturity"][sel]
    mat_eff = np.where(mat < 0, cal.end + 1, mat)
    m0 = np.maximum(cal.month_of(np.maximum(start, cal.month_start[0])), 0)
    m1 = cal.month_of(np.minimum(mat_eff, cal.end))
    live = (mat_eff > cal.month_start[0]) & (start <= cal.end)
    count = np.where(live, np.maximum(m1 - m0 + 1, 0), 0)
    row = np.repeat(np.arange(sel.size), count)
    hm = m0[row] + (np.arange(row.size) - np.repeat(np.cumsum(count) - count, count))
    hi = sel[row]
    prod = h["prod"][hi]
    first = np.maximum(h["start"][hi], cal.month_start[hm])
    last = np.minimum(mat_eff[row] - 1, cal.month_end[hm])
    held_days = np.clip(last - first + 1, 0, None)
    years_held = (cal.month_end[hm] - h["start"][hi]) / 365.25
    start_m = np.clip(cal.month_of(np.clip(h["start"][hi], cal.month_start[0], cal.end)), 0, nm - 1)
    factor = np.where(
        is_fund[prod],
        w.market[hm] / w.market[start_m],
        (1 + growth[prod]) ** np.maximum(years_held, 0),
    )
    value = h["amount"][hi] * factor
    h_avg = value * held_days / dim[hm]
    h_end = np.where(mat_eff[row] > cal.month_end[hm], value, 0.0)
    parts.append(
        {
            "c": h["c"][hi],
            "m": hm,
            "k": bal_cat[prod],
            "avg": np.rint(h_avg).astype(np.int64),
            "end": np.rint(h_end).astype(np.int64),
        }
    )
    # Loans (already in cents).
    if st["loan"].size:
        lc = ln["c"][st["loan"]]
        parts.append(
            {
                "c": lc,
                "m": st["m"],
                "k": np.full(lc.size, CAT["loan"]),
                "avg": st["balance"],
                "end": st["balance"],
            }
        )
    allrows = cat(parts)
    key = (allrows["c"] * nm + allrows["m"]) * len(CAT) + allrows["k"]
    uniq, inv = np.unique(key, return_inverse=True)
    avg_sum = np.bincount(inv, weights=allrows["avg"], minlength=uniq.size)
    end_sum = np.bincount(inv, weights=allrows["end"], minlength=uniq.size)
    out = {
        "c": uniq // (nm * len(CAT)),
        "m": (uniq // len(CAT)) % nm,
        "k": uniq % len(CAT),
        "avg": np.rint(avg_sum).astype(np.int64),
        "end": np.rint(end_sum).astype(np.int64),
    }
    return out, to_cents(spike)
