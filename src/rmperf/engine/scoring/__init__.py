"""Scorecards and scoring (DOMAIN §5, §7, §9): policy, targets, the scorer, ratings.

`score` is a pure function of an indicator-values table, the scorecards, the target
sheet and the manual scores; `score_lake` computes the indicators from a lake first.
"""

from rmperf.engine.scoring.library import Indicator, IndicatorInfo, Library, default_library
from rmperf.engine.scoring.load import (
    load_manual_scores,
    load_scorecard_text,
    load_scorecards,
    parse_manual_scores,
    scorecard_json_schema,
)
from rmperf.engine.scoring.policy import Scorecard, Tier
from rmperf.engine.scoring.rules import make_rules
from rmperf.engine.scoring.score import (
    LineScore,
    ManualScores,
    RmScore,
    ScoreResult,
    ScoringError,
    StaffInfo,
    force_distribution,
    score,
    values_from_table,
)
from rmperf.engine.scoring.targets import (
    TargetSheet,
    load_target_sheet,
    parse_target_sheet,
    period_target,
    split_annual,
    time_progress,
)

__all__ = [
    "Indicator",
    "IndicatorInfo",
    "Library",
    "LineScore",
    "ManualScores",
    "RmScore",
    "ScoreResult",
    "Scorecard",
    "ScoringError",
    "StaffInfo",
    "TargetSheet",
    "Tier",
    "default_library",
    "force_distribution",
    "load_manual_scores",
    "load_scorecard_text",
    "load_scorecards",
    "load_target_sheet",
    "make_rules",
    "parse_manual_scores",
    "parse_target_sheet",
    "period_target",
    "score",
    "scorecard_json_schema",
    "split_annual",
    "time_progress",
    "values_from_table",
]
