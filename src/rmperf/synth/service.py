"""Service facts: customer requests, referrals, NPS answers (per block) and the
staff-side feedback and training records (once per bank).

- requests: retail 3 %, corporate 8 % a month while active; 80 % handled by the
  customer's RM, the rest by a teller. Resolution time log-normal (median 3 h, faster
  for diligent staff, ~7 % over 24 h); 3 % get stuck and are resolved 3-20 days later
  (nothing stays open for ever); a resolution after `end` is not known yet (empty).
- referrals follow the default rule book: teller → RM when a new account opens with a
  deposit of 50,000 or more and the customer asks about wealth products; WM → RM for a
  corporate loan (a quarter of business-loan inquiries) or corporate settlement; RM →
  WM for a family trust or high-end medical insurance (retail AUM ≥ 1,000,000).
  Lifecycle: 8 % are never answered (expired after 7 days); the rest are accepted after
  a log-normal delay (median 4 h, ~85 % within 24 h, diligent receivers faster), then
  contacted within 3 days, then converted with a probability rising from 10 % at the
  start of the window to 45 % at its end (seed 000), otherwise lost within 5-30 days.
  The status is the state reached by `end`; converted_at is set exactly when converted.
- NPS: 1.5 % of active customers answer each month, 0-10, higher for skilled RMs and
  lower after a complaint. Mystery shoppers rate two front-line staff per branch per
  quarter, peers rate everyone twice a year, the risk department rates each RM's
  pre-loan investigations every quarter (0-100).
- trainings: about four courses a year per person (2-16 hours), and a certification
  for 15 % of people a year.
"""

from __future__ import annotations

import numpy as np

from .activity import Block, explode
from .calendar import Calendar, local_us, seconds_of_day
from .org import ROLE, Org
from .rng import stream

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
COURSES = (
    "开户业务操作规范",
    "理财产品销售技巧",
    "反洗钱合规培训",
    "客户关系管理(CRM)系统操作",
    "个人贷款贷前调查实务",
    "消费者权益保护",
    "适当性管理与风险揭示",
    "企业财务报表分析",
    "绿色金融与ESG",
    "普惠金融产品知识",
    "营销话术与异议处理",
    "数据安全与个人信息保护",
)
CERTIFICATIONS = (
    "银行业专业人员职业资格(初级)",
    "银行业专业人员职业资格(中级)",
    "基金从业资格",
    "AFP金融理财师",
    "CFP国际金融理财师",
    "保险代理从业资格",
)


def _whole_seconds(us: np.ndarray) -> np.ndarray:
    """Durations in whole seconds (timestamps in the lake carry no fractions)."""
    return (np.asarray(us, dtype=np.float64) // 1_000_000).astype(np.int64) * 1_000_000


def requests(b: Block) -> dict[str, np.ndarray]:
    rng = b.rng("requests")
    w = b.w
    cal = w.cal
    org = w.org
    lam = np.where(b.corp, 0.08, 0.03)
    c, m = explode(rng.poisson(lam[:, None] * b.active))
    day = b.cell_days(rng, c, m)
    staff = b.rm_at(c, day)
    branch = w.pop.branch[b.g[c]]
    teller = np.array([t[0] for t in org.tellers_by_branch])[branch]
    staff = np.where((rng.random(c.size) < 0.2) | (org.hired[staff] > day), teller, staff)
    staff = np.where(org.hired[staff] > day, org.branch_manager[branch], staff)
    received = local_us(day, seconds_of_day(rng, np.ones(c.size, dtype=bool)))
    hours = np.exp(rng.normal(np.log(3.0) - 0.25 * org.diligence[staff], 1.4))
    resolved = received + _whole_seconds(hours * HOUR_US)
    end_us = local_us(np.array([cal.end]), np.array([86_399]))[0]
    # 3 % get stuck (escalated, waiting on a document …) and are resolved 3-20 days later.
    stuck = rng.random(c.size) < 0.03
    late = b.rng("requests.late").uniform(3.0, 20.0, c.size) * 24 * HOUR_US
    resolved = np.where(stuck, received + _whole_seconds(late), resolved)
    open_ = resolved > end_us
    order = np.lexsort((received, c))
    return {
        "c": c[order],
        "staff": staff[order],
        "received": received[order],
        "resolved": resolved[order],
        "open": open_[order],
    }


def referrals(b: Block, inq_bl: np.ndarray) -> dict[str, np.ndarray]:
    rng = b.rng("referrals")
    w = b.w
    cal = w.cal
    org = w.org
    p = w.pop
    branch_all = p.branch[b.g]
    tellers = org.tellers_by_branch
    wms = org.wms_by_branch
    parts = []

    def one_of(groups: list[np.ndarray], branch: np.ndarray) -> np.ndarray:
        sizes = np.array([x.size for x in groups])[branch]
        firsts = np.cumsum([0] + [x.size for x in groups])[:-1][branch]
        flat = np.concatenate(groups)
        return np.asarray(flat[firsts + (rng.random(branch.size) * sizes).astype(np.int64)])

    # Teller → RM: big new account + a wealth question.
    c = np.flatnonzero(b.open_inquiry)
    day = b.opened[c]
    ts = local_us(day, 16 * 3600 + 1800 + rng.integers(0, 3600, c.size))
    parts.append((c, one_of(tellers, branch_all[c]), b.rm_at(c, day), ts, np.zeros(c.size)))
    # WM → RM: corporate loans and corporate settlement.
    ic, im = np.nonzero(inq_bl > 0)
    keep = rng.random(ic.size) < 0.25
    ic, im = ic[keep], im[keep]
    sc, sm = np.nonzero(rng.random(b.active.shape) < (0.01 * b.corp)[:, None] * b.active)
    c = np.concatenate([ic, sc])
    m = np.concatenate([im, sm])
    need = np.concatenate([np.full(ic.size, 1), np.full(sc.size, 2)])
    day = b.cell_days(rng, c, m)
    ts = local_us(day, seconds_of_day(rng, np.ones(c.size, dtype=bool)))
    parts.append((c, one_of(wms, branch_all[c]), b.rm_at(c, day), ts, need))
    # RM → WM: family trust or high-end medical insurance for the wealthy.
    rich = (~b.corp) & (p.aum[b.g] >= 1e6)
    rc, rm_ = np.nonzero(rng.random(b.active.shape) < (0.03 * rich)[:, None] * b.active)
    day = b.cell_days(rng, rc, rm_)
    ts = local_us(day, seconds_of_day(rng, np.ones(rc.size, dtype=bool)))
    need = np.where((p.aum[b.g[rc]] >= 3e6) & (rng.random(rc.size) < 0.6), 3, 4)
    parts.append((rc, b.rm_at(rc, day), one_of(wms, branch_all[rc]), ts, need))

    c = np.concatenate([x[0] for x in parts])
    frm = np.concatenate([x[1] for x in parts])
    to = np.concatenate([x[2] for x in parts])
    created = np.concatenate([x[3] for x in parts])
    need = np.concatenate([x[4] for x in parts]).astype(np.int64)
    created_day = (created + 8 * HOUR_US) // DAY_US
    ok = (frm != to) & (org.hired[frm] <= created_day) & (org.hired[to] <= created_day)
    c, frm, to, created, need = c[ok], frm[ok], to[ok], created[ok], need[ok]
    n = c.size
    end_us = local_us(np.array([cal.end]), np.array([86_399]))[0]
    delay = np.exp(rng.normal(np.log(4.0) - 0.3 * org.diligence[to], 1.3)) * HOUR_US
    ignored = (rng.random(n) < 0.08) | (delay > 7 * DAY_US)
    responded = created + _whole_seconds(delay)
    contacted = responded + _whole_seconds(rng.uniform(0.2, 3.0, n) * DAY_US)
    progress = np.clip(
        (created - local_us(np.array([cal.start]), np.array([0]))[0])
        / max(end_us - local_us(np.array([cal.start]), np.array([0]))[0], 1),
        0,
        1,
    )
    p_conv = np.clip(0.10 + 0.35 * progress + 0.05 * org.skill[to], 0.02, 0.9)
    converts = rng.random(n) < p_conv
    converted = contacted + _whole_seconds(np.exp(rng.normal(np.log(7.0), 0.6, n)) * DAY_US)
    lost_at = contacted + _whole_seconds(rng.uniform(5, 30, n) * DAY_US)
    status = np.full(n, 0)  # created
    answered = ~ignored & (responded <= end_us)
    status = np.where(ignored & (created + 7 * DAY_US <= end_us), 5, status)
    status = np.where(answered, 1, status)
    status = np.where(answered & (contacted <= end_us), 2, status)
    status = np.where((status == 2) & converts & (converted <= end_us), 3, status)
    status = np.where((status == 2) & ~converts & (lost_at <= end_us), 4, status)
    order = np.lexsort((created, c))
    return {
        "c": c[order],
        "from": frm[order],
        "to": to[order],
        "need": need[order],
        "created": created[order],
        "status": status[order],
        "responded": responded[order],
        "has_response": answered[order],
        "converted": converted[order],
    }


def nps(b: Block, complaints: np.ndarray) -> dict[str, np.ndarray]:
    rng = b.rng("nps")
    org = b.w.org
    c, m = np.nonzero((rng.random(b.active.shape) < 0.015) & b.active)
    day = b.cell_days(rng, c, m)
    staff = b.rm_at(c, day)
    ok = org.hired[staff] <= day
    c, m, day, staff = c[ok], m[ok], day[ok], staff[ok]
    unhappy = complaints[c, :].sum(axis=1) > 0 if c.size else np.zeros(0, dtype=bool)
    mean = 8.2 + 0.6 * b.skill_at(staff, day) - 2.0 * unhappy
    score = np.clip(np.round(rng.normal(mean, 1.8)), 0, 10).astype(np.int64)
    return {"c": c, "staff": staff, "day": day, "score": score * 100}


def staff_feedback(seed: int, cal: Calendar, org: Org) -> dict[str, np.ndarray]:
    """Mystery shopper, peer and risk due-diligence scores (score in hundredths)."""
    rng = stream(seed, "staff_feedback")
    quarters = np.flatnonzero(cal.quarter_end | (np.arange(cal.n_months) == cal.n_months - 1))
    q_lo = np.maximum(cal.month_start[np.maximum(quarters - 2, 0)], cal.start)
    q_hi = np.minimum(cal.month_end[quarters], cal.end)
    staff_parts, day_parts, kind_parts, score_parts = [], [], [], []

    def add(
        staff: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        kind: int,
        mean: np.ndarray,
        sd: float,
        step: float,
    ) -> None:
        lo = np.maximum(lo, org.hired[staff])
        ok = lo <= hi
        staff, lo, hi, mean = staff[ok], lo[ok], hi[ok], mean[ok]
        day = lo + (rng.random(staff.size) * (hi - lo + 1)).astype(np.int64)
        score = np.clip(np.round(rng.normal(mean, sd) / step) * step, 0, 100)
        staff_parts.append(staff)
        day_parts.append(day)
        kind_parts.append(np.full(staff.size, kind))
        score_parts.append(np.round(score * 100).astype(np.int64))

    front = np.flatnonzero(np.isin(org.role, [ROLE["rm"], ROLE["teller"], ROLE["wealth_manager"]]))
    for q in range(quarters.size):
        # Two mystery-shopper visits per branch and quarter.
        for branch in range(org.n_branches):
            pool = front[org.branch[front] == branch]
            who = pool[rng.integers(0, pool.size, 2)]
            add(who, np.full(2, q_lo[q]), np.full(2, q_hi[q]), 1, 82 + 5 * org.skill[who], 6.0, 0.5)
        rms = np.flatnonzero(org.role == ROLE["rm"])
        add(
            rms,
            np.full(rms.size, q_lo[q]),
            np.full(rms.size, q_hi[q]),
            3,
            85 + 5 * org.care[rms],
            6.0,
            1.0,
        )
        if q % 2 == 1:
            everyone = np.arange(org.role.size)
            raters = rng.integers(2, 5, everyone.size)
            who = np.repeat(everyone, raters)
            add(
                who,
                np.full(who.size, q_lo[q]),
                np.full(who.size, q_hi[q]),
                2,
                80 + 4 * org.skill[who],
                7.0,
                0.1,
            )
    staff = np.concatenate(staff_parts)
    day = np.concatenate(day_parts)
    kind = np.concatenate(kind_parts)
    score = np.concatenate(score_parts)
    order = np.lexsort((kind, day, staff))
    return {"staff": staff[order], "day": day[order], "kind": kind[order], "score": score[order]}


def trainings(seed: int, cal: Calendar, org: Org) -> dict[str, np.ndarray]:
    rng = stream(seed, "trainings")
    n = org.role.size
    lo = np.maximum(org.hired, cal.start)
    years = np.maximum(cal.end - lo + 1, 0) / 365.25
    courses = rng.poisson(4.0 * years)
    certs = rng.poisson(0.15 * years)
    who = np.concatenate([np.repeat(np.arange(n), courses), np.repeat(np.arange(n), certs)])
    kind = np.concatenate(
        [np.zeros(courses.sum(), dtype=np.int64), np.ones(certs.sum(), dtype=np.int64)]
    )
    day = lo[who] + (rng.random(who.size) * (cal.end - lo[who] + 1)).astype(np.int64)
    course_name = rng.integers(0, len(COURSES), who.size)
    cert_name = rng.integers(0, len(CERTIFICATIONS), who.size) + len(COURSES)
    name = np.where(kind == 0, course_name, cert_name)
    hours = np.where(
        kind == 0,
        np.array([2, 4, 8, 16])[rng.integers(0, 4, who.size)],
        rng.integers(20, 61, who.size),
    )
    order = np.lexsort((name, day, who))
    return {
        "staff": who[order],
        "day": day[order],
        "kind": kind[order],
        "name": name[order],
        "hours": hours[order] * 100,
    }
