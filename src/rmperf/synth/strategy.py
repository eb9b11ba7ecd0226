"""The optional tables of the synthetic bank: units' monthly figures (unit_financials, for
ROE), participation in major projects (projects) and innovation proposals (proposals).

Each from its own random stream, so the other tables stay as they were. Amounts are
integer cents, days are day numbers (like the rest of the generator).
"""

from __future__ import annotations

import numpy as np

from .calendar import Calendar
from .org import ROLE, Org
from .rng import stream

PROJECT_NAMES = (
    "园区供应链平台",
    "科创企业走廊",
    "普惠金融进社区",
    "养老金融服务",
    "跨境结算通道",
    "绿色信贷专项",
)
PROPOSAL_TITLES = (
    "线上预约开户流程",
    "小微企业贷款材料清单简化",
    "睡眠客户唤醒话术",
    "网点叫号与客户经理联动",
    "理财到期提醒提前三天",
    "企业代发工资一站式签约",
)


def _rms(org: Org) -> np.ndarray:
    """Indices of the RMs who never leave (a leaver's work would outlive them)."""
    rms = np.flatnonzero(org.role == ROLE["rm"])
    return rms[~np.isin(rms, org.leaver[org.leaver >= 0])]


def unit_financials(seed: int, cal: Calendar, org: Org) -> dict[str, np.ndarray]:
    """Per team and month: allocated equity (30–150 million yuan, growing 0.2 % a month)
    and net profit at the team's own annual ROE (mean 13 %, sd 4 points) ± 30 % a month,
    so some months lose money."""
    rng = stream(seed, "unit_financials")
    kinds = np.array(org.unit_columns["kind"].to_pylist())
    teams = np.flatnonzero(kinds == "team")
    months = cal.n_months
    equity0 = rng.integers(30_000_000, 150_000_001, teams.size) * 100
    roe = rng.normal(0.13, 0.04, teams.size)
    unit = np.repeat(teams, months)
    month = np.tile(np.arange(months), teams.size)
    equity = np.round(np.repeat(equity0, months) * (1 + 0.002 * month)).astype(np.int64)
    noise = 1 + rng.normal(0.0, 0.3, unit.size)
    profit = np.round(equity * np.repeat(roe, months) / 12 * noise).astype(np.int64)
    return {"unit": unit, "month": month, "equity": equity, "profit": profit}


def projects(seed: int, cal: Calendar, org: Org) -> dict[str, np.ndarray]:
    """Four major projects a year; each takes 2–6 RMs hired before it starts, who join
    within 60 days of its start (never after the window)."""
    rng = stream(seed, "projects")
    rms = _rms(org)
    years = (cal.end - cal.start + 1) / 365.25
    n = max(1, round(4 * years))
    start = cal.start + (rng.random(n) * (cal.end - cal.start + 1)).astype(np.int64)
    proj: list[np.ndarray] = []
    who: list[np.ndarray] = []
    day: list[np.ndarray] = []
    for k in range(n):
        able = rms[org.hired[rms] <= start[k]]
        if able.size == 0:
            continue
        size = min(able.size, int(rng.integers(2, 7)))
        chosen = np.sort(rng.choice(able, size, replace=False))
        proj.append(np.full(size, k))
        who.append(chosen)
        day.append(np.minimum(start[k] + rng.integers(0, 61, size), cal.end))
    if not proj:
        empty = np.zeros(0, dtype=np.int64)
        return {"project": empty, "staff": empty, "day": empty}
    return {
        "project": np.concatenate(proj),
        "staff": np.concatenate(who),
        "day": np.concatenate(day),
    }


def proposals(seed: int, cal: Calendar, org: Org) -> dict[str, np.ndarray]:
    """About 0.6 proposals per RM a year; 35 % adopted by the branch manager 7–60 days
    later (still open when that falls after the window: adopted -1)."""
    rng = stream(seed, "proposals")
    rms = _rms(org)
    rms = rms[org.branch[rms] >= 0]
    lo = np.maximum(org.hired[rms], cal.start)
    years = np.maximum(cal.end - lo + 1, 0) / 365.25
    count = rng.poisson(0.6 * years)
    who = np.repeat(rms, count)
    first = np.repeat(lo, count)
    submitted = first + (rng.random(who.size) * (cal.end - first + 1)).astype(np.int64)
    adopted = submitted + rng.integers(7, 61, who.size)
    adopted = np.where((rng.random(who.size) < 0.35) & (adopted <= cal.end), adopted, -1)
    reviewer = org.branch_manager[org.branch[who]]
    title = rng.integers(0, len(PROPOSAL_TITLES), who.size)
    order = np.lexsort((submitted, who))
    return {
        "staff": who[order],
        "submitted": submitted[order],
        "adopted": adopted[order],
        "reviewer": reviewer[order],
        "title": title[order],
    }
