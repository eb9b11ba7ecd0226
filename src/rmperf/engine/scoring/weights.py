"""Per-person weights (一人一表, DOMAIN §7): the target sheet's `weight` column.

A sheet row's `weight` is that RM's weight, for that year, of the card line reading the
row's indicator (or manual key). It is checked against the RM's card:
- the line must allow it: a line with `weight_range: [min, max]` takes any weight in
  that closed range; a line without one has a fixed weight, and a different per-person
  weight is refused (the same weight is accepted);
- the indicator must be on exactly one line of the RM's card;
- the RM's weights (the sheet's where given, the card's elsewhere) still sum to exactly
  100, and the compliance and risk lines still weigh at least the card's
  `min_compliance_risk_share`.
Every breach is an issue naming the sheet, its line and the rule; nothing is scored
when there is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from rmperf.engine.policy import PolicyIssue, Severity
from rmperf.engine.scoring.library import COMPLIANCE_RISK, Library
from rmperf.engine.scoring.policy import AnyLine, ManualLine, Scorecard
from rmperf.engine.scoring.rules import line_category
from rmperf.engine.scoring.targets import TargetRow, TargetSheet

HUNDRED = Decimal(100)


def source_key(line: AnyLine) -> str:
    """What a sheet row names to reach the line: its indicator, or a manual line's key."""
    return line.manual if isinstance(line, ManualLine) else (line.indicator or "")


def weight_rows(sheet: TargetSheet, year: int) -> dict[str, dict[str, TargetRow]]:
    """staff_id → indicator → the row that applies to `year` (a dated row beats an
    undated one), for the rows that give a weight."""
    chosen: dict[tuple[str, str], TargetRow] = {}
    for (staff_id, indicator, row_year), row in sheet.rows.items():
        if row_year not in (None, year):
            continue
        if row_year is None and (staff_id, indicator) in chosen:
            continue  # the dated row of that year wins
        chosen[(staff_id, indicator)] = row
    out: dict[str, dict[str, TargetRow]] = {}
    for (staff_id, indicator), row in chosen.items():
        if row.weight is not None:
            out.setdefault(staff_id, {})[indicator] = row
    return out


def person_weights(
    card: Scorecard,
    *,
    card_name: str,
    sheet: TargetSheet,
    staff_id: str,
    year: int,
    library: Library,
    rows: dict[str, TargetRow] | None = None,
) -> tuple[dict[str, Decimal], list[PolicyIssue]]:
    """The weight of each of the card's lines (line key → weight) for one RM and year,
    and the issues that make them unusable (empty when they are fine). `rows`: the
    person's weight rows when already looked up (`weight_rows`)."""
    issues: list[PolicyIssue] = []

    def bad(rule: str, message: str, row: TargetRow | None) -> None:
        issues.append(
            PolicyIssue(Severity.ERROR, rule, message, sheet.source, row.line if row else None)
        )

    weights = {ln.key: ln.weight for ln in card.lines}
    if rows is None:
        rows = weight_rows(sheet, year).get(staff_id, {})
    if not rows:
        return weights, issues
    for indicator, row in sorted(rows.items()):
        weight = row.weight
        assert weight is not None  # noqa: S101 - _rows_of keeps rows with a weight only
        lines = [ln for ln in card.lines if source_key(ln) == indicator]
        if not lines:
            bad(
                "targets.weight_line",
                f"{staff_id} {indicator}: card {card_name} has no line reading {indicator}, "
                "so it has no weight to set",
                row,
            )
            continue
        if len(lines) > 1:
            names = ", ".join(ln.key for ln in lines)
            bad(
                "targets.weight_line",
                f"{staff_id} {indicator}: card {card_name} reads {indicator} on several lines "
                f"({names}); a per-person weight cannot tell which",
                row,
            )
            continue
        line = lines[0]
        if line.weight_range is None:
            if weight != line.weight:
                bad(
                    "targets.weight_fixed",
                    f"{staff_id}: line {line.key} of card {card_name} has a fixed weight "
                    f"{line.weight} (no weight_range); the sheet gives {weight}",
                    row,
                )
                continue
        else:
            low, high = line.weight_range
            if not low <= weight <= high:
                bad(
                    "targets.weight_range",
                    f"{staff_id}: weight {weight} of line {line.key} is outside card "
                    f"{card_name}'s allowed range [{low}, {high}]",
                    row,
                )
                continue
        weights[line.key] = weight
    if issues:
        return weights, issues
    first = min(rows.values(), key=lambda r: r.line or 0)
    total = sum(weights.values(), Decimal(0))
    if total != HUNDRED:
        detail = ", ".join(f"{k} {w}" for k, w in weights.items())
        bad(
            "targets.weights_sum_to_100",
            f"{staff_id}: the weights of card {card_name} sum to {total}, not 100, with the "
            f"sheet's weights ({detail})",
            first,
        )
    share = sum(
        (
            weights[ln.key]
            for ln in card.lines
            if line_category(ln, library) in COMPLIANCE_RISK and ln.key in weights
        ),
        Decimal(0),
    )
    if share < card.min_compliance_risk_share:
        bad(
            "targets.compliance_risk_share",
            f"{staff_id}: with the sheet's weights the compliance and risk lines of card "
            f"{card_name} weigh {share}, less than the required {card.min_compliance_risk_share}",
            first,
        )
    return weights, issues


def check_weights(
    sheet: TargetSheet,
    *,
    cards: Mapping[str, Scorecard],
    assignment: Mapping[str, str],
    year: int,
    library: Library,
) -> tuple[dict[tuple[str, str], Decimal], list[PolicyIssue]]:
    """Every assigned RM's line weights ((staff_id, line key) → weight) and every issue."""
    out: dict[tuple[str, str], Decimal] = {}
    issues: list[PolicyIssue] = []
    by_staff = weight_rows(sheet, year)
    for staff_id, card_name in sorted(assignment.items()):
        card = cards.get(card_name)
        if card is None:
            continue
        weights, found = person_weights(
            card,
            card_name=card_name,
            sheet=sheet,
            staff_id=staff_id,
            year=year,
            library=library,
            rows=by_staff.get(staff_id, {}),
        )
        issues.extend(found)
        for key, weight in weights.items():
            out[(staff_id, key)] = weight
    return out, issues
