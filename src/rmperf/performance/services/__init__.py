"""Performance writes, one module per part of the workflow (DOMAIN §5, §7, §8, §9):

- `periods`: who runs the workflow, PerformanceError, opening and guarding a period;
- `runs`: scoring a period on the imported lake and persisting the engine's results;
- `calibration`: a branch manager's calibration, HR's confirmation of the ratings;
- `chain`: closing and reopening periods, and the hash chain over closed results;
- `targets`: proposing and approving annual target sheets;
- `manual`: reviewers' seats and their manual (qualitative) scores.

Every write is one durable transaction with its audit event (shared/STYLE.md 2). Callers
import from the module that holds a name; this package re-exports nothing.
"""
