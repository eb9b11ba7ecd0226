"""The lake policy's rule for accepting a delivery, on counts computed by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.engine.acceptance import (
    AcceptancePolicy,
    TableCount,
    Why,
    load_acceptance_policy,
    percent,
    refusals,
)
from rmperf.engine.policy import PolicyError

DEFAULT = AcceptancePolicy()


def why(counts: list[TableCount], **kw: object) -> list[tuple[str, Why]]:
    return [(r.table, r.why) for r in refusals(counts, policy=DEFAULT, **kw)]  # type: ignore[arg-type]


def test_the_share_may_reach_the_limit_but_not_pass_it() -> None:
    # 1 % of 300 is 3 rows: 3 rejected is allowed, 4 (1.33 %) is not.
    assert why([TableCount("customers", 300, 3)]) == []
    assert why([TableCount("customers", 300, 4)]) == [("customers", Why.OVER_THRESHOLD)]
    [r] = refusals([TableCount("customers", 300, 4)], policy=DEFAULT)
    assert r.message == (
        "customers: 4 of 300 rows rejected (1.33 %), more than the 1 % the lake policy "
        "allows; `rmperf validate` writes the rows and reasons to _rejects/"
    )


def test_allow_rejects_overrides_only_the_share() -> None:
    counts = [
        TableCount("transactions", 10, 5),  # 50 %: the share
        TableCount("loans", 4, 4),  # every row lost
        TableCount("customers", 0, 0),  # must have rows
        TableCount("events", 0, 0, "no file (expected events.parquet, …)"),
        TableCount("trainings", 0, 0),  # a fact table may be empty
    ]
    assert why(counts, allow_rejects=True) == [
        ("loans", Why.EMPTY),
        ("customers", Why.EMPTY),
        ("events", Why.UNUSABLE),
    ]
    assert why(counts)[0] == ("transactions", Why.OVER_THRESHOLD)


def test_the_shipped_policy_and_its_rules(tmp_path: Path) -> None:
    loaded = load_acceptance_policy()
    assert loaded.policy.max_reject_share == Decimal("0.01")
    assert "customers" in loaded.policy.must_have_rows
    bad = tmp_path / "lake.yaml"
    bad.write_text("max_reject_share: 1.5\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"lake.yaml:1"):
        load_acceptance_policy(bad)
    bad.write_text("must_have_rows: [customers, clients]\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"must_have_rows_known.*'clients' is not a lake table"):
        load_acceptance_policy(bad)
    loose = tmp_path / "loose.yaml"
    loose.write_text("max_reject_share: 0.25\n", encoding="utf-8")
    [warning] = load_acceptance_policy(loose).warnings
    assert warning.rule == "share_is_high" and "25 %" in warning.message


def test_percent_rounds_half_up_to_two_places() -> None:
    assert percent(Decimal(1) / Decimal(3)) == "33.33 %"
    assert percent(Decimal("0.000125")) == "0.01 %"  # 0.0125 % → 0.01 %
    assert percent(Decimal("0.000155")) == "0.02 %"  # 0.0155 % rounds half up
    assert percent(Decimal("0.01")) == "1 %"
