"""The synthetic bank's economic series (optional table economic_series), for the
dynamic-threshold model (docs/analysis.md "Dynamic thresholds").

- `pmi` bank-wide (on the bank's own unit): a business cycle of 36 months around 50.5
  (amplitude 1.8 points) plus noise of sd 0.4, clipped to 48–53;
- `gdp_growth` per region (城市分行): the region's trend growth (4.5–6.5 %) moving with
  the same cycle (0.6 points per PMI point above 50.5) plus noise of sd 0.2 points.

From its own random stream, so the other tables stay as they were; deterministic by seed.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from rmperf.engine.contract import ColType

from .arrow import decimal
from .calendar import Calendar
from .org import Org
from .rng import stream


def economic_series(seed: int, cal: Calendar, org: Org) -> dict[str, pa.Array]:
    """The economic_series columns (unit_id, month, series, value) for the window."""
    rng = stream(seed, "economic_series")
    months = cal.n_months
    t = np.arange(months)
    cycle = 1.8 * np.sin(2 * np.pi * (t + rng.integers(0, 36)) / 36)
    pmi = np.clip(50.5 + cycle + rng.normal(0.0, 0.4, months), 48.0, 53.0)
    kinds = np.array(org.unit_columns["kind"].to_pylist())
    unit_ids = org.unit_columns["unit_id"].to_pylist()
    bank = int(np.flatnonzero(kinds == "bank")[0])
    regions = np.flatnonzero(kinds == "region")
    trend = rng.uniform(0.045, 0.065, regions.size)
    gdp = (
        trend[:, None]
        + 0.006 * (pmi - 50.5)[None, :]
        + rng.normal(0.0, 0.002, (regions.size, months))
    )
    unit = [unit_ids[bank]] * months + [unit_ids[r] for r in regions for _ in range(months)]
    month = cal.labels + cal.labels * regions.size
    series = ["pmi"] * months + ["gdp_growth"] * (regions.size * months)
    # PMI to 0.01 point, growth to 0.0001 (0.01 %): scaled integers for the RATE column.
    values = np.concatenate((np.round(pmi * 100) * 10_000, np.round(gdp.ravel() * 10_000) * 100))
    return {
        "unit_id": pa.array(unit, pa.string()),
        "month": pa.array(month, pa.string()),
        "series": pa.array(series, pa.string()),
        "value": decimal(values.astype(np.int64), ColType.RATE),
    }
