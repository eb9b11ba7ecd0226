"""Results applied to careers (DOMAIN §6): the year-end ladder check, grade steps, honours
and the negative list with its recovery share. No Django; the app persists the results."""

from rmperf.engine.career.inputs import (
    QuarterTotal,
    Rating,
    load_ratings,
    load_totals,
    parse_ratings,
    parse_totals,
)
from rmperf.engine.career.ladder import (
    CareerRow,
    LoanBook,
    RmRecord,
    career_table,
    evaluate,
    loan_book,
    next_rank,
    years_since,
)
from rmperf.engine.career.negative import (
    NegativeRow,
    Recovery,
    lowest_in_groups,
    negative_list,
    negative_table,
    recovery_of,
    recovery_share,
)
from rmperf.engine.career.policy import (
    DEFAULT_FILE,
    LADDER,
    RULES,
    CareerPolicy,
    load_career_policy,
)

__all__ = [
    "DEFAULT_FILE",
    "LADDER",
    "RULES",
    "CareerPolicy",
    "CareerRow",
    "LoanBook",
    "NegativeRow",
    "QuarterTotal",
    "Rating",
    "Recovery",
    "RmRecord",
    "career_table",
    "evaluate",
    "load_career_policy",
    "load_ratings",
    "load_totals",
    "loan_book",
    "lowest_in_groups",
    "negative_list",
    "negative_table",
    "next_rank",
    "parse_ratings",
    "parse_totals",
    "recovery_of",
    "recovery_share",
    "years_since",
]
