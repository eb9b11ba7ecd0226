"""A hand-built lake for the performance app, imported through the real importer.

Org: BR1 (team TM1: RM1, RM2, team leader TL1; branch manager BM1, teller TE1, risk
officer RO1) and BR2 (team TM2: RM3; branch manager BM2); HR1 at the bank. The card (CARD below, retail) has two lines:
deposit growth (ratio, weight 80, per-person annual target, default 1,200,000 → a
quarter's target 1,200,000 ÷ 4 = 300,000) and complaints (deduction, weight 20, 5 points
each). Average daily deposits, Q2 2026 (Apr–Jun) vs Q3 (Jul–Sep), one customer each:

- RM1 / C1: 100,000 → 400,000: growth 300,000; 300,000 ÷ 300,000 = 1 → 80.00;
  no complaint → 20.00; total 100.00, outstanding.
- RM2 / C2: 100,000 → 250,000: growth 150,000; 150,000 ÷ 300,000 = 0.5 → 40.00;
  + 20.00 = 60.00, competent. With an approved annual target of 600,000 (Q3: 150,000)
  the completion is 1 → 80.00 + 20.00 = 100.00, outstanding.
- RM3 / C3: 100,000 → 100,000: growth 0 → 0.00; + 20.00 = base 20.00; one certification
  in Q3 × 1 point = bonus 1.00 (cap 2); total 21.00, not competent.

Forced distribution: at most 67% outstanding, rounded down: 3 × 0.67 = 2.01 → 2 RMs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from rmperf.org.models import Staff
from tests.dbsnapshot import import_lake
from tests.lakebuilder import LakeBuilder

IMPORT_DAY = dt.date(2026, 10, 8)
CARD = """\
name: test_retail
names: {zh: 测试零售, en: test retail}
applies_to: {business_line: retail}
min_compliance_risk_share: 0
lines:
  - indicator: deposit_avg_growth
    weight: 80
    method: ratio
    target: {source: per_person, basis: annual, value: "1200000"}
  - {indicator: complaints, weight: 20, method: deduction, per_occurrence: "5"}
adjustments:
  - {id: certifications, kind: bonus, indicator: certifications, per_unit: "1", max: "2"}
bonus_cap: "2"
rating:
  bands:
    - {tier: outstanding, min: 90, max: 102}
    - {tier: good, min: 75, max: 90}
    - {tier: competent, min: 60, max: 75}
    - {tier: not_competent, min: 0, max: 60}
  forced_distribution:
    caps: [{tier: outstanding, max_share: "0.67"}]
"""

PEOPLE = {
    "rm1": "RM1",
    "rm2": "RM2",
    "rm3": "RM3",
    "tl1": "TL1",
    "bm1": "BM1",
    "bm2": "BM2",
    "hr1": "HR1",
    "te1": "TE1",
    "ro1": "RO1",
}


def build_lake() -> LakeBuilder:
    b = LakeBuilder()
    b.add(
        "org_units",
        {"unit_id": "BR2", "name": "滨江支行", "kind": "branch", "parent_id": "RG1"},
        {"unit_id": "TM2", "name": "滨江一组", "kind": "team", "parent_id": "BR2"},
    )
    b.add(
        "staff",
        {"staff_id": "RM3", "name": "孙六", "role": "rm", "rank": "junior", "unit_id": "TM2",
         "hired_on": "2019-01-01"},
        {"staff_id": "BM2", "name": "周七", "role": "branch_manager", "rank": "",
         "unit_id": "BR2", "hired_on": "2012-01-01"},
        {"staff_id": "HR1", "name": "吴八", "role": "hr", "rank": "", "unit_id": "BANK",
         "hired_on": "2011-01-01"},
        {"staff_id": "RO1", "name": "郑九", "role": "risk_officer", "rank": "", "unit_id": "BR1",
         "hired_on": "2016-01-01"},
    )  # fmt: skip
    for cid, rm, q2, q3 in (
        ("C1", "RM1", "100000.00", "400000.00"),
        ("C2", "RM2", "100000.00", "250000.00"),
        ("C3", "RM3", "100000.00", "100000.00"),
    ):
        b.customer(cid, rm=rm, unit_id="BR2" if rm == "RM3" else "BR1")
        for month in ("2026-04", "2026-05", "2026-06"):
            b.balance(cid, month, "deposit", q2)
        for month in ("2026-07", "2026-08", "2026-09"):
            b.balance(cid, month, "deposit", q3)
    b.add(
        "trainings",
        {"staff_id": "RM3", "date": "2026-08-20", "kind": "certification", "name": "AFP",
         "hours": "16"},
    )  # fmt: skip
    return b


@pytest.fixture(scope="session")
def perf_paths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The lake's files and the card, written once (tests only read them)."""
    root = tmp_path_factory.mktemp("performance")
    lake = build_lake().write(root / "lake")
    card = root / "cards"
    card.mkdir()
    (card / "test_retail.yaml").write_text(CARD, encoding="utf-8")
    return lake, card


_SCORED: dict[tuple[Any, ...], Any] = {}


@pytest.fixture(autouse=True)
def _engine_once(
    monkeypatch: pytest.MonkeyPatch, perf_paths: tuple[Path, Path], settings: Any
) -> None:
    """The shipped cards are swapped for CARD, and the engine's result for one (lake,
    period, targets) is computed once per session: the engine has its own golden tests;
    here it is the app around it that is under test."""
    from rmperf.performance import selectors
    from rmperf.performance.services import runs

    real_score, real_load = runs.score_lake, selectors.load_scorecards
    _lake, card_dir = perf_paths

    def load_scorecards(path: Any = None, **kw: Any) -> Any:
        return real_load(path if path is not None else card_dir, **kw)

    def score_lake(lake: Any, *, period: Any, cards: Any, targets: Any, **kw: Any) -> Any:
        manual = kw.get("manual")
        key = (
            str(lake.path),
            period.key,
            tuple(sorted((n, c.digest) for n, c in cards.items())),
            tuple(sorted((k, r.annual, r.quarters, r.weight) for k, r in targets.rows.items())),
            tuple(sorted(manual.scores.items())) if manual is not None else (),
            tuple(kw.get("feedback", ())),
            tuple(kw.get("proposals", ())),
        )
        if key not in _SCORED:
            _SCORED[key] = real_score(lake, period=period, cards=cards, targets=targets, **kw)
        return _SCORED[key]

    monkeypatch.setattr(runs, "score_lake", score_lake)
    monkeypatch.setattr(selectors, "load_scorecards", load_scorecards)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages in English (the product's default is zh-hans; the tests assert English)."""
    with translation.override("en"):
        yield


@dataclass(frozen=True)
class PerfBank:
    path: Path
    users: dict[str, User]

    def client(self, who: str) -> Client:
        """Signed in as `who`, reading English (the tests assert English text)."""
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(self.users[who])
        return client


@pytest.fixture
def perf_bank(db: None, perf_paths: tuple[Path, Path]) -> PerfBank:
    """The lake imported, with a login per person in PEOPLE and a superuser `root`."""
    path, _card = perf_paths
    run = import_lake(path, today=IMPORT_DAY)
    assert run.status == "succeeded", (run.problems, run.tables)
    users: dict[str, User] = {}
    for username, staff_id in PEOPLE.items():
        user = User.objects.create(username=username)
        Staff.objects.filter(pk=staff_id).update(user=user)
        users[username] = user
    users["root"] = User.objects.create(username="root", is_superuser=True, is_staff=True)
    _activate_test_card()
    return PerfBank(path=path, users=users)


def _activate_test_card() -> None:
    """The bank's scorecard set in force is CARD (the shipped cards are for real lakes):
    stored as the active `scorecards` policy version, as HR would after maker-checker."""
    from django.utils import timezone

    from rmperf.policies.models import PolicyStatus, PolicyVersion
    from rmperf.policies.services import policy_validate

    now = timezone.now()
    PolicyVersion.objects.create(
        kind="scorecards", label="test-card", yaml_text=CARD,
        digest=policy_validate(kind="scorecards", yaml_text=CARD), status=PolicyStatus.ACTIVE,
        created_at=now, approved_at=now, activated_at=now,
    )  # fmt: skip


@pytest.fixture
def perf_client(perf_bank: PerfBank) -> Callable[[str], Client]:
    return perf_bank.client


@pytest.fixture
def swap_cards(db: None, tmp_path: Path) -> Callable[[str], Path]:
    """Make `text` the scorecard set in force (what runs and manual keys read from now on):
    the active `scorecards` version is retired and `text` stored as the new active one, as
    HR would after maker-checker. Returns a folder holding the card, for the CLI."""
    from django.utils import timezone

    from rmperf.policies.models import PolicyStatus, PolicyVersion
    from rmperf.policies.services import policy_validate

    def swap(text: str) -> Path:
        folder = tmp_path / f"cards{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / "card.yaml").write_text(text, encoding="utf-8")
        now = timezone.now()
        PolicyVersion.objects.filter(kind="scorecards", status=PolicyStatus.ACTIVE).update(
            status=PolicyStatus.RETIRED
        )
        PolicyVersion.objects.create(
            kind="scorecards", label=f"test-{folder.name}", yaml_text=text,
            digest=policy_validate(kind="scorecards", yaml_text=text), status=PolicyStatus.ACTIVE,
            created_at=now, approved_at=now, activated_at=now,
        )  # fmt: skip
        return folder

    return swap
