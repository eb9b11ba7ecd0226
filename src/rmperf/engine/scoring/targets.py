"""Annual targets per person (一人一表, DOMAIN §7), split into periods, and time-progress.

A target sheet is CSV or YAML with rows `staff_id, indicator, annual` and optionally
`year`, the quarter figures `q1 … q4` (all four or none; they must sum to the
annual figure) and `weight`, the person's weight of the card line reading that
indicator (checked against the card in `weights.py`). The engine validates and splits; proposing and approving a sheet is
the application's workflow.

Splitting an annual-basis target (amounts that accumulate over the year):
- quarter: the sheet's quarter figure; else annual × the quarter's seasonality share
  (default ¼), rounded half up to the cent, the fourth quarter taking the remainder so
  the quarters always add up to the annual figure;
- half-year: the sum of its two quarters; year: the annual figure;
- month: its quarter's target in equal thirds, rounded half up to the cent, the
  quarter's last month taking the remainder.
A level-basis target (a rate, a score) is the same in every period; a quarter figure in
the sheet, when given, applies to that quarter and its months.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import yaml

from rmperf.engine.periods import Period, PeriodKind
from rmperf.engine.policy import PolicyError, PolicyIssue, Severity, loader
from rmperf.engine.scoring.policy import TargetBasis, TargetSource, TargetSpec

CENT = Decimal("0.01")
RATE = Decimal("0.0001")
QUARTER_COLUMNS = ("q1", "q2", "q3", "q4")


def round_half_up(value: Decimal, step: Decimal) -> Decimal:
    """`value` rounded to `step` with ROUND_HALF_UP (never Python's half-to-even)."""
    return value.quantize(step, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TargetRow:
    """One person's annual target for one indicator, and where it was written."""

    staff_id: str
    indicator: str
    annual: Decimal
    quarters: tuple[Decimal, Decimal, Decimal, Decimal] | None = None
    year: int | None = None
    line: int | None = None
    weight: Decimal | None = None


@dataclass(frozen=True)
class TargetSheet:
    """Every row of a target sheet, keyed by (staff_id, indicator)."""

    rows: Mapping[tuple[str, str, int | None], TargetRow] = field(default_factory=dict)
    source: str = "<targets>"

    def get(self, staff_id: str, indicator: str, year: int | None = None) -> TargetRow | None:
        """The row for `year`: the row dated that year, else the undated row. Without a
        year: the undated row, or the only row of that person and indicator."""
        if year is not None:
            return self.rows.get((staff_id, indicator, year)) or self.rows.get(
                (staff_id, indicator, None)
            )
        undated = self.rows.get((staff_id, indicator, None))
        if undated is not None:
            return undated
        dated = [r for (s, i, _y), r in self.rows.items() if (s, i) == (staff_id, indicator)]
        return dated[0] if len(dated) == 1 else None

    def __len__(self) -> int:
        return len(self.rows)


EMPTY_SHEET = TargetSheet()


def split_annual(
    annual: Decimal, seasonality: Sequence[Decimal] | None = None
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Quarter targets summing exactly to `annual` (see the module notes)."""
    shares = list(seasonality) if seasonality is not None else [Decimal("0.25")] * 4
    first = [round_half_up(annual * s, CENT) for s in shares[:3]]
    return (first[0], first[1], first[2], annual - sum(first, Decimal(0)))


def _month_of_quarter(quarter_target: Decimal, index: int) -> Decimal:
    third = round_half_up(quarter_target / 3, CENT)
    return third if index < 2 else quarter_target - 2 * third


def period_target(
    annual: Decimal,
    quarters: Sequence[Decimal] | None,
    basis: TargetBasis,
    period: Period,
    seasonality: Sequence[Decimal] | None = None,
) -> Decimal:
    """The target for `period` from an annual figure (and optional quarter figures)."""
    q_index = (period.start.month - 1) // 3
    if basis is TargetBasis.LEVEL:
        if quarters is not None and period.kind in (PeriodKind.QUARTER, PeriodKind.MONTH):
            return quarters[q_index]
        return annual
    qs = tuple(quarters) if quarters is not None else split_annual(annual, seasonality)
    match period.kind:
        case PeriodKind.YEAR:
            return annual
        case PeriodKind.HALF:
            return qs[q_index] + qs[q_index + 1]
        case PeriodKind.QUARTER:
            return qs[q_index]
        case PeriodKind.MONTH:
            return _month_of_quarter(qs[q_index], (period.start.month - 1) % 3)


def joiner_factor(period: Period, hired_on: dt.date | None) -> Decimal:
    """Share of the period an RM was in post (hired on or after its start), to 4 places."""
    if hired_on is None or hired_on <= period.start:
        return Decimal(1)
    if hired_on > period.end:
        return Decimal(0)
    days = (period.end - hired_on).days + 1
    return round_half_up(Decimal(days) / Decimal(period.days), RATE)


class MissingTarget(ValueError):
    """A per-person line without a sheet row and without a default in the card."""


def resolve_target(
    spec: TargetSpec,
    *,
    sheet: TargetSheet,
    staff_id: str,
    indicator: str,
    period: Period,
) -> tuple[Decimal, str]:
    """The period's target for one person and line, and where it came from."""
    year = period.start.year
    row = sheet.get(staff_id, indicator, year) if spec.source is TargetSource.PER_PERSON else None
    if row is not None and (row.year is None or row.year == year):
        target = period_target(row.annual, row.quarters, spec.basis, period, spec.seasonality)
        origin = f"{sheet.source}:{row.line}" if row.line else sheet.source
        return target, origin
    if spec.value is None:
        raise MissingTarget(
            f"{staff_id}: no target for {indicator} in the target sheet and no default in the card"
        )
    target = period_target(spec.value, None, spec.basis, period, spec.seasonality)
    return target, "scorecard"


# -- reading a sheet -----------------------------------------------------------------


def _decimal(text: object, what: str) -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"{what} {text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{what} {text!r} is not a number")
    return value


def _row(raw: Mapping[str, object], line: int | None) -> TargetRow:
    staff_id = str(raw.get("staff_id") or "").strip()
    indicator = str(raw.get("indicator") or "").strip()
    if not staff_id:
        raise ValueError("staff_id is empty")
    if not indicator:
        raise ValueError("indicator is empty")
    annual = _decimal(raw.get("annual"), "annual")
    if annual < 0:
        raise ValueError(f"annual target {annual} is negative")
    quarter_raw = raw.get("quarters")
    if quarter_raw is None:
        quarter_raw = [raw.get(c) for c in QUARTER_COLUMNS]
    if not isinstance(quarter_raw, list | tuple):
        raise ValueError("quarters must be a list of four figures")
    given = [q for q in quarter_raw if q not in (None, "")]
    quarters: tuple[Decimal, Decimal, Decimal, Decimal] | None = None
    if given:
        if len(given) != 4 or len(quarter_raw) != 4:
            raise ValueError("give all four quarter figures or none")
        q = [_decimal(v, "quarter") for v in given]
        if any(v < 0 for v in q):
            raise ValueError("a quarter figure is negative")
        quarters = (q[0], q[1], q[2], q[3])
    year_raw = raw.get("year")
    year = None
    if year_raw not in (None, ""):
        try:
            year = int(str(year_raw))
        except ValueError:
            raise ValueError(f"year {year_raw!r} is not a year") from None
    weight_raw = raw.get("weight")
    weight = None
    if weight_raw not in (None, ""):
        weight = _decimal(weight_raw, "weight")
        if not Decimal(0) <= weight <= Decimal(100):
            raise ValueError(f"weight {weight} is not between 0 and 100")
    return TargetRow(staff_id, indicator, annual, quarters, year, line, weight)


def _records(text: str, source: str) -> Iterable[tuple[Mapping[str, object], int | None]]:
    if source.lower().endswith((".yaml", ".yml")):
        root = loader.compose(text)
        data = loader.safe_load(text)
        if isinstance(data, dict) and "targets" in data:
            data = data["targets"]
            if isinstance(root, yaml.MappingNode):
                root = next(v for k, v in root.value if k.value == "targets")
        if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
            raise PolicyError(
                [
                    PolicyIssue(
                        Severity.ERROR,
                        "targets.shape",
                        "a target sheet is a list of rows (or `targets:` holding one)",
                        source,
                        1,
                    )
                ]
            )
        for item, node in zip(data, root.value, strict=True):
            yield (item if isinstance(item, dict) else {}), node.start_mark.line + 1
        return
    reader = csv.DictReader(io.StringIO(text))
    missing = {"staff_id", "indicator", "annual"} - set(reader.fieldnames or ())
    if missing:
        raise PolicyError(
            [
                PolicyIssue(
                    Severity.ERROR,
                    "targets.columns",
                    f"missing column(s): {', '.join(sorted(missing))}",
                    source,
                    1,
                )
            ]
        )
    for rec in reader:
        yield rec, reader.line_num


def parse_target_sheet(
    text: str, *, source: str = "<targets>", indicators: Iterable[str] | None = None
) -> TargetSheet:
    """Validate a sheet (CSV, or YAML when `source` ends in .yaml); errors name file:line."""
    known = set(indicators) if indicators is not None else None
    issues: list[PolicyIssue] = []
    rows: dict[tuple[str, str, int | None], TargetRow] = {}

    def bad(rule_name: str, message: str, line: int | None) -> None:
        issues.append(PolicyIssue(Severity.ERROR, rule_name, message, source, line))

    try:
        records = list(_records(text.lstrip("\ufeff"), source))
    except yaml.YAMLError as exc:
        raise PolicyError(
            [PolicyIssue(Severity.ERROR, "yaml_syntax", str(exc).splitlines()[0], source, None)]
        ) from None
    for raw, line in records:
        try:
            row = _row(raw, line)
        except ValueError as exc:
            bad("targets.row", str(exc), line)
            continue
        if row.quarters is not None and sum(row.quarters, Decimal(0)) != row.annual:
            bad(
                "targets.quarters_sum",
                f"{row.staff_id} {row.indicator}: quarters sum to "
                f"{sum(row.quarters, Decimal(0))}, not the annual {row.annual}",
                line,
            )
        if known is not None and row.indicator not in known:
            bad("targets.indicator_exists", f"unknown indicator {row.indicator!r}", line)
        # One row per person, indicator and year (a sheet may hold several years; an
        # undated row applies to every year that has no dated row of its own).
        key = (row.staff_id, row.indicator, row.year)
        if key in rows:
            bad(
                "targets.unique",
                f"{row.staff_id} {row.indicator} already has a target on line {rows[key].line}",
                line,
            )
        rows[key] = row
    if issues:
        raise PolicyError(issues)
    return TargetSheet(rows, source)


def load_target_sheet(path: Path | str, *, indicators: Iterable[str] | None = None) -> TargetSheet:
    """Read and validate a target sheet file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(
            [PolicyIssue(Severity.ERROR, "file", f"cannot read: {exc.strerror}", str(p), None)]
        ) from None
    return parse_target_sheet(text, source=str(p), indicators=indicators)


@dataclass(frozen=True)
class Progress:
    """序时进度: a target, the actual so far, and where the calendar says it should be."""

    staff_id: str
    indicator: str
    target: Decimal
    actual: Decimal | None
    completion: Decimal | None
    expected: Decimal

    @property
    def behind(self) -> bool | None:
        return None if self.completion is None else self.completion < self.expected


def time_progress(
    *,
    period: Period,
    day: dt.date,
    targets: Mapping[tuple[str, str], Decimal],
    actuals: Mapping[tuple[str, str], Decimal | None],
) -> list[Progress]:
    """For each (staff, indicator) target: completion to date beside the time-progress.

    completion = actual / target, half up to 4 places (None when undefined or target 0);
    expected = Period.time_progress(day), the elapsed share of the period.
    """
    expected = period.time_progress(day)
    out = []
    for (staff_id, indicator), target in sorted(targets.items()):
        actual = actuals.get((staff_id, indicator))
        completion = (
            round_half_up(actual / target, RATE) if actual is not None and target != 0 else None
        )
        out.append(Progress(staff_id, indicator, target, actual, completion, expected))
    return out
