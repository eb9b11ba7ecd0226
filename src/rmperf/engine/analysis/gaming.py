"""Gaming detection (DOMAIN §8, seed 003: results nobody can game): flags per RM, each with
the lake rows behind it. A flag is a finding for a manager to review; nothing here reads or
changes a score.

Rules (thresholds in the gaming policy; the customer's RM is the one assigned to the
customer on the day in question — the month's last day, the transaction's business date,
the referral's creation date):

- balance_pump (时点冲量): for a month m of the period (every month, or only quarter ends),
  a customer's balances summed over the policy's categories: month-end E(m) ≥ min_ratio ×
  average daily A(m) and E(m) − A(m) ≥ min_spike; and in month m+1 at least min_reversal
  of that spike is gone from the average: A(m+1) − A(m) ≤ (1 − min_reversal) × (E(m) −
  A(m)). Month m+1 is judged only when the lake has balance rows for it (any customer);
  then a customer without a row there has A(m+1) = 0. The RM (on m's last day) is flagged
  for month m when at least min_customers of their customers spike so and they are at
  least min_book_share of the RM's book that day (customers with a row in the categories
  in month m); every spiking customer of a flagged RM-month is an instance.
- loan_bunching: an RM's loans (`loans.staff_id`) disbursed in the period, at least
  min_loans of them, of which those disbursed in the last `last_days` calendar days of the
  period (end − last_days + 1 … end) amount to more than max_share of the period's amount
  and are more than max_count_share of its loans, at least min_tail_loans of them.
- split_transactions: a group is one customer's transactions on one business date in one
  direction with amount ≤ max_amount; it is split when it has at least min_count
  transactions and its sum is a positive whole multiple of round_to. An RM with at least
  min_groups such groups among their customers in the period is flagged.
- circular_referrals: referrals of one customer A→B, B→A (back to oneself through a
  colleague) or A→B, B→C, C→A (a circle; with max_length 3), each made by the previous
  one's receiver at or after it, the staff distinct, the last made in the period and at
  most window_days business dates after the first. Every member is flagged.
- bulk_task_closing: tasks live in the app, which passes the tasks marked done
  (TASKS_SCHEMA; `logged`: an interaction logged in the app by the RM with the task's
  customer between its creation and its closing). A task is bare when it is not logged
  and the lake's `interactions` hold none by the RM with the customer on a business date
  from created_on to closed_on. An RM's day is a bulk closing when they closed at least
  min_tasks tasks that day and at least min_bare_share of them are bare; each such day is
  an instance. Without tasks (the CLI) the rule is not judged.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from rmperf.engine.analysis.policy import GamingPolicy
from rmperf.engine.analysis.sql import (
    business_date,
    date_lit,
    lake_session,
    lit,
    lit_list,
    month_after,
    on_days,
    rows,
)
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period

if TYPE_CHECKING:
    from rmperf.engine.backends.duckdb_backend import DuckDBBackend

GAMING_TABLES = (
    "assignments",
    "balances",
    "loans",
    "transactions",
    "referrals",
    "customers",
    "interactions",
)
RULES = (
    "balance_pump",
    "loan_bunching",
    "split_transactions",
    "circular_referrals",
    "bulk_task_closing",
)

#: The tasks the app passes for bulk_task_closing: those marked done in the period.
TASKS_SCHEMA = pa.schema(
    [
        pa.field("task_id", pa.string(), nullable=False),
        pa.field("staff_id", pa.string(), nullable=False),
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("created_on", pa.date32(), nullable=False),
        pa.field("closed_on", pa.date32(), nullable=False),
        pa.field("logged", pa.bool_(), nullable=False),
    ]
)
PLACES4 = Decimal("0.0001")

FLAG_SCHEMA = pa.schema(
    [
        pa.field("staff_id", pa.string(), nullable=False),
        pa.field("period", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("instances", pa.int64(), nullable=False),
        pa.field("measure", pa.string(), nullable=False),
        pa.field("threshold", pa.string(), nullable=False),
        pa.field("policy_version", pa.string(), nullable=False),
    ]
)

EVIDENCE_SCHEMA = pa.schema(
    [
        pa.field("kind", pa.string(), nullable=False),
        pa.field("staff_id", pa.string(), nullable=False),
        pa.field("customer_id", pa.string(), nullable=True),
        pa.field("instance", pa.string(), nullable=False),
        pa.field("table", pa.string(), nullable=False),
        pa.field("row_key", pa.string(), nullable=False),
        pa.field("row_values", pa.string(), nullable=False),
    ]
)


@dataclass
class Evidence:
    customer_id: str | None
    instance: str
    table: str
    row_key: dict[str, str]
    row_values: dict[str, str]


@dataclass
class Flag:
    staff_id: str
    rule: str
    measure: str
    threshold: str
    instances: int = 0
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class GamingResult:
    flags: pa.Table
    evidence: pa.Table


def detect_gaming(
    lake: Lake,
    *,
    period: Period,
    policy: GamingPolicy,
    policy_version: str,
    tasks: pa.Table | None = None,
) -> GamingResult:
    """Every enabled rule over the period; flags ordered by (staff_id, rule), evidence by
    (staff_id, rule, instance, table, row_key). `tasks` (TASKS_SCHEMA), from the app, for
    bulk_task_closing; None: that rule is not judged."""
    flags: list[Flag] = []
    with lake_session(lake, GAMING_TABLES) as engine:
        if policy.balance_pump.enabled:
            flags += _balance_pump(engine, period, policy)
        if policy.loan_bunching.enabled:
            flags += _loan_bunching(engine, period, policy)
        if policy.split_transactions.enabled:
            flags += _split_transactions(engine, period, policy)
        if policy.circular_referrals.enabled:
            flags += _circular_referrals(engine, period, policy)
        if policy.bulk_task_closing.enabled and tasks is not None:
            flags += _bulk_task_closing(engine, period, policy, tasks)
    flags.sort(key=lambda f: (f.staff_id, f.rule))
    flag_cols: dict[str, list[object]] = {f.name: [] for f in FLAG_SCHEMA}
    ev_cols: dict[str, list[object]] = {f.name: [] for f in EVIDENCE_SCHEMA}
    for f in flags:
        flag_cols["staff_id"].append(f.staff_id)
        flag_cols["period"].append(period.key)
        flag_cols["kind"].append(f.rule)
        flag_cols["instances"].append(f.instances)
        flag_cols["measure"].append(f.measure)
        flag_cols["threshold"].append(f.threshold)
        flag_cols["policy_version"].append(policy_version)
        for e in sorted(f.evidence, key=lambda e: (e.instance, e.table, _j(e.row_key))):
            ev_cols["kind"].append(f.rule)
            ev_cols["staff_id"].append(f.staff_id)
            ev_cols["customer_id"].append(e.customer_id)
            ev_cols["instance"].append(e.instance)
            ev_cols["table"].append(e.table)
            ev_cols["row_key"].append(_j(e.row_key))
            ev_cols["row_values"].append(_j(e.row_values))
    return GamingResult(
        flags=pa.table(flag_cols, schema=FLAG_SCHEMA),
        evidence=pa.table(ev_cols, schema=EVIDENCE_SCHEMA),
    )


def _j(data: dict[str, str]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _s(value: object) -> str:
    return "" if value is None else str(value)


def _rm_on(day_sql: str) -> str:
    """A join condition: assignment `a` covers the customer on `day_sql`."""
    return f"a.valid_from <= {day_sql} AND (a.valid_to IS NULL OR a.valid_to >= {day_sql})"


# --- 时点冲量 ---------------------------------------------------------------------------


def _month_end(month: str) -> dt.date:
    nxt = month_after(month)
    return dt.date(int(nxt[:4]), int(nxt[5:7]), 1) - dt.timedelta(days=1)


def _balance_pump(engine: DuckDBBackend, period: Period, policy: GamingPolicy) -> list[Flag]:
    rule = policy.balance_pump
    months = [m for m in period.months if rule.months == "every_month" or int(m[5:7]) % 3 == 0]
    if not months:
        return []
    pairs = {m: month_after(m) for m in months}
    wanted = sorted({*pairs, *pairs.values()})
    present = {
        str(r["month"])
        for r in rows(
            engine,
            "SELECT DISTINCT month FROM rm_valid_balances "  # noqa: S608 - quoted literals, validated policy values
            f"WHERE month IN {lit_list(sorted(pairs.values()))}",
        )
    }
    judged = [m for m in months if pairs[m] in present]
    if not judged:
        return []
    values = ", ".join(f"({lit(m)}, {lit(pairs[m])}, {date_lit(_month_end(m))})" for m in judged)
    sql = (
        "WITH b AS (SELECT customer_id, month, sum(avg_daily_balance) AS avg_bal, "  # noqa: S608 - quoted literals, validated policy values
        "sum(month_end_balance) AS end_bal FROM rm_valid_balances "
        f"WHERE category IN {lit_list(rule.categories)} AND month IN {lit_list(wanted)} "
        "GROUP BY customer_id, month), "
        f"pairs(month, next_month, last_day) AS (VALUES {values}) "
        "SELECT cur.customer_id, cur.month, p.next_month, cur.avg_bal, cur.end_bal, "
        "nx.avg_bal AS next_avg, nx.end_bal AS next_end, a.staff_id "
        "FROM b cur JOIN pairs p ON p.month = cur.month "
        "LEFT JOIN b nx ON nx.customer_id = cur.customer_id AND nx.month = p.next_month "
        f"JOIN rm_valid_assignments a ON a.customer_id = cur.customer_id AND {_rm_on('p.last_day')} "
        f"WHERE cur.end_bal - cur.avg_bal >= {rule.min_spike}"
    )
    book_sql = (
        "WITH b AS (SELECT DISTINCT customer_id, month FROM rm_valid_balances "  # noqa: S608 - quoted literals, validated policy values
        f"WHERE category IN {lit_list(rule.categories)} AND month IN {lit_list(judged)}), "
        f"pairs(month, next_month, last_day) AS (VALUES {values}) "
        "SELECT a.staff_id, b.month, count(DISTINCT b.customer_id) AS book "
        "FROM b JOIN pairs p ON p.month = b.month "
        f"JOIN rm_valid_assignments a ON a.customer_id = b.customer_id AND {_rm_on('p.last_day')} "
        "GROUP BY a.staff_id, b.month"
    )
    books = {(str(r["staff_id"]), str(r["month"])): int(r["book"]) for r in rows(engine, book_sql)}
    flags: dict[str, Flag] = {}
    threshold = (
        f"month_end >= {rule.min_ratio} x average and spike >= {rule.min_spike}; "
        f"next average keeps <= {1 - rule.min_reversal} of the spike; "
        f"per RM and month >= {rule.min_customers} customers and >= {rule.min_book_share} "
        "of the book"
    )
    spikes: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows(engine, sql):
        avg, end = Decimal(r["avg_bal"]), Decimal(r["end_bal"])
        next_avg = Decimal(r["next_avg"]) if r["next_avg"] is not None else Decimal(0)
        spike = end - avg
        if end < rule.min_ratio * avg or spike < rule.min_spike:
            continue
        if next_avg - avg > (1 - rule.min_reversal) * spike:
            continue
        spikes[(str(r["staff_id"]), str(r["month"]))].append(r)
    for (sid, month), found in sorted(spikes.items()):
        book = books.get((sid, month), 0)
        if len(found) < rule.min_customers or len(found) < rule.min_book_share * book:
            continue
        flag = flags.setdefault(sid, Flag(sid, "balance_pump", "", threshold))
        for r in sorted(found, key=lambda r: str(r["customer_id"])):
            _pump_evidence(flag, r, rule.categories, book)
    for f in flags.values():
        f.measure = f"{f.instances} customer-months"
    return list(flags.values())


def _pump_evidence(flag: Flag, r: dict[str, Any], categories: tuple[str, ...], book: int) -> None:
    """One spiking customer-month of a flagged RM-month: that month's row (with the RM's
    book that month) and the next month's."""
    cid, month = str(r["customer_id"]), str(r["month"])
    flag.instances += 1
    instance = f"{cid}@{month}"
    cats = ",".join(categories)
    flag.evidence.append(
        Evidence(
            cid,
            instance,
            "balances",
            {"customer_id": cid, "month": month, "category": cats},
            {
                "avg_daily_balance": _s(Decimal(r["avg_bal"])),
                "month_end_balance": _s(Decimal(r["end_bal"])),
                "rm_book": str(book),
            },
        )
    )
    flag.evidence.append(
        Evidence(
            cid,
            instance,
            "balances",
            {"customer_id": cid, "month": str(r["next_month"]), "category": cats},
            {
                "avg_daily_balance": _s(Decimal(r["next_avg"])),
                "month_end_balance": _s(r["next_end"]),
            }
            if r["next_avg"] is not None
            else {"absent": "no row in these categories: the average counts as 0"},
        )
    )


# --- loans bunched at the period's end ------------------------------------------------


def _loan_bunching(engine: DuckDBBackend, period: Period, policy: GamingPolicy) -> list[Flag]:
    rule = policy.loan_bunching
    tail_start = max(period.start, period.end - dt.timedelta(days=rule.last_days - 1))
    sql = (
        "SELECT staff_id, count(*) AS n, sum(amount) AS total, "  # noqa: S608 - quoted literals, validated policy values
        f"coalesce(sum(amount) FILTER (WHERE disbursed_on >= {date_lit(tail_start)}), 0) AS tail, "
        f"count(*) FILTER (WHERE disbursed_on >= {date_lit(tail_start)}) AS tail_n "
        "FROM rm_valid_loans "
        f"WHERE disbursed_on BETWEEN {date_lit(period.start)} AND {date_lit(period.end)} "
        "GROUP BY staff_id"
    )
    flagged: dict[str, Flag] = {}
    threshold = (
        f"share of the last {rule.last_days} days > {rule.max_share} (>= {rule.min_loans} loans); "
        f"> {rule.max_count_share} of the loans, >= {rule.min_tail_loans} of them"
    )
    for r in rows(engine, sql):
        total, tail = Decimal(r["total"]), Decimal(r["tail"])
        n, tail_n = int(r["n"]), int(r["tail_n"])
        if n < rule.min_loans or total <= 0 or tail_n < rule.min_tail_loans:
            continue
        if tail <= rule.max_share * total:  # exact: "more than" the share
            continue
        if tail_n <= rule.max_count_share * n:
            continue
        sid = str(r["staff_id"])
        share = (tail / total).quantize(PLACES4, rounding=ROUND_HALF_UP)
        flagged[sid] = Flag(sid, "loan_bunching", f"{share} of {total}", threshold, 1)
    if not flagged:
        return []
    detail = (
        "SELECT loan_id, staff_id, customer_id, disbursed_on, amount FROM rm_valid_loans "  # noqa: S608 - quoted literals, validated policy values
        f"WHERE disbursed_on BETWEEN {date_lit(tail_start)} AND {date_lit(period.end)} "
        f"AND staff_id IN {lit_list(sorted(flagged))}"
    )
    for r in rows(engine, detail):
        flag = flagged[str(r["staff_id"])]
        flag.evidence.append(
            Evidence(
                str(r["customer_id"]),
                f"{flag.staff_id}@{period.key}",
                "loans",
                {"loan_id": str(r["loan_id"])},
                {"disbursed_on": _s(r["disbursed_on"]), "amount": _s(r["amount"])},
            )
        )
    return list(flagged.values())


# --- transactions split to inflate frequency -------------------------------------------


def _split_transactions(engine: DuckDBBackend, period: Period, policy: GamingPolicy) -> list[Flag]:
    rule = policy.split_transactions
    zone = policy.time_zone
    max_cents = int(rule.max_amount * 100)
    round_cents = int(rule.round_to * 100)
    sql = (
        "WITH t AS (SELECT txn_id, customer_id, direction, ts, amount, "  # noqa: S608 - quoted literals, validated policy values
        f"{business_date('ts', zone)} AS day, CAST(amount * 100 AS BIGINT) AS cents "
        f"FROM rm_valid_transactions WHERE {on_days('ts', period.start, period.end, zone)} "
        f"AND amount * 100 <= {max_cents}), "
        "g AS (SELECT customer_id, day, direction FROM t GROUP BY customer_id, day, direction "
        f"HAVING count(*) >= {rule.min_count} AND sum(cents) % {round_cents} = 0) "
        "SELECT t.txn_id, t.customer_id, t.direction, t.day, t.ts, t.amount, a.staff_id "
        "FROM t JOIN g ON g.customer_id = t.customer_id AND g.day = t.day "
        "AND g.direction = t.direction "
        f"JOIN rm_valid_assignments a ON a.customer_id = t.customer_id AND {_rm_on('t.day')}"
    )
    groups: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows(engine, sql):
        key = f"{r['customer_id']}@{r['day']}/{r['direction']}"
        groups[str(r["staff_id"])][key].append(r)
    threshold = (
        f">= {rule.min_groups} groups of >= {rule.min_count} transactions <= {rule.max_amount} "
        f"summing to a multiple of {rule.round_to}"
    )
    flags = []
    for sid, by_group in groups.items():
        if len(by_group) < rule.min_groups:
            continue
        flag = Flag(sid, "split_transactions", f"{len(by_group)} groups", threshold, len(by_group))
        for key, members in by_group.items():
            total = sum((Decimal(m["amount"]) for m in members), Decimal(0))
            for m in members:
                flag.evidence.append(
                    Evidence(
                        str(m["customer_id"]),
                        key,
                        "transactions",
                        {"txn_id": str(m["txn_id"])},
                        {
                            "ts": _s(m["ts"]),
                            "amount": _s(m["amount"]),
                            "direction": str(m["direction"]),
                            "group_count": str(len(members)),
                            "group_sum": str(total),
                        },
                    )
                )
        flags.append(flag)
    return flags


# --- referrals in circles ------------------------------------------------------------


def circle_sql(period: Period, policy: GamingPolicy, length: int) -> str:
    """Referral chains r1 … rN (N = `length`) on one customer, each made by the previous
    one's receiver, the last returning to r1's referrer, in time order, the last made in
    the period at most window_days (business dates) after the first; staff distinct."""
    rule = policy.circular_referrals
    zone = policy.time_zone
    base = (
        "SELECT referral_id, from_staff_id, to_staff_id, customer_id, created_at, "  # noqa: S608 - quoted literals, validated policy values
        f"{business_date('created_at', zone)} AS day FROM rm_valid_referrals "
        "WHERE from_staff_id <> to_staff_id"
    )
    alias = [f"r{i}" for i in range(1, length + 1)]
    joins = []
    for prev, cur in itertools.pairwise(alias):
        joins.append(
            f"JOIN r {cur} ON {cur}.customer_id = r1.customer_id "
            f"AND {cur}.from_staff_id = {prev}.to_staff_id "
            f"AND ({cur}.created_at > {prev}.created_at OR ({cur}.created_at = {prev}.created_at "
            f"AND {cur}.referral_id > {prev}.referral_id))"
        )
    last = alias[-1]
    staff = [f"{a}.from_staff_id" for a in alias]
    distinct = " AND ".join(f"{x} <> {y}" for i, x in enumerate(staff) for y in staff[i + 1 :])
    cols = ", ".join(
        f"{a}.referral_id AS id{i}, {a}.from_staff_id AS from{i}, {a}.to_staff_id AS to{i}, "
        f"{a}.created_at AS at{i}"
        for i, a in enumerate(alias, start=1)
    )
    return (
        f"WITH r AS ({base}) SELECT r1.customer_id, {cols} FROM r r1 "  # noqa: S608 - quoted literals, validated policy values
        + " ".join(joins)
        + f" WHERE {last}.to_staff_id = r1.from_staff_id AND {distinct} "
        f"AND {last}.day - r1.day <= {rule.window_days} "
        f"AND {on_days(f'{last}.created_at', period.start, period.end, zone)}"
    )


def _circular_referrals(engine: DuckDBBackend, period: Period, policy: GamingPolicy) -> list[Flag]:
    rule = policy.circular_referrals
    flags: dict[str, Flag] = {}
    threshold = (
        f"a customer referred around {' or '.join(str(n) for n in range(2, rule.max_length + 1))} "
        f"colleagues and back to the first within {rule.window_days} days"
    )
    for length in range(2, rule.max_length + 1):
        for r in rows(engine, circle_sql(period, policy, length)):
            cid = str(r["customer_id"])
            ids = [str(r[f"id{i}"]) for i in range(1, length + 1)]
            instance = "circle:" + ">".join(ids)
            evs = [
                Evidence(
                    cid,
                    instance,
                    "referrals",
                    {"referral_id": str(r[f"id{i}"])},
                    {
                        "from_staff_id": str(r[f"from{i}"]),
                        "to_staff_id": str(r[f"to{i}"]),
                        "created_at": _s(r[f"at{i}"]),
                    },
                )
                for i in range(1, length + 1)
            ]
            for i in range(1, length + 1):
                sid = str(r[f"from{i}"])
                flag = flags.setdefault(sid, Flag(sid, "circular_referrals", "", threshold))
                flag.instances += 1
                flag.evidence.extend(evs)
    for f in flags.values():
        f.measure = f"{f.instances} circles"
    return list(flags.values())


# --- tasks closed in bulk without an interaction ------------------------------------------


def _bulk_task_closing(
    engine: DuckDBBackend, period: Period, policy: GamingPolicy, tasks: pa.Table
) -> list[Flag]:
    rule = policy.bulk_task_closing
    if tasks.schema != TASKS_SCHEMA:
        tasks = tasks.select(TASKS_SCHEMA.names).cast(TASKS_SCHEMA)
    engine.con.register("gaming_tasks", tasks)
    try:
        found = rows(
            engine,
            "WITH t AS (SELECT * FROM gaming_tasks "  # noqa: S608 - quoted literals, validated policy values
            f"WHERE closed_on BETWEEN {date_lit(period.start)} AND {date_lit(period.end)}) "
            "SELECT t.task_id, t.staff_id, t.customer_id, t.created_on, t.closed_on, t.logged, "
            "count(i.customer_id) AS contacts FROM t LEFT JOIN rm_valid_interactions i "
            "ON i.customer_id = t.customer_id AND i.staff_id = t.staff_id "
            f"AND {business_date('i.ts', policy.time_zone)} BETWEEN t.created_on AND t.closed_on "
            "GROUP BY ALL ORDER BY t.staff_id, t.closed_on, t.task_id",
        )
    finally:
        engine.con.unregister("gaming_tasks")
    days: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in found:
        days[(str(r["staff_id"]), str(r["closed_on"]))].append(r)
    threshold = (
        f">= {rule.min_tasks} tasks closed on one day, >= {rule.min_bare_share} of them "
        "without an interaction"
    )
    flags: dict[str, Flag] = {}
    for (sid, day), closed in sorted(days.items()):
        bare = [r for r in closed if not r["logged"] and int(r["contacts"]) == 0]
        if len(closed) < rule.min_tasks or len(bare) < rule.min_bare_share * len(closed):
            continue
        flag = flags.setdefault(sid, Flag(sid, "bulk_task_closing", "", threshold))
        flag.instances += 1
        for r in closed:
            flag.evidence.append(
                Evidence(
                    str(r["customer_id"]),
                    f"{sid}@{day}",
                    "tasks",
                    {"task_id": str(r["task_id"])},
                    {
                        "created_on": _s(r["created_on"]),
                        "closed_on": _s(r["closed_on"]),
                        "logged_in_app": "yes" if r["logged"] else "no",
                        "lake_interactions": str(r["contacts"]),
                    },
                )
            )
    for f in flags.values():
        f.measure = f"{f.instances} days"
    return list(flags.values())
