"""Gap attribution (鱼骨图) on a hand-built lake: each category's checks at the shipped
defaults (src/rmperf/policies/defaults/fishbone.yaml) and the split of each gap, computed
by hand (docs/analysis.md "Gap attribution")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.engine.analysis.fishbone import (
    UNEXPLAINED,
    Fishbone,
    FishboneError,
    LineInput,
    TaskFigures,
    attribute_gaps,
    fishbone_text,
)
from rmperf.engine.analysis.policy import load_fishbone_policy
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.policy import PolicyError
from rmperf.engine.segmentation.policy import load_segmentation_policy
from tests.lakebuilder import LakeBuilder

TODAY = dt.date(2026, 11, 23)
Q3 = Period.parse("2026Q3")
D = Decimal


def loan(loan_id: str, applied: str, disbursed: str, staff_id: str = "RM1") -> dict[str, str]:
    return {
        "loan_id": loan_id,
        "customer_id": "C1",
        "product_id": "LN",
        "staff_id": staff_id,
        "amount": "100000.00",
        "disbursed_on": disbursed,
        "maturity_date": "2027-12-31",
        "green": "false",
        "inclusive": "false",
        "applied_on": applied,
        "supply_chain": "",
    }


def request(request_id: str, received: str, resolved: str) -> dict[str, str]:
    return {
        "request_id": request_id,
        "customer_id": "C1",
        "staff_id": "RM1",
        "received_at": received,
        "resolved_at": resolved,
    }


def training(date: str, name: str, hours: str, kind: str = "course") -> dict[str, str]:
    return {"staff_id": "RM1", "date": date, "kind": kind, "name": name, "hours": hours}


def bank() -> LakeBuilder:
    b = LakeBuilder()
    b.add(
        "org_units",
        {"unit_id": "RG2", "name": "江苏区域", "kind": "region", "parent_id": "BANK"},
        {"unit_id": "BR2", "name": "鼓楼支行", "kind": "branch", "parent_id": "RG2"},
    )
    b.product("LN", "consumer_loan")
    b.customer("C1")
    b.customer("C2")
    b.customer("C3", rm="RM2", unit_id="BR2")
    # External: BR1's customers (C1) average 100,000 a month in Q2 and 90,000 in Q3:
    # growth 90,000 / 100,000 − 1 = −0.1000. The bank (C1 + C3): Q2 200,000, Q3
    # 90,000 + 150,000 = 240,000: growth 0.2000. BR1 and RG1 lag by 0.3000 > 0.02.
    for month in ("2026-04", "2026-05", "2026-06"):
        b.balance("C1", month, "deposit", "100000.00")
        b.balance("C3", month, "deposit", "100000.00")
    for month in ("2026-07", "2026-08", "2026-09"):
        b.balance("C1", month, "deposit", "90000.00")
        b.balance("C3", month, "deposit", "150000.00")
    # Skills: the AML course one day before the 12-month window (2025-10-01 … 2026-09-30)
    # is missing; the suitability course is on record; 6 hours in Q3 = 2 × 3 months: met.
    b.add(
        "trainings",
        training("2025-09-30", "反洗钱合规培训", "8"),
        training("2026-08-01", "适当性管理与风险揭示", "6"),
    )
    # Process: 15 days is the standard (not over), 16 days is over: 1 of 2 = 0.5000 > 0.25.
    b.add(
        "loans",
        loan("L1", "2026-07-01", "2026-07-16"),
        loan("L2", "2026-07-01", "2026-07-17"),
        loan("L3", "2026-06-01", "2026-06-30"),  # Q2: not judged
        loan("L4", "2026-07-01", "2026-09-30", staff_id="RM2"),  # someone else's
    )
    # Exactly 24 hours is in time; an open request is missed: 1 of 2 = 0.5000 > 0.15.
    b.add(
        "requests",
        request("R1", "2026-07-01T09:00:00+08:00", "2026-07-02T09:00:00+08:00"),
        request("R2", "2026-08-01T09:00:00+08:00", ""),
    )
    # Effort: 1 contact, 2 customers, 3 months: 1 / 2 / 3 = 0.1667 ≥ 0.10 (not short).
    b.add(
        "interactions",
        {
            "customer_id": "C1",
            "staff_id": "RM1",
            "ts": "2026-08-03T10:00:00+08:00",
            "channel": "visit",
            "outcome": "done",
        },
    )
    return b


def attribute(
    tmp: Path,
    lines: list[LineInput],
    *,
    b: LakeBuilder | None = None,
    tasks: TaskFigures | None = None,
    policy_text: str | None = None,
) -> Fishbone:
    lake = Lake((b or bank()).write(tmp / "lake"), today=TODAY)
    if policy_text is not None:
        path = tmp / "fishbone.yaml"
        path.write_text(policy_text, encoding="utf-8")
        loaded = load_fishbone_policy(path)
    else:
        loaded = load_fishbone_policy()
    return attribute_gaps(
        lake,
        period=Q3,
        staff_id="RM1",
        lines=lines,
        policy=loaded.policy,
        segmentation=load_segmentation_policy().policy,
        policy_version=loaded.version,
        tasks=tasks,
    )


LINES = [
    LineInput("deposits", "deposit_avg_balance", D("100000"), D("90000")),
    LineInput("response", "response_24h_rate", D("1"), D("0")),
    LineInput("response_time", "avg_response_hours", D("24"), D("12")),
    LineInput("hours", "training_hours", D("10"), D("6")),
    LineInput("unscored", "new_valid_customers", D("10"), None),
]


def test_categories_and_split(tmp_path: Path) -> None:
    fb = attribute(tmp_path, LINES, tasks=TaskFigures(due=5, done_on_time=3))
    found = {b.category: b.found for b in fb.bones}
    # Customer mix: no transaction at all, so every customer is sleeping (R ≥ 180), the
    # RM's book (C1, C2) and the bank alike: excess 0; nobody moves: not found.
    assert found == {
        "skills": True,
        "process": True,
        "external": True,
        "customer_mix": False,
        "effort": True,  # tasks 3 of 5 = 0.6000 < 0.80
    }
    skills = {c.params.get("requirement", c.code): c for c in fb.bone("skills").checks}
    assert skills["aml"].failed and not skills["suitability"].failed
    assert "credit_analysis" not in skills  # corporate and sci-tech only
    assert skills["training_hours"].params == {"hours": "6.00", "minimum": "6"}
    assert not skills["training_hours"].failed
    process = {c.code: c for c in fb.bone("process").checks}
    assert process["loan_approval"].params["share"] == "0.5000"
    assert process["response_time"].params["missed"] == "1"
    assert [e.row_key for e in fb.bone("process").evidence] == [
        {"loan_id": "L2"},
        {"request_id": "R2"},
    ]
    external = {c.params["level"]: c.params for c in fb.bone("external").checks}
    assert external["branch"]["growth"] == "-0.1000"
    assert external["branch"]["bank_growth"] == "0.2000"
    assert external["region"]["lag"] == "0.3000"
    effort = {c.code: c for c in fb.bone("effort").checks}
    assert effort["contacts"].params["rate"] == "0.1667" and not effort["contacts"].failed
    assert effort["task_completion"].failed
    assert [e.row_key["customer_id"] for e in fb.bone("effort").evidence] == ["C2"]

    gaps = {g.line: g for g in fb.gaps}
    assert "unscored" not in gaps  # no value: no gap
    # deposits (financial): 10,000 among skills, process, external, effort: 2,500 each.
    assert gaps["deposits"].parts == {
        "skills": D("2500"),
        "process": D("2500"),
        "external": D("2500"),
        "effort": D("2500"),
    }
    # response (process): external explains financial and customer lines only:
    # 1 / 3 = 0.333333 (half-up to 6 places) twice, the last takes 1 − 0.666666.
    assert gaps["response"].parts == {
        "skills": D("0.333333"),
        "process": D("0.333333"),
        "effort": D("0.333334"),
    }
    # Lower is better: 12 hours against 24 is 12 better: met, nothing to attribute.
    assert gaps["response_time"].gap == D("-12") and gaps["response_time"].parts == {}
    # hours (learning): skills and effort: 4 / 2 = 2 each.
    assert gaps["hours"].parts == {"skills": D("2"), "effort": D("2")}


def test_weights_and_unexplained(tmp_path: Path) -> None:
    # Only skills and external judged; external weighs 3: a financial gap of 10,000 is
    # 10,000 × 1/4 = 2,500 skills and 7,500 external. A process line: skills alone here.
    policy = """
process: {enabled: false}
customer_mix: {enabled: false}
effort: {enabled: false}
external: {weight: "3"}
"""
    fb = attribute(tmp_path, LINES[:2], policy_text=policy)
    gaps = {g.line: g for g in fb.gaps}
    assert gaps["deposits"].parts == {"skills": D("2500"), "external": D("7500")}
    assert gaps["response"].parts == {"skills": D("1")}
    # With skills met too (both courses on record), the process line stays unexplained.
    b = bank()
    b.add("trainings", training("2026-01-10", "反洗钱合规培训", "2"))
    fb = attribute(tmp_path / "b", LINES[:2], b=b, policy_text=policy)
    assert not fb.bone("skills").found
    assert {g.line: g.parts for g in fb.gaps}["response"] == {UNEXPLAINED: D("1")}


def test_thresholds_are_exclusive(tmp_path: Path) -> None:
    # At the threshold nothing is found: overrun share 0.5 with maximum 0.5, missed share
    # 0.5 with maximum 0.5, lag 0.3 with maximum 0.3; contacts 0.1667 with minimum 0.1667.
    policy = """
process: {max_overrun_share: "0.5", max_missed_share: "0.5"}
external: {max_lag: "0.3"}
effort: {min_contacts_per_customer_month: "0.1667"}
skills: {required: []}
"""
    fb = attribute(tmp_path, LINES[:1], policy_text=policy)
    assert [b.category for b in fb.bones if b.found] == []
    assert {g.line: g.parts for g in fb.gaps}["deposits"] == {UNEXPLAINED: D("10000")}


def test_customer_mix_downgrade(tmp_path: Path) -> None:
    # C1 is basic on 30 June (2 transactions in the 90 days, R = 59 ≤ 90, M = the 3-month
    # average 50,000 ≥ 50,000) and `other` on 30 September (R = 151: neither basic, R > 90,
    # nor sleeping, R < 180), lower on the ladder: 1 of 2 = 0.5000 > 0.10. The basic share
    # 1 of 2 = 0.5000 against the bank's 1 of 3 = 0.3333: excess 0.1667 > 0.10 as well.
    b = LakeBuilder()
    b.customer("C1")
    b.customer("C2")
    b.customer("C3", rm="RM2")
    for month in ("2026-04", "2026-05", "2026-06"):
        b.balance("C1", month, "deposit", "50000.00")
    b.txn("C1", "2026-05-01T10:00:00+08:00")
    b.txn("C1", "2026-05-02T10:00:00+08:00")
    fb = attribute(tmp_path, [], b=b)
    mix = {c.code: c for c in fb.bone("customer_mix").checks}
    assert mix["basic_share"].params["share"] == "0.5000"
    assert mix["basic_share"].params["bank_share"] == "0.3333"
    assert mix["basic_share"].failed
    assert mix["tier_downgrades"].params["downgraded"] == "1"
    assert mix["tier_downgrades"].failed
    down = [e for e in fb.bone("customer_mix").evidence if e.check == "tier_downgrades"]
    assert [dict(e.row_values) for e in down] == [
        {"tier_at_start": "basic", "tier_at_end": "other"}
    ]


def test_unknown_staff(tmp_path: Path) -> None:
    lake = Lake(bank().write(tmp_path / "lake"), today=TODAY)
    with pytest.raises(FishboneError, match="unknown staff 'NOPE'"):
        attribute_gaps(
            lake,
            period=Q3,
            staff_id="NOPE",
            lines=[],
            policy=load_fishbone_policy().policy,
            segmentation=load_segmentation_policy().policy,
        )


def test_text(tmp_path: Path) -> None:
    fb = attribute(tmp_path, LINES[:1])
    text = fishbone_text(fb, top=1)
    assert "skills: found" in text
    assert "[x] required course 反洗钱合规培训 since 2025-10-01: 0 on record" in text
    assert "rows behind process: 1 of 2" in text


@pytest.mark.parametrize(
    ("text", "where", "rule"),
    [
        ("external:\n  categories: [loan]\n", ":2:", "external_categories_known"),
        ("customer_mix:\n  ladder: [sleeping, gold]\n", ":2:", "ladder_names_tiers"),
        (
            "skills:\n  required:\n    - {id: a, kind: course}\n    - {id: a, kind: course}\n",
            ":4:",
            "required_training_ids_unique",
        ),
    ],
)
def test_policy_errors(tmp_path: Path, text: str, where: str, rule: str) -> None:
    path = tmp_path / "fishbone.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        load_fishbone_policy(path)
    message = str(err.value)
    assert "fishbone.yaml" in message and where in message and rule in message


CARD = """\
name: fishbone_test
names: {zh: 测试, en: test}
applies_to: {business_line: retail}
lines:
  - {indicator: deposit_avg_balance, weight: 80, method: ratio, target: {value: "400000"}}
  - {indicator: complaints, weight: 20, method: deduction, per_occurrence: "5"}
"""


def test_cli_explain_fishbone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rmperf.cli import main

    lake = bank().write(tmp_path / "lake")
    card = tmp_path / "card.yaml"
    card.write_text(CARD, encoding="utf-8")
    argv = ["explain", "--lake", str(lake), "--period", "2026Q3", "--staff", "RM1",
            "--scorecard", str(card), "--today", TODAY.isoformat()]  # fmt: skip
    assert main(argv) == 0
    plain = capsys.readouterr().out
    assert "gap attribution" not in plain
    assert main([*argv, "--fishbone"]) == 0
    text = capsys.readouterr().out
    # The explanation is unchanged; the attribution follows it.
    assert text.startswith(plain)
    # The card's 400,000 is a year's: 100,000 for the quarter (the scorecard prorates it).
    # C1's Q3 deposits average 90,000 (3 × 90,000 ÷ 3) against 100,000: a gap of 10,000
    # shared by skills, process and external (no task figures on the CLI; contacts met):
    # 10,000 / 3 = 3,333.333333 twice and 3,333.333334.
    fishbone = text[len(plain) :]
    gap_line = next(ln for ln in fishbone.splitlines() if ln.startswith("deposit_avg_balance "))
    assert gap_line.split() == [
        "deposit_avg_balance", "deposit_avg_balance", "100000", "90000", "10000",
        "3333.333333", "3333.333333", "3333.333334",
    ]  # fmt: skip
    bad = tmp_path / "bad.yaml"
    bad.write_text("process:\n  max_missed_share: '2'\n", encoding="utf-8")
    assert main([*argv, "--fishbone", "--fishbone-policy", str(bad)]) == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_committed_schema_is_current() -> None:
    import json

    from rmperf.engine.analysis.policy import FishbonePolicy
    from rmperf.engine.policy import policy_json_schema

    schema = policy_json_schema(FishbonePolicy)
    schema["$id"] = "https://rmperf.example/schemas/fishbone.schema.json"
    path = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "fishbone.schema.json"
    assert json.loads(path.read_text(encoding="utf-8")) == schema, f"{path} is stale"


def test_shipped_file_matches_the_model_defaults() -> None:
    from rmperf.engine.analysis.policy import FishbonePolicy

    assert load_fishbone_policy().policy == FishbonePolicy()
