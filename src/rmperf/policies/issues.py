"""Policy findings in the reader's language: the engine names each issue's rule, line
and path in English (it has no translations); the pages say what is wrong in plain
words of the reader's language, with the line, and keep the engine's text as a detail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from rmperf.engine.policy import PolicyIssue


@dataclass(frozen=True)
class IssueView:
    """One finding as a page shows it."""

    line: int | None
    severity: str
    text: str  # in the reader's language, with its line
    message: str  # the plain-words message alone
    rule: str  # the engine's rule name (details)
    where: str  # the path in the document (details)
    original: str  # the engine's full English text (details)


def _weights(message: str) -> str:
    found = re.search(r"sum to (-?[\d.]+)", message)
    total = found.group(1) if found else "?"
    return _("The line weights add up to %(total)s; they must add up to exactly 100.") % {
        "total": total
    }


def _compliance(message: str) -> str:
    found = re.search(r"weigh (-?[\d.]+), less than the required (-?[\d.]+)", message)
    if found is None:
        return _("Compliance and risk lines weigh less than the card requires.")
    return _("Compliance and risk lines weigh %(share)s, less than the %(required)s required.") % {
        "share": found.group(1),
        "required": found.group(2),
    }


def _fixed(text: Callable[[], str]) -> Callable[[str], str]:
    return lambda _message: text()


#: Plain words for each rule (and each pydantic error type, `schema.<type>`).
RULES: dict[str, Callable[[str], str]] = {
    "weights_sum_to_100": _weights,
    "compliance_risk_share": _compliance,
    "rating_bands_cover": _fixed(
        lambda: _(
            "The rating bands must cover every total from 0 up to 100 plus the bonus cap, "
            "without gaps or overlaps, and a better rating needs a higher band."
        )
    ),
    "forced_distribution_sound": _fixed(
        lambda: _(
            "The forced distribution names a rating without a band, the lowest rating, or "
            "a line the card does not have."
        )
    ),
    "indicator_exists": _fixed(lambda: _("No indicator of this name exists.")),
    "line_ids_unique": _fixed(lambda: _("Two lines or items have the same name.")),
    "weight_positive": _fixed(lambda: _("This line weighs 0 and can never score.")),
    "category_known": _fixed(lambda: _("This category is not one the bank uses.")),
    "balance_daily_average": _fixed(
        lambda: _("A balance must be measured as a daily average, not at one point in time.")
    ),
    "no_deposit_ranking": _fixed(
        lambda: _("Deposits may not be ranked or compared with peers or the market.")
    ),
    "params_consistent": _fixed(
        lambda: _("The settings of this line do not fit together (target, bands or limits).")
    ),
    "rule_unreachable": _fixed(
        lambda: _("This tier can never be reached: an earlier tier always matches first.")
    ),
    "card_unique": _fixed(lambda: _("Two cards have the same name.")),
    "one_card_per_business_line": _fixed(lambda: _("Two cards apply to the same business line.")),
    "one_card_per_unit_kind": _fixed(lambda: _("Two unit cards apply to the same kind of unit.")),
    "subject_applies_to": _fixed(
        lambda: _(
            "An RM card names a business line; a unit card (subject: unit) names a kind "
            "of unit (branch or team)."
        )
    ),
    "unit_lines_supported": _fixed(
        lambda: _(
            "A unit card scores rolled-up indicators only: no manual scores, per-person "
            "targets or weights, and peers are the other units on the card."
        )
    ),
    "unit_compliance_risk_weigh_more": _fixed(
        lambda: _(
            "On a unit card, compliance and risk must each weigh at least the heaviest "
            "other category plus the margin (P-02)."
        )
    ),
    "scorecards_empty": _fixed(lambda: _("The set holds no scorecard.")),
    "yaml_syntax": _fixed(
        lambda: _("The text cannot be read: check the indentation and the colons.")
    ),
    "document_shape": _fixed(lambda: _("The text must be a list of settings (key: value).")),
    "schema.missing": _fixed(lambda: _("A required setting is missing here.")),
    "schema.extra_forbidden": _fixed(lambda: _("This setting is not known here (misspelt?).")),
    "schema.decimal_parsing": _fixed(lambda: _("This value must be a number.")),
    "schema.decimal_type": _fixed(lambda: _("This value must be a number.")),
    "schema.float_parsing": _fixed(lambda: _("This value must be a number.")),
    "schema.int_parsing": _fixed(lambda: _("This value must be a whole number.")),
    "schema.greater_than": _fixed(lambda: _("This value is too small.")),
    "schema.greater_than_equal": _fixed(lambda: _("This value is too small.")),
    "schema.less_than": _fixed(lambda: _("This value is too large.")),
    "schema.less_than_equal": _fixed(lambda: _("This value is too large.")),
    "schema.literal_error": _fixed(lambda: _("This value is not one of the allowed choices.")),
    "schema.enum": _fixed(lambda: _("This value is not one of the allowed choices.")),
}


def issue_message(issue: PolicyIssue) -> str:
    """What is wrong, in plain words of the active language."""
    words = RULES.get(issue.rule)
    if words is None and issue.rule.startswith("schema."):
        return _("This value does not have the expected form.")
    if words is None:
        return _("This setting breaks one of the policy's rules (see the details).")
    return words(issue.message)


def issue_view(issue: PolicyIssue) -> IssueView:
    message = issue_message(issue)
    if issue.line:
        text = _("Line %(line)s: %(message)s") % {"line": issue.line, "message": message}
    else:
        text = _("Whole text: %(message)s") % {"message": message}
    return IssueView(
        line=issue.line,
        severity=str(issue.severity),
        text=text,
        message=message,
        rule=issue.rule,
        where=".".join(str(p) for p in issue.loc),
        original=str(issue),
    )
