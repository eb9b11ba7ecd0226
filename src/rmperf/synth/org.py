"""The org tree and the staff.

One bank (unit HQ, with HR and the auditor) → regions (城市分行) → branches (支行) →
teams of about three RMs under a team leader (3 RMs; every fourth team has 4, every
fifth 2). Each branch also has a branch manager, a risk officer, tellers and wealth
managers. Hire dates follow an exponential tenure (mean 7 years, ~10 % hired inside the
window); an RM's rank follows tenure with some noise.

Latent staff traits (standard normal, never written) drive what their customers do:
`skill` raises purchase conversion, NPS and mystery-shopper scores; `diligence` raises
contact frequency and speeds up request and referral responses; `care` lowers default
rates of the loans an RM originates and raises the risk department's due-diligence
score; `dressing` is the share of an RM's customers who show month-end 冲量 spikes
(most RMs 2 %, a third of them 15 %).

Business lines (DOMAIN §5, which scorecard applies): a branch with at least
`LINE_MIN_RMS` RMs has one corporate RM (its last RM); every second such branch (odd
branch index) also has a sci-tech finance RM (its second-last). Everyone else is retail.
The case RM is always retail. No random draw is involved, so the staff stream and
everything drawn from it are the same as before lines existed.

Pay history (DOMAIN §6): corporate RMs are flagged `material_risk` (40 % deferral). Every
second branch (even index) had a retail RM who has left: a former RM appended after
everyone else (their own stream, so no other draw moves), hired 1.5–8 years before the
window opened and leaving inside it (`left_on`). They serve no customer in the window;
some of the branch's loans disbursed while they were employed are theirs (activity.py),
so their deferred pay, malus and clawback run on after they leave.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from rmperf.engine.contract import BUSINESS_LINES, RANKS, ROLES

from .arrow import dates, ids, pick
from .calendar import Calendar
from .names import CITIES, DISTRICTS, person_names
from .rng import stream
from .scales import CASE_RM_STAFF_ID, Scale

ROLE = {r: i for i, r in enumerate(ROLES)}
LINE = {x: i for i, x in enumerate(BUSINESS_LINES)}
#: A branch needs this many RMs before one of them serves corporate customers only.
LINE_MIN_RMS = 5
_TEAM_ORD = "一二三四五六七八九十"


@dataclass
class Org:
    """Org units and staff as arrays; staff index i has id S{i+1:04d}."""

    unit_columns: dict[str, pa.Array]
    staff_columns: dict[str, pa.Array]
    staff_ids: pa.Array
    role: np.ndarray  # index into ROLES
    branch: np.ndarray  # branch index, -1 for bank-level staff
    hired: np.ndarray  # day numbers
    skill: np.ndarray
    diligence: np.ndarray
    care: np.ndarray
    dressing: np.ndarray
    branch_city: np.ndarray  # city index per branch
    rms_by_branch: list[np.ndarray]
    tellers_by_branch: list[np.ndarray]
    wms_by_branch: list[np.ndarray]
    risk_officer: np.ndarray  # per branch
    branch_manager: np.ndarray  # per branch
    case_rm: int
    line: np.ndarray  # index into BUSINESS_LINES (RMs; 0 = retail for everyone else)
    #: per branch: the staff index of its former RM (-1: none), their hire and leave days
    leaver: np.ndarray
    leaver_hired: np.ndarray
    leaver_left: np.ndarray

    @property
    def n_branches(self) -> int:
        return len(self.rms_by_branch)


def build_org(scale: Scale, seed: int, cal: Calendar) -> Org:
    rng = stream(seed, "staff")
    unit_id: list[str] = ["HQ"]
    unit_name: list[str] = ["江南商业银行"]
    unit_kind: list[str] = ["bank"]
    unit_parent: list[str | None] = [None]
    roles: list[int] = []
    unit_of: list[str] = []
    branch_of: list[int] = []
    team_of: list[int] = []

    def hire(role: str, unit: str, branch: int, team: int = -1) -> int:
        roles.append(ROLE[role])
        unit_of.append(unit)
        branch_of.append(branch)
        team_of.append(team)
        return len(roles) - 1

    hire("hr", "HQ", -1)
    hire("auditor", "HQ", -1)
    rms_by_branch: list[list[int]] = []
    tellers: list[list[int]] = []
    wms: list[list[int]] = []
    risk_officer: list[int] = []
    manager: list[int] = []
    branch_city: list[int] = []
    team_no = 0
    first_team: list[str] = []
    for r in range(scale.regions):
        city = r % len(CITIES)
        rid = f"RG{r + 1:02d}"
        unit_id.append(rid)
        unit_name.append(f"{CITIES[city]}分行")
        unit_kind.append("region")
        unit_parent.append("HQ")
        per_region = scale.branches // scale.regions + (r < scale.branches % scale.regions)
        for j in range(per_region):
            b = len(branch_city)
            branch_city.append(city)
            bid = f"BR{b + 1:03d}"
            district = DISTRICTS[j % len(DISTRICTS)]
            suffix = "" if j < len(DISTRICTS) else str(j // len(DISTRICTS) + 1)
            bname = f"{CITIES[city]}{district}{suffix}支行"
            unit_id.append(bid)
            unit_name.append(bname)
            unit_kind.append("branch")
            unit_parent.append(rid)
            manager.append(hire("branch_manager", bid, b))
            risk_officer.append(hire("risk_officer", bid, b))
            rms_by_branch.append([])
            for k in range(scale.teams_per_branch):
                tid = f"TM{team_no + 1:04d}"
                if k == 0:
                    first_team.append(tid)
                unit_id.append(tid)
                unit_name.append(f"{bname}营销{_TEAM_ORD[k % 10]}组")
                unit_kind.append("team")
                unit_parent.append(bid)
                hire("team_leader", tid, b, team_no)
                n_rm = 3 + (team_no % 4 == 3) - (team_no % 5 == 4)
                rms_by_branch[b].extend(hire("rm", tid, b, team_no) for _ in range(n_rm))
                team_no += 1
            tellers.append([hire("teller", bid, b) for _ in range(scale.tellers_per_branch)])
            wms.append(
                [hire("wealth_manager", bid, b) for _ in range(scale.wealth_managers_per_branch)]
            )

    n = len(roles)
    role = np.array(roles, dtype=np.int64)
    staff_ids = ids("S", np.arange(1, n + 1), max(4, len(str(n))))
    case_rm = rms_by_branch[0][0]
    if staff_ids[case_rm].as_py() != CASE_RM_STAFF_ID:
        raise AssertionError("the case RM's position in the staff order changed")

    tenure_years = np.minimum(rng.exponential(7.0, n) + 0.2, 30.0)
    hired = (cal.end - tenure_years * 365.25).astype(np.int64)
    # The case RM (seed 000) joined about four years before the window opens.
    hired[case_rm] = cal.start - 4 * 365 - 38
    female = rng.random(n) < 0.55
    names = person_names(rng, n, female)
    is_rm = role == ROLE["rm"]
    years = (cal.end - hired) / 365.25 + rng.normal(0, 1.5, n)
    rank = np.digitize(years, [2.0, 5.0, 10.0])
    rank[case_rm] = RANKS.index("junior")
    skill = rng.normal(0, 1, n)
    diligence = rng.normal(0, 1, n)
    care = rng.normal(0, 1, n)
    dressing = np.where(rng.random(n) < 1 / 3, 0.15, 0.02)
    # The case RM starts below average: a quiet book that the turnaround wakes up.
    skill[case_rm], diligence[case_rm], dressing[case_rm] = -0.3, 0.2, 0.02

    line = np.zeros(n, dtype=np.int64)
    for b, rms in enumerate(rms_by_branch):
        if len(rms) < LINE_MIN_RMS:
            continue
        line[rms[-1]] = LINE["corporate"]
        if b % 2 == 1:
            line[rms[-2]] = LINE["sci_tech"]
    if line[case_rm] != LINE["retail"]:
        raise AssertionError("the case RM must be a retail RM")

    # Former RMs, one in every second branch, from their own stream.
    lrng = stream(seed, "staff.leavers")
    leaver_branches = np.arange(0, len(branch_city), 2)
    k = leaver_branches.size
    l_hired = (cal.start - lrng.uniform(1.5, 8.0, k) * 365.25).astype(np.int64)
    span = max(cal.end - cal.start - 120, 1)
    l_left = cal.start + 60 + lrng.integers(0, span, k)
    l_left = np.minimum(l_left, cal.end)
    l_rank = lrng.integers(0, len(RANKS), k)
    l_names = person_names(lrng, k, lrng.random(k) < 0.55)
    leaver = np.full(len(branch_city), -1, dtype=np.int64)
    leaver[leaver_branches] = n + np.arange(k)
    leaver_hired = np.zeros(len(branch_city), dtype=np.int64)
    leaver_hired[leaver_branches] = l_hired
    leaver_left = np.zeros(len(branch_city), dtype=np.int64)
    leaver_left[leaver_branches] = l_left
    all_ids = ids("S", np.arange(1, n + k + 1), max(4, len(str(n + k))))
    if not all_ids[:n].equals(staff_ids):
        raise AssertionError("adding former RMs renumbered the staff")
    staff_ids = all_ids
    everyone = n + k
    is_rm_all = np.concatenate([is_rm, np.ones(k, dtype=bool)])
    material = np.concatenate([line == LINE["corporate"], np.zeros(k, dtype=bool)])
    staff_columns = {
        "staff_id": staff_ids,
        "name": pa.concat_arrays([names, l_names]),
        "role": pick(ROLES, np.concatenate([role, np.full(k, ROLE["rm"])])),
        "rank": pick(RANKS, np.concatenate([rank, l_rank]), missing=~is_rm_all),
        "unit_id": pa.array(unit_of + [first_team[b] for b in leaver_branches]),
        "hired_on": dates(np.concatenate([hired, l_hired])),
        "business_line": pick(
            BUSINESS_LINES, np.concatenate([line, np.zeros(k, dtype=np.int64)]), missing=~is_rm_all
        ),
        "left_on": dates(
            np.concatenate([np.zeros(n, dtype=np.int64), l_left]),
            missing=np.arange(everyone) < n,
        ),
        "material_risk": pa.array(material, mask=~is_rm_all),
    }
    unit_columns = {
        "unit_id": pa.array(unit_id),
        "name": pa.array(unit_name),
        "kind": pa.array(unit_kind),
        "parent_id": pa.array(unit_parent, pa.string()),
    }
    return Org(
        unit_columns=unit_columns,
        staff_columns=staff_columns,
        staff_ids=staff_ids,
        role=role,
        branch=np.array(branch_of, dtype=np.int64),
        hired=hired,
        skill=skill,
        diligence=diligence,
        care=care,
        dressing=dressing,
        branch_city=np.array(branch_city, dtype=np.int64),
        rms_by_branch=[np.array(x, dtype=np.int64) for x in rms_by_branch],
        tellers_by_branch=[np.array(x, dtype=np.int64) for x in tellers],
        wms_by_branch=[np.array(x, dtype=np.int64) for x in wms],
        risk_officer=np.array(risk_officer, dtype=np.int64),
        branch_manager=np.array(manager, dtype=np.int64),
        case_rm=case_rm,
        line=line,
        leaver=leaver,
        leaver_hired=leaver_hired,
        leaver_left=leaver_left,
    )
