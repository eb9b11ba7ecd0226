"""The weekly high-potential list: who is near the next tier, why, and in what order.

Default policy: ladder basic → potential → core; candidates potential, basic, other; near
means M ≥ 80 % of the next tier's minimum, F at most 1 short, R at most 15 days over.
Core needs R ≤ 30, F ≥ 5, M ≥ 500,000.00; potential R ≤ 60, F ≥ 3, M ≥ 200,000.00;
basic R ≤ 90, F ≥ 2, M ≥ 50,000.00.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from rmperf.cli import main
from rmperf.engine.policy import load_policy_text
from rmperf.engine.segmentation import SEGMENT_SCHEMA
from rmperf.engine.segmentation.policy import (
    RULES,
    SegmentationPolicy,
    Tier,
    load_segmentation_policy,
)
from rmperf.engine.segmentation.potential import POTENTIAL_SCHEMA, high_potential
from tests.lakebuilder import LakeBuilder

POLICY = load_segmentation_policy().policy

# (customer, rm, tier, R, F, M, product_count, contribution)
ROWS: list[tuple[str, str | None, str, int, int, str, int, str]] = [
    ("P1", "RM1", "potential", 10, 4, "430000.00", 2, "5000.00"),  # M and F near core
    ("P2", "RM1", "potential", 10, 5, "399999.99", 2, "9000.00"),  # M below 80 %
    ("P3", "RM1", "potential", 10, 5, "400000.00", 3, "7000.00"),  # M exactly 80 %
    ("P4", "RM1", "potential", 10, 3, "600000.00", 2, "9000.00"),  # F 2 short
    ("P5", "RM1", "potential", 45, 5, "500000.00", 4, "5000.00"),  # R 15 over
    ("P6", "RM1", "potential", 46, 5, "500000.00", 4, "9000.00"),  # R 16 over
    ("B1", "RM2", "basic", 20, 2, "190000.00", 1, "800.00"),  # near potential
    ("O1", None, "other", 100, 2, "50000.00", 1, "120.00"),  # near basic on R
    ("O2", None, "other", 5, 1, "40000.00", 1, "300.00"),  # near basic on F and M
    ("S1", "RM1", "sleeping", 200, 0, "450000.00", 1, "9999.00"),  # not a candidate
    ("C1", "RM1", "core", 0, 9, "900000.00", 5, "99999.00"),  # top of the ladder
]


def segments(rows: list[tuple[str, str | None, str, int, int, str, int, str]]) -> pa.Table:
    names = ["customer_id", "rm_id", "tier", "recency_days", "frequency", "monetary"]
    names += ["product_count", "contribution"]
    data: dict[str, list[Any]] = {n: [] for n in names}
    for cid, rm, tier, r, f, m, count, contribution in rows:
        for name, value in zip(
            names, (cid, rm, tier, r, f, Decimal(m), count, Decimal(contribution)), strict=True
        ):
            data[name].append(value)
    schema = pa.schema([SEGMENT_SCHEMA.field(n) for n in names])
    return pa.table(data, schema=schema)


def by_id(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {r["customer_id"]: r for r in table.to_pylist()}


def test_who_is_near_and_the_reasons() -> None:
    table = high_potential(segments(ROWS), policy=POLICY)
    assert table.schema == POTENTIAL_SCHEMA
    got = by_id(table)
    assert set(got) == {"P1", "P3", "P5", "B1", "O1", "O2"}
    p1 = got["P1"]
    assert (p1["next_tier"], p1["gap_recency"], p1["gap_frequency"], p1["gap_monetary"]) == (
        "core",
        0,
        1,
        Decimal("70000.00"),
    )
    assert p1["reason_en"] == "M 430,000.00 of 500,000.00 needed for core; F 4 of 5"
    assert p1["reason_zh"] == "升级核心客户还差:资产 430,000.00 / 500,000.00;交易 4 / 5 笔"
    assert got["P3"]["reason_en"] == "M 400,000.00 of 500,000.00 needed for core"
    assert got["P5"]["reason_en"] == "R 45 days, at most 30 needed for core"
    assert got["P5"]["reason_zh"] == "升级核心客户还差:距上次交易 45 天,需不超过 30 天"
    assert (got["P5"]["gap_recency"], got["P5"]["gap_monetary"]) == (15, Decimal("0.00"))
    b1 = got["B1"]
    assert b1["next_tier"] == "potential"
    assert b1["reason_en"] == "M 190,000.00 of 200,000.00 needed for potential; F 2 of 3"
    assert got["O1"]["reason_en"] == "R 100 days, at most 90 needed for basic"
    assert got["O2"]["reason_en"] == "M 40,000.00 of 50,000.00 needed for basic; F 1 of 2"


def test_suggested_action_from_the_service_plan() -> None:
    got = by_id(high_potential(segments(ROWS), policy=POLICY))
    potential_plan = POLICY.service_plans[Tier.POTENTIAL]
    assert got["P1"]["action_en"] == f"{potential_plan.names.en}: {potential_plan.actions[0].en}"
    assert got["P1"]["action_zh"] == "阶梯式成长计划:存款达标解锁私行体验券"
    # `other` has no plan of its own: the plan of the tier it aims at (basic).
    assert got["O1"]["action_zh"] == "社群运营+标准化产品包:推荐货币基金+信用卡产品包"


def test_ranked_by_contribution_within_each_book() -> None:
    table = high_potential(segments(ROWS), policy=POLICY)
    order = [(r["rm_id"], r["customer_id"], r["rank_in_book"]) for r in table.to_pylist()]
    # RM1: P3 7,000; P5 and P1 both 5,000, P5 has the larger M. No RM: O2 300, O1 120.
    assert order == [
        ("RM1", "P3", 1),
        ("RM1", "P5", 2),
        ("RM1", "P1", 3),
        ("RM2", "B1", 1),
        (None, "O2", 1),
        (None, "O1", 2),
    ]


def test_unknown_contribution_and_product_count_from_stored_rows() -> None:
    table = segments(ROWS[:3]).set_column(
        7, SEGMENT_SCHEMA.field("contribution"), pa.array([None, None, None], pa.decimal128(18, 2))
    )
    table = table.set_column(6, "product_count", pa.array([None, None, None], pa.int64()))
    got = high_potential(table, policy=POLICY).to_pylist()
    # Without contributions the larger M ranks first.
    assert [(r["customer_id"], r["contribution"], r["rank_in_book"]) for r in got] == [
        ("P1", None, 1),
        ("P3", None, 2),
    ]


def _policy(text: str) -> SegmentationPolicy:
    return load_policy_text(text, SegmentationPolicy, rules=RULES).policy


TIERS = """
tiers:
  - {tier: core, recency_max: 30, frequency_min: 5, monetary_min: "500000.00"}
  - {tier: potential, recency_max: 60, frequency_min: 3, monetary_min: "200000.00"}
  - {tier: basic, recency_max: 90, frequency_min: 2, monetary_min: "50000.00"}
  - {tier: sleeping, recency_min: 180}
"""


def test_a_bank_tunes_the_list() -> None:
    policy = _policy(
        TIERS
        + """
high_potential:
  candidates: [potential]
  monetary_share: "0.70"
  frequency_gap: 2
  recency_slack_days: 0
  max_product_count: 3
  max_per_rm: 2
"""
    )
    got = [r["customer_id"] for r in high_potential(segments(ROWS), policy=policy).to_pylist()]
    # P2 (M ≥ 70 %) and P4 (F 2 short) are near now, P5/P6 (R over, 4 products) are not;
    # the best two of RM1 by contribution: P2 and P4 (9,000 each; P4 has the larger M).
    assert got == ["P4", "P2"]


def test_without_service_plans_there_is_no_action() -> None:
    (row, *_) = high_potential(segments(ROWS[:1]), policy=_policy(TIERS)).to_pylist()
    assert (row["action_en"], row["action_zh"]) == (None, None)


def test_the_ladder_is_validated() -> None:
    from rmperf.engine.policy import PolicyError

    with pytest.raises(PolicyError) as err:
        load_policy_text(
            TIERS + "high_potential: {ladder: [potential, sleeping, basic], candidates: [basic]}\n",
            SegmentationPolicy,
            rules=RULES,
        )
    messages = [i.message for i in err.value.issues if i.rule == "high_potential_ladder"]
    assert any("sleeping is defined by inactivity" in m for m in messages)
    assert any("basic is above" in m for m in messages)
    assert any("basic is the top of the ladder" in m for m in messages)


def test_cli_writes_the_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = LakeBuilder()
    b.customer("NEAR")  # potential: R 0, F 4, M 430,000.00 → near core
    for day in range(4):
        b.txn("NEAR", f"2026-09-{30 - day:02d}T10:00:00+08:00")
    for month in ("2026-07", "2026-08", "2026-09"):
        b.balance("NEAR", month, "deposit", "430000.00")
    b.customer("FAR")  # other: nothing near
    lake = b.write(tmp_path / "lake")
    out = tmp_path / "hp.csv"
    argv = ["high-potential", "--lake", str(lake), "--as-of", "2026-09-30", "--out", str(out)]
    assert main([*argv, "--today", "2026-11-23"]) == 0
    assert "1 high-potential customers in 1 books" in capsys.readouterr().out
    (row,) = pa_csv.read_csv(out).to_pylist()
    assert (row["customer_id"], row["rm_id"], row["next_tier"], row["rank_in_book"]) == (
        "NEAR",
        "RM1",
        "core",
        1,
    )
    assert row["reason_en"] == "M 430,000.00 of 500,000.00 needed for core; F 4 of 5"
    # 430,000.00 × 3 / 12 × 1.5 % = 1,612.50, 4 transactions × 0.50 = 2.00.
    assert Decimal(str(row["contribution"])) == Decimal("1614.50")


def test_cli_refuses_a_bad_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "seg.yaml"
    policy.write_text(TIERS + "tags:\n  - {id: x, names: {zh: 甲, en: A}, kinds: [a]}\n")
    out = tmp_path / "hp.csv"
    argv = ["high-potential", "--lake", str(tmp_path), "--as-of", "2026-09-30"]
    assert main([*argv, "--policy", str(policy), "--out", str(out)]) == 2
    assert f"{policy}:8: error [tag_rule_fields]" in capsys.readouterr().err  # no window
    assert not out.exists()


def test_as_of_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["high-potential", "--lake", ".", "--out", "x.csv"])
    assert exc.value.code == 2
    assert "--as-of" in capsys.readouterr().err
