"""Check-ins, training records and the missing-training list, by hand.

Default requirements (rmperf.teams.requirements): every rank the three courses
开户业务操作规范, 理财产品销售技巧, 反洗钱合规培训; junior + 银行业专业人员职业资格(初级);
intermediate + 基金从业资格; senior + 银行业专业人员职业资格(中级).
The lake (tests/teams/helpers.py): RM1 took the course 开户业务操作规范; RM2 holds 基金从业资格.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.utils import timezone

from rmperf.core.models import AuditEvent
from rmperf.tasks.models import TaskKind
from rmperf.teams.models import CheckIn
from rmperf.teams.requirements import required_by_rank
from rmperf.teams.selectors import rm_rhythm, team_page, training_status
from rmperf.teams.services import TeamsError, checkin_record, parse_hours, training_enter
from tests.teams.helpers import Small, board_lake, build_small, make_task

DAY = dt.date(2026, 9, 15)


@pytest.fixture
def small(db: None, tmp_path: Path, settings: object) -> Small:
    settings.RMPERF_LAKE_DIR = str(board_lake(tmp_path / "lake"))  # type: ignore[attr-defined]
    return build_small()


def _names(reqs: list) -> list[str]:  # type: ignore[type-arg]
    return [r.name for r in reqs]


def test_missing_trainings_from_lake_and_app(small: Small) -> None:
    training_enter(actor=small.tl1.user, staff_id="RM1", day=DAY, kind="course",
                   name="理财产品销售技巧", hours=Decimal("4.00"))  # fmt: skip
    status = training_status(actor=small.tl1.user, staff=[small.rm1, small.rm2])
    # RM1 (junior, 4 required): the lake's course and the app's course are done.
    assert [(r.name, r.source) for r in status["RM1"].records] == [
        ("开户业务操作规范", "lake"), ("理财产品销售技巧", "app")]  # fmt: skip
    assert _names(status["RM1"].missing) == ["反洗钱合规培训", "银行业专业人员职业资格(初级)"]
    # RM2 (senior, 6 required): only 基金从业资格 is held → 5 missing.
    assert _names(status["RM2"].missing) == [
        "开户业务操作规范", "理财产品销售技巧", "反洗钱合规培训",
        "银行业专业人员职业资格(初级)", "银行业专业人员职业资格(中级)"]  # fmt: skip
    # A certification named like a course does not count for the course.
    training_enter(actor=small.hr.user, staff_id="RM1", day=DAY, kind="certification",
                   name="反洗钱合规培训", hours=Decimal("1"))  # fmt: skip
    again = training_status(actor=small.tl1.user, staff=[small.rm1])
    assert _names(again["RM1"].missing) == ["反洗钱合规培训", "银行业专业人员职业资格(初级)"]
    event = AuditEvent.objects.filter(verb="teams.training.enter").order_by("seq").first()
    assert event is not None and event.after["name"] == "理财产品销售技巧"


def test_requirements_setting(settings: object) -> None:
    settings.RMPERF_REQUIRED_TRAININGS = {"junior": [["course", "A"]]}  # type: ignore[attr-defined]
    assert _names(required_by_rank()["junior"]) == ["A"]
    settings.RMPERF_REQUIRED_TRAININGS = {"captain": [["course", "A"]]}  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="unknown rank 'captain'"):
        required_by_rank()
    settings.RMPERF_REQUIRED_TRAININGS = {"junior": [["exam", "A"]]}  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match=r"\['exam', 'A'\]"):
        required_by_rank()


def test_training_entry_refusals(small: Small) -> None:
    with pytest.raises(TeamsError) as exc:
        training_enter(actor=small.tl1.user, staff_id="RM1", day=dt.date(2019, 1, 1),
                       kind="exam", name=" ", hours=Decimal(1))  # fmt: skip
    text = str(exc.value)
    assert "course or certification" in text and "Name the course" in text
    assert "before 王一 was hired (2020-01-01)" in text
    for bad in ("abc", "-1", "1000.01", "1.005"):
        with pytest.raises(TeamsError):
            parse_hours(bad)
    assert parse_hours("2.5") == Decimal("2.50")
    for who in (small.rm1, small.auditor, small.tl2):
        with pytest.raises(Http404):
            training_enter(actor=who.user, staff_id="RM1", day=DAY, kind="course", name="X",
                           hours=Decimal(1))  # fmt: skip


def test_checkins_recorded_seen_and_audited(small: Small) -> None:
    task = make_task(staff=small.rm1, customer=small.c1, kind=TaskKind.REQUEST_SLA, key="q")
    c = checkin_record(actor=small.tl1.user, staff_id="RM1", day=DAY, note="跟进C1诉求",
                       customer_id="C1", task_id=task.pk)  # fmt: skip
    assert (c.leader_id, c.customer_id, c.task_id) == ("TL1", "C1", task.pk)
    event = AuditEvent.objects.get(verb="teams.checkin.record")
    assert event.after == {"staff": "RM1", "day": "2026-09-15", "note": "跟进C1诉求",
                           "customer": "C1", "task": task.pk}  # fmt: skip
    # The RM, the leader and up the tree see it; another RM of the team and another
    # team's leader do not.
    for who in (small.rm1, small.tl1, small.bm1, small.hr, small.auditor):
        assert CheckIn.objects.restrict(who.user).filter(pk=c.pk).exists(), who
    for who in (small.rm2, small.tl2, small.rm3):
        assert not CheckIn.objects.restrict(who.user).filter(pk=c.pk).exists(), who
    page = rm_rhythm(actor=small.rm1.user, staff_id="RM1")
    assert [x.note for x in page.checkins] == ["跟进C1诉求"] and not page.may_check_in
    with pytest.raises(Http404):
        rm_rhythm(actor=small.rm2.user, staff_id="RM1")


def test_checkin_refusals(small: Small) -> None:
    other = make_task(staff=small.rm2, customer=small.c2, kind=TaskKind.BIRTHDAY, key="b")
    with pytest.raises(TeamsError) as exc:
        checkin_record(actor=small.tl1.user, staff_id="RM1", day=timezone.localdate()
                       + dt.timedelta(days=1), note="  ", customer_id="C3",
                       task_id=other.pk)  # fmt: skip
    text = str(exc.value)
    assert "Write a note" in text and "in the future" in text
    assert "Customer C3 is not one you can see" in text
    assert f"Task {other.pk} is not one of this RM's tasks" in text
    for who in (small.bm1, small.rm1, small.tl2, small.hr):
        with pytest.raises(Http404):
            checkin_record(actor=who.user, staff_id="RM1", day=DAY, note="x")
    assert not CheckIn.objects.exists()


def test_team_page(small: Small) -> None:
    make_task(staff=small.rm1, customer=small.c1, kind=TaskKind.BIRTHDAY, key="late",
              due=timezone.localdate() - dt.timedelta(days=3))  # fmt: skip
    checkin_record(actor=small.tl1.user, staff_id="RM2", day=DAY, note="复盘")
    page = team_page(actor=small.tl1.user, team=small.team)
    rows = {m.staff.staff_id: m for m in page.members}
    assert list(rows) == ["RM2", "RM1"]  # by name: 李二, 王一
    assert (rows["RM1"].overdue, rows["RM2"].overdue) == (1, 0)
    assert len(rows["RM1"].missing) == 3 and len(rows["RM2"].missing) == 5
    assert rows["RM2"].last_checkin is not None and rows["RM1"].last_checkin is None
    assert [x.staff_id for x in page.leaders] == ["TL1"] and page.may_check_in
    html = small.client(small.tl1).get("/teams/TM1/").content.decode()
    assert "复盘" in html and "反洗钱合规培训" in html
    # An RM lands on their own team; another team's people get 404.
    assert small.client(small.rm1).get("/teams/")["Location"] == "/teams/TM1/"
    assert small.client(small.rm3).get("/teams/TM1/").status_code == 404
    assert small.client(small.tl2).get("/teams/staff/RM1/").status_code == 404
    resp = small.client(small.tl1).post("/teams/staff/RM1/checkins/",
                                        {"day": "2026-09-15", "note": "电话回访"})  # fmt: skip
    assert resp.status_code == 302
    assert "电话回访" in small.client(small.rm1).get("/teams/staff/RM1/").content.decode()
    resp = small.client(small.hr).post("/teams/staff/RM1/trainings/",
        {"day": "2026-09-15", "kind": "course", "name": "反洗钱合规培训", "hours": "2"})  # fmt: skip
    assert resp.status_code == 302
    html = small.client(small.rm1).get("/teams/staff/RM1/").content.decode()
    # Junior: 4 required − the lake's 开户业务操作规范 − the entered 反洗钱合规培训 = 2.
    assert "2 requirements missing." in html
