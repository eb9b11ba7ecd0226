"""An innovation proposal of alice's (tests/factories.py) for the generic URL walks."""

from __future__ import annotations

from rmperf.performance.models import InnovationProposal
from rmperf.performance.proposals import proposal_submit
from tests.factories import Bank


def innovation_in_alices_scope(bank: Bank) -> InnovationProposal:
    """alice's submitted proposal (her team leader tina decides it), made once."""
    found = InnovationProposal.objects.filter(staff=bank.alice).first()
    if found is not None:
        return found
    return proposal_submit(
        actor=bank.user("alice"), title="周六营业台", description="周六开放网点。"
    )
