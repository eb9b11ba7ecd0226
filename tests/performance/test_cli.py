"""`rmperf period-*` and `rmperf verify` on the hand-built lake."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rmperf.cli import main
from rmperf.performance.models import RmResult
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_period_workflow_from_the_command_line(
    perf_bank: PerfBank, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["period-open", "2026Q3"]) == 0
    assert "period 2026Q3 (2026-07-01 – 2026-09-30): open" in capsys.readouterr().out
    assert main(["period-close", "2026Q3"]) == 2
    assert "must be calibrated" in capsys.readouterr().err
    assert main(["period-run", "2026Q3"]) == 0
    out = capsys.readouterr().out
    assert "3 RMs scored (outstanding 1, good 0, competent 1, not_competent 1)" in out
    assert main(["period-confirm", "2026Q3"]) == 0
    assert main(["period-close", "2026Q3"]) == 0
    assert "closed (#1), digest " in capsys.readouterr().out
    assert main(["period-run", "2026Q3"]) == 2
    assert "closed" in capsys.readouterr().err
    assert main(["period-show", "2026Q3"]) == 0
    assert "2026Q3 (2026-07-01 – 2026-09-30): closed" in capsys.readouterr().out
    assert main(["verify"]) == 0
    assert "ok: 1 closed period(s)" in capsys.readouterr().out
    RmResult.objects.filter(staff_id="RM3").update(total=Decimal("99.00"))
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "TAMPERED: period 2026Q3: the result of RM3 changed after the close" in out


def test_a_bad_period_is_named(perf_bank: PerfBank, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["period-run", "2026Q9"]) == 2
    assert "'2026Q9' is not a period" in capsys.readouterr().err
