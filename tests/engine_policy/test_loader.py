"""The policy loader reports every problem with file, line and rule name."""

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.engine.policy import (
    PolicyError,
    PolicyModel,
    Severity,
    load_policy,
    load_policy_text,
    policy_json_schema,
    rule,
)
from rmperf.engine.policy.loader import Loc


class Line(PolicyModel):
    indicator: str
    weight: Decimal


class Card(PolicyModel):
    name: str
    lines: tuple[Line, ...]


@rule("weights_sum_to_100")
def weights_sum(card: Card) -> Iterable[tuple[str, Loc]]:
    total = sum((ln.weight for ln in card.lines), Decimal(0))
    if total != 100:
        yield f"weights sum to {total}, not 100", ("lines",)


@rule("small_weight", Severity.WARNING)
def small_weight(card: Card) -> Iterable[tuple[str, Loc]]:
    for i, ln in enumerate(card.lines):
        if ln.weight < 5:
            yield f"{ln.indicator} weighs only {ln.weight}", ("lines", i, "weight")


GOOD = """\
name: retail
lines:
  - indicator: aum_growth
    weight: 97
  - indicator: nps
    weight: 3
"""


def test_valid_policy_loads_with_warnings_and_a_stable_digest() -> None:
    loaded = load_policy_text(GOOD, Card, source="card.yaml", rules=[weights_sum, small_weight])
    assert loaded.policy.lines[0].weight == Decimal("97")
    assert [str(w) for w in loaded.warnings] == [
        "card.yaml:6: warning [small_weight] at lines.1.weight: nps weighs only 3"
    ]
    # Formatting and key order do not change the version; a value does.
    reordered = (
        "lines: [{weight: 97, indicator: aum_growth}, {indicator: nps, weight: 3}]\nname: retail\n"
    )
    assert load_policy_text(reordered, Card).digest == loaded.digest
    assert (
        load_policy_text(GOOD.replace("97", "96").replace("3\n", "4\n"), Card).digest
        != loaded.digest
    )


def test_rule_error_names_file_line_and_rule() -> None:
    bad = GOOD.replace("weight: 3", "weight: 13")
    with pytest.raises(PolicyError) as exc:
        load_policy_text(bad, Card, source="card.yaml", rules=[weights_sum])
    assert str(exc.value) == (
        "card.yaml:2: error [weights_sum_to_100] at lines: weights sum to 110, not 100"
    )


def test_unknown_key_and_bad_type_are_reported_at_their_lines() -> None:
    bad = GOOD.replace("    weight: 97", "    wieght: 97")
    with pytest.raises(PolicyError) as exc:
        load_policy_text(bad, Card, source="c.yaml")
    messages = {(i.rule, i.line, i.loc) for i in exc.value.issues}
    assert ("schema.missing", 3, ("lines", 0, "weight")) in messages
    assert ("schema.extra_forbidden", 4, ("lines", 0, "wieght")) in messages


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(PolicyError) as exc:
        load_policy_text("name: x\nlines: [\n", Card, source="broken.yaml")
    (issue,) = exc.value.issues
    assert issue.rule == "yaml_syntax" and issue.file == "broken.yaml" and issue.line is not None


def test_not_a_mapping_is_refused() -> None:
    with pytest.raises(PolicyError, match="a policy is a mapping"):
        load_policy_text("- 1\n- 2\n", Card)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_policy(tmp_path / "nope.yaml", Card, default="unused.yaml")


def test_policy_is_immutable() -> None:
    loaded = load_policy_text(GOOD, Card)
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on frozen models
        loaded.policy.name = "other"  # type: ignore[misc]


def test_json_schema_forbids_extra_keys() -> None:
    schema = policy_json_schema(Card)
    assert schema["additionalProperties"] is False
