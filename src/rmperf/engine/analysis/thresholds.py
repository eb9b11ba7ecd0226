"""Dynamic thresholds (issue #15, DOMAIN §8): a prediction model proposes next period's
level targets of the scorecards from each branch's history and the economic cycle.

Threshold-bearing lines: the `ratio` lines whose target is one fixed level for everyone
(`target: {basis: level, value: …}` without a per-person sheet), e.g. RAROC 0.15, green
credit share 0.10, mystery shopper 90. Per-person and annual targets come from the target
sheet (一人一表) and band lines carry several cut-offs: neither is proposed here.

The model, per branch and line (docs/analysis.md "Dynamic thresholds"):

    y_t = b0 + b1·t + Σ_s b_s·x_{s,t-1}

- y_t: the indicator's value for the branch in period t (a period of the same kind as the
  one proposed for: quarters for 2026Q4, months for 2026-10), computed by the engine's own
  indicator functions (`compute_indicators`, rolled up per branch with `rollup`) for each
  of the `history` periods before it; a period where the value is undefined (nothing to
  divide by) is left out and the observation count says how many were used;
- t: the period's index (a trend term);
- x_{s,t-1}: the mean of economic series s over the months of the period before t, the
  branch's own row, else its nearest ancestor's (region), else the bank's: the lag lets
  the model predict the next period from figures already published;
- fitted by ordinary least squares (scikit-learn `LinearRegression`, intercept on).

Backtest by rolling origin: for each of the last `backtest` observations, fit on every
observation before it and predict it; MAE is the mean absolute error, MAPE the mean of
|error| / |actual| over the observations whose actual is not 0 (empty when all are 0).
The proposal is the prediction for the period from a fit on all observations; its interval
is proposal ± 1.96 × the sample standard deviation of the backtest errors (a normal 95 %
band; empty with fewer than two backtest errors). Values are rounded half up to 6 places.

A share (`SHARE_INDICATORS`: a `ratio` whose numerator counts part of what its denominator
counts, e.g. HNW retention, green-credit share) lies between 0 and 1, but a straight line
through its history does not know that: a rising retention extrapolates past 100 %, a
falling share below 0. Such a proposal, and its interval, are clipped to 0 … 1 (the nearest
value a share can take; for a quantity that lies in 0 … 1 the clipped value is never
further from what happens than the line's), and the note says so with the model's own
figure: `clipped to 1.000000 (model 1.074000, a share lies in 0..1)`. Other ratios (RAROC, ROE,
a cost decline) may be negative or exceed 1 and are not clipped.

A series with no row for a branch (nor its ancestors) in a month the model needs is an
error naming the series, the unit and the month. Nothing here is random: the same lake,
period and cards give the same proposals.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pyarrow as pa

from rmperf.engine.arrow_rows import table_from_rows
from rmperf.engine.backends import BackendName
from rmperf.engine.indicators.compute import compute_indicators
from rmperf.engine.indicators.rollup import rollup
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period, PeriodKind
from rmperf.engine.scoring.load import Cards
from rmperf.engine.scoring.policy import RatioLine, TargetBasis, TargetSource

MODEL_NAME = "ols_trend_lagged_series"
MODEL_VERSION = "1"
DEFAULT_SERIES: tuple[str, ...] = ("pmi", "gdp_growth")
DEFAULT_HISTORY = 8
DEFAULT_BACKTEST = 3
Z95 = Decimal("1.96")
SIX = Decimal("0.000001")
ZERO, ONE = Decimal("0.000000"), Decimal("1.000000")  # a share's bounds, to 6 places
#: The `ratio` indicators of the library that are shares of a whole (module docstring):
#: their values lie in 0 … 1, and a proposal is clipped to that range.
SHARE_INDICATORS: frozenset[str] = frozenset(
    {
        "cross_sell_rate",
        "overdue_rate",
        "npl_ratio",
        "response_24h_rate",
        "online_share",
        "hnw_retention",
        "sleeping_wakeup_rate",
        "family_trust_penetration",
        "referral_success_rate",
        "green_credit_share",
        "offer_conversion_rate",
        "offer_complaint_rate",
    }
)
#: The library's other `ratio` indicators: returns and differences, unbounded (a loss
#: gives a negative ROE). Every ratio indicator is in one of the two sets (a test checks).
UNBOUNDED_RATIOS: frozenset[str] = frozenset({"raroc", "roe", "financing_cost_decline"})


class EconomicSeriesError(ValueError):
    """An economic series the model needs is missing for a unit and month."""

    def __init__(self, series: str, unit_id: str, month: str) -> None:
        self.series, self.unit_id, self.month = series, unit_id, month
        super().__init__(
            f"economic series {series!r} has no value for unit {unit_id} (nor any unit above "
            f"it) in month {month}: add it to the lake table economic_series"
        )


@dataclass(frozen=True)
class ThresholdLine:
    """A scorecard line with one fixed level target."""

    scorecard: str
    indicator: str
    current: Decimal


@dataclass(frozen=True)
class Fit:
    """What the model gives for one series of observations."""

    proposed: Decimal | None
    low: Decimal | None
    high: Decimal | None
    mae: Decimal | None
    mape: Decimal | None
    n: int
    coefficients: tuple[Decimal, ...] = ()  # intercept, trend, then one per series
    note: str = ""


@dataclass(frozen=True)
class Proposal:
    """One branch × line: the current target and the proposed one."""

    unit_id: str
    unit_name: str
    line: ThresholdLine
    fit: Fit


@dataclass(frozen=True)
class ThresholdRun:
    """Every proposal of one run, with what it was computed from."""

    period: str
    series: tuple[str, ...]
    history: tuple[str, ...]  # the periods of the observations
    series_months: tuple[str, ...]  # the months of economic series read
    digest: str  # sha256 of the inputs (observations, series values, current targets)
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def model(self) -> str:
        return f"{MODEL_NAME}/{MODEL_VERSION}"


def threshold_lines(cards: Cards) -> list[ThresholdLine]:
    """The level-target ratio lines of the cards, in card then line order."""
    out: list[ThresholdLine] = []
    for name in sorted(cards):
        for line in cards[name].policy.lines:
            if not isinstance(line, RatioLine):
                continue
            t = line.target
            if (
                t.basis != TargetBasis.LEVEL
                or t.source == TargetSource.PER_PERSON
                or t.value is None
                or line.indicator is None
            ):
                continue
            out.append(ThresholdLine(name, line.indicator, Decimal(t.value)))
    return out


def _six(x: float) -> Decimal:
    return Decimal(repr(x)).quantize(SIX, rounding=ROUND_HALF_UP)


def _ols(xs: Sequence[Sequence[float]], ys: Sequence[float]) -> Any:
    from sklearn.linear_model import LinearRegression

    return LinearRegression().fit(list(xs), list(ys))


def fit_series(
    ys: Sequence[Decimal | None],
    xs: Sequence[Sequence[Decimal]],
    next_x: Sequence[Decimal],
    *,
    backtest: int = DEFAULT_BACKTEST,
) -> Fit:
    """Fit y on (trend, xs) and predict the next period (module docstring).

    `ys[i]` is the value of period i (None: undefined, left out), `xs[i]` its lagged series;
    the next period has index len(ys) and series `next_x`. A fit needs at least two more
    observations than parameters; with fewer the fit is empty and says so in `note`.
    """
    obs = [
        ([float(i), *(float(v) for v in x)], float(y))
        for i, (y, x) in enumerate(zip(ys, xs, strict=True))
        if y is not None
    ]
    n = len(obs)
    params = 2 + len(next_x)
    least = params + 2
    if n < least:
        return Fit(None, None, None, None, None, n, note=f"too_few_observations ({n} < {least})")
    k = min(backtest, n - least)
    errors: list[float] = []
    ape: list[float] = []
    for origin in range(n - k, n):
        model = _ols([o[0] for o in obs[:origin]], [o[1] for o in obs[:origin]])
        x, actual = obs[origin]
        err = actual - float(model.predict([x])[0])
        errors.append(err)
        if actual != 0:
            ape.append(abs(err) / abs(actual))
    model = _ols([o[0] for o in obs], [o[1] for o in obs])
    predicted = _six(float(model.predict([[float(len(ys)), *(float(v) for v in next_x)]])[0]))
    mae = _six(sum(abs(e) for e in errors) / len(errors)) if errors else None
    mape = _six(sum(ape) / len(ape)) if ape else None
    low = high = None
    if len(errors) >= 2:
        mean = sum(errors) / len(errors)
        sd = math.sqrt(sum((e - mean) ** 2 for e in errors) / (len(errors) - 1))
        half = (Z95 * _six(sd)).quantize(SIX, rounding=ROUND_HALF_UP)
        low, high = predicted - half, predicted + half
    coefs = (_six(float(model.intercept_)), *(_six(float(c)) for c in model.coef_))
    return Fit(predicted, low, high, mae, mape, n, coefs, note="" if k else "no_backtest")


def _within(value: Decimal | None) -> Decimal | None:
    return None if value is None else min(max(value, ZERO), ONE)


def clip_share(fit: Fit) -> Fit:
    """A share's fit with its proposal and interval clipped to 0 … 1; when the proposal
    moved, the note says to which bound and what the model gave (module docstring)."""
    proposed = _within(fit.proposed)
    if proposed is None:
        return fit
    note = fit.note
    if proposed != fit.proposed:
        clipped = f"clipped to {proposed} (model {fit.proposed}, a share lies in 0..1)"
        note = f"{note}; {clipped}" if note else clipped
    return replace(fit, proposed=proposed, low=_within(fit.low), high=_within(fit.high), note=note)


def _previous(period: Period, steps: int) -> Period:
    """The period `steps` periods of the same kind before `period`."""
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}
    span = months[period.kind] * steps
    index = period.start.year * 12 + period.start.month - 1 - span
    year, month = divmod(index, 12)
    first = Period.month(year, month + 1)
    last_index = index + months[period.kind] - 1
    ly, lm = divmod(last_index, 12)
    return Period(first.start, Period.month(ly, lm + 1).end, period.kind)


class _Series:
    """Economic series values by (unit, month, series), looked up up the org tree."""

    def __init__(self, rows: list[dict[str, Any]], parents: Mapping[str, str | None]) -> None:
        self.values = {(r["unit_id"], r["month"], r["series"]): Decimal(r["value"]) for r in rows}
        self.parents = parents
        self.used: set[str] = set()

    def value(self, series: str, unit_id: str, month: str) -> Decimal:
        unit: str | None = unit_id
        seen: set[str] = set()
        while unit is not None and unit not in seen:
            seen.add(unit)
            found = self.values.get((unit, month, series))
            if found is not None:
                self.used.add(month)
                return found
            unit = self.parents.get(unit)
        raise EconomicSeriesError(series, unit_id, month)

    def mean(self, series: str, unit_id: str, period: Period) -> Decimal:
        vals = [self.value(series, unit_id, m) for m in period.months]
        return (sum(vals, Decimal(0)) / len(vals)).quantize(SIX, rounding=ROUND_HALF_UP)


def propose_thresholds(
    lake: Lake,
    *,
    period: Period,
    cards: Cards,
    series: Sequence[str] = DEFAULT_SERIES,
    history: int = DEFAULT_HISTORY,
    backtest: int = DEFAULT_BACKTEST,
    backend: BackendName = "duckdb",
) -> ThresholdRun:
    """Proposals for every branch × threshold line of `cards` for `period`."""
    if history < 1:
        raise ValueError(f"history must be at least 1 period, not {history}")
    if not series:
        raise ValueError("the model needs at least one economic series")
    lines = threshold_lines(cards)
    units = lake.valid_rows("org_units", backend=backend).to_pylist()
    parents = {u["unit_id"]: u["parent_id"] for u in units}
    branches = sorted((u["unit_id"], u["name"]) for u in units if u["kind"] == "branch")
    econ = _Series(lake.valid_rows("economic_series", backend=backend).to_pylist(), parents)
    periods = [_previous(period, steps) for steps in range(history, 0, -1)]
    # Series first, for every branch: a missing one fails before any indicator is computed.
    lagged: dict[str, list[list[Decimal]]] = {}
    for unit_id, _ in branches:
        lagged[unit_id] = [
            [econ.mean(s, unit_id, _previous(p, 1)) for s in series] for p in [*periods, period]
        ]
    indicators = sorted({ln.indicator for ln in lines})
    values: dict[tuple[str, str], list[Decimal | None]] = defaultdict(lambda: [None] * history)
    if indicators and branches:
        for i, p in enumerate(periods):
            raw = compute_indicators(lake, period=p, indicators=indicators, backend=backend)
            for r in rollup(raw, lake, level="branch", backend=backend, period=p).to_pylist():
                if r["unit_id"] is not None:
                    values[(r["unit_id"], r["indicator"])][i] = r["value"]
    proposals: list[Proposal] = []
    digest_input: list[Any] = [period.key, list(series), [p.key for p in periods]]
    for unit_id, name in branches:
        xs = lagged[unit_id]
        for line in lines:
            ys = values[(unit_id, line.indicator)]
            fit = fit_series(ys, xs[:-1], xs[-1], backtest=backtest)
            if line.indicator in SHARE_INDICATORS:
                fit = clip_share(fit)
            proposals.append(Proposal(unit_id, name, line, fit))
            digest_input.append(
                [unit_id, line.scorecard, line.indicator, str(line.current)]
                + [None if y is None else str(y) for y in ys]
            )
        digest_input.append([unit_id, [[str(v) for v in x] for x in xs]])
    digest = hashlib.sha256(json.dumps(digest_input, sort_keys=True).encode()).hexdigest()
    return ThresholdRun(
        period=period.key,
        series=tuple(series),
        history=tuple(p.key for p in periods),
        series_months=tuple(sorted(econ.used)),
        digest=digest,
        proposals=proposals,
    )


THRESHOLDS_SCHEMA = pa.schema(
    [
        pa.field("unit_id", pa.string(), nullable=False),
        pa.field("unit_name", pa.string()),
        pa.field("scorecard", pa.string(), nullable=False),
        pa.field("indicator", pa.string(), nullable=False),
        pa.field("period", pa.string(), nullable=False),
        pa.field("current", pa.decimal128(24, 6)),
        pa.field("proposed", pa.decimal128(24, 6)),
        pa.field("low", pa.decimal128(24, 6)),
        pa.field("high", pa.decimal128(24, 6)),
        pa.field("model", pa.string(), nullable=False),
        pa.field("backtest_mae", pa.decimal128(24, 6)),
        pa.field("backtest_mape", pa.decimal128(24, 6)),
        pa.field("observations", pa.int64(), nullable=False),
        pa.field("note", pa.string()),
        pa.field("inputs_digest", pa.string(), nullable=False),
    ]
)


def thresholds_table(run: ThresholdRun) -> pa.Table:
    """One row per branch × line (THRESHOLDS_SCHEMA)."""
    rows = [
        {
            "unit_id": p.unit_id,
            "unit_name": p.unit_name,
            "scorecard": p.line.scorecard,
            "indicator": p.line.indicator,
            "period": run.period,
            "current": p.line.current,
            "proposed": p.fit.proposed,
            "low": p.fit.low,
            "high": p.fit.high,
            "model": run.model,
            "backtest_mae": p.fit.mae,
            "backtest_mape": p.fit.mape,
            "observations": p.fit.n,
            "note": p.fit.note,
            "inputs_digest": run.digest,
        }
        for p in run.proposals
    ]
    return table_from_rows(rows, THRESHOLDS_SCHEMA)


def consensus(run: ThresholdRun) -> dict[tuple[str, str], Decimal]:
    """Per (scorecard, indicator): the median of the branches' proposals, rounded half up
    to 4 places: the bank-wide level a scorecard draft takes (a card has one target)."""
    found: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for p in run.proposals:
        if p.fit.proposed is not None:
            found[(p.line.scorecard, p.line.indicator)].append(p.fit.proposed)
    out: dict[tuple[str, str], Decimal] = {}
    for key, vals in sorted(found.items()):
        vals.sort()
        mid = len(vals) // 2
        median = vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2
        out[key] = median.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return out
