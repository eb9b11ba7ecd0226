"""Golden cases: indicator values, a scorecard, targets → hand-computed points, totals, tiers.

Each file in cases/ states its inputs and the expectations worked out by hand in its
comments (never copied from output). Values and expectations are strings, so every
number is exact.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from rmperf.engine.periods import Period
from rmperf.engine.scoring import (
    ManualScores,
    StaffInfo,
    load_scorecard_text,
    parse_target_sheet,
    score,
)
from tests.engine_scoring.library import LIB

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def _dec(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def run_case(case: dict[str, Any]) -> Any:
    card = load_scorecard_text(yaml.safe_dump(case["card"]), source="case", library=LIB)
    name = card.policy.name
    values = {
        (staff, ind): _dec(v)
        for staff, row in (case.get("values") or {}).items()
        for ind, v in (row or {}).items()
    }
    staff_ids = sorted(set(case.get("values") or {}) | set(case.get("expect") or {}))
    manual = ManualScores(
        {
            (staff, key): Decimal(str(v))
            for staff, row in (case.get("manual") or {}).items()
            for key, v in row.items()
        }
    )
    staff = {
        s: StaffInfo(
            s,
            team=info.get("team"),
            branch=info.get("branch"),
            hired_on=dt.date.fromisoformat(str(info["hired_on"])) if "hired_on" in info else None,
        )
        for s, info in (case.get("staff") or {}).items()
    }
    targets = None
    if case.get("targets"):
        targets = parse_target_sheet(
            yaml.safe_dump(case["targets"]), source="targets.yaml", indicators=LIB
        )
    kwargs: dict[str, Any] = {"targets": targets} if targets is not None else {}
    return score(
        values,
        cards={name: card},
        assignment={s: name for s in staff_ids},
        period=Period.parse(str(case["period"])),
        library=LIB,
        manual=manual,
        staff=staff,
        **kwargs,
    )


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    result = run_case(case)
    for staff_id, want in case["expect"].items():
        got = result.total_of(staff_id)
        lines = {ln.line: ln for ln in result.lines_of(staff_id)}
        where = f"{path.name} {staff_id}"
        if "total" in want:
            assert got.total == Decimal(str(want["total"])), where
        if "tier" in want:
            assert str(got.tier) == want["tier"], where
        for key in ("base", "bonus", "deduction"):
            if key in want:
                assert getattr(got, key) == Decimal(str(want[key])), f"{where} {key}"
        if "demoted" in want:
            assert got.demoted is want["demoted"], where
        if "reason_has" in want:
            assert want["reason_has"] in got.reason, where
        if "veto_has" in want:
            assert want["veto_has"] in got.veto, where
        for line, pts in (want.get("points") or {}).items():
            assert lines[line].points == _dec(pts), f"{where} {line} points"
            assert lines[line].used is (pts is not None), f"{where} {line} used"
        for line, c in (want.get("completion") or {}).items():
            assert lines[line].completion == _dec(c), f"{where} {line} completion"
        for line, t in (want.get("target") or {}).items():
            assert lines[line].target == _dec(t), f"{where} {line} target"
        for line, w in (want.get("effective_weight") or {}).items():
            assert lines[line].effective_weight == _dec(w), f"{where} {line} effective weight"
        for line in want.get("warnings") or ():
            assert lines[line].warning, f"{where} {line} warning"
        assert sum((ln.points or 0 for ln in lines.values()), Decimal(0)) >= min(
            got.base, Decimal(100)
        )


def test_every_method_has_a_case() -> None:
    methods = set()
    for path in CASES:
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        methods |= {ln["method"] for ln in case["card"]["lines"]}
    assert methods == {"ratio", "bands", "deduction", "veto", "rank", "percentile", "manual"}
