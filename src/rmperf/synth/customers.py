"""The customer population, its dimension table and the time-sliced RM assignments.

Shapes (all drawn once for the whole population, so they do not depend on blocks):
- kind: 8 % corporate. Home branch in proportion to the branch's RMs; inside a branch
  the RMs' books differ (Dirichlet weights), the case RM gets exactly `case_book`.
- opened_on: 65 % before the window (exponential, mean 6 years back, at most 30), 35 %
  uniformly inside it; a retail customer is at least 18 at opening.
- AUM target: retail log-normal, median 60,000, σ 1.3 (≈ 5 % at 500,000 or more),
  older customers richer; corporate Pareto (α 1.16, from 300,000, capped at 3 亿).
- risk_level C1-C5 (retail 10/30/35/18/7 %, conservative for 65+); 8 % of retail and
  40 % of corporate never assessed (both columns empty); ~25 % of assessments expired
  (older than 12 months). contact_verified_on: 60 % within 6 months, 35 % older, 5 %
  empty. marketing_opt_out 3 %.
- sleeping (no transaction in the 180 days before `end`): 20 % of the customers opened
  at least 181 days before `end` (the case RM's book: exactly 22 %); their last activity
  is uniform over their history, 15 % of them never transact in the window. 10 % of
  active customers sleep for 190-300 days in mid-history and wake up again.
- business lines: in a branch with a corporate RM (see org), every corporate customer is
  served by the corporate or the sci-tech RM (sci-tech enterprises by the sci-tech RM when
  the branch has one, other corporate customers half and half), and retail customers by
  the retail RMs (drawn from their own stream, so nothing else changes). The case RM's
  book is left as it is.
- reassignment: 4 % of customers (never the case RM's) move to another RM of the same
  branch and business line; the old slice ends the day before the new one starts.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from rmperf.engine.contract import BUSINESS_LINES, RISK_TOLERANCES

from .arrow import bools, dates, ids, pick
from .calendar import Calendar, add_years
from .names import company_names, credit_codes, landlines, mobiles, person_names, resident_ids
from .org import LINE, Org
from .profile import profile_columns
from .rng import stream
from .scales import CASE_SLEEPING_SHARE, Scale

NEVER = np.iinfo(np.int64).max // 4


@dataclass
class Population:
    n: int
    ids: pa.Array
    corporate: np.ndarray
    branch: np.ndarray
    city: np.ndarray
    rm0: np.ndarray
    rm1: np.ndarray  # -1: never reassigned
    switch: np.ndarray  # first day with rm1 (NEVER if none)
    opened: np.ndarray
    age_end: np.ndarray  # years at `end` (retail; corporate: 0)
    aum: np.ndarray  # target assets in yuan
    risk: np.ndarray  # 0 = not assessed, 1..5 = C1..C5
    assessed: np.ndarray  # day of the last assessment (valid where risk > 0)
    sleeper: np.ndarray
    act_start: np.ndarray
    last_active: np.ndarray
    gap_lo: np.ndarray  # mid-history dormancy [gap_lo, gap_hi]; gap_lo > gap_hi if none
    gap_hi: np.ndarray
    payroll: np.ndarray
    payroll_day: np.ndarray
    owner: np.ndarray  # retail business owner (个体工商户)
    activity: np.ndarray  # transactions per active day
    spike: np.ndarray  # shows month-end 冲量 spikes
    digital: np.ndarray  # share of mobile/online transactions
    case: np.ndarray  # in the case RM's book

    def rm_at(self, idx: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The RM in charge of customers idx on the given days."""
        return np.asarray(np.where(day >= self.switch[idx], self.rm1[idx], self.rm0[idx]))


def _route_by_line(
    rm0: np.ndarray,
    org: Org,
    *,
    branch: np.ndarray,
    corporate: np.ndarray,
    sci_tech: np.ndarray,
    case: np.ndarray,
    seed: int,
) -> None:
    """Move customers (in place) to an RM of their business line, inside their branch."""
    rng = stream(seed, "customers.line")
    n = rm0.size
    half, u = rng.random(n) < 0.5, rng.random(n)
    for b in range(org.n_branches):
        rms = org.rms_by_branch[b]
        lines = org.line[rms]
        corp_rms = rms[lines == LINE["corporate"]]
        if corp_rms.size == 0:
            continue
        sci_rms = rms[lines == LINE["sci_tech"]]
        retail_rms = rms[(lines == LINE["retail"]) & (rms != org.case_rm)]
        here = (branch == b) & ~case
        to_sci = here & corporate & (sci_tech | half) if sci_rms.size else here & False
        to_corp = here & corporate & ~to_sci
        for sel, target in (
            (to_sci, sci_rms),
            (to_corp, corp_rms),
            (here & ~corporate, retail_rms),
        ):
            idx = np.flatnonzero(sel & ~np.isin(rm0, target))
            rm0[idx] = target[(u[idx] * target.size).astype(np.int64)]


def build_population(
    scale: Scale, seed: int, cal: Calendar, org: Org
) -> tuple[Population, dict[str, pa.Array]]:
    """The population's latent arrays and the `customers` table columns."""
    n = scale.customers
    rng = stream(seed, "customers")
    corporate = rng.random(n) < scale.corporate_share

    # Home branch and RM.
    rm_count = np.array([r.size for r in org.rms_by_branch], dtype=np.float64)
    branch = rng.choice(org.n_branches, n, p=rm_count / rm_count.sum())
    rm0 = np.empty(n, dtype=np.int64)
    case = np.zeros(n, dtype=bool)
    order = np.argsort(branch, kind="stable")
    bounds = np.searchsorted(branch[order], np.arange(org.n_branches + 1))
    for b in range(org.n_branches):
        members = order[bounds[b] : bounds[b + 1]]
        rms = org.rms_by_branch[b]
        if b == 0:
            chosen = rng.permutation(members)[: scale.case_book]
            case[chosen] = True
            rm0[chosen] = org.case_rm
            members = np.setdiff1d(members, chosen)
            rms = rms[rms != org.case_rm]
        w = rng.dirichlet(np.full(rms.size, 8.0))
        rm0[members] = rms[rng.choice(rms.size, members.size, p=w)]
    sci_tech = corporate & (stream(seed, "customers.sci_tech").random(n) < 0.10)
    _route_by_line(
        rm0, org, branch=branch, corporate=corporate, sci_tech=sci_tech, case=case, seed=seed
    )
    city = org.branch_city[branch]

    # Opening and age.
    pre = rng.random(n) < 0.65
    back = np.minimum(rng.exponential(6 * 365.25, n), 30 * 365.25).astype(np.int64)
    opened = np.where(pre, cal.start - 1 - back, rng.integers(cal.start, cal.end + 1, n))
    age_end = np.clip(rng.normal(44, 14, n), 20, 88)
    birth = (cal.end - age_end * 365.25 - rng.integers(0, 365, n)).astype(np.int64)
    adult = add_years(birth, 18) + 1
    retail = ~corporate
    opened = np.where(retail, np.maximum(opened, adult), opened)
    opened = np.minimum(opened, cal.end)
    age_end = np.where(retail, (cal.end - birth) / 365.25, 0.0)
    act_start = np.maximum(opened, cal.start)

    # Assets.
    age_factor = np.clip(0.55 + 0.018 * (age_end - 20), 0.55, 1.6)
    retail_aum = np.exp(rng.normal(np.log(60_000), 1.3, n)) * age_factor
    corp_aum = np.minimum(300_000 * (1 + rng.pareto(1.16, n)), 3e8)
    aum = np.where(corporate, corp_aum, retail_aum)

    # Risk assessment.
    u = rng.random(n)
    young = np.cumsum([0.10, 0.30, 0.35, 0.18])
    old = np.cumsum([0.30, 0.40, 0.20, 0.08])
    risk = np.where(age_end >= 65, np.searchsorted(old, u), np.searchsorted(young, u)) + 1
    risk = np.where(corporate, rng.integers(2, 5, n), risk)
    missing_risk = rng.random(n) < np.where(corporate, 0.40, 0.08)
    risk = np.where(missing_risk, 0, risk)
    recent_lo = np.maximum(opened, cal.end - 364)
    recent = recent_lo + (rng.random(n) * (cal.end - recent_lo + 1)).astype(np.int64)
    old_lo = np.maximum(opened, cal.end - 3 * 365)
    old_hi = cal.end - 366
    expired = (rng.random(n) < 0.25) & (old_lo <= old_hi)
    stale = old_lo + (rng.random(n) * (old_hi - old_lo + 1)).astype(np.int64)
    assessed = np.where(expired, stale, recent)

    verified_u = rng.random(n)
    v_recent_lo = np.maximum(opened, cal.end - 180)
    v_recent = v_recent_lo + (rng.random(n) * (cal.end - v_recent_lo + 1)).astype(np.int64)
    v_old_lo = np.maximum(opened, cal.end - 3 * 365)
    v_old = v_old_lo + (rng.random(n) * np.maximum(cal.end - 181 - v_old_lo + 1, 1)).astype(
        np.int64
    )
    verified = np.where((verified_u < 0.60) | (v_old_lo > cal.end - 181), v_recent, v_old)
    verified_missing = verified_u >= 0.95
    opt_out = rng.random(n) < 0.03

    # Sleeping and dormancy.
    eligible = act_start <= cal.end - 181
    sleeper = eligible & (rng.random(n) < 0.20)
    case_eligible = np.flatnonzero(case & eligible)
    sleeper[case] = False
    k = round(CASE_SLEEPING_SHARE * int(case.sum()))
    sleeper[rng.permutation(case_eligible)[:k]] = True
    span = np.maximum(cal.end - 181 - act_start + 1, 1)
    last = act_start + (rng.random(n) * span).astype(np.int64)
    never = rng.random(n) < 0.15
    last = np.where(never, act_start - 1, last)
    last_active = np.where(sleeper, last, cal.end)
    gap_len = rng.integers(190, 301, n)
    gap_room = cal.end - 200 - gap_len - (act_start + 30)
    has_gap = ~sleeper & (gap_room > 0) & (rng.random(n) < 0.10)
    gap_lo = act_start + 30 + (rng.random(n) * np.maximum(gap_room, 1)).astype(np.int64)
    gap_hi = np.where(has_gap, gap_lo + gap_len - 1, gap_lo - 1)

    # Reassignment inside the branch (never the case RM's customers).
    rm1 = np.full(n, -1, dtype=np.int64)
    switch = np.full(n, NEVER, dtype=np.int64)
    move = ~case & (rng.random(n) < 0.04)
    pick_u = rng.random(n)
    day_u = rng.random(n)
    for b, line_no in itertools.product(range(org.n_branches), range(len(BUSINESS_LINES))):
        rms = org.rms_by_branch[b]
        rms = rms[(rms != org.case_rm) & (org.line[rms] == line_no)]
        if rms.size < 2:
            continue
        sel = np.flatnonzero(move & (branch == b) & (org.line[rm0] == line_no))
        if sel.size == 0:
            continue
        pos = np.searchsorted(rms, rm0[sel])  # rms are sorted staff indices
        shift = 1 + (pick_u[sel] * (rms.size - 1)).astype(np.int64)
        new = rms[(pos + shift) % rms.size]
        lo = np.maximum(np.maximum(act_start[sel], org.hired[new]) + 30, org.hired[rm0[sel]] + 30)
        hi = cal.end - 30
        ok = lo <= hi
        day = lo + (day_u[sel] * np.maximum(hi - lo + 1, 1)).astype(np.int64)
        rm1[sel[ok]] = new[ok]
        switch[sel[ok]] = day[ok]

    payroll = retail & (age_end < 60) & (rng.random(n) < 0.32)
    payroll_day = np.array([5, 10, 15, 20, 25])[rng.integers(0, 5, n)]
    owner = retail & ~payroll & (rng.random(n) < 0.09)
    activity = np.where(
        corporate,
        np.exp(rng.normal(np.log(0.45), 0.7, n)),
        np.exp(rng.normal(np.log(0.075), 0.8, n)),
    )
    boost = np.where(aum > 100_000, 1.5, 0.7)
    spike = rng.random(n) < org.dressing[rm0] * boost
    digital = np.where(corporate, 0.7, np.clip(1.15 - age_end / 70, 0.1, 0.95))
    female = rng.random(n) < 0.52

    pop = Population(
        n=n,
        ids=ids("C", np.arange(1, n + 1), 8),
        corporate=corporate,
        branch=branch,
        city=city,
        rm0=rm0,
        rm1=rm1,
        switch=switch,
        opened=opened,
        age_end=age_end,
        aum=aum,
        risk=risk,
        assessed=assessed,
        sleeper=sleeper,
        act_start=act_start,
        last_active=last_active,
        gap_lo=gap_lo,
        gap_hi=gap_hi,
        payroll=payroll,
        payroll_day=payroll_day,
        owner=owner,
        activity=activity,
        spike=spike,
        digital=digital,
        case=case,
    )
    columns = _customer_columns(pop, rng, birth, female, verified, verified_missing, opt_out)
    # Sci-tech enterprises (科技型企业): a tenth of the corporate customers, from their own
    # stream so every other column stays as it was.
    columns["sci_tech"] = bools(sci_tech)
    columns.update(profile_columns(pop.n, pop.corporate, seed))
    return pop, columns


def _customer_columns(
    pop: Population,
    rng: np.random.Generator,
    birth: np.ndarray,
    female: np.ndarray,
    verified: np.ndarray,
    verified_missing: np.ndarray,
    opt_out: np.ndarray,
) -> dict[str, pa.Array]:
    n = pop.n
    corp = pop.corporate
    retail_idx = np.flatnonzero(~corp)
    corp_idx = np.flatnonzero(corp)
    # Home city for most customers; a fifth are from elsewhere (migrants, branches of
    # out-of-town companies).
    home = np.where(rng.random(n) < 0.8, pop.city, rng.integers(0, 30, n))

    def merge(retail: pa.Array, corporate: pa.Array) -> pa.Array:
        combined = pa.concat_arrays([retail, corporate])
        order = np.argsort(np.concatenate([retail_idx, corp_idx]), kind="stable")
        return combined.take(pa.array(order))

    names = merge(
        person_names(rng, retail_idx.size, female[retail_idx]),
        company_names(rng, corp_idx.size, home[corp_idx]),
    )
    mobile = mobiles(rng, retail_idx.size)
    phones = merge(
        ids("", mobile, 11),
        landlines(rng, home[corp_idx]),
    )
    phone_missing = rng.random(n) < np.where(corp, 0.05, 0.02)
    id_numbers = merge(
        resident_ids(rng, home[retail_idx], birth[retail_idx], female[retail_idx]),
        credit_codes(rng, home[corp_idx]),
    )
    id_missing = rng.random(n) < 0.01
    none = pop.risk == 0
    return {
        "customer_id": pop.ids,
        "name": names,
        "kind": pick(("retail", "corporate"), corp.astype(np.int64)),
        "unit_id": ids("BR", pop.branch + 1, 3),
        "birth_date": dates(birth, missing=corp),
        "opened_on": dates(pop.opened),
        "phone": _mask(phones, phone_missing),
        "id_number": _mask(id_numbers, id_missing),
        "risk_level": pick(RISK_TOLERANCES, np.maximum(pop.risk - 1, 0), missing=none),
        "risk_assessed_on": dates(pop.assessed, missing=none),
        "contact_verified_on": dates(verified, missing=verified_missing),
        "marketing_opt_out": bools(opt_out),
    }


def _mask(arr: pa.Array, missing: np.ndarray) -> pa.Array:
    return arr.take(pa.array(np.arange(len(arr)), mask=missing))


def assignment_columns(pop: Population, org: Org) -> dict[str, pa.Array]:
    idx = np.arange(pop.n)
    moved = np.flatnonzero(pop.rm1 >= 0)
    cust = np.concatenate([idx, moved])
    staff = np.concatenate([pop.rm0, pop.rm1[moved]])
    start0 = np.maximum(pop.opened, org.hired[pop.rm0])
    start0 = np.where(pop.rm1 >= 0, np.minimum(start0, pop.switch - 1), start0)
    valid_from = np.concatenate([start0, pop.switch[moved]])
    valid_to = np.concatenate([np.where(pop.rm1 >= 0, pop.switch - 1, 0), np.zeros(moved.size)])
    open_ended = np.concatenate([pop.rm1 < 0, np.ones(moved.size, dtype=bool)])
    order = np.lexsort((valid_from, cust))
    return {
        "customer_id": pop.ids.take(pa.array(cust[order])),
        "staff_id": org.staff_ids.take(pa.array(staff[order])),
        "valid_from": dates(valid_from[order]),
        "valid_to": dates(valid_to[order], missing=open_ended[order]),
    }
