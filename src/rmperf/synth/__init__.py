"""The synthetic bank: a deterministic, realistic lake for demos, tests and benchmarks.

    from rmperf.synth import generate
    report = generate(scale="small", seed=42, out=Path("demo/lake"))

Modules: `scales` (sizes, the case RM), `org` (org tree, staff), `customers`
(population, assignments), `products` (the shelf), `activity` (events, contacts,
holdings, loans, balances; the planted propensity signal), `flows` (transactions),
`service` (requests, referrals, feedback, trainings), `writer` (the lake files).
"""

from .generate import GenerateReport, generate
from .scales import CASE_RM_STAFF_ID, SCALES, Scale

__all__ = ["CASE_RM_STAFF_ID", "SCALES", "GenerateReport", "Scale", "generate"]
