"""The core customers' service calendar (seed 000 三.1, issue #20): golden cases by hand.

Mainland China's calendar, from the State Council's notices for 2026:
- National Day 2026: 1 … 7 October off (Thursday to Wednesday), with make-up working days
  on Sunday 20 September and Saturday 10 October. The first ten working days of 2026Q4
  are therefore 8 (Thu), 9 (Fri), 10 (Sat, make-up), 12, 13, 14, 15, 16, 19 and
  20 October: the core review is due on 20 October.
- Spring Festival 2026: Chinese New Year is 17 February; the Eve (16th), the 17th … 19th
  and days off moved to the 20th and 23rd (from the make-up Saturdays 14 and 28 February)
  with the Sunday 15th and the weekend 21–22 make the break 15 … 23 February (9 days).
  Benefit due 3 days before the first day off: 12 February.
- Spring Festival 2027: Chinese New Year is 6 February 2027; the break starts with the Eve,
  Friday 5 February (Thursday the 4th is a working day). Due 2 February 2027.
Tiers come from a given segmentation table (the path the app's stored run takes).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from rmperf.engine.lake import Lake
from rmperf.engine.policy import PolicyError, load_policy_text
from rmperf.engine.segmentation import load_segmentation_policy
from rmperf.engine.tasks import TaskKind, generate_tasks, load_tasks_policy
from rmperf.engine.tasks.china_calendar import (
    break_starting,
    is_working_day,
    nth_working_day,
)
from rmperf.engine.tasks.generate import core_review_due, holiday_breaks
from rmperf.engine.tasks.policy import RULES, TasksPolicy
from tests.lakebuilder import LakeBuilder

TODAY = dt.date(2027, 3, 1)
POLICY = load_tasks_policy().policy
SEG = load_segmentation_policy().policy
day = dt.date


def test_first_ten_working_days_of_2026q4() -> None:
    october = [day(2026, 10, d) for d in range(1, 32)]
    working = [d for d in october if is_working_day(d)][:10]
    assert working == [day(2026, 10, d) for d in (8, 9, 10, 12, 13, 14, 15, 16, 19, 20)]
    assert not any(is_working_day(day(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(day(2026, 9, 20))  # make-up Sunday
    assert is_working_day(day(2026, 10, 10))  # make-up Saturday
    assert not is_working_day(day(2026, 10, 11))  # an ordinary Sunday
    assert nth_working_day(day(2026, 10, 1), 10) == day(2026, 10, 20)
    assert nth_working_day(day(2026, 10, 8), 1) == day(2026, 10, 8)  # counts its start


@pytest.mark.parametrize(
    ("as_of", "due"),
    [
        (day(2026, 10, 1), day(2026, 10, 20)),  # the quarter's first day, a holiday: in
        (day(2026, 10, 20), day(2026, 10, 20)),  # the 10th working day: the last day in
        (day(2026, 10, 21), None),  # after it: out
        (day(2026, 9, 30), None),  # the previous quarter, past its window
        # 2026Q1: 1–3 January off, Sunday 4 January a make-up day: 4, 5, 6, 7, 8, 9, 12,
        # 13, 14, 15 January; the 10th is the 15th.
        (day(2026, 1, 15), day(2026, 1, 15)),
        (day(2026, 1, 16), None),
    ],
)
def test_core_review_window(as_of: dt.date, due: dt.date | None) -> None:
    assert core_review_due(POLICY, as_of) == due


def test_spring_festival_breaks() -> None:
    b2026 = break_starting(day(2026, 2, 15))
    assert b2026 is not None
    assert (b2026.first_day_off, b2026.last_day_off, b2026.days) == (
        day(2026, 2, 15),
        day(2026, 2, 23),
        9,
    )
    assert "春节" in b2026.names_zh and "Chinese New Year (Spring Festival)" in b2026.names_en
    assert break_starting(day(2026, 2, 16)) is None  # inside the break, not its start
    assert break_starting(day(2026, 2, 7)) is None  # an ordinary Saturday: no holiday
    b2027 = break_starting(day(2027, 2, 5))
    assert b2027 is not None and b2027.first_day_off == day(2027, 2, 5)
    assert "春节" in b2027.names_zh


@pytest.mark.parametrize(
    ("as_of", "first_days_off"),
    [
        # Due 12 Feb 2026 (15 − 3), on the list from 5 February (12 − 7).
        (day(2026, 2, 4), []),
        (day(2026, 2, 5), [day(2026, 2, 15)]),
        (day(2026, 2, 12), [day(2026, 2, 15)]),
        (day(2026, 2, 13), []),
        # Due 2 Feb 2027 (5 − 3), on the list from 26 January 2027.
        (day(2027, 1, 25), []),
        (day(2027, 1, 26), [day(2027, 2, 5)]),
        (day(2027, 2, 2), [day(2027, 2, 5)]),
        (day(2027, 2, 3), []),
    ],
)
def test_holiday_benefit_window(as_of: dt.date, first_days_off: list[dt.date]) -> None:
    assert [b.first_day_off for b in holiday_breaks(POLICY, as_of)] == first_days_off


def _lake(tmp_path: Path) -> Lake:
    b = LakeBuilder()
    for cid in ("CORE", "POT", "BASIC", "NORM"):
        b.customer(cid, rm="RM1", contact_verified_on="2026-09-01")
    return Lake(b.write(tmp_path / "lake"), today=TODAY)


def _tiers() -> pa.Table:
    # CORE is core, POT potential, BASIC basic; NORM has no RM on the day.
    return pa.table(
        {
            "customer_id": ["CORE", "POT", "BASIC", "NORM"],
            "rm_id": ["RM1", "RM1", "RM1", None],
            "recency_days": [5, 20, 60, 5],
            "tier": ["core", "potential", "basic", "core"],
        }
    )


def _calendar_rows(lake: Lake, as_of: dt.date, policy: TasksPolicy = POLICY) -> list[dict]:
    run = generate_tasks(lake, as_of=as_of, policy=policy, segmentation=SEG, tiers=_tiers())
    wanted = {TaskKind.CORE_REVIEW.value, TaskKind.HOLIDAY_BENEFIT.value}
    return [r for r in run.tasks.to_pylist() if r["kind"] in wanted]


def test_core_review_tasks(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    rows = _calendar_rows(lake, day(2026, 10, 1))
    assert [(r["staff_id"], r["customer_id"], r["kind"], r["due_date"], r["source_key"])
            for r in rows] == [("RM1", "CORE", "core_review", day(2026, 10, 20), "2026Q4")]  # fmt: skip
    (row,) = rows
    assert row["reason"] == (
        "core customer: quarterly asset review of 2026Q4, due by the 10th working day of "
        "the quarter (2026-10-20)"
    )
    assert (
        row["reason_zh"]
        == "核心客户:2026Q4 季度资产检视,应于本季度第 10 个工作日(2026-10-20)前完成"
    )
    assert row["action"] == POLICY.core_review.action.en
    # Running the same day again proposes exactly the same rows (same natural keys).
    again = _calendar_rows(lake, day(2026, 10, 1))
    assert again == rows
    # Outside the window the kind is not computed at all (the app leaves its tasks alone).
    run = generate_tasks(lake, as_of=day(2026, 10, 21), policy=POLICY, segmentation=SEG,
                         tiers=_tiers())  # fmt: skip
    assert TaskKind.CORE_REVIEW not in run.kinds
    assert _calendar_rows(lake, day(2026, 10, 21)) == []


def test_holiday_benefit_tasks(tmp_path: Path) -> None:
    lake = _lake(tmp_path)
    rows = _calendar_rows(lake, day(2026, 2, 5))
    got = [(r["customer_id"], r["due_date"], r["source_key"], r["action"]) for r in rows]
    benefit = POLICY.holiday_benefit
    assert got == [
        (
            "CORE",
            day(2026, 2, 12),
            "holiday:2026-02-15",
            f"{benefit.action.en} — {benefit.benefits[SEG_CORE].en}",
        ),
        (
            "POT",
            day(2026, 2, 12),
            "holiday:2026-02-15",
            f"{benefit.action.en} — {benefit.benefits[SEG_POTENTIAL].en}",
        ),
    ]
    assert rows[0]["reason"] == (
        "core customer: Chinese New Year's Eve, Chinese New Year (Spring Festival), "
        "days off 2026-02-15 … 2026-02-23 (9)"
    )
    assert rows[1]["reason_zh"] == "潜力客户:农历除夕、春节假期 2026-02-15 … 2026-02-23(共 9 天)"
    assert rows[0]["action_zh"] == f"{benefit.action.zh}——{benefit.benefits[SEG_CORE].zh}"
    # 2027: due 2 February.
    rows = _calendar_rows(lake, day(2027, 1, 26))
    assert {(r["customer_id"], r["due_date"], r["source_key"]) for r in rows} == {
        ("CORE", day(2027, 2, 2), "holiday:2027-02-05"),
        ("POT", day(2027, 2, 2), "holiday:2027-02-05"),
    }


SEG_CORE = POLICY.holiday_benefit.tiers[0]
SEG_POTENTIAL = POLICY.holiday_benefit.tiers[1]


def _policy_text() -> str:
    from importlib import resources

    ref = resources.files("rmperf.policies").joinpath("defaults", "tasks.yaml")
    return ref.read_text(encoding="utf-8")


def test_each_benefit_tier_needs_a_benefit() -> None:
    text = _policy_text().replace("  tiers: [core, potential]", "  tiers: [core, potential, basic]")
    with pytest.raises(PolicyError) as exc:
        load_policy_text(text, TasksPolicy, source="tasks.yaml", rules=RULES)
    (issue,) = exc.value.issues
    assert issue.rule == "holiday_benefit_per_tier" and issue.file == "tasks.yaml"
    assert "no benefit for tier 'basic'" in issue.message
    line = text.splitlines()[issue.line - 1] if issue.line else ""
    assert "tiers: [core, potential, basic]" in line


def test_a_policy_without_the_calendar_kinds_keeps_them_off(tmp_path: Path) -> None:
    # A tasks policy written before these kinds (an older stored version) still loads,
    # and makes no calendar tasks.
    text = _policy_text()
    text = (
        text[: text.index("# The core customers' service calendar")]
        + text[text.index("lifecycle:") :]
    )
    policy = load_policy_text(text, TasksPolicy, source="tasks.yaml", rules=RULES).policy
    assert not policy.core_review.enabled and not policy.holiday_benefit.enabled
    assert _calendar_rows(_lake(tmp_path), day(2026, 10, 1), policy) == []
