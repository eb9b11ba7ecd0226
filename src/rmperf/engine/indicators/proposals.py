"""Innovation proposals recorded outside the lake (light: no Ibis, no Arrow)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: The indicator the proposals recorded in the app count for.
PROPOSALS_INDICATOR = "innovation_proposals"


@dataclass(frozen=True)
class ProposalRow:
    """An adopted proposal recorded outside the lake (the app's reviewed proposals), with
    the meaning of a row of the lake's `proposals` table with `adopted_on` set: it joins
    the lake's rows for `innovation_proposals` when `adopted_on` is in the period and its
    author is an RM of the period."""

    proposal_id: str
    staff_id: str
    adopted_on: dt.date
    reviewer_id: str
    title: str
