"""The demo's analysis step: the branch manager's workload view with its rebalancing
proposals, and the gaming review queue, for the last closed quarter. Runs through the
same services as the pages (as the system); a failure stops the demo loudly."""

from __future__ import annotations

from rmperf.analysis.models import GamingFlag, Load, RebalanceMove, RebalanceProposal, RmLoad
from rmperf.analysis.services import gaming_run, workload_run


def demo_analysis(*, quarter: str) -> list[str]:
    """Compute workload (with proposals) and gaming flags for `quarter`; the lines to print."""
    wl = workload_run(actor=None, key=quarter)
    loads = RmLoad.objects.filter(run=wl)
    proposals = RebalanceProposal.objects.filter(run=wl)
    moves = RebalanceMove.objects.filter(proposal__run=wl).count()
    gm = gaming_run(actor=None, key=quarter)
    flags = GamingFlag.objects.filter(period_key=quarter)
    by_kind = {
        k: flags.filter(kind=k).count() for k in sorted(set(flags.values_list("kind", flat=True)))
    }
    return [
        f"  workload {quarter}: {wl.row_count:,} RMs, "
        f"{loads.filter(load=Load.OVER).count()} over-loaded, "
        f"{loads.filter(load=Load.UNDER).count()} under-loaded; "
        f"{proposals.count()} rebalancing proposal(s) moving {moves} customer(s)",
        f"  gaming {quarter}: {gm.row_count:,} flag(s) for review "
        + (", ".join(f"{k} {n}" for k, n in by_kind.items()) or "(none)"),
    ]
