"""The career checks on a lake: ratings and totals from files or from the scoring engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rmperf.engine.backends import BackendName
from rmperf.engine.career.inputs import QuarterTotal, Rating
from rmperf.engine.career.ladder import (
    CareerRow,
    as_of_month,
    evaluate,
    ladder_rms,
    loan_book,
    next_rank,
)
from rmperf.engine.career.negative import NegativeRow, negative_list
from rmperf.engine.career.policy import CareerPolicy
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.policy import LoadedPolicy
from rmperf.engine.scoring.load import Cards, load_scorecards
from rmperf.engine.scoring.policy import Tier
from rmperf.engine.scoring.run import score_lake, staff_info


def years_needed(ranks: Sequence[str], *, year: int, policy: CareerPolicy) -> list[int]:
    """The years whose annual ratings the ladder reads for RMs of these ranks, latest first."""
    span = 1
    for rank in set(ranks):
        target = next_rank(rank)
        if target is not None:
            span = max(span, policy.ladder.step_to(target).rating_years)
    return [year - k for k in range(span)]


def scored_ratings(
    lake: Lake, *, years: Sequence[int], cards: Cards | None = None, backend: BackendName = "duckdb"
) -> dict[tuple[str, int], Tier]:
    """Annual ratings from scoring each year with the scorecards (default: shipped cards)."""
    cards = cards if cards is not None else load_scorecards(None)
    out: dict[tuple[str, int], Tier] = {}
    for year in years:
        scored = score_lake(lake, period=Period.parse(str(year)), cards=cards, backend=backend)
        for t in scored.result.totals:
            out[(t.staff_id, year)] = t.tier
    return out


def file_ratings(ratings: Mapping[tuple[str, str], Rating]) -> dict[tuple[str, int], Tier]:
    """The annual rows of a ratings file (quarter rows are not annual ratings)."""
    return {
        (r.staff_id, int(r.period)): r.tier
        for r in ratings.values()
        if len(r.period) == 4 and r.period.isdigit()
    }


@dataclass(frozen=True)
class CareerRun:
    rows: list[CareerRow]
    ratings_source: str
    as_of_month: str
    loans_found: bool  # any loan with a positive balance in the as-of month


def career_lake(
    lake: Lake,
    *,
    year: int,
    policy: LoadedPolicy[CareerPolicy],
    ratings: Mapping[tuple[str, int], Tier] | None = None,
    backend: BackendName = "duckdb",
) -> CareerRun:
    """Every RM's year-end ladder check; without `ratings` the needed years are scored."""
    rms = ladder_rms(lake, year=year, backend=backend)
    month = as_of_month(year, policy.policy)
    books = loan_book(lake, month=month, backend=backend)
    source = "ratings file"
    if ratings is None:
        years = years_needed([r.rank for r in rms.values()], year=year, policy=policy.policy)
        ratings = scored_ratings(lake, years=years, backend=backend)
        source = "scored " + ", ".join(str(y) for y in years)
    rows = evaluate(
        rms,
        year=year,
        books=books,
        ratings=ratings,
        policy=policy.policy,
        policy_version=policy.version,
    )
    return CareerRun(rows, source, month, bool(books))


def scored_totals(
    lake: Lake,
    *,
    quarters: Sequence[Period],
    cards: Cards | None = None,
    backend: BackendName = "duckdb",
) -> list[QuarterTotal]:
    """Quarterly totals from scoring each quarter with the scorecards (default: shipped)."""
    cards = cards if cards is not None else load_scorecards(None)
    out: list[QuarterTotal] = []
    for q in quarters:
        scored = score_lake(lake, period=q, cards=cards, backend=backend)
        out += [
            QuarterTotal(t.staff_id, t.scorecard, t.period, t.total) for t in scored.result.totals
        ]
    return out


def branches_of(
    lake: Lake, *, period: Period, backend: BackendName = "duckdb"
) -> dict[str, str | None]:
    """staff_id → branch of every RM hired by the period's end (the lake keeps one unit)."""
    return {s: info.branch for s, info in staff_info(lake, period=period, backend=backend).items()}


def negative_lake(
    lake: Lake,
    *,
    period: Period,
    policy: LoadedPolicy[CareerPolicy],
    totals: Sequence[QuarterTotal] | None = None,
    backend: BackendName = "duckdb",
) -> list[NegativeRow]:
    """The negative list for `period`; without `totals` it and the quarter before are scored."""
    if totals is None:
        totals = scored_totals(lake, quarters=[period.previous(), period], backend=backend)
    branches = branches_of(lake, period=period, backend=backend)
    return negative_list(
        totals, period=period, branches=branches, rules=policy.policy.negative_list
    )
