"""Planted gaming cases, so that the demo's review queue shows every kind the detector
finds (engine/analysis/gaming.py, docs/analysis.md "Gaming detection").

The synthetic bank's own behaviour already holds 时点冲量: a third of the RMs dress
their books at month ends (org.py `dressing`). It holds no split transactions, no
referral circle and no loans bunched at a quarter's end by count as well as amount, so
in the last complete quarter of the window this module adds, for retail RMs who do not
dress their books (the first four such, in staff order):

- split transactions: one customer of the first makes five mobile credits of 2,000.00 on
  the quarter's 46th day (10,000.00) and five of 4,000.00 on its 61st (20,000.00);
- loans bunched at the end: twelve consumer loans of 800,000.00 by the second, disbursed
  over the quarter's last eight days (applied for ten days before each);
- a referral circle: a customer of the third referred to the fourth on the quarter's
  21st day (accepted the next day) and back to the third on its 41st.

Deterministic (no random draw): the same world gives the same rows. The rows join the
last block's buffers, so part files and chunk sizes do not change the data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from rmperf.engine.contract import table

from .calendar import BANK_OFFSET_US, DAY_US, EPOCH, day_number
from .writer import schema

if TYPE_CHECKING:
    from .activity import World

HOUR_US = 3_600_000_000
SPLIT_GROUPS = (
    (Decimal("2000.00"), 45),
    (Decimal("4000.00"), 60),
)  # (amount, day of the quarter − 1)
BUNCHED_LOANS = 12
BUNCHED_AMOUNT = Decimal("800000.00")
LOAN_PRODUCT = "P039"  # 装修分期贷款 (consumer_loan): products.py SHELF order


def _last_quarter(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date] | None:
    """The last calendar quarter within first … last."""
    q_end = dt.date(last.year, (last.month - 1) // 3 * 3 + 1, 1) - dt.timedelta(days=1)
    if last.month % 3 == 0 and (last + dt.timedelta(days=1)).day == 1:
        q_end = last
    q_start = dt.date(q_end.year, q_end.month - 2, 1)
    return (q_start, q_end) if q_start >= first else None


def _ts(day: dt.date, hour: int) -> int:
    """Microseconds since the epoch of `hour`:00 bank time on `day`."""
    return day_number(day) * DAY_US + hour * HOUR_US - BANK_OFFSET_US


def _customer_of(world: World, rm: int, opened_by: int, active_until: int) -> int | None:
    """A retail customer of `rm` for the whole history, open and active in the quarter."""
    p = world.pop
    ok = np.flatnonzero(
        (p.rm0 == rm)
        & (p.rm1 < 0)
        & ~p.corporate
        & (p.opened < opened_by)
        & (p.last_active >= active_until)
    )
    return int(ok[0]) if ok.size else None


def _table(name: str, rows: list[dict[str, object]]) -> pa.Table:
    fields = schema(table(name))
    return pa.table({f.name: pa.array([r[f.name] for r in rows], type=f.type) for f in fields})


def plant_gaming_cases(
    buffers: dict[str, list[pa.Table]], world: World, *, block: int, blocks: int
) -> None:
    """Add the cases' rows to the buffers of the last block (any other block: nothing)."""
    if block != blocks - 1:
        return
    cal, org, pop = world.cal, world.org, world.pop
    span = _last_quarter(EPOCH + dt.timedelta(days=cal.start), EPOCH + dt.timedelta(days=cal.end))
    if span is None:
        return
    start, end = span
    clean = [
        int(s)
        for s in np.flatnonzero((org.line == 0) & (org.dressing < 0.1))
        if s in set(np.concatenate(org.rms_by_branch).tolist()) and s != org.case_rm
    ]
    if len(clean) < 4:
        return
    staff = org.staff_ids.to_pylist()
    cust = pop.ids.to_pylist()
    first = day_number(start)
    rows: dict[str, list[dict[str, object]]] = {"transactions": [], "loans": [], "referrals": []}

    splitter = _customer_of(world, clean[0], first, day_number(end))
    if splitter is not None:
        n = 0
        for amount, offset in SPLIT_GROUPS:
            day = start + dt.timedelta(days=offset)
            for hour in range(9, 14):
                n += 1
                rows["transactions"].append(
                    {
                        "txn_id": f"TXG{n:07d}",
                        "customer_id": cust[splitter],
                        "ts": _ts(day, hour),
                        "amount": amount,
                        "direction": "credit",
                        "channel": "mobile",
                        "product_id": None,
                    }
                )

    borrower = _customer_of(world, clean[1], first, day_number(end))
    if borrower is not None:
        for i in range(BUNCHED_LOANS):
            day = end - dt.timedelta(days=i % 8)
            rows["loans"].append(
                {
                    "loan_id": f"LG{i + 1:06d}",
                    "customer_id": cust[borrower],
                    "product_id": LOAN_PRODUCT,
                    "staff_id": staff[clean[1]],
                    "amount": BUNCHED_AMOUNT,
                    "disbursed_on": day,
                    "maturity_date": day + dt.timedelta(days=3 * 365),
                    "green": False,
                    "inclusive": False,
                    "applied_on": day - dt.timedelta(days=10),
                    "supply_chain": False,
                    "rate": Decimal("0.040000"),
                }
            )

    circled = _customer_of(world, clean[2], first, day_number(end))
    if circled is not None:
        out_day, back_day = start + dt.timedelta(days=20), start + dt.timedelta(days=40)
        for rid, src, dst, day, status in (
            ("RFG00001", clean[2], clean[3], out_day, "accepted"),
            ("RFG00002", clean[3], clean[2], back_day, "created"),
        ):
            rows["referrals"].append(
                {
                    "referral_id": rid,
                    "from_staff_id": staff[src],
                    "to_staff_id": staff[dst],
                    "customer_id": cust[circled],
                    "need": "wealth_products",
                    "created_at": _ts(day, 10),
                    "status": status,
                    "responded_at": _ts(day + dt.timedelta(days=1), 10)
                    if status == "accepted"
                    else None,
                    "converted_at": None,
                }
            )
    for name, found in rows.items():
        if found:
            buffers.setdefault(name, []).append(_table(name, found))
