"""The generator's entry point: build the bank, then walk its customers block by block.

Dimension tables (org_units, staff, customers, assignments, products) are built for the
whole bank at once. Fact tables are generated per block of `SEED_BLOCK` customers from
streams seeded by (seed, behaviour, block) and written in chunks of about
`chunk_customers` customers, so memory stays bounded and the chunk size never changes
the data (only where part files split). Ids of fact rows are numbered in customer
order across blocks, which keeps them stable too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from rmperf.engine.contract import (
    BALANCE_CATEGORIES,
    DIRECTIONS,
    FACT_TABLES,
    FEEDBACK_KINDS,
    INTERACTION_CHANNELS,
    LOAN_GRADES,
    TRAINING_KINDS,
    ColType,
)

from . import activity as act
from . import strategy
from .arrow import bools, dates, decimal, ids, ints, money, pick, timestamps
from .calendar import Calendar, day_number
from .customers import Population, assignment_columns, build_population
from .economic import economic_series
from .flows import transactions
from .gaming_cases import plant_gaming_cases
from .org import Org, build_org
from .products import Shelf, product_columns
from .rng import stream
from .scales import SCALES, SEED_BLOCK, Scale
from .service import CERTIFICATIONS, COURSES, nps, referrals, requests, staff_feedback, trainings
from .writer import LakeWriter, prepare_out

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class GenerateReport:
    """What `generate` wrote."""

    scale: str
    seed: int
    out: Path
    fmt: str
    start: date
    end: date
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def generate(
    scale: str | Scale = "small",
    seed: int = 42,
    out: Path | str = Path("lake"),
    start: date = date(2024, 1, 1),
    end: date = date(2026, 9, 30),
    fmt: str = "parquet",
    progress: Progress | None = None,
    *,
    chunk_customers: int = 25_000,
) -> GenerateReport:
    """Write a synthetic bank's lake to `out` and report the rows per table.

    `out` is created; an existing directory must be empty or hold a previous lake (its
    table files are replaced), anything else is refused with ValueError.
    """
    t0 = time.perf_counter()
    sc = SCALES.get(scale) if isinstance(scale, str) else scale
    if sc is None:
        raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown format {fmt!r}; use parquet or csv")
    if (end - start).days < 60:
        raise ValueError("the window from start to end must span at least 60 days")
    if start < date(1990, 1, 1):
        raise ValueError("start must be on or after 1990-01-01 (customers open before it)")
    if chunk_customers < 1:
        raise ValueError("chunk_customers must be positive")
    out = Path(out)
    prepare_out(out)
    report = progress or (lambda _t, _d, _n: None)

    cal = Calendar(day_number(start), day_number(end))
    org = build_org(sc, seed, cal)
    pop, customer_cols = build_population(sc, seed, cal, org)
    shelf = Shelf()
    mrng = stream(seed, "market")
    market = np.exp(np.cumsum(np.concatenate(([0.0], mrng.normal(0.004, 0.045, cal.n_months - 1)))))
    world = act.World(
        seed=seed,
        cal=cal,
        org=org,
        pop=pop,
        shelf=shelf,
        market=market,
        turnaround=cal.start + int(0.4 * (cal.end - cal.start)),
    )

    writer = LakeWriter(out, fmt, parts=sc.parts)
    for name, cols in (
        ("org_units", org.unit_columns),
        ("staff", org.staff_columns),
        ("customers", customer_cols),
        ("assignments", assignment_columns(pop, org)),
        ("products", product_columns()),
    ):
        writer.write(name, cols)
        report(name, 1, 1)

    counters = {"txn": 0, "loan": 0, "referral": 0, "request": 0}
    n_blocks = -(-pop.n // SEED_BLOCK)
    buffers: dict[str, list[pa.Table]] = {}
    buffered = 0
    for number in range(n_blocks):
        first = number * SEED_BLOCK
        last = min(first + SEED_BLOCK, pop.n)
        block = act.Block(world, number, first, last)
        for name, cols in _block_tables(block, counters).items():
            buffers.setdefault(name, []).append(pa.table(cols))
        plant_gaming_cases(buffers, world, block=number, blocks=n_blocks)
        buffered += last - first
        if buffered >= chunk_customers or number == n_blocks - 1:
            for name, tables in buffers.items():
                merged = pa.concat_tables(tables).combine_chunks()
                writer.write(
                    name, {c: merged.column(c).combine_chunks() for c in merged.column_names}
                )
            buffers.clear()
            buffered = 0
            for name in FACT_TABLES:
                report(name, last, pop.n)

    fb = staff_feedback(seed, cal, org)
    writer.write(
        "feedback",
        {
            "staff_id": org.staff_ids.take(pa.array(fb["staff"])),
            "customer_id": pa.nulls(fb["staff"].size, pa.string()),
            "date": dates(fb["day"]),
            "kind": pick(FEEDBACK_KINDS, fb["kind"]),
            "score": decimal(fb["score"], ColType.SCORE),
        },
    )
    tr = trainings(seed, cal, org)
    writer.write(
        "trainings",
        {
            "staff_id": org.staff_ids.take(pa.array(tr["staff"])),
            "date": dates(tr["day"]),
            "kind": pick(TRAINING_KINDS, tr["kind"]),
            "name": pick(COURSES + CERTIFICATIONS, tr["name"]),
            "hours": decimal(tr["hours"], ColType.HOURS),
        },
    )
    uf = strategy.unit_financials(seed, cal, org)
    writer.write(
        "unit_financials",
        {
            "unit_id": org.unit_columns["unit_id"].take(pa.array(uf["unit"])),
            "month": pa.array(cal.labels).take(pa.array(uf["month"])),
            "net_profit": money(uf["profit"]),
            "equity": money(uf["equity"]),
        },
    )
    pj = strategy.projects(seed, cal, org)
    writer.write(
        "projects",
        {
            "project_id": ids("PJ", pj["project"] + 1, 4),
            "name": pick(strategy.PROJECT_NAMES, pj["project"] % len(strategy.PROJECT_NAMES)),
            "staff_id": org.staff_ids.take(pa.array(pj["staff"])),
            "joined_on": dates(pj["day"]),
        },
    )
    pr = strategy.proposals(seed, cal, org)
    adopted = pr["adopted"] >= 0
    writer.write(
        "proposals",
        {
            "proposal_id": ids("IP", np.arange(1, pr["staff"].size + 1), 6),
            "staff_id": org.staff_ids.take(pa.array(pr["staff"])),
            "title": pick(strategy.PROPOSAL_TITLES, pr["title"]),
            "submitted_on": dates(pr["submitted"]),
            "adopted_on": dates(np.maximum(pr["adopted"], 0), missing=~adopted),
            "reviewer_id": org.staff_ids.take(pa.array(pr["reviewer"], mask=~adopted)),
        },
    )
    writer.write("economic_series", economic_series(seed, cal, org))
    rows = writer.close()
    return GenerateReport(
        scale=sc.name,
        seed=seed,
        out=out,
        fmt=fmt,
        start=start,
        end=end,
        rows=rows,
        seconds=time.perf_counter() - t0,
    )


def _block_tables(b: act.Block, counters: dict[str, int]) -> dict[str, dict[str, pa.Array]]:
    """All fact rows of one block as contract columns."""
    w = b.w
    pop: Population = w.pop
    org: Org = w.org
    cal = w.cal
    shelf = w.shelf
    labels = pa.array(cal.labels)

    def cust(c: np.ndarray) -> pa.Array:
        return pop.ids.take(pa.array(b.g[c]))

    def staff(s: np.ndarray) -> pa.Array:
        return org.staff_ids.take(pa.array(np.maximum(s, 0), mask=s < 0))

    def product(p: np.ndarray) -> pa.Array:
        return shelf.ids.take(pa.array(np.maximum(p, 0), mask=p < 0))

    def number(kind: str, n: int) -> np.ndarray:
        start = counters[kind]
        counters[kind] = start + n
        return np.arange(start + 1, start + n + 1)

    beh = act.behaviour(b)
    inter, contact = act.interactions(b)
    hold = act.holdings(b, beh, contact)
    ln = act.loans(b, beh)
    st = act.loan_status(b, ln)
    bal, spike = act.balances(b, hold, st, ln)
    tx, flow_events = transactions(b, hold, ln, spike)
    ev = act.event_rows(b, beh, flow_events)
    rq = requests(b)
    rf = referrals(b, beh["inq_bl"])
    fb = nps(b, beh["complaint"])
    out: dict[str, dict[str, pa.Array]] = {}

    out["transactions"] = {
        "txn_id": ids("T", number("txn", tx["c"].size), 11),
        "customer_id": cust(tx["c"]),
        "ts": timestamps(tx["ts"]),
        "amount": money(tx["amount"]),
        "direction": pick(DIRECTIONS, np.where(tx["credit"], 0, 1)),
        "channel": pick(act.CHANNELS, tx["channel"]),
        "product_id": product(tx["product"]),
    }
    out["balances"] = {
        "customer_id": cust(bal["c"]),
        "month": labels.take(pa.array(bal["m"])),
        "category": pick(BALANCE_CATEGORIES, bal["k"]),
        "avg_daily_balance": money(bal["avg"]),
        "month_end_balance": money(bal["end"]),
    }
    # Loans are holdings too (the product the customer holds).
    lh = {
        "c": ln["c"],
        "prod": ln["prod"],
        "amount": ln["amount"],
        "start": ln["day"],
        "maturity": ln["maturity"],
        "staff": ln["staff"],
    }
    hc = {k: np.concatenate([hold[k], lh[k]]) for k in lh}
    order = np.lexsort((hc["start"], hc["prod"], hc["c"]))
    hc = {k: v[order] for k, v in hc.items()}
    dup = np.zeros(order.size, dtype=bool)
    dup[1:] = (
        (hc["c"][1:] == hc["c"][:-1])
        & (hc["prod"][1:] == hc["prod"][:-1])
        & (hc["start"][1:] == hc["start"][:-1])
    )
    hc = {k: v[~dup] for k, v in hc.items()}
    out["holdings"] = {
        "customer_id": cust(hc["c"]),
        "product_id": product(hc["prod"]),
        "amount": money(hc["amount"]),
        "start_date": dates(hc["start"]),
        "maturity_date": dates(np.maximum(hc["maturity"], 0), missing=hc["maturity"] < 0),
        "staff_id": staff(hc["staff"]),
    }
    loan_ids = ids("L", number("loan", ln["c"].size), 8)
    out["loans"] = {
        "loan_id": loan_ids,
        "customer_id": cust(ln["c"]),
        "product_id": product(ln["prod"]),
        "staff_id": staff(ln["staff"]),
        "amount": money(ln["amount"]),
        "disbursed_on": dates(ln["day"]),
        "maturity_date": dates(ln["maturity"]),
        "green": bools(ln["green"]),
        "inclusive": bools(ln["inclusive"]),
        "applied_on": dates(ln["applied"]),
        "supply_chain": bools(ln["supply_chain"]),
        "rate": decimal(ln["rate"], ColType.RATE),
    }
    out["loan_status"] = {
        "loan_id": loan_ids.take(pa.array(st["loan"])),
        "month": labels.take(pa.array(st["m"])),
        "balance": money(st["balance"]),
        "overdue_days": ints(st["overdue"]),
        "grade": pick(LOAN_GRADES, st["grade"]),
    }
    # Events: vocabulary details, mortgage loan ids, opening deposits.
    detail = ev["detail"]
    text = ev["text"]
    vocab = pick(act.DETAILS, np.maximum(detail, 0), missing=detail < 0)
    loan_detail = loan_ids.take(pa.array(np.maximum(text, 0), mask=detail != -1))
    deposit = money(np.round(b.first_deposit * 100).astype(np.int64)).cast(pa.string())
    deposit = pa.compute.binary_join_element_wise("initial_deposit=", deposit, "")
    open_detail = deposit.take(pa.array(np.maximum(text, 0), mask=detail != -2))
    details = pa.compute.coalesce(vocab, loan_detail, open_detail)
    order = np.lexsort((ev["kind"], ev["ts"], ev["c"]))
    out["events"] = {
        "customer_id": cust(ev["c"][order]),
        "ts": timestamps(ev["ts"][order]),
        "kind": pick(act.EVENT_KINDS, ev["kind"][order]),
        "detail": details.take(pa.array(order)),
        # No staff-specific events are generated: each concerns the customer's RM.
        "staff_id": pa.nulls(order.size, pa.string()),
    }
    io = np.lexsort((inter["ts"], inter["c"]))
    out["interactions"] = {
        "customer_id": cust(inter["c"][io]),
        "staff_id": staff(inter["staff"][io]),
        "ts": timestamps(inter["ts"][io]),
        "channel": pick(INTERACTION_CHANNELS, inter["channel"][io]),
        "outcome": pick(act.OUTCOMES, inter["outcome"][io]),
    }
    out["referrals"] = {
        "referral_id": ids("RF", number("referral", rf["c"].size), 8),
        "from_staff_id": staff(rf["from"]),
        "to_staff_id": staff(rf["to"]),
        "customer_id": cust(rf["c"]),
        "need": pick(act.NEEDS, rf["need"]),
        "created_at": timestamps(rf["created"]),
        "status": pick(act.STATUSES, rf["status"]),
        "responded_at": timestamps(rf["responded"], missing=~rf["has_response"]),
        "converted_at": timestamps(rf["converted"], missing=rf["status"] != 3),
    }
    out["requests"] = {
        "request_id": ids("RQ", number("request", rq["c"].size), 8),
        "customer_id": cust(rq["c"]),
        "staff_id": staff(rq["staff"]),
        "received_at": timestamps(rq["received"]),
        "resolved_at": timestamps(rq["resolved"], missing=rq["open"]),
    }
    out["feedback"] = {
        "staff_id": staff(fb["staff"]),
        "customer_id": cust(fb["c"]),
        "date": dates(fb["day"]),
        "kind": pick(FEEDBACK_KINDS, np.zeros(fb["c"].size, dtype=np.int64)),
        "score": decimal(fb["score"], ColType.SCORE),
    }
    return out
