"""The app's choices stay in step with the engine and the lake contract."""

from __future__ import annotations

from rmperf.engine import contract
from rmperf.engine.tasks import TaskKind as EngineKind
from rmperf.tasks.models import CAUSE_GONE, Channel, TaskKind


def test_kinds_match_the_engine() -> None:
    assert set(TaskKind.values) == {k.value for k in EngineKind}
    assert set(CAUSE_GONE) == set(TaskKind.values)


def test_channels_match_the_lake_contract() -> None:
    assert tuple(Channel.values) == contract.INTERACTION_CHANNELS
