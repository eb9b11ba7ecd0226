"""Golden cases for the tag columns of segment(): holdings, risk, tag rules, worked by hand.

As-of date D = 2026-09-30, bank time Asia/Shanghai (UTC+8). Default policy windows:
- 30 days: D − 29 … D = 2026-09-01 … 2026-09-30 (viewed_mortgage ≥ 3, asked_*);
- 60 days: 2026-08-02 … D (payroll_client); 90 days: 2026-07-03 … D (complained,
  mortgage_disbursed, new_customer);
- birthday: D … D + 29 = 09-30 … 10-29, retail only;
- contact: stale when older than 6 months, i.e. unless 2026-03-30 ≤ contact_verified_on ≤ D;
- risk assessment: current when 2025-09-30 < risk_assessed_on ≤ D (12 months).
Every customer here has contact verified on 2026-09-01 (not stale) unless it says so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from rmperf.cli import main
from rmperf.engine.lake import Lake
from rmperf.engine.policy import PolicyError, load_policy_text
from rmperf.engine.segmentation import RFM_SCHEMA, SEGMENT_SCHEMA, segment
from rmperf.engine.segmentation.policy import RULES, SegmentationPolicy, load_segmentation_policy
from rmperf.engine.segmentation.tags import HOLDS_COLUMNS, _birthday_keys, add_months
from tests.lakebuilder import LakeBuilder

D = dt.date(2026, 9, 30)
TODAY = dt.date(2026, 11, 23)
POLICY = load_segmentation_policy().policy


def at(day: str, time: str = "10:00:00+08:00") -> str:
    return f"{day}T{time}"


def person(b: LakeBuilder, cid: str, **overrides: str) -> None:
    b.customer(cid, **{"contact_verified_on": "2026-09-01", **overrides})


def build() -> LakeBuilder:
    b = LakeBuilder()
    b.product("TD", "time_deposit", "0.016000", term_days="91")
    b.product("WM", "wealth", "0.006000")
    b.product("FND", "fund", "0.015000", risk_level="R3")
    b.product("MORT", "mortgage", "0.020000")
    b.product("CC", "credit_card", "0.015000")

    # --- events: viewed_mortgage needs 3 page_view.mortgage in D − 29 … D (the same
    # threshold as the recommendation rule mortgage_page_views). Each VM_ customer has
    # one view on 09-15 (inside) besides the two placed at an edge.
    person(b, "VM_EDGE")  # two on D − 29: counted, 3 in all
    b.event("VM_EDGE", at("2026-09-01"), "page_view.mortgage")
    b.event("VM_EDGE", at("2026-09-01", "11:00:00+08:00"), "page_view.mortgage")
    person(b, "VM_OUT")  # one on D − 30: only 2 in the window
    b.event("VM_OUT", at("2026-09-01"), "page_view.mortgage")
    b.event("VM_OUT", at("2026-08-31", "23:59:59+08:00"), "page_view.mortgage")
    person(b, "VM_TZ")  # 2026-08-31 16:30 UTC is 09-01 00:30 in Shanghai: inside
    b.event("VM_TZ", "2026-08-31T16:30:00Z", "page_view.mortgage")
    b.event("VM_TZ", at("2026-09-30"), "page_view.mortgage")
    person(b, "VM_AFTER")  # 2026-09-30 16:30 UTC is 10-01 00:30 in Shanghai: after D
    b.event("VM_AFTER", "2026-09-30T16:30:00Z", "page_view.mortgage")
    b.event("VM_AFTER", at("2026-09-15"), "page_view.mortgage")
    person(b, "VM_LOCAL")  # no offset: bank time, 09-01 00:00 is inside
    b.event("VM_LOCAL", "2026-09-01T00:00:00", "page_view.mortgage")
    b.event("VM_LOCAL", "2026-09-30T23:59:59", "page_view.mortgage")
    for cid in ("VM_EDGE", "VM_OUT", "VM_TZ", "VM_AFTER", "VM_LOCAL"):
        b.event(cid, at("2026-09-15", "15:00:00+08:00"), "page_view.mortgage")
    # asked_business_loan: one inquiry in 30 days; the last second of D counts.
    person(b, "ABL_LAST_SECOND")
    b.event("ABL_LAST_SECOND", at("2026-09-30", "23:59:59+08:00"), "inquiry.business_loan")
    person(b, "ABL_NEXT_DAY")
    b.event("ABL_NEXT_DAY", at("2026-10-01", "00:00:00+08:00"), "inquiry.business_loan")
    # A kind matches its dotted sub-kinds, not a longer word.
    person(b, "SUBKIND")
    b.event("SUBKIND", at("2026-07-03"), "complaint.fees")  # D − 89: complained
    b.event("SUBKIND", at("2026-09-20"), "inquiry.wealth_plus")  # not inquiry.wealth
    person(b, "COMPLAINT_OLD")
    b.event("COMPLAINT_OLD", at("2026-07-02"), "complaint")  # D − 90: outside
    person(b, "PAYROLL")
    b.event("PAYROLL", at("2026-08-02"), "payroll.credit")  # D − 59
    person(b, "PAYROLL_OLD")
    b.event("PAYROLL_OLD", at("2026-08-01"), "payroll.credit")  # D − 60
    person(b, "MANY")  # several tags, sorted in the string
    b.event("MANY", at("2026-09-29"), "mortgage.disbursed")
    b.event("MANY", at("2026-09-29"), "inquiry.wealth")
    b.event("MANY", at("2026-09-28"), "complaint")

    # --- dimensions.
    person(b, "BD_TODAY", birth_date="1980-09-30")
    person(b, "BD_LAST", birth_date="1980-10-29")  # D + 29
    person(b, "BD_OUT", birth_date="1980-10-30")  # D + 30
    person(b, "BD_PAST", birth_date="1980-09-29")  # yesterday
    person(b, "BD_CORP", kind="corporate", birth_date="1980-10-01")  # retail only
    person(b, "BD_NONE", birth_date="")
    person(b, "NEW_EDGE", opened_on="2026-07-03")  # D − 89
    person(b, "NEW_OUT", opened_on="2026-07-02")  # D − 90
    person(b, "CONTACT_EXACT", contact_verified_on="2026-03-30")  # exactly 6 months: fresh
    person(b, "CONTACT_DAY_BEFORE", contact_verified_on="2026-03-29")  # older: stale
    person(b, "CONTACT_NONE", contact_verified_on="")
    person(b, "CONTACT_AFTER_D", contact_verified_on="2026-10-01")  # not known on D
    person(b, "OPT_OUT", marketing_opt_out="true")
    person(b, "OPT_UNKNOWN", marketing_opt_out="")

    # --- risk tolerance.
    person(b, "RISK_EXACT", risk_level="C4", risk_assessed_on="2025-09-30")  # 12 months old
    person(b, "RISK_DAY_AFTER", risk_level="C2", risk_assessed_on="2025-10-01")
    person(b, "RISK_ON_D", risk_level="C5", risk_assessed_on="2026-09-30")
    person(b, "RISK_AFTER_D", risk_level="C1", risk_assessed_on="2026-10-01")
    person(b, "RISK_NONE", risk_level="", risk_assessed_on="")

    # --- holdings at maturity boundaries (both ends included).
    person(b, "H_MATURES_ON_D")
    b.holding("H_MATURES_ON_D", "TD", "100000.00", "2026-07-01", "2026-09-30")
    person(b, "H_MATURED")
    b.holding("H_MATURED", "TD", "100000.00", "2026-06-30", "2026-09-29")
    person(b, "H_STARTS_ON_D")
    b.holding("H_STARTS_ON_D", "WM", "50000.00", "2026-09-30")
    person(b, "H_STARTS_AFTER")
    b.holding("H_STARTS_AFTER", "WM", "50000.00", "2026-10-01")
    person(b, "H_MIX")  # deposit, two wealth holdings, fund, a card, a mortgage loan
    b.holding("H_MIX", "DEP", "1000.00", "2020-01-01")
    b.holding("H_MIX", "WM", "10000.00", "2026-01-01")
    b.holding("H_MIX", "WM", "20000.00", "2026-02-01")
    b.holding("H_MIX", "FND", "3000.00", "2026-03-01")
    b.holding("H_MIX", "CC", "50000.00", "2025-01-01")
    b.loan("L_MIX", "H_MIX", "MORT", "900000.00", "2020-05-01", "2040-05-01")
    person(b, "L_MATURES_ON_D")
    b.loan("L_ON_D", "L_MATURES_ON_D", "MORT", "10000.00", "2020-05-01", "2026-09-30")
    person(b, "L_MATURED")
    b.loan("L_OLD", "L_MATURED", "MORT", "10000.00", "2020-05-01", "2026-09-29")
    person(b, "L_LATER")
    b.loan("L_LATER", "L_LATER", "MORT", "10000.00", "2026-10-01", "2046-10-01")
    return b


# customer: tags string
EXPECTED_TAGS: dict[str, str] = {
    "VM_EDGE": "viewed_mortgage",
    "VM_OUT": "",
    "VM_TZ": "viewed_mortgage",
    "VM_AFTER": "",
    "VM_LOCAL": "viewed_mortgage",
    "ABL_LAST_SECOND": "asked_business_loan",
    "ABL_NEXT_DAY": "",
    "SUBKIND": "complained",
    "COMPLAINT_OLD": "",
    "PAYROLL": "payroll_client",
    "PAYROLL_OLD": "",
    "MANY": "asked_wealth;complained;mortgage_disbursed",
    "BD_TODAY": "birthday_soon",
    "BD_LAST": "birthday_soon",
    "BD_OUT": "",
    "BD_PAST": "",
    "BD_CORP": "",
    "BD_NONE": "",
    "NEW_EDGE": "new_customer",
    "NEW_OUT": "",
    "CONTACT_EXACT": "",
    "CONTACT_DAY_BEFORE": "contact_stale",
    "CONTACT_NONE": "contact_stale",
    "CONTACT_AFTER_D": "contact_stale",
    "OPT_OUT": "marketing_opt_out",
    "OPT_UNKNOWN": "",
}

# customer: (risk_level, risk_assessment_current)
EXPECTED_RISK: dict[str, tuple[str | None, bool]] = {
    "RISK_EXACT": ("C4", False),
    "RISK_DAY_AFTER": ("C2", True),
    "RISK_ON_D": ("C5", True),
    "RISK_AFTER_D": ("C1", False),
    "RISK_NONE": (None, False),
    "VM_EDGE": ("C3", True),  # the builder's default: C3 assessed 2026-01-01
}

# customer: categories held on D
EXPECTED_HOLDS: dict[str, set[str]] = {
    "H_MATURES_ON_D": {"time_deposit"},
    "H_MATURED": set(),
    "H_STARTS_ON_D": {"wealth"},
    "H_STARTS_AFTER": set(),
    "H_MIX": {"deposit", "wealth", "fund", "credit_card", "mortgage"},
    "L_MATURES_ON_D": {"mortgage"},
    "L_MATURED": set(),
    "L_LATER": set(),
}


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    lake = Lake(build().write(tmp_path_factory.mktemp("tags") / "lake"), today=TODAY)
    table = segment(lake, as_of=D, policy=POLICY)
    assert table.schema == SEGMENT_SCHEMA
    return {r["customer_id"]: r for r in table.to_pylist()}


def test_the_rfm_columns_come_first_unchanged() -> None:
    assert SEGMENT_SCHEMA.names[:7] == [
        "customer_id",
        "unit_id",
        "rm_id",
        "recency_days",
        "frequency",
        "monetary",
        "tier",
    ]
    assert SEGMENT_SCHEMA.names[7:] == [
        *HOLDS_COLUMNS,
        "product_count",
        "risk_level",
        "risk_assessment_current",
        "tags",
        "contribution",
    ]


def test_every_tag_rule_at_its_window_boundaries(rows: dict[str, dict[str, Any]]) -> None:
    got = {cid: rows[cid]["tags"] for cid in EXPECTED_TAGS}
    assert got == EXPECTED_TAGS


def test_risk_level_and_a_twelve_month_assessment(rows: dict[str, dict[str, Any]]) -> None:
    got = {
        cid: (rows[cid]["risk_level"], rows[cid]["risk_assessment_current"])
        for cid in EXPECTED_RISK
    }
    assert got == EXPECTED_RISK


def test_holdings_at_maturity_boundaries(rows: dict[str, dict[str, Any]]) -> None:
    for cid, held in EXPECTED_HOLDS.items():
        row = rows[cid]
        assert {c.removeprefix("holds_") for c in HOLDS_COLUMNS if row[c]} == held, cid
        assert row["product_count"] == len(held), cid


def _policy(text: str) -> SegmentationPolicy:
    return load_policy_text(text, SegmentationPolicy, rules=RULES).policy


TIERS = """
tiers:
  - {tier: core, recency_max: 30, frequency_min: 5, monetary_min: "500000.00"}
  - {tier: sleeping, recency_min: 180}
"""


def test_a_bank_changes_the_rules(tmp_path: Path) -> None:
    b = LakeBuilder()
    person(b, "ONE_VIEW")
    b.event("ONE_VIEW", at("2026-08-31"), "page_view.mortgage")  # D − 30
    person(b, "CORP_VIEW", kind="corporate")
    b.event("CORP_VIEW", at("2026-09-30"), "page_view.mortgage")
    person(b, "CORP_BD", kind="corporate", birth_date="1970-10-02")
    policy = _policy(
        TIERS
        + """
tags:
  - {id: browsed, names: {zh: 浏览, en: Browsed}, kinds: [page_view], window_days: 31}
  - id: any_birthday
    names: {zh: 生日, en: Birthday}
    source: birthday
    window_days: 3
  - id: retail_viewer
    names: {zh: 零售浏览, en: Retail viewer}
    kinds: [page_view.mortgage]
    window_days: 1
    customer_kinds: [retail]
"""
    )
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    got = {r["customer_id"]: r["tags"] for r in segment(lake, as_of=D, policy=policy).to_pylist()}
    # `page_view` covers page_view.mortgage; D − 30 is inside a 31-day window; the birthday
    # rule has no kind restriction (10-02 is D + 2); retail_viewer skips the corporate one.
    assert got == {"ONE_VIEW": "browsed", "CORP_VIEW": "browsed", "CORP_BD": "any_birthday"}


def test_no_tag_rules_give_empty_strings(tmp_path: Path) -> None:
    b = LakeBuilder()
    person(b, "A", marketing_opt_out="true")
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    (row,) = segment(lake, as_of=D, policy=_policy(TIERS)).to_pylist()
    assert row["tags"] == ""


def test_without_tags_only_the_rfm_columns(tmp_path: Path) -> None:
    b = LakeBuilder()
    person(b, "A", marketing_opt_out="true")
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    full = segment(lake, as_of=D, policy=POLICY)
    bare = segment(lake, as_of=D, policy=POLICY, with_tags=False)
    assert bare.schema == RFM_SCHEMA
    assert bare.equals(full.select(RFM_SCHEMA.names))


def test_cli_writes_every_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = LakeBuilder()
    person(b, "A", marketing_opt_out="true", birth_date="1990-10-01")
    out = tmp_path / "seg.parquet"
    argv = ["segment", "--lake", str(b.write(tmp_path / "lake")), "--as-of", "2026-09-30"]
    assert main([*argv, "--out", str(out), "--today", "2026-11-23"]) == 0
    assert "1 customers (sleeping 1)" in capsys.readouterr().out
    table = pq.read_table(out)
    assert [(f.name, f.type) for f in table.schema] == [(f.name, f.type) for f in SEGMENT_SCHEMA]
    assert table.column("tags").to_pylist() == ["birthday_soon;marketing_opt_out"]


def test_birthday_windows_cross_the_year_and_keep_29_february() -> None:
    assert _birthday_keys(dt.date(2026, 12, 30), 4) == [101, 102, 1230, 1231]
    common = _birthday_keys(dt.date(2027, 2, 27), 2)  # 02-27, 02-28 of a common year
    assert common == [227, 228, 229]
    leap = _birthday_keys(dt.date(2028, 2, 27), 2)  # 02-27, 02-28: the 29th is a day of its own
    assert leap == [227, 228]


def test_months_clamp_to_the_end_of_the_month() -> None:
    assert add_months(dt.date(2026, 8, 31), -6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 8, 31), -6) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 9, 30), -12) == dt.date(2025, 9, 30)
    assert add_months(dt.date(2026, 1, 15), -1) == dt.date(2025, 12, 15)


# --------------------------------------------------------------------- policy validation


def _issues(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, SegmentationPolicy, source="seg.yaml", rules=RULES)
    return [(i.rule, i.line, i.message) for i in err.value.issues if i.severity == "error"]


def test_tag_rules_are_validated_with_file_and_line() -> None:
    issues = _issues(
        TIERS
        + """tags:
  - {id: a, names: {zh: 甲, en: A}, kinds: [page_view.mortgage], window_days: 30}
  - {id: a, names: {zh: 乙, en: B}, kinds: [Page View], window_days: 0}
  - {id: b-c, names: {zh: 丙, en: C}, window_days: 30}
  - {id: d, names: {zh: 丁, en: D}, source: birthday, window_days: 400, months: 2}
  - {id: e, names: {zh: 戊, en: E}, source: marketing_opt_out, min_count: 0}
"""
    )
    rules = [(rule, line) for rule, line, _ in issues]
    # Line 1 is blank, tiers on 2–4, `tags:` on 5, the rules on 6–10.
    assert ("tag_ids_unique", 7) in rules  # duplicate id `a`
    assert ("tag_ids_unique", 8) in rules  # `b-c` cannot be joined safely
    assert ("tag_event_kinds_known", 7) in rules  # "Page View"
    assert ("tag_windows_positive", 7) in rules  # window 0
    assert ("tag_windows_positive", 9) in rules  # birthday window > 366
    assert ("tag_rule_fields", 8) in rules  # events without kinds
    assert ("tag_rule_fields", 9) in rules  # months on a birthday tag
    assert ("tag_rule_fields", 10) in rules  # min_count on marketing_opt_out
    assert ("tag_windows_positive", 10) in rules  # min_count 0
    assert not any(line == 6 for _, line in rules)  # the first rule is fine


def test_unknown_keys_are_refused() -> None:
    issues = _issues(
        TIERS + "tags:\n  - {id: a, names: {zh: 甲, en: A}, source: opened, days: 3}\n"
    )
    assert any(rule == "schema.extra_forbidden" and line == 6 for rule, line, _ in issues)
