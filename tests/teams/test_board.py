"""The meeting boards, with every figure worked out by hand from tests/teams/helpers.py's
lake (bank time Asia/Shanghai):

C1 (RM1): 09-02 +2,000.00; 09-15 +5,000.00 and −1,200.50 (deposit); 09-16 +999.00.
C2 (RM2): 08-31 +100.00; 09-15 −300.00.
C5 opened 09-15 (RM1 from 09-15); C6 opened 09-03 (RM2 from 09-03).
Month-end AUM: C1 2026-08 deposit 10,000.00 + wealth 5,000.00 = 15,000.00, 2026-07
12,000.00; C2 2026-08 fund 800.00, no July row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.http import Http404
from django.utils import timezone

from rmperf.core.models import AuditEvent
from rmperf.tasks.models import TaskKind, TaskStatus
from rmperf.teams.models import Board, BoardKind
from rmperf.teams.selectors import board_page
from rmperf.teams.services import TeamsError, board_fill, board_notes_save, board_window
from tests.teams.helpers import Small, board_lake, build_small, make_sheet, make_task

WED = dt.date(2026, 9, 16)  # reviews Tuesday 09-15
MON = dt.date(2026, 9, 21)  # reviews 09-14 … 09-20


@pytest.fixture
def small(db: None, tmp_path: Path, settings: object) -> Small:
    settings.RMPERF_LAKE_DIR = str(board_lake(tmp_path / "lake"))  # type: ignore[attr-defined]
    s = build_small()
    make_task(staff=s.rm1, customer=s.c1, kind=TaskKind.REQUEST_SLA, key="q1")
    make_task(staff=s.rm1, customer=s.c1, kind=TaskKind.REQUEST_SLA, key="q2")
    make_task(staff=s.rm1, customer=s.c1, kind=TaskKind.REQUEST_SLA, key="q3",
              status=TaskStatus.DONE)  # fmt: skip
    make_task(staff=s.rm1, customer=s.c1, kind=TaskKind.BIRTHDAY, key="b1")
    make_task(staff=s.rm3, customer=s.c3, kind=TaskKind.REQUEST_SLA, key="q9")
    return s


def _rows(board: Board) -> dict[str, tuple[object, ...]]:
    return {
        r.staff_id: (r.new_assets, r.new_accounts, r.month_assets, r.month_accounts,
                     r.open_questions, r.aum, r.aum_change)
        for r in board.rows.all()
    }  # fmt: skip


def test_daily_board_figures(small: Small) -> None:
    board = board_fill(actor=small.tl1.user, unit_id="TM1", kind=BoardKind.DAILY, day=WED)
    assert (board.covers_from, board.covers_to, board.aum_month) == (
        dt.date(2026, 9, 15), dt.date(2026, 9, 15), "2026-08")  # fmt: skip
    assert _rows(board) == {
        # 5,000.00 − 1,200.50 = 3,799.50; month: + 2,000.00 = 5,799.50; C5 opened 09-15;
        # two open requests (the done one and the birthday do not count); AUM change
        # 15,000.00 − 12,000.00 = 3,000.00.
        "RM1": (Decimal("3799.50"), 1, Decimal("5799.50"), 1, 2, Decimal("15000.00"),
                Decimal("3000.00")),
        # −300.00; the 08-31 credit is last month; C6 opened 09-03 counts in the month only;
        # no July AUM: no change.
        "RM2": (Decimal("-300.00"), 0, Decimal("-300.00"), 1, 0, Decimal("800.00"), None),
    }  # fmt: skip
    event = AuditEvent.objects.get(verb="teams.board.fill")
    # Team totals: 3,799.50 − 300.00 = 3,499.50; 1 account; 2 questions.
    assert (event.after["new_assets"], event.after["new_accounts"],
            event.after["open_questions"]) == ("3499.50", 1, 2)  # fmt: skip


def test_the_day_reviewed_follows_the_working_day_calendar() -> None:
    # 2026-09-20 is a Sunday worked to make up for the National Day holiday (10-01 … 10-07).
    assert board_window(kind=BoardKind.DAILY, day=MON) == (dt.date(2026, 9, 20),) * 2
    assert board_window(kind=BoardKind.DAILY, day=dt.date(2026, 10, 8)) == (
        dt.date(2026, 9, 30), dt.date(2026, 9, 30))  # fmt: skip
    assert board_window(kind=BoardKind.DAILY, day=WED) == (dt.date(2026, 9, 15),) * 2


def test_weekly_review_figures_and_monday_rule(small: Small) -> None:
    with pytest.raises(TeamsError, match="Monday"):
        board_fill(actor=small.tl1.user, unit_id="TM1", kind=BoardKind.WEEKLY, day=WED)
    board = board_fill(actor=small.tl1.user, unit_id="TM1", kind=BoardKind.WEEKLY, day=MON)
    assert (board.covers_from, board.covers_to) == (dt.date(2026, 9, 14), dt.date(2026, 9, 20))
    rows = _rows(board)
    # Week: 3,799.50 + 999.00 = 4,798.50, C5; month to 09-20: 2,000.00 + 4,798.50 = 6,798.50.
    assert rows["RM1"][:4] == (Decimal("4798.50"), 1, Decimal("6798.50"), 1)
    assert rows["RM2"][:4] == (Decimal("-300.00"), 0, Decimal("-300.00"), 1)


def test_done_by_the_16th_line(small: Small) -> None:
    # RM1's sheet: quarter targets aum_avg_growth 15,000 → month 5,000.00;
    # new_valid_customers 6 → month 2.00. On 09-15: expected 15 ÷ 16 = 0.9375.
    make_sheet(small.rm1, 2026, {"aum_avg_growth": "15000", "new_valid_customers": "6"})
    board_fill(actor=small.tl1.user, unit_id="TM1", kind=BoardKind.DAILY, day=WED)
    page = board_page(actor=small.tl1.user, team=small.team, kind="daily", day=WED, language="en")
    line = {ln.row.staff_id: ln for ln in page.lines}
    rm1 = line["RM1"]
    assert rm1.assets.expected == Decimal("0.9375")
    # 5,799.50 ÷ 5,000.00 = 1.1599: done. 1 ÷ 2.00 = 0.5000 < 0.9375: behind.
    assert (rm1.assets.target, rm1.assets.completion, rm1.assets.done) == (
        Decimal("5000.00"), Decimal("1.1599"), True)  # fmt: skip
    assert (rm1.accounts.target, rm1.accounts.completion, rm1.accounts.behind) == (
        Decimal("2.00"), Decimal("0.5000"), True)  # fmt: skip
    assert line["RM2"].assets.target is None  # no sheet
    assert (page.total_assets, page.total_accounts, page.total_questions) == (
        Decimal("3499.50"), 1, 2)  # fmt: skip
    assert [t.source_key for t in page.questions] == ["q1", "q2"]
    # The page says them as a bank does: money with separators, shares in percent.
    html = small.client(small.tl1).get(f"/teams/TM1/board/daily/?day={WED}").content.decode()
    for figure in ("5,799.50", "5,000.00", "115.99% ✓", "50.00%", "93.75%"):
        assert figure in html, figure
    # The Monday review's targets table: the quarter targets in their unit (aum_avg_growth
    # in CNY, new_valid_customers a count), no result yet, and 序时进度 on 09-20 of Q3:
    # 82 ÷ 92 days = 0.8913 → 89.13%.
    board_fill(actor=small.tl1.user, unit_id="TM1", kind=BoardKind.WEEKLY, day=MON)
    weekly = small.client(small.tl1).get(f"/teams/TM1/board/weekly/?day={MON}").content.decode()
    for figure in ("15,000.00 CNY", 'data-label="Quarter target">6</td>', "89.13%"):
        assert figure in weekly, figure


def test_refill_keeps_notes_and_notes_are_audited(small: Small) -> None:
    board = board_fill(actor=small.tl1.user, unit_id="TM1", kind=BoardKind.DAILY, day=WED)
    board_notes_save(actor=small.tl1.user, board_id=board.pk, notes="  王一 跟进C1理财到期  ")
    again = board_fill(actor=small.bm1.user, unit_id="TM1", kind=BoardKind.DAILY, day=WED)
    assert again.pk == board.pk and again.notes == "王一 跟进C1理财到期"
    event = AuditEvent.objects.get(verb="teams.board.notes")
    assert (event.before, event.after) == ({"notes": ""}, {"notes": "王一 跟进C1理财到期"})
    with pytest.raises(TeamsError, match="4,000"):
        board_notes_save(actor=small.tl1.user, board_id=board.pk, notes="x" * 4001)


def test_who_may_fill(small: Small) -> None:
    for who in (small.tl2, small.rm1, small.auditor, small.hr):
        with pytest.raises(Http404):
            board_fill(actor=who.user, unit_id="TM1", kind=BoardKind.DAILY, day=WED)
    with pytest.raises(TeamsError, match="future"):
        board_fill(actor=small.tl1.user, unit_id="TM1", kind=BoardKind.DAILY,
                   day=timezone.localdate() + dt.timedelta(days=2))  # fmt: skip


def test_board_pages_by_role(small: Small) -> None:
    url = f"/teams/TM1/board/daily/?day={WED.isoformat()}"
    tl = small.client(small.tl1)
    assert "No board for this day yet." in tl.get(url).content.decode()
    resp = tl.post("/teams/TM1/board/daily/fill/", {"day": WED.isoformat()})
    assert resp.status_code == 302 and resp["Location"].endswith(url)
    html = tl.get(url).content.decode()
    assert "3,799.50" in html and "3,499.50" in html and 'id="notes-form"' in html
    # The RM reads their team's board without the forms; another team's leader gets 404.
    rm = small.client(small.rm1).get(url).content.decode()
    assert "3,499.50" in rm and 'id="notes-form"' not in rm and 'id="fill-form"' not in rm
    assert small.client(small.tl2).get(url).status_code == 404
    assert small.client(small.rm3).get(url).status_code == 404
    assert small.client(small.rm1).post("/teams/TM1/board/daily/fill/").status_code == 404
    assert small.client(small.tl1).get("/teams/TM1/board/monthly/").status_code == 404
    assert small.client(small.tl1).get("/teams/TM1/board/daily/?day=x").status_code == 404
