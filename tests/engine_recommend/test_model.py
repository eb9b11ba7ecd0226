"""The propensity model on a hand-built lake with a planted signal: a customer with a
wealth inquiry in the 30 days before a date buys a wealth product 5 days after it
(three in four of them), nobody else does; insurance is bought at random-looking ids
regardless of features. The model must find the inquiry (beat the popularity baseline);
the model file keeps its window and features and refuses a changed file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rmperf.engine.lake import Lake
from rmperf.engine.recommend import recommend
from rmperf.engine.recommend.evaluation import Evaluation, evaluate, top_k_scores
from rmperf.engine.recommend.model import (
    FEATURES,
    ModelError,
    PropensityModel,
    load_model,
    save_model,
    snapshot_dates,
)
from rmperf.engine.recommend.policy import load_recommend_policy
from tests.lakebuilder import LakeBuilder

TRAIN_UNTIL = dt.date(2026, 6, 30)
TEST_UNTIL = dt.date(2026, 7, 30)
LOADED = load_recommend_policy()
POLICY = LOADED.policy.model_copy(
    update={
        "training": LOADED.policy.training.model_copy(
            update={
                "snapshots": 3,
                "categories": ("wealth", "insurance"),
                "negative_share": 1.0,
            }
        )
    }
)
N = 160


def planted(tmp_path: Path) -> Path:
    b = LakeBuilder()
    b.product("W", "wealth", "0.006000")
    b.product("INS", "insurance", "0.015000")
    # Snapshots 2026-05-31, 2026-05-01, 2026-04-01 (label windows end by 06-30) and the
    # test date 2026-06-30.
    dates = [*snapshot_dates(TRAIN_UNTIL, POLICY), TRAIN_UNTIL]
    for i in range(N):
        cid = f"K{i:04d}"
        b.customer(cid, risk_level="C3")
        for k, d in enumerate(dates):
            if (i + k) % 4 == 0:
                ts = (d - dt.timedelta(days=3)).isoformat() + "T10:00:00+08:00"
                b.event(cid, ts, "inquiry.wealth", "branch")
                if i % 4 != 1 or k % 2:  # most inquirers buy
                    start = (d + dt.timedelta(days=5)).isoformat()
                    b.holding(cid, "W", "10000.00", start, (d + dt.timedelta(days=95)).isoformat())
            if (i * 7 + k) % 23 == 0:
                b.holding(cid, "INS", "5000.00", (d + dt.timedelta(days=9)).isoformat())
    return b.write(tmp_path / "lake")


@pytest.fixture(scope="module")
def lake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return planted(tmp_path_factory.mktemp("planted"))


def test_top_k_by_hand() -> None:
    import numpy as np

    score = np.array([[0.9, 0.1, 0.5], [0.2, 0.8, 0.7]])
    y = np.array([[True, False, False], [False, False, True]])
    # k = 1: row 0 picks col 0 (hit), row 1 picks col 1 (miss): precision 1 / 2, recall 1 / 2.
    assert top_k_scores(score, y, 1) == (0.5, 0.5)
    # k = 2: row 0 cols 0, 2 (one hit); row 1 cols 1, 2 (one hit): 2 / 4 and 2 / 2.
    assert top_k_scores(score, y, 2) == (0.5, 1.0)


@pytest.fixture(scope="module")
def evaluated(lake_dir: Path) -> tuple[Evaluation, PropensityModel]:
    lake = Lake(lake_dir, today=dt.date(2026, 11, 23))
    return evaluate(
        lake,
        train_until=TRAIN_UNTIL,
        test_until=TEST_UNTIL,
        policy=POLICY,
        policy_version=LOADED.version,
    )


def test_model_recovers_the_planted_signal(evaluated: tuple[Evaluation, PropensityModel]) -> None:
    ev, model = evaluated
    assert ev.purchases > 0
    assert ev.model.auc > ev.popularity.auc + 0.1
    assert ev.model.precision_at_k >= ev.popularity.precision_at_k
    assert ev.model.precision_top_share > ev.popularity.precision_top_share
    assert ev.lift_over_popularity >= 1.0
    assert ev.importance[0][0] in ("ev30__inquiry_wealth", "ev90__inquiry_wealth", "category")
    assert model.train_until == TRAIN_UNTIL and model.train_from == dt.date(2026, 4, 1)


def test_model_file_round_trip_and_tamper(
    lake_dir: Path, tmp_path: Path, evaluated: tuple[Evaluation, PropensityModel]
) -> None:
    lake = Lake(lake_dir, today=dt.date(2026, 11, 23))
    model = evaluated[1]
    path = tmp_path / "model.joblib"
    digest = save_model(model, path)
    assert (tmp_path / "model.joblib.sha256").read_text().startswith(digest)
    again = load_model(path)
    assert again.features == (*FEATURES, "category")
    assert again.categories == ("wealth", "insurance")
    # With the model, wealth candidates carry the model's propensity.
    result = recommend(
        lake, as_of=TRAIN_UNTIL, policy=POLICY, policy_version=LOADED.version, model=again
    )
    sources = set(result.recommendations.column("propensity_source").to_pylist())
    assert sources <= {"model", "rules"}
    with path.open("ab") as fh:
        fh.write(b"x")
    with pytest.raises(ModelError, match="digest does not match"):
        load_model(path)
