"""Transactions of one block, and the events that come with some of them.

- Everyday flow: a Poisson number of transactions per customer (retail median 0.075 a
  day, corporate 0.45, both log-normal across customers) over the days the customer
  is active, placed with the calendar's month-end / quarter-end seasonality and never
  inside a dormant spell. Amounts are log-normal around the customer's scale (retail
  median ≈ 200 yuan, growing with AUM; corporate ≈ 15,000); ATM amounts are whole
  hundreds. Channels follow the customer's digital affinity (younger → mobile).
- Every active customer transacts at least once in the last 150 days before `end`;
  sleeping customers never transact after their last active day.
- Payroll: payroll customers get their salary on the employer's fixed payroll day
  (moved to the Friday before when it falls on a weekend) at 03:00-06:00 bank time,
  with a year-end bonus in February; each credit has a `payroll.credit` event.
- Purchases (new holdings sold in the window) debit the customer; loan disbursements
  credit them and new mortgages raise `mortgage.disbursed`; month-end 冲量 spikes
  are a credit on the month's last afternoon and a debit on the 1st-2nd next month.
"""

from __future__ import annotations

import numpy as np

from .activity import CH, DETAIL_OFFSET, EK, LOAN_KIND, Block, cat
from .calendar import local_us, sample_days_gap, seconds_of_day
from .products import CATEGORY_INDEX


def _channel(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return np.asarray((rng.random((len(probs), 1)) > cum).sum(axis=1))


def transactions(
    b: Block,
    h: dict[str, np.ndarray],
    ln: dict[str, np.ndarray],
    spike: np.ndarray,
) -> tuple[dict[str, np.ndarray], list[dict[str, np.ndarray]]]:
    """Transaction rows (local customer index `c`, `ts`, cents …) and derived events."""
    rng = b.rng("transactions")
    w = b.w
    cal = w.cal
    p = w.pop
    shelf = w.shelf
    g = b.g
    corp = b.corp
    parts: list[dict[str, np.ndarray]] = []
    events: list[dict[str, np.ndarray]] = []
    deposit = np.where(corp, shelf.first("deposit", True), shelf.first("deposit"))
    card_cat = CATEGORY_INDEX["credit_card"]
    is_card = w.shelf.category[h["prod"]] == card_cat
    card = np.full(b.n, -1)
    card[h["c"][is_card]] = h["prod"][is_card]

    # Everyday flow.
    span = np.maximum(b.last - b.start + 1, 0)
    gap = np.clip(np.minimum(b.gap_hi, b.last) - np.maximum(b.gap_lo, b.start) + 1, 0, None)
    n_c = rng.poisson(p.activity[g] * np.maximum(span - gap, 0))
    c = np.repeat(np.arange(b.n), n_c)
    day = sample_days_gap(cal, rng, b.start[c], b.last[c], b.gap_lo[c], b.gap_hi[c], corp[c])
    # One recent transaction for every active customer keeps them out of "sleeping".
    active = b.last >= cal.end
    ac = np.flatnonzero(active)
    lo = np.maximum(b.start[ac], cal.end - 150)
    aday = lo + (rng.random(ac.size) * (cal.end - lo + 1)).astype(np.int64)
    c = np.concatenate([c, ac])
    day = np.concatenate([day, aday])
    n = c.size
    dig = p.digital[g[c]]
    corp_r = corp[c]
    probs = np.stack(
        [
            (1 - dig) * 0.35,
            (1 - dig) * 0.35,
            dig * 0.75,
            dig * 0.25,
            (1 - dig) * 0.30,
            np.zeros(n),
        ],
        axis=1,
    )
    probs[corp_r] = [0.15, 0.0, 0.0, 0.35, 0.0, 0.5]
    channel = _channel(rng, probs)
    la = b.la[c]
    median = np.where(
        corp_r, 15_000 * np.exp(0.4 * np.clip(la - 2.8, -3, 5)), 200 * np.exp(0.35 * la)
    )
    amount = np.exp(rng.normal(np.log(median), np.where(corp_r, 1.2, 1.1)))
    atm = channel == CH["atm"]
    amount = np.where(atm, np.clip(np.round(amount / 100) * 100, 100, 20_000), amount)
    amount = np.maximum(amount, 1.0)
    credit = rng.random(n) < np.where(atm | (channel == CH["pos"]), 0.05, 0.5)
    product = np.where(
        channel == CH["pos"], np.where(card[c] >= 0, card[c], deposit[c]), deposit[c]
    )
    product = np.where(rng.random(n) < 0.05, -1, product)
    office = corp_r | (channel == CH["counter"])
    ts = local_us(day, seconds_of_day(rng, office))
    parts.append(
        {
            "c": c,
            "ts": ts,
            "amount": np.round(amount * 100).astype(np.int64),
            "credit": credit,
            "channel": channel,
            "product": product,
        }
    )

    # Payroll credits.
    pay_prod = shelf.first("payroll")
    holder = h["prod"] == pay_prod
    salary = np.zeros(b.n, dtype=np.int64)
    salary[h["c"][holder]] = h["amount"][holder]
    pc = np.flatnonzero(p.payroll[g] & (salary > 0))
    cc = np.repeat(pc, cal.n_months)
    mm = np.tile(np.arange(cal.n_months), pc.size)
    pday = cal.month_start[mm] + p.payroll_day[g[cc]] - 1
    weekday = (pday + 3) % 7
    pday = pday - np.where(weekday == 5, 1, np.where(weekday == 6, 2, 0))
    ok = (pday >= b.start[cc]) & (pday <= b.last[cc]) & (pday <= cal.end)
    ok &= ~((pday >= b.gap_lo[cc]) & (pday <= b.gap_hi[cc]))
    cc, mm, pday = cc[ok], mm[ok], pday[ok]
    month_no = (
        cal.month_start[mm].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    )
    bonus = np.where(month_no == 1, 2.0, 0.0)
    pamount = salary[cc] * (1 + bonus + rng.normal(0, 0.03, cc.size))
    pts = local_us(pday, 3 * 3600 + rng.integers(0, 3 * 3600, cc.size))
    parts.append(
        {
            "c": cc,
            "ts": pts,
            "amount": np.maximum(np.round(pamount), 100).astype(np.int64),
            "credit": np.ones(cc.size, dtype=bool),
            "channel": np.full(cc.size, CH["transfer"]),
            "product": np.full(cc.size, pay_prod),
        }
    )
    events.append(
        {
            "c": cc,
            "ts": pts,
            "kind": np.full(cc.size, EK["payroll.credit"]),
            "detail": np.full(cc.size, DETAIL_OFFSET["payroll.credit"]),
            "text": np.full(cc.size, -1),
        }
    )

    # Purchases debit the customer.
    sale = np.flatnonzero(h["sale"])
    sc = h["c"][sale]
    sday = h["start"][sale]
    mobile = rng.random(sale.size) < p.digital[g[sc]]
    parts.append(
        {
            "c": sc,
            "ts": local_us(sday, seconds_of_day(rng, ~mobile)),
            "amount": h["amount"][sale],
            "credit": np.zeros(sale.size, dtype=bool),
            "channel": np.where(mobile, CH["mobile"], CH["counter"]),
            "product": h["prod"][sale],
        }
    )

    # Loan disbursements.
    new = np.flatnonzero(ln["disbursed_in_window"])
    lday = ln["day"][new]
    lts = local_us(lday, 10 * 3600 + rng.integers(0, 6 * 3600, new.size))
    parts.append(
        {
            "c": ln["c"][new],
            "ts": lts,
            "amount": ln["amount"][new],
            "credit": np.ones(new.size, dtype=bool),
            "channel": np.full(new.size, CH["transfer"]),
            "product": ln["prod"][new],
        }
    )
    mort = new[ln["kind"][new] == LOAN_KIND["mortgage"]]
    events.append(
        {
            "c": ln["c"][mort],
            "ts": local_us(ln["day"][mort], 17 * 3600 + rng.integers(0, 3600, mort.size)),
            "kind": np.full(mort.size, EK["mortgage.disbursed"]),
            "detail": np.full(mort.size, -1),
            "text": mort,
        }
    )

    # Month-end 冲量: in on the last afternoon, out again on the 1st-2nd.
    xc, xm = np.nonzero(spike > 0)
    xamt = spike[xc, xm]
    xday = cal.month_end[xm]
    parts.append(
        {
            "c": xc,
            "ts": local_us(xday, 15 * 3600 + rng.integers(0, 7200, xc.size)),
            "amount": xamt,
            "credit": np.ones(xc.size, dtype=bool),
            "channel": np.full(xc.size, CH["transfer"]),
            "product": deposit[xc],
        }
    )
    oday = xday + 1 + rng.integers(0, 2, xc.size)
    back = (oday <= b.last[xc]) & (oday <= cal.end)
    parts.append(
        {
            "c": xc[back],
            "ts": local_us(oday[back], 9 * 3600 + rng.integers(0, 7200, int(back.sum()))),
            "amount": xamt[back],
            "credit": np.zeros(int(back.sum()), dtype=bool),
            "channel": np.full(int(back.sum()), CH["transfer"]),
            "product": deposit[xc[back]],
        }
    )

    tx = cat(parts)
    order = np.lexsort((tx["ts"], tx["c"]))
    tx = {k: v[order] for k, v in tx.items()}

    # Account openings inside the window.
    oc = np.flatnonzero((b.opened >= cal.start) & (b.opened <= cal.end))
    events.append(
        {
            "c": oc,
            "ts": local_us(b.opened[oc], seconds_of_day(rng, np.ones(oc.size, dtype=bool))),
            "kind": np.full(oc.size, EK["account.opened"]),
            "detail": np.full(oc.size, -2),
            "text": oc,
        }
    )
    # The wealth question asked while opening (drives the teller referral).
    qc = np.flatnonzero(b.open_inquiry)
    events.append(
        {
            "c": qc,
            "ts": local_us(b.opened[qc], 16 * 3600 + rng.integers(0, 3600, qc.size)),
            "kind": np.full(qc.size, EK["inquiry.wealth"]),
            "detail": np.full(qc.size, DETAIL_OFFSET["inquiry.wealth"]),
            "text": np.full(qc.size, -1),
        }
    )
    return tx, events
