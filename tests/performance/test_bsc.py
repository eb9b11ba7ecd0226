"""The balanced-scorecard page per RM, team and branch: perspectives, the last four
quarters, drill-down to the lines, the card's perspective mapping, access."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from django.utils import timezone

from rmperf.engine.periods import Period
from rmperf.engine.scoring import load_scorecard_text
from rmperf.engine.scoring.library import default_library
from rmperf.org.models import Staff
from rmperf.performance.bsc_selectors import bsc_staff, bsc_unit
from rmperf.performance.models import LineResult, PerfPeriod, RmResult, ScoringRun
from tests.performance.conftest import CARD, PerfBank

pytestmark = pytest.mark.django_db
QUARTERS = ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]


def _card_json(text: str) -> dict[str, object]:
    loaded = load_scorecard_text(text, source="card", library=default_library())
    return {"test_retail": {"digest": "x", "policy": loaded.policy.model_dump(mode="json")}}


def _quarter(key: str, cards: dict[str, object]) -> ScoringRun:
    p = Period.parse(key)
    now = timezone.now()
    period = PerfPeriod.objects.create(
        key=key, kind="quarter", start=p.start, end=p.end, status="computed", opened_at=now
    )
    return ScoringRun.objects.create(
        period=period, lake_path="/nowhere", policy_digest="p", targets_digest="t",
        inputs_digest="i", started_at=now, finished_at=now, actor_label="system",
        status="succeeded", policy_versions={"test_retail": "abc"}, cards=cards,
    )  # fmt: skip


def _result(run: ScoringRun, staff_id: str, growth: str, complaints: str) -> None:
    total = Decimal(growth) + Decimal(complaints)
    result = RmResult.objects.create(
        period=run.period, run=run, staff=Staff.objects.get(pk=staff_id), scorecard="test_retail",
        policy_version="abc", base=total, bonus=Decimal(0), deduction=Decimal(0), total=total,
        tier="competent", rated_tier="competent",
    )  # fmt: skip
    for i, (indicator, weight, points) in enumerate(
        (("deposit_avg_growth", "80", growth), ("complaints", "20", complaints)), start=1
    ):
        LineResult.objects.create(
            result=result, position=i, line=indicator, indicator=indicator, method="ratio",
            weight=Decimal(weight), value=Decimal(1), effective_weight=Decimal(weight),
            points=Decimal(points),
        )  # fmt: skip


@pytest.fixture
def quarters(perf_bank: PerfBank) -> PerfBank:
    """Five quarters of hand-made results. RM1's deposit growth scores 50, 51, 52, 53, 54
    of 80; complaints 20 of 20 each quarter. RM2 (same team) 40 of 80 and 10 of 20 in
    2026Q3 only. In 2026Q3 the run's card maps complaints to the process perspective
    (by default complaints is a customer indicator; deposit growth is financial)."""
    mapped = yaml.safe_load(CARD)
    mapped["perspectives"] = {"complaints": "process"}
    for i, key in enumerate(QUARTERS):
        run = _quarter(key, _card_json(yaml.safe_dump(mapped)) if key == "2026Q3" else {})
        _result(run, "RM1", str(50 + i), "20")
        if key == "2026Q3":
            _result(run, "RM2", "40", "10")
    return perf_bank


def _cells(view: object, key: str) -> list[tuple[Decimal, Decimal] | None]:
    row = next(r for r in view.rows if r.key == key)  # type: ignore[attr-defined]
    return [None if c is None else (c.points, c.weight) for c in row.cells]


def test_an_rms_perspectives_over_the_last_four_quarters(quarters: PerfBank) -> None:
    view = bsc_staff(actor=quarters.users["rm1"], staff=Staff.objects.get(pk="RM1"), language="en")
    assert view.quarters == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]  # 2025Q3 drops out
    assert _cells(view, "financial") == [
        (Decimal("51.00"), Decimal("80.00")),
        (Decimal("52.00"), Decimal("80.00")),
        (Decimal("53.00"), Decimal("80.00")),
        (Decimal("54.00"), Decimal("80.00")),
    ]
    # complaints: customer by default, process under 2026Q3's card mapping
    assert _cells(view, "customer") == [(Decimal("20.00"), Decimal("20.00"))] * 3 + [
        (Decimal("0.00"), Decimal("0.00"))
    ]
    assert _cells(view, "process") == [(Decimal("0.00"), Decimal("0.00"))] * 3 + [
        (Decimal("20.00"), Decimal("20.00"))
    ]
    assert _cells(view, "learning") == [(Decimal("0.00"), Decimal("0.00"))] * 4
    process = next(r for r in view.rows if r.key == "process")
    assert [(ln.period_key, ln.line, ln.points) for ln in process.lines] == [
        ("2026Q3", "complaints", Decimal("20.00"))
    ]


def test_a_teams_averages_and_each_rm(quarters: PerfBank) -> None:
    from rmperf.org.models import OrgUnit

    view = bsc_unit(actor=quarters.users["tl1"], unit=OrgUnit.objects.get(pk="TM1"), language="en")
    # 2026Q3: financial (54 + 40) ÷ 2 = 47.00 of (80 + 80) ÷ 2 = 80.00;
    # process (20 + 10) ÷ 2 = 15.00 of 20.00. Earlier quarters: RM1 alone.
    assert _cells(view, "financial")[-1] == (Decimal("47.00"), Decimal("80.00"))
    assert _cells(view, "process")[-1] == (Decimal("15.00"), Decimal("20.00"))
    assert _cells(view, "financial")[0] == (Decimal("51.00"), Decimal("80.00"))
    assert view.rm_count == [1, 1, 1, 2]
    assert [(m.staff.staff_id, m.cells[0].points, m.total) for m in view.members] == [
        ("RM1", Decimal("54.00"), Decimal("74.00")),
        ("RM2", Decimal("40.00"), Decimal("50.00")),
    ]


def test_pages_and_access(quarters: PerfBank) -> None:
    rm1 = quarters.client("rm1")
    body = rm1.get("/performance/bsc/staff/RM1/").content.decode()
    assert 'id="bsc-trend"' in body
    assert "/performance/2026Q3/staff/RM1/?why=complaints#why" in body  # drill-down
    assert rm1.get("/performance/bsc/").url == "/performance/bsc/staff/RM1/"
    for who in ("rm2", "bm2", "te1"):
        assert quarters.client(who).get("/performance/bsc/staff/RM1/").status_code == 404
    for who in ("rm1", "bm2", "te1", "ro1"):
        assert quarters.client(who).get("/performance/bsc/unit/BR1/").status_code == 404
    for who in ("tl1", "bm1", "hr1"):
        response = quarters.client(who).get("/performance/bsc/unit/TM1/")
        assert response.status_code == 200
        assert 'id="bsc-members"' in response.content.decode()
    assert quarters.client("bm1").get("/performance/bsc/").url == "/performance/bsc/unit/BR1/"
    # The scorecard page links here.
    period_body = rm1.get("/performance/2026Q3/staff/RM1/").content.decode()
    assert 'href="/performance/bsc/staff/RM1/"' in period_body


def test_the_goals_team_view(perf_bank: PerfBank) -> None:
    from rmperf.performance.services.targets import TargetInput, target_sheet_propose

    year = timezone.localdate().year
    target_sheet_propose(
        actor=perf_bank.users["tl1"],
        staff_id="RM1",
        year=year,
        lines=[TargetInput("deposit_avg_growth", Decimal("1000"))],
    )
    assert perf_bank.client("rm1").get("/performance/targets/team/").status_code == 404
    assert perf_bank.client("te1").get(f"/performance/targets/{year}/team/").status_code == 404
    assert perf_bank.client("tl1").get("/performance/targets/team/").url == (
        f"/performance/targets/{year}/team/"
    )
    body = perf_bank.client("tl1").get(f"/performance/targets/{year}/team/").content.decode()
    assert "RM1" in body and "RM2" in body and "RM3" not in body  # TL1 leads TM1 only
    assert "the RM&#x27;s answer" in body or "the RM's answer" in body
