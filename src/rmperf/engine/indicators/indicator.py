"""What an indicator is: `IndicatorDef`, and the finishers and crediting texts several
families share.

An indicator is defined whole in the module of its family (`families/`): its metadata in
both languages (docs/indicators.md is rendered from it), the lake tables it reads, its
detail expression (Ibis) and its finisher. `library.LIBRARY` collects the families.

A detail expression yields the rows behind the value, one per customer-month, loan,
transaction, request … with the crediting already applied and two exact integer measures
`a` and `b` (columns: `sources.DETAIL_COLUMNS`). `compute_indicators` groups them by RM;
`indicator_rows` returns them for one RM. The finisher turns the sums (key, a, b) into a
numerator and denominator as exact Decimals; it is linear, so the rows always sum to the
value. Nothing here imports Ibis: a warm command runs kept SQL (rmperf.engine.sql_cache)
and needs only the metadata and the finishers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from rmperf.engine.indicators.context import Context

Unit = Literal["CNY", "ratio", "count", "hours", "days", "score", "points"]
Direction = Literal["higher", "lower"]
Perspective = Literal["financial", "customer", "process", "learning"]
Category = Literal["business", "compliance", "risk", "development", "social"]
Family = Literal["result", "quality", "efficiency", "customer", "growth", "collaboration", "esg"]
#: How values of several RMs combine: `ratio` sums numerators and denominators and
#: divides; `sum` sums numerators over the (shared) denominator, or sums values when
#: there is no denominator.
Combine = Literal["sum", "ratio"]
#: The time basis: `daily_average` (balances averaged over the days of the period),
#: `flow` (what happened in the period), `point` (a state on the period's last day or
#: month; never used for a balance indicator).
Aggregation = Literal["daily_average", "flow", "point"]

FAMILIES: tuple[Family, ...] = (
    "result",
    "quality",
    "efficiency",
    "customer",
    "growth",
    "collaboration",
    "esg",
)

NumDen = tuple[Decimal, Decimal | None]
#: (context, key, Σ a, Σ b) → this part's numerator and denominator.
Finish = Callable[[Context, str, int, int], NumDen]
#: (context, staff_id or None for every RM) → the detail rows (an Ibis table).
Detail = Callable[[Context, str | None], Any]


def no_const(ctx: Context) -> Decimal | None:
    return None


@dataclass(frozen=True, kw_only=True)
class IndicatorDef:
    """One indicator: identity, names, unit, direction, grouping, written definition and
    how it is computed."""

    id: str
    name_zh: str
    name_en: str
    unit: Unit
    direction: Direction
    perspective: Perspective
    category: Category
    family: Family
    balance_based: bool
    definition: str
    sources: tuple[str, ...]
    formula: str
    crediting: str
    edge_cases: str
    combine: Combine
    aggregation: Aggregation
    #: The definition and the formula in plain Chinese for the pages (no column names);
    #: `definition` and `formula` are the English reference texts.
    definition_zh: str = ""
    formula_zh: str = ""
    numerator: str = ""  # what the numerator column holds
    denominator: str = ""  # what the denominator column holds (empty: NULL)
    #: The lake tables the detail expression reads (attached and staged for it).
    tables: tuple[str, ...]
    #: Turns the exact sums (key, a, b) of the rows into numerator and denominator.
    finish: Finish
    #: The rows behind the value (Ibis; built only when its SQL is compiled).
    detail: Detail
    #: The denominator shared by every RM for `combine = sum` indicators (None: none).
    const_den: Callable[[Context], Decimal | None] = no_const
    #: Reads the offers input (`offers.OFFERS_VIEW`) besides the lake.
    offers: bool = False
    #: Reads transactions before the period (the sleeping look-back), not only its days.
    lookback: bool = False
    #: The `feedback.kind` it reads, when it reads only that (360 feedback): extra
    #: feedback rows collected in the app (`compute.FeedbackRow`) join the lake's.
    feedback_kind: str | None = None
    #: (context, score) → the exact measures (a, b) one feedback row adds; with
    #: `feedback_kind`, the same measures the detail expression gives a lake row.
    feedback_measure: Callable[[Context, Decimal], tuple[int, int]] | None = None


@dataclass(frozen=True)
class JointQuery:
    """Indicators whose sums one query computes together when all of them are asked for
    (compute_indicators). `sums(ctx)` gives staff_id, key and a_<i> per member in order;
    their Σ b is 0."""

    members: tuple[str, ...]
    sums: Callable[[Context], Any]


# ---------------------------------------------------------------------- finishers


def finish_count(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a), None


def finish_cents(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a) / 100, None


def finish_ratio(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a), Decimal(b)


def finish_cents_ratio(ctx: Context, key: str, a: int, b: int) -> NumDen:
    return Decimal(a) / 100, Decimal(b) / 100


# ---------------------------------------------------------------------- crediting texts

BOOK_END = (
    "the RM in charge of the customer on the period's last day (assignment valid_from ≤ "
    "day ≤ valid_to, open valid_to = still valid)"
)
BOOK_START = "the RM in charge of the customer on the period's first day"
BY_DAY = (
    "the RM in charge of the customer on the business date (bank time) of the row; a "
    "reassignment splits the rows by date"
)
BY_MONTH_DAYS = (
    "each month's daily average is credited to the RM(s) in charge in that month, in "
    "proportion to the days of the month each assignment covers"
)
ORIGINATOR = "the originating RM, `loans.staff_id` (not the customer's current RM)"
