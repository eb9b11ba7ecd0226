"""Analysis tools (DOMAIN §8): workload and capacity per RM, gap attribution (fishbone)
and gaming detection.

Each reads a lake and a policy and returns results; none changes a score.
"""

from rmperf.engine.analysis.calendar import CalendarError, is_working_day, working_days
from rmperf.engine.analysis.fishbone import (
    Fishbone,
    FishboneError,
    LineInput,
    TaskFigures,
    attribute_gaps,
    fishbone_text,
)
from rmperf.engine.analysis.gaming import (
    EVIDENCE_SCHEMA,
    FLAG_SCHEMA,
    TASKS_SCHEMA,
    GamingResult,
    detect_gaming,
)
from rmperf.engine.analysis.policy import (
    FishbonePolicy,
    GamingPolicy,
    WorkloadPolicy,
    load_fishbone_policy,
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
    "TASKS_SCHEMA",
    "CalendarError",
    "CustomerLoad",
    "Fishbone",
    "FishboneError",
    "FishbonePolicy",
    "GamingPolicy",
    "GamingResult",
    "LineInput",
    "Move",
    "RmLoad",
    "TaskFigures",
    "WorkloadPolicy",
    "attribute_gaps",
    "customer_demand",
    "detect_gaming",
    "fishbone_text",
    "is_working_day",
    "load_fishbone_policy",
    "load_gaming_policy",
    "load_workload_policy",
    "propose_moves",
    "resulting_utilisation",
    "utilisation",
    "working_days",
    "workload",
    "workload_schema",
]
