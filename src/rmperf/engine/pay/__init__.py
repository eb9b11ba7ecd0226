"""Pay statements (DOMAIN §6): the pay plan policy, the quarter-by-quarter state machine,
reading a lake and the result tables. `rmperf pay` is the command; docs/pay.md the rules.
"""

from rmperf.engine.pay.compute import (
    Loan,
    PayError,
    PayInputs,
    PayLine,
    Person,
    QuarterPay,
    Statement,
    compute_pay,
    quarter_pay,
)
from rmperf.engine.pay.plan import PayPlan, load_pay_plan
from rmperf.engine.pay.run import LakePay, load_ratings, parse_ratings, pay_lake, read_lake

__all__ = [
    "LakePay",
    "Loan",
    "PayError",
    "PayInputs",
    "PayLine",
    "PayPlan",
    "Person",
    "QuarterPay",
    "Statement",
    "compute_pay",
    "load_pay_plan",
    "load_ratings",
    "parse_ratings",
    "pay_lake",
    "quarter_pay",
    "read_lake",
]
