"""The gaming defaults on the demo bank (small scale, seed 7, history to 6 December 2026,
the demo's 2026Q3): the balance-pump flags are exactly the RMs the generator makes dress
their books (synth/org.py `dressing` 15 %, against 2 % for the others), and each planted
case of synth/gaming_cases.py is flagged for its RMs and nobody else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from rmperf.engine.analysis import detect_gaming, load_gaming_policy
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.synth import generate
from rmperf.synth.calendar import Calendar, day_number
from rmperf.synth.org import build_org
from rmperf.synth.scales import SCALES

pytestmark = pytest.mark.slow

START, END = dt.date(2024, 1, 1), dt.date(2026, 12, 6)


def test_demo_bank_flags_only_the_dressers_and_the_planted_cases(tmp_path: Path) -> None:
    lake_dir = tmp_path / "lake"
    generate("small", seed=7, out=lake_dir, start=START, end=END)
    org = build_org(SCALES["small"], 7, Calendar(day_number(START), day_number(END)))
    staff = org.staff_ids.to_pylist()
    rms = sorted(int(i) for i in np.concatenate(org.rms_by_branch))
    dressers = {staff[i] for i in rms if org.dressing[i] > 0.1}
    # gaming_cases.py: the first four retail RMs who do not dress, in staff order.
    clean = [staff[i] for i in rms if org.line[i] == 0 and org.dressing[i] < 0.1
             and i != org.case_rm][:4]  # fmt: skip
    loaded = load_gaming_policy()
    result = detect_gaming(
        Lake(lake_dir, today=dt.date(2026, 12, 7)),
        period=Period.parse("2026Q3"),
        policy=loaded.policy,
        policy_version=loaded.version,
    )
    by_kind: dict[str, set[str]] = {}
    for f in result.flags.to_pylist():
        by_kind.setdefault(f["kind"], set()).add(f["staff_id"])
    assert by_kind == {
        "balance_pump": dressers,
        "split_transactions": {clean[0]},
        "loan_bunching": {clean[1]},
        "circular_referrals": {clean[2], clean[3]},
    }
    assert len(dressers) < len(rms) / 2
