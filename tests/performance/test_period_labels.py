"""The period page names who ran the scoring and the scorecard set it used for people, in
the reader's language: `system` is 系统, a stored version is its kind's name and version
with the day it took effect (policies' `policy_version`), never `scorecards default-…`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from rmperf.performance.models import ScoringRun
from rmperf.performance.services.runs import period_run
from tests.performance.conftest import PerfBank

pytestmark = pytest.mark.django_db
URL = "/performance/2026Q3/"

#: language: (the system, the name of the scorecards kind); the persona bank's set is the
#: stored version `test-card` (tests/performance/conftest.py).
SAID = {"zh-hans": ("系统", "客户经理考核表"), "en": ("system", "RM scorecards")}


def _facts(body: str) -> str:
    return body.split('<dl class="facts">')[1].split("</dl>")[0]


@pytest.mark.parametrize("language", SAID)
def test_a_run_by_the_system_on_the_shipped_scorecards(
    perf_bank: PerfBank, perf_client: Callable[[str], Client], language: str
) -> None:
    period_run(actor=None, key="2026Q3")  # the CLI: actor `system`
    run = ScoringRun.objects.get()
    assert run.actor_label == "system" and run.policy is not None
    assert run.policy.activated_at is not None
    system, kind = SAID[language]
    version = f"{kind} · {run.policy.label}"
    with translation.override(language):
        day = date_format(timezone.localdate(run.policy.activated_at), "SHORT_DATE_FORMAT")
    took_effect = {"zh-hans": f"（{day}起生效）", "en": f" (in force from {day})"}[language]
    for who in ("hr1", "rm1"):
        body = perf_client(who).get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        facts = _facts(body)
        assert f" · {system} · " in facts, who
        policy = facts.split('id="run-policy">')[1].split("</dd>")[0]
        assert f">{version}{took_effect}</a>" in policy, (who, policy)
        # The internal labels are not shown: neither the run's nor the cards' digests …
        assert run.policy_label == "scorecards test-card"
        assert run.policy_label not in facts and "default-" not in facts, who
        if language == "zh-hans":
            assert ">system<" not in facts and " system " not in facts, who
    # … but those who check runs still see each card's short digest (an RM does not).
    hr = _facts(perf_client("hr1").get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    rm = _facts(perf_client("rm1").get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    for digest in run.policy_versions.values():
        assert digest in hr and digest not in rm
