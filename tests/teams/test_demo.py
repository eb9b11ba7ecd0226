"""The demo's team rhythm story and its goal sheet's per-person weights."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from rmperf.core.models import AuditEvent
from rmperf.org.models import Staff
from rmperf.performance.demo import demo_goals_story
from rmperf.teams.demo import demo_team_rhythm
from rmperf.teams.models import Board, CheckIn, Training
from tests.teams.helpers import board_lake, build_small


def test_the_demo_sheet_uses_the_retail_cards_weight_ranges(db: None) -> None:
    small = build_small()
    Staff.objects.filter(pk="RM1").update(business_line="retail")
    sheet = demo_goals_story(leader=small.tl1.user, rm_staff_id="RM1")
    assert sheet is not None
    # The shipped retail card: wealth_sales and insurance_sales weigh 5 each, range 2–8;
    # the demo moves 2 points: 5 + 2 = 7 and 5 − 2 = 3 (the card still sums to 100).
    weights = {ln.indicator: ln.weight for ln in sheet.lines.all() if ln.weight is not None}
    assert weights == {"wealth_sales": Decimal("7.00"), "insurance_sales": Decimal("3.00")}


def test_the_demo_fills_the_boards_a_checkin_and_a_training(
    db: None, tmp_path: Path, settings: object
) -> None:
    settings.RMPERF_LAKE_DIR = str(board_lake(tmp_path / "lake"))  # type: ignore[attr-defined]
    small = build_small()
    story = demo_team_rhythm(leader=small.tl1.user, hr=small.hr.user, rm_staff_id="RM1")
    assert story.daily.notes and story.weekly.notes
    assert story.weekly.day.weekday() == 0
    assert story.checkin is not None and story.training is not None
    # Once a day: a second run refills the boards, adds no check-in or training.
    again = demo_team_rhythm(leader=small.tl1.user, hr=small.hr.user, rm_staff_id="RM1")
    assert again.checkin is None and again.training is None
    assert (Board.objects.count(), CheckIn.objects.count(), Training.objects.count()) == (2, 1, 1)
    assert AuditEvent.objects.filter(verb="teams.board.fill").count() == 4
