"""Every kind: the shipped default is version 1, the engine's loader validates a draft and
an invalid draft is refused naming its file, line and rule; the scorecards are one set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from rmperf.engine.policy import PolicyError
from rmperf.engine.scoring.load import load_scorecards, load_scorecards_text, scorecard_set_text
from rmperf.policies.kinds import KINDS, PolicyKind
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.selectors import policy_active, policy_cards, policy_in_force
from rmperf.policies.services import PolicyInvalid, policy_version_create
from tests.factories import Bank


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _line_of(text: str, needle: str, start: int = 1) -> int:
    """The 1-based number of the first line at or after `start` containing `needle`."""
    for n, line in enumerate(text.splitlines(), 1):
        if n >= start and needle in line:
            return n
    raise AssertionError(needle)


def _change(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize("kind", [k.value for k in PolicyKind])
def test_each_kind_records_its_shipped_default_as_the_first_active_version(
    db: None, kind: str
) -> None:
    version = policy_active(kind)
    assert version.is_default and version.status == PolicyStatus.ACTIVE
    assert version.yaml_text == KINDS[kind].default_text()
    assert policy_active(kind) == version
    assert PolicyVersion.objects.filter(kind=kind).count() == 1


def test_the_scorecard_set_is_the_four_shipped_cards_in_one_text(db: None) -> None:
    text = KINDS["scorecards"].default_text()
    # corporate, retail, sci_tech, unit_branch: the files in name order, separated by `---`.
    assert text.count("\n---\n") == 3
    version, cards = policy_in_force("scorecards")
    shipped = load_scorecards()  # the engine's own reading of the folder
    assert sorted(cards) == ["branch_unit", "corporate_rm", "retail_rm", "sci_tech_rm"]
    assert {n: c.digest for n, c in cards.items()} == {n: c.digest for n, c in shipped.items()}
    assert policy_cards(version) is cards


def test_a_scorecard_whose_weights_do_not_sum_to_100_is_refused_with_the_rule(
    bank: Bank,
) -> None:
    text = scorecard_set_text()
    retail = _line_of(text, "name: retail_rm")
    weight = _line_of(text, "weight: 15", start=retail)  # retail's first line: 15 → 14
    lines = text.splitlines()
    lines[weight - 1] = lines[weight - 1].replace("weight: 15", "weight: 14")
    broken = "\n".join(lines) + "\n"
    with pytest.raises(PolicyInvalid) as info:
        policy_version_create(actor=bank.user("hannah"), kind="scorecards", yaml_text=broken)
    (issue,) = info.value.issues
    assert issue.rule == "weights_sum_to_100"
    assert "sum to 99, not 100" in issue.message
    # The line is the retail card's `lines:` key in the whole set, not within the card.
    assert issue.line == _line_of(text, "lines:", start=retail)
    assert issue.file == "scorecards.yaml"
    assert "scorecards.yaml:" in info.value.messages[0]
    assert "[weights_sum_to_100]" in info.value.messages[0]
    assert not PolicyVersion.objects.filter(kind="scorecards").exists()


def test_the_set_rules_span_cards() -> None:
    text = scorecard_set_text()
    # A second retail card (renamed) breaks "one card per business line".
    retail_start = _line_of(text, "name: retail_rm")
    retail_card = text.split("\n---\n")[1]
    assert "name: retail_rm" in retail_card
    twin = retail_card.replace("name: retail_rm", "name: retail_rm_2")
    with pytest.raises(PolicyError) as info:
        load_scorecards_text(text + "---\n" + twin)
    (issue,) = info.value.issues
    assert issue.rule == "one_card_per_business_line"
    twin_name = len(text.splitlines()) + _line_of(twin, "name: retail_rm_2") + 1
    assert issue.line == _line_of(text + "---\n" + twin, "applies_to:", start=twin_name)
    assert "'retail_rm'" in issue.message
    # The same card twice: names are unique.
    with pytest.raises(PolicyError) as info:
        load_scorecards_text(text + "---\n" + retail_card)
    assert [i.rule for i in info.value.issues] == ["card_unique"]
    assert f"line {retail_start}" in info.value.issues[0].message
    with pytest.raises(PolicyError) as info:
        load_scorecards_text("# only a comment\n---\n")
    assert [i.rule for i in info.value.issues] == ["scorecards_empty"]


def test_every_error_of_every_card_is_reported_together() -> None:
    text = scorecard_set_text()
    text = text.replace("name: corporate_rm", "name: corporate_rm\nsurprise: 1", 1)
    text = text.replace("min_compliance_risk_share: 20", "min_compliance_risk_share: x", 1)
    with pytest.raises(PolicyError) as info:
        load_scorecards_text(text)
    lines = sorted(i.line or 0 for i in info.value.issues)
    assert len(info.value.issues) == 2
    assert lines == [_line_of(text, "surprise: 1"), _line_of(text, "min_compliance_risk_share: x")]


BROKEN = {
    # kind: (change in the shipped text, rule named, text on the refused line)
    "recommend": ("time_zone: Asia/Shanghai", "time_zone: Mars/Olympus", "time_zone_known"),
    "referrals": ("expire_after_hours: 48", "expire_after_hours: 12", "expiry_after_sla"),
    "tasks": ("tiers: [sleeping]", "tiers: [sleeping, sleeping]", "wake_up_tiers_given"),
    "segmentation": ("frequency_min: 5", "frequency_min: -5", "schema.greater_than_equal"),
    "pay": ('{rate: "20"}', '{rate: "-20"}', "rate_non_negative"),
    "workload": ('under: "0.8000"', 'under: "1.5000"', "rebalancing_bounds_ordered"),
    "gaming": ("categories: [deposit]", "categories: [loan]", "balance_categories_known"),
    "feedback": ("scale: {min: 1, max: 5}", "scale: {min: 5, max: 5}", "scale_ordered"),
    "reviews": (
        "types: [pdf, docx, xlsx, png, jpg]",
        "types: [pdf, exe]",
        "attachment_types_known",
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_each_document_kind_is_validated_by_its_engine_loader(bank: Bank, kind: str) -> None:
    old, new, rule = BROKEN[kind]
    broken = _change(KINDS[kind].default_text(), old, new)
    with pytest.raises(PolicyInvalid) as info:
        policy_version_create(actor=bank.user("hannah"), kind=kind, yaml_text=broken)
    found = [i for i in info.value.issues if i.rule == rule]
    assert found, [str(i) for i in info.value.issues]
    assert found[0].file == f"{kind}.yaml"
    expected_line = _line_of(broken, new)
    if kind == "tasks":  # the breach points at the `tiers` key of wake_up
        expected_line = _line_of(broken, "tiers: [sleeping, sleeping]")
    assert found[0].line == expected_line
    # A valid edit of the same kind is accepted as a draft.
    fine = policy_version_create(
        actor=bank.user("hannah"),
        kind=kind,
        yaml_text=KINDS[kind].default_text() + "# reviewed\n",
        label="v2",
    )
    assert fine.status == PolicyStatus.DRAFT
    assert fine.digest == policy_active(kind).digest  # a comment changes no rule


def test_an_unknown_kind_is_refused(bank: Bank) -> None:
    with pytest.raises(ValidationError, match="Unknown policy kind"):
        policy_version_create(actor=bank.user("hannah"), kind="bonus_pool", yaml_text="a: 1")
