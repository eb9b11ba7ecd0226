"""One threshold for "viewed mortgage pages" (issue #14): the segmentation tag
`viewed_mortgage` sets it, and the recommendation rule `mortgage_page_views` follows.

As-of date D = 2026-09-30; views at 10:00 bank time, all inside the 30-day window.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rmperf.engine.lake import Lake
from rmperf.engine.policy import PolicyError, load_policy_text
from rmperf.engine.recommend import recommend
from rmperf.engine.recommend.policy import RecommendPolicy, load_recommend_policy
from rmperf.engine.segmentation import segment
from rmperf.engine.segmentation.policy import RULES, SegmentationPolicy, load_segmentation_policy
from tests.engine_recommend.test_golden import shelf, ts
from tests.lakebuilder import LakeBuilder

D = dt.date(2026, 9, 30)
TODAY = dt.date(2026, 11, 23)


def _shipped_segmentation_text() -> str:
    from importlib import resources

    ref = resources.files("rmperf.policies").joinpath("defaults", "segmentation.yaml")
    return ref.read_text(encoding="utf-8")


def _segmentation_with(min_count: int) -> SegmentationPolicy:
    text = _shipped_segmentation_text()
    old = "    window_days: 30\n    min_count: 3 "
    assert text.count(old) == 1  # the viewed_mortgage tag
    return load_policy_text(
        text.replace(old, f"    window_days: 30\n    min_count: {min_count} "),
        SegmentationPolicy,
        source="segmentation.yaml",
        rules=RULES,
    ).policy


def _rule(policy: RecommendPolicy) -> tuple[tuple[str, ...], int, int]:
    rule = next(r for r in policy.rules if r.id == "mortgage_page_views")
    assert rule.when.events is not None and rule.when.events.tag == "viewed_mortgage"
    ev = rule.when.events
    return ev.kinds, ev.min_count, ev.window_days


def test_shipped_rule_reads_the_shipped_tag() -> None:
    tag = next(t for t in load_segmentation_policy().policy.tags if t.id == "viewed_mortgage")
    assert (tag.kinds, tag.min_count, tag.window_days) == (("page_view.mortgage",), 3, 30)
    assert _rule(load_recommend_policy().policy) == (("page_view.mortgage",), 3, 30)


def test_changing_the_tag_changes_the_rule(tmp_path: Path) -> None:
    # The bank raises the tag's threshold to 5. A customer with 4 views in the window
    # then has neither the tag nor the recommendation; one with 5 has both.
    seg = _segmentation_with(5)
    loaded = load_recommend_policy(segmentation_tags=seg.tags)
    assert _rule(loaded.policy) == (("page_view.mortgage",), 5, 30)
    b = LakeBuilder()
    shelf(b)
    b.customer("FOUR", risk_level="C3", contact_verified_on="2026-09-01")
    b.customer("FIVE", risk_level="C3", contact_verified_on="2026-09-01")
    for n in (1, 5, 10, 20):
        b.event("FOUR", ts(n), "page_view.mortgage", "/loan/mortgage")
        b.event("FIVE", ts(n), "page_view.mortgage", "/loan/mortgage")
    b.event("FIVE", ts(29), "page_view.mortgage", "/loan/mortgage")  # D − 29: inside
    lake = Lake(b.write(tmp_path / "lake"), today=TODAY)
    tags = {r["customer_id"]: r["tags"] for r in segment(lake, as_of=D, policy=seg).to_pylist()}
    assert "viewed_mortgage" not in tags["FOUR"].split(",")
    assert "viewed_mortgage" in tags["FIVE"].split(",")
    recs = recommend(
        lake, as_of=D, policy=loaded.policy, policy_version=loaded.version
    ).recommendations.to_pylist()
    by = {(r["customer_id"], r["product_id"]): r for r in recs}
    assert ("FOUR", "P041") not in by
    assert by[("FIVE", "P041")]["rule_ids"] == "mortgage_page_views"
    # The reason follows the threshold too.
    assert by[("FIVE", "P041")]["reason_en"].startswith("viewed mortgage pages at least 5 times")
    assert by[("FIVE", "P041")]["reason_zh"].startswith("近30天内浏览房贷页面至少5次")
    # With the shipped tag (3), FOUR qualifies for both.
    shipped = load_recommend_policy()
    recs = recommend(
        lake, as_of=D, policy=shipped.policy, policy_version=shipped.version
    ).recommendations.to_pylist()
    assert ("FOUR", "P041") in {(r["customer_id"], r["product_id"]) for r in recs}
    shipped_seg = load_segmentation_policy().policy
    rows = segment(lake, as_of=D, policy=shipped_seg).to_pylist()
    assert "viewed_mortgage" in next(r["tags"] for r in rows if r["customer_id"] == "FOUR")


RULE_TEXT = """\
rules:
  - id: r1
    family: behaviour
    when:
      events: {events}
    offer: {{categories: [wealth]}}
    reason: {{zh: 理由, en: why}}
    prior: "0.0100"
ranking:
  typical_ticket: {{wealth: "1000.00"}}
training: {{categories: [wealth]}}
"""


def test_a_tag_condition_sets_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "recommend.yaml"
    path.write_text(RULE_TEXT.format(events="{tag: viewed_mortgage, min_count: 2}"), "utf-8")
    with pytest.raises(PolicyError) as exc:
        load_recommend_policy(path)
    # (pydantic also reports the rules list as short of the rule it refused)
    (issue,) = [i for i in exc.value.issues if "events" in i.loc]
    assert issue.file == str(path) and issue.line == 5
    assert "min_count: a tag condition takes its kinds" in issue.message


def test_an_unknown_tag_is_refused_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "recommend.yaml"
    path.write_text(RULE_TEXT.format(events="{tag: no_such_tag}"), "utf-8")
    with pytest.raises(PolicyError) as exc:
        load_recommend_policy(path)
    # (pydantic also reports the rules list as short of the rule it refused)
    (issue,) = [i for i in exc.value.issues if "events" in i.loc]
    assert (issue.file, issue.line) == (str(path), 5)
    assert "no events tag 'no_such_tag' in the shipped segmentation policy" in issue.message
    # Against a given segmentation policy whose tags lack it, the same, naming the rule.
    path.write_text(RULE_TEXT.format(events="{tag: viewed_mortgage}"), "utf-8")
    no_tags = _segmentation_with(3).model_copy(update={"tags": ()})
    with pytest.raises(PolicyError) as exc:
        load_recommend_policy(path, segmentation_tags=no_tags.tags)
    (issue,) = exc.value.issues
    assert (issue.file, issue.line, issue.rule) == (str(path), 5, "event_tag_known")
    assert "no events tag 'viewed_mortgage' in the given segmentation policy" in issue.message
