"""The materialised path: a subtree is a prefix, and B1 never matches B10."""

from __future__ import annotations

import pytest

from rmperf.org.models import unit_path
from tests.factories import Bank, make_unit


def test_paths_chain_ids_from_the_bank_down(bank: Bank) -> None:
    assert unit_path(None, "BANK") == "/BANK/"
    assert bank.team_a1.path == "/BANK/R1/BA/TA1/"
    assert bank.team_a1.depth == 3 and bank.bank.depth == 0


def test_a_sibling_with_a_longer_id_is_not_in_the_subtree(bank: Bank) -> None:
    make_unit(unit_id="BA0", name="Branch A0", kind="branch", parent=bank.region)
    from rmperf.org.models import OrgUnit

    under_a = OrgUnit.objects.filter(path__startswith=bank.branch_a.path)
    assert {u.unit_id for u in under_a} == {"BA", "TA1", "TA2"}


def test_ids_with_a_slash_are_refused() -> None:
    with pytest.raises(ValueError, match="may not contain"):
        unit_path("/BANK/", "A/B")


def test_business_lines_are_the_contracts_everywhere() -> None:
    """The lake contract, the scorecards' `applies_to` and the app's choices name the same
    lines, so a validated lake value always picks a card and always fits the model."""
    from rmperf.engine.contract import BUSINESS_LINES
    from rmperf.engine.scoring.policy import BusinessLine as CardLine
    from rmperf.org.models import BusinessLine

    assert tuple(BusinessLine.values) == BUSINESS_LINES
    assert tuple(str(x) for x in CardLine) == BUSINESS_LINES
