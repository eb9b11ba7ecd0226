"""Analysis tools (DOMAIN §8): workload and capacity per RM, and gaming detection.

Both read a lake and a policy and return result tables; neither changes a score.
"""

from rmperf.engine.analysis.calendar import CalendarError, is_working_day, working_days
from rmperf.engine.analysis.gaming import (
    EVIDENCE_SCHEMA,
    FLAG_SCHEMA,
    GamingResult,
    detect_gaming,
)
from rmperf.engine.analysis.policy import (
    GamingPolicy,
    WorkloadPolicy,
    load_gaming_policy,
    load_workload_policy,
)
from rmperf.engine.analysis.rebalance import (
    CustomerLoad,
    Move,
    RmLoad,
    customer_demand,
    propose_moves,
    resulting_utilisation,
    utilisation,
)
from rmperf.engine.analysis.workload import workload, workload_schema

__all__ = [
    "EVIDENCE_SCHEMA",
    "FLAG_SCHEMA",
    "CalendarError",
    "CustomerLoad",
    "GamingPolicy",
    "GamingResult",
    "Move",
    "RmLoad",
    "WorkloadPolicy",
    "customer_demand",
    "detect_gaming",
    "is_working_day",
    "load_gaming_policy",
    "load_workload_policy",
    "propose_moves",
    "resulting_utilisation",
    "utilisation",
    "working_days",
    "workload",
    "workload_schema",
]
