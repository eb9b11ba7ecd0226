"""The career commands' input files: ratings and quarterly totals, as `rmperf score` writes them.

Both accept concatenated `rmperf score --out` CSV files: extra columns are allowed and a
repeated header line (where one file's header follows another file's rows) is skipped.
Every problem names the file, the line and the rule; nothing is used from a file with one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rmperf.engine.periods import Period
from rmperf.engine.policy import PolicyError, PolicyIssue, Severity
from rmperf.engine.scoring.policy import TIER_ORDER, Tier

TIERS = ", ".join(str(t) for t in TIER_ORDER)


@dataclass(frozen=True)
class Rating:
    """One RM's rating tier for one period (a year `2026` or a quarter `2026Q3`)."""

    staff_id: str
    period: str
    tier: Tier


@dataclass(frozen=True)
class QuarterTotal:
    """One RM's quarterly total on a scorecard (a row of `rmperf score --out`)."""

    staff_id: str
    scorecard: str
    period: str
    total: Decimal


def _issue(rule: str, message: str, source: str, line: int | None) -> PolicyIssue:
    return PolicyIssue(Severity.ERROR, rule, message, source, line)


def _rows(
    text: str, *, source: str, required: tuple[str, ...], rule_prefix: str
) -> Iterable[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or ()]
    missing = [c for c in required if c not in header]
    if missing:
        raise PolicyError(
            [
                _issue(
                    f"{rule_prefix}.columns",
                    f"missing column(s): {', '.join(missing)}",
                    source,
                    1,
                )
            ]
        )
    reader.fieldnames = header
    for rec in reader:
        values = {k: (v or "").strip() for k, v in rec.items() if isinstance(k, str)}
        if [values.get(h, "") for h in header] == header:
            continue  # the header of the next concatenated file
        yield reader.line_num, values


def _period_key(text: str) -> str | None:
    try:
        return Period.parse(text).key
    except ValueError:
        return None


def parse_ratings(text: str, *, source: str = "<ratings>") -> dict[tuple[str, str], Rating]:
    """CSV `staff_id, period, tier` → (staff_id, period) → rating; errors name file and line."""
    issues: list[PolicyIssue] = []
    found: dict[tuple[str, str], Rating] = {}
    lines: dict[tuple[str, str], int] = {}
    for line, rec in _rows(
        text, source=source, required=("staff_id", "period", "tier"), rule_prefix="ratings"
    ):
        staff_id, tier_text = rec.get("staff_id", ""), rec.get("tier", "")
        period = _period_key(rec.get("period", ""))
        problem, rule_name = None, "ratings.row"
        if not staff_id:
            problem = "staff_id is empty"
        elif period is None:
            problem = f"period {rec.get('period', '')!r} is not a period (2026 or 2026Q3)"
        elif tier_text not in {str(t) for t in TIER_ORDER}:
            problem, rule_name = f"unknown tier {tier_text!r} (use {TIERS})", "ratings.tier"
        elif (staff_id, period) in found:
            earlier = lines[(staff_id, period)]
            problem = f"{staff_id} {period} already rated on line {earlier}"
            rule_name = "ratings.duplicate"
        if problem is not None or period is None:
            issues.append(_issue(rule_name, problem or "", source, line))
            continue
        found[(staff_id, period)] = Rating(staff_id, period, Tier(tier_text))
        lines[(staff_id, period)] = line
    if issues:
        raise PolicyError(issues)
    return found


def parse_totals(text: str, *, source: str = "<scores>") -> list[QuarterTotal]:
    """CSV `staff_id, scorecard, period, total` (quarters only) → totals; errors name the line."""
    issues: list[PolicyIssue] = []
    found: list[QuarterTotal] = []
    lines: dict[tuple[str, str], int] = {}
    for line, rec in _rows(
        text,
        source=source,
        required=("staff_id", "scorecard", "period", "total"),
        rule_prefix="scores",
    ):
        staff_id, card = rec.get("staff_id", ""), rec.get("scorecard", "")
        raw_period = rec.get("period", "")
        try:
            period: Period | None = Period.parse(raw_period)
        except ValueError:
            period = None
        try:
            total = Decimal(rec.get("total", ""))
        except InvalidOperation:
            total = Decimal("NaN")
        problem, rule_name = None, "scores.row"
        if not staff_id or not card:
            problem = "staff_id and scorecard are required"
        elif period is None or period.kind != "quarter":
            problem = f"period {raw_period!r} is not a quarter (2026Q3)"
        elif not total.is_finite() or total.as_tuple().exponent < -2:  # type: ignore[operator]
            problem = f"total {rec.get('total', '')!r} is not a number with at most 2 decimals"
        elif (staff_id, period.key) in lines:
            earlier = lines[(staff_id, period.key)]
            problem = f"{staff_id} {period.key} already has a total on line {earlier}"
            rule_name = "scores.duplicate"
        if problem is not None or period is None:
            issues.append(_issue(rule_name, problem or "", source, line))
            continue
        lines[(staff_id, period.key)] = line
        found.append(QuarterTotal(staff_id, card, period.key, total))
    if issues:
        raise PolicyError(issues)
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(
            [_issue("file", f"cannot read: {exc.strerror}", str(path), None)]
        ) from None
    except UnicodeDecodeError:
        raise PolicyError([_issue("file", "not UTF-8 text", str(path), None)]) from None


def load_ratings(path: Path) -> dict[tuple[str, str], Rating]:
    """The ratings file at `path` (see parse_ratings)."""
    return parse_ratings(_read(path), source=str(path))


def load_totals(path: Path) -> list[QuarterTotal]:
    """The quarterly totals file at `path` (see parse_totals)."""
    return parse_totals(_read(path), source=str(path))
