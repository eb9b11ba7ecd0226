"""360 feedback rows recorded outside the lake (light: no Ibis, no Arrow)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class FeedbackRow:
    """A 360 feedback row recorded outside the lake (the app's closed review rounds),
    with the meaning of a row of the lake's `feedback` table: it joins the lake's rows
    of its kind for the indicators that read that kind (`IndicatorDef.feedback_kind`)
    when its date is in the period and its staff member is an RM of the period."""

    staff_id: str
    date: dt.date
    kind: str
    score: Decimal
