"""Daily tasks per RM from a lake at an as-of date D (DOMAIN §3), on DuckDB.

One SQL query per kind over the lake's valid views (`rmperf.engine.validity`), unioned.
Each row names the RM assigned to the customer on D (assignments are time-sliced;
valid_to is inclusive, the latest start wins like segmentation's `rm_id`), the customer,
the kind, the due date, the reason and the suggested action in English and Chinese, and
`source_key`: what the task is about (a birthday date, a holding, a request id …), so
(staff_id, customer_id, kind, source_key) is the task's natural key and re-running a day
proposes the same keys. Semantics per kind (windows from the tasks policy, every window
includes both ends; docs/tasks.md):

- birthday: the birthday (month-day) falls in D … D + days_before; a 29 February birthday
  is celebrated on 28 February in common years (as the segmentation tag does). Due: the
  birthday; key: the birthday's date that year. Customers of `customer_kinds` only.
- maturity: a holding of a policy category with start_date ≤ D and maturity_date in
  D … D + days_before, not renewed: no holding of the same customer and product started
  in maturity_date − days_before … maturity_date (and on or before D). Due: the maturity
  date; key: product_id:start_date.
- wake_up: the customer's tier on D (segmentation policy) is one of `tiers`; the reason
  says since when, the action carries the tier's service plan (the wake-up offer). Due:
  D + due_in_days; key: since:<last active day> (a customer who wakes and sleeps again
  gets a new task).
- request_sla: a request received before the end of D and not resolved by then. Due: the
  business date of received_at + response_hours; key: the request id. A customer without
  an RM on D leaves the task with the request's handler (requests.staff_id).
- contact_refresh: contact_verified_on missing, after D or before D − months (the
  segmentation tag's rule: exactly `months` old is still fresh). Due: D + due_in_days;
  key: the verification date, or "never".
- risk_assessment: an assessment dated on or before D expires on E, the first day it is
  no longer current (current while D − valid_months < assessed_on, segmentation policy;
  E = assessed_on + valid_months, or the day after when the month is shorter), and
  E − days_before ≤ D (and D < E unless include_expired). Due: E; key: assessed_on.
- high_potential: on the policy's weekday only, the segmentation high-potential list
  (engine/segmentation/potential.py). Due: D + due_in_days; key: the ISO week.
- core_review: from the first day of D's quarter until its `working_days`-th working day
  (mainland China, engine/tasks/china_calendar.py), each customer whose tier on D is one
  of `tiers` (core). Due: that working day; key: the quarter, e.g. 2026Q4.
- holiday_benefit: for each holiday break (statutory holiday with the days off around
  it) whose first day off H is in D + days_before … D + days_before + notice_days, each
  customer whose tier on D is one of `tiers` (core, potential), with the tier's benefit.
  Due: H − days_before; key: holiday:<H>.

Customers opened after D are not customers yet and get nothing. Only DuckDB: the SQL
uses DuckDB's date functions (the Spark parity of segmentation is reused through
`segment()` for high_potential).
"""

# ruff: noqa: S608 - SQL over generated view names; literals are quoted with DUCKDB.lit

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

from rmperf.engine.backends import attach_lake
from rmperf.engine.backends.duckdb_backend import DuckDBBackend
from rmperf.engine.ibis_tables import compile_sql
from rmperf.engine.lake import Lake
from rmperf.engine.segmentation import segment
from rmperf.engine.segmentation.policy import SegmentationPolicy, Tier
from rmperf.engine.segmentation.potential import high_potential
from rmperf.engine.segmentation.rfm import rfm_expr
from rmperf.engine.segmentation.tags import add_months
from rmperf.engine.tasks import china_calendar
from rmperf.engine.tasks.policy import TaskKind, TasksPolicy
from rmperf.engine.validity import DUCKDB

TASK_SCHEMA = pa.schema(
    [
        pa.field("staff_id", pa.string(), nullable=False),
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("due_date", pa.date32(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("reason_zh", pa.string(), nullable=False),
        pa.field("action", pa.string(), nullable=False),
        pa.field("action_zh", pa.string(), nullable=False),
        pa.field("source_key", pa.string(), nullable=False),
        pa.field("as_of", pa.date32(), nullable=False),
    ]
)

TASK_TABLES = (
    "customers",
    "assignments",
    "holdings",
    "products",
    "requests",
    "transactions",
    "balances",
)
_COLUMNS = ", ".join(f.name for f in TASK_SCHEMA)


@dataclass(frozen=True)
class TaskRun:
    """The tasks of one as-of date, and which kinds were computed (the others were off)."""

    tasks: pa.Table
    kinds: tuple[TaskKind, ...]


def _date(day: dt.date) -> str:
    return f"DATE {DUCKDB.lit(day.isoformat())}"


def _text(value: str) -> str:
    return DUCKDB.lit(value)


def _iso(expr: str) -> str:
    return f"strftime({expr}, '%Y-%m-%d')"


def birthday_days(as_of: dt.date, days_before: int) -> list[tuple[int, dt.date]]:
    """(month × 100 + day of birth, the day it is celebrated) for D … D + days_before."""
    out: list[tuple[int, dt.date]] = []
    for n in range(days_before + 1):
        day = as_of + dt.timedelta(days=n)
        out.append((day.month * 100 + day.day, day))
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            out.append((229, day))  # born on 29 February: the 28th in common years
    return out


def _select(
    *,
    staff: str,
    customer: str,
    kind: TaskKind,
    due: str,
    reason: str,
    reason_zh: str,
    action: str,
    action_zh: str,
    key: str,
    as_of: dt.date,
) -> str:
    return (
        f"SELECT {staff} AS staff_id, {customer} AS customer_id, {_text(kind.value)} AS kind, "
        f"CAST({due} AS DATE) AS due_date, {reason} AS reason, {reason_zh} AS reason_zh, "
        f"{action} AS action, {action_zh} AS action_zh, {key} AS source_key, "
        f"{_date(as_of)} AS as_of"
    )


def _birthday_sql(policy: TasksPolicy, as_of: dt.date) -> str:
    rule = policy.birthday
    days = birthday_days(as_of, rule.days_before)
    values = ", ".join(f"({k}, {_date(d)})" for k, d in days)
    kinds = ", ".join(_text(k) for k in rule.customer_kinds)
    n = f"(d.day - {_date(as_of)})"
    sel = _select(
        staff="rm.staff_id",
        customer="c.customer_id",
        kind=TaskKind.BIRTHDAY,
        due="d.day",
        reason=f"'Birthday on ' || {_iso('d.day')} || CASE WHEN {n} = 0 THEN ' (today)' "
        f"ELSE ' (in ' || {n} || ' days)' END",
        reason_zh=f"'生日 ' || {_iso('d.day')} || CASE WHEN {n} = 0 THEN '(今天)' "
        f"ELSE '(还有 ' || {n} || ' 天)' END",
        action=_text(rule.action.en),
        action_zh=_text(rule.action.zh),
        key=_iso("d.day"),
        as_of=as_of,
    )
    return (
        f"{sel} FROM rm_valid_customers c JOIN t_rm rm ON rm.customer_id = c.customer_id "
        f"JOIN (VALUES {values}) AS d(md, day) "
        f"ON month(c.birth_date) * 100 + day(c.birth_date) = d.md "
        f"WHERE c.opened_on <= {_date(as_of)} AND c.kind IN ({kinds})"
    )


def _maturity_sql(policy: TasksPolicy, as_of: dt.date) -> str:
    rule = policy.maturity
    cats = ", ".join(_text(c) for c in rule.categories)
    d = _date(as_of)
    n = rule.days_before
    amount = "CAST(h.amount AS VARCHAR)"
    sel = _select(
        staff="rm.staff_id",
        customer="h.customer_id",
        kind=TaskKind.MATURITY,
        due="h.maturity_date",
        reason=f"p.name || ' (' || p.product_id || ', ' || p.category || ') ' || {amount} || "
        f"' matures on ' || {_iso('h.maturity_date')}",
        reason_zh=f"p.name || '(' || p.product_id || ')' || {amount} || "
        f"' 元于 ' || {_iso('h.maturity_date')} || ' 到期'",
        action=_text(rule.action.en),
        action_zh=_text(rule.action.zh),
        key=f"h.product_id || ':' || {_iso('h.start_date')}",
        as_of=as_of,
    )
    return (
        f"{sel} FROM rm_valid_holdings h "
        f"JOIN rm_valid_products p ON p.product_id = h.product_id "
        f"JOIN t_rm rm ON rm.customer_id = h.customer_id "
        f"WHERE p.category IN ({cats}) AND h.start_date <= {d} "
        f"AND h.maturity_date BETWEEN {d} AND {d} + {n} "
        f"AND NOT EXISTS (SELECT 1 FROM rm_valid_holdings r WHERE r.customer_id = h.customer_id "
        f"AND r.product_id = h.product_id AND r.start_date > h.start_date "
        f"AND r.start_date BETWEEN h.maturity_date - {n} AND h.maturity_date "
        f"AND r.start_date <= {d})"
    )


def _offer(seg: SegmentationPolicy, tier: Tier, zh: bool) -> str:
    plan = seg.service_plans.get(tier)
    if plan is None:
        return ""
    name = plan.names.zh if zh else plan.names.en
    steps = ("、" if zh else "; ").join(a.zh if zh else a.en for a in plan.actions)
    return f"{name}:{steps}" if zh else f"{name}: {steps}"


def _wake_up_sql(policy: TasksPolicy, seg: SegmentationPolicy, as_of: dt.date) -> str:
    rule = policy.wake_up
    tiers = ", ".join(_text(t.value) for t in rule.tiers)
    offer_en = " ".join(
        f"WHEN {_text(t.value)} THEN {_text(rule.action.en + ' — ' + _offer(seg, t, False))}"
        if _offer(seg, t, False)
        else f"WHEN {_text(t.value)} THEN {_text(rule.action.en)}"
        for t in rule.tiers
    )
    offer_zh = " ".join(
        f"WHEN {_text(t.value)} THEN {_text(rule.action.zh + '——' + _offer(seg, t, True))}"
        if _offer(seg, t, True)
        else f"WHEN {_text(t.value)} THEN {_text(rule.action.zh)}"
        for t in rule.tiers
    )
    since = f"({_date(as_of)} - CAST(s.recency_days AS INTEGER))"
    sel = _select(
        staff="s.rm_id",
        customer="s.customer_id",
        kind=TaskKind.WAKE_UP,
        due=f"{_date(as_of)} + {rule.due_in_days}",
        reason=f"s.tier || ' customer: no transaction for ' || s.recency_days || "
        f"' days (last active ' || {_iso(since)} || ')'",
        reason_zh=f"'睡眠客户:已 ' || s.recency_days || ' 天无交易(最近活跃 ' || {_iso(since)} "
        f"|| ')'",
        action=f"CASE s.tier {offer_en} END",
        action_zh=f"CASE s.tier {offer_zh} END",
        key=f"'since:' || {_iso(since)}",
        as_of=as_of,
    )
    return f"{sel} FROM t_tiers s WHERE s.rm_id IS NOT NULL AND s.tier IN ({tiers})"


def _day_end_utc(day: dt.date, time_zone: str) -> str:
    from zoneinfo import ZoneInfo

    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(time_zone))
    return end.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _request_sla_sql(policy: TasksPolicy, as_of: dt.date) -> str:
    rule = policy.request_sla
    zone = _text(policy.time_zone)
    end = f"CAST({_text(_day_end_utc(as_of, policy.time_zone) + '+00')} AS TIMESTAMPTZ)"
    deadline = f"(r.received_at + INTERVAL {rule.response_hours} HOUR)"
    received = f"strftime(timezone({zone}, r.received_at), '%Y-%m-%d %H:%M')"
    due_by = f"strftime(timezone({zone}, {deadline}), '%Y-%m-%d %H:%M')"
    sel = _select(
        staff="COALESCE(rm.staff_id, r.staff_id)",
        customer="r.customer_id",
        kind=TaskKind.REQUEST_SLA,
        due=f"CAST(timezone({zone}, {deadline}) AS DATE)",
        reason=f"'Request ' || r.request_id || ' received ' || {received} || "
        f"', not answered; due by ' || {due_by}",
        reason_zh=f"'客户诉求 ' || r.request_id || ' 于 ' || {received} || ' 受理,尚未回复;应于 ' "
        f"|| {due_by} || ' 前回复'",
        action=_text(rule.action.en),
        action_zh=_text(rule.action.zh),
        key="r.request_id",
        as_of=as_of,
    )
    return (
        f"{sel} FROM rm_valid_requests r LEFT JOIN t_rm rm ON rm.customer_id = r.customer_id "
        f"WHERE r.received_at < {end} AND (r.resolved_at IS NULL OR r.resolved_at >= {end})"
    )


def _contact_sql(policy: TasksPolicy, as_of: dt.date) -> str:
    rule = policy.contact_refresh
    d = _date(as_of)
    since = _date(add_months(as_of, -rule.months))
    v = "c.contact_verified_on"
    sel = _select(
        staff="rm.staff_id",
        customer="c.customer_id",
        kind=TaskKind.CONTACT_REFRESH,
        due=f"{d} + {rule.due_in_days}",
        reason=f"CASE WHEN {v} IS NULL THEN 'Contact data never verified' "
        f"ELSE 'Contact data last verified on ' || {_iso(v)} || "
        f"{_text(f' (more than {rule.months} months before {as_of.isoformat()})')} END",
        reason_zh=f"CASE WHEN {v} IS NULL THEN '联系信息从未核实' "
        f"ELSE '联系信息上次核实于 ' || {_iso(v)} || "
        f"{_text(f'(已超过 {rule.months} 个月)')} END",
        action=_text(rule.action.en),
        action_zh=_text(rule.action.zh),
        key=f"COALESCE({_iso(v)}, 'never')",
        as_of=as_of,
    )
    return (
        f"{sel} FROM rm_valid_customers c JOIN t_rm rm ON rm.customer_id = c.customer_id "
        f"WHERE c.opened_on <= {d} AND NOT ({v} IS NOT NULL AND {v} >= {since} AND {v} <= {d})"
    )


def _risk_sql(policy: TasksPolicy, seg: SegmentationPolicy, as_of: dt.date) -> str:
    rule = policy.risk_assessment
    d = _date(as_of)
    months = seg.risk_assessment_valid_months
    plus = f"CAST(c.risk_assessed_on + INTERVAL {months} MONTH AS DATE)"
    # The month may be shorter than the assessment's day (31 Aug + 6 months is clamped to
    # 28 Feb): the assessment is still current that day, so it expires the day after.
    expiry = f"(CASE WHEN day({plus}) < day(c.risk_assessed_on) THEN {plus} + 1 ELSE {plus} END)"
    sel = _select(
        staff="rm.staff_id",
        customer="c.customer_id",
        kind=TaskKind.RISK_ASSESSMENT,
        due="e.expires_on",
        reason=f"'Risk assessment (' || c.risk_level || ') of ' || {_iso('c.risk_assessed_on')} "
        f"|| CASE WHEN e.expires_on <= {d} THEN ' expired on ' ELSE ' expires on ' END || "
        f"{_iso('e.expires_on')}",
        reason_zh=f"'风险测评(' || c.risk_level || ')' || {_iso('c.risk_assessed_on')} || "
        f"CASE WHEN e.expires_on <= {d} THEN ',已于 ' ELSE ',将于 ' END || "
        f"{_iso('e.expires_on')} || ' 过期'",
        action=_text(rule.action.en),
        action_zh=_text(rule.action.zh),
        key=_iso("c.risk_assessed_on"),
        as_of=as_of,
    )
    expired = "" if rule.include_expired else f" AND e.expires_on > {d}"
    return (
        f"{sel} FROM rm_valid_customers c JOIN t_rm rm ON rm.customer_id = c.customer_id "
        f"CROSS JOIN LATERAL (SELECT {expiry} AS expires_on) e "
        f"WHERE c.opened_on <= {d} AND c.risk_assessed_on IS NOT NULL "
        f"AND c.risk_assessed_on <= {d} AND e.expires_on - {rule.days_before} <= {d}{expired}"
    )


_TIER_ZH = {
    Tier.CORE: "核心客户",
    Tier.POTENTIAL: "潜力客户",
    Tier.BASIC: "基础客户",
    Tier.SLEEPING: "睡眠客户",
    Tier.OTHER: "其他客户",
}


def _tier_zh(column: str) -> str:
    whens = " ".join(f"WHEN {_text(t.value)} THEN {_text(z)}" for t, z in _TIER_ZH.items())
    return f"(CASE {column} {whens} ELSE {column} END)"


def core_review_due(policy: TasksPolicy, as_of: dt.date) -> dt.date | None:
    """The due date of the quarter's core review when D is in its window (the quarter's
    first day … its `working_days`-th working day), else None."""
    start = china_calendar.quarter_start(as_of)
    due = china_calendar.nth_working_day(start, policy.core_review.working_days)
    return due if start <= as_of <= due else None


def _core_review_sql(policy: TasksPolicy, as_of: dt.date, due: dt.date) -> str:
    rule = policy.core_review
    tiers = ", ".join(_text(t.value) for t in rule.tiers)
    quarter = china_calendar.quarter_label(as_of)
    n = rule.working_days
    sel = _select(
        staff="s.rm_id",
        customer="s.customer_id",
        kind=TaskKind.CORE_REVIEW,
        due=_date(due),
        reason=f"s.tier || {_text(f' customer: quarterly asset review of {quarter}, due by the ')}"
        f" || {_text(f'{_ordinal(n)} working day of the quarter ({due.isoformat()})')}",
        reason_zh=f"{_tier_zh('s.tier')} || "
        f"{_text(f':{quarter} 季度资产检视,应于本季度第 {n} 个工作日({due.isoformat()})前完成')}",
        action=_text(rule.action.en),
        action_zh=_text(rule.action.zh),
        key=_text(quarter),
        as_of=as_of,
    )
    return f"{sel} FROM t_tiers s WHERE s.rm_id IS NOT NULL AND s.tier IN ({tiers})"


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def holiday_breaks(policy: TasksPolicy, as_of: dt.date) -> list[china_calendar.HolidayBreak]:
    """The holiday breaks whose benefit task is on the list on D: due `days_before` days
    before the first day off, on the list from `notice_days` before the due date, i.e. the
    first day off is in D + days_before … D + days_before + notice_days."""
    rule = policy.holiday_benefit
    first = as_of + dt.timedelta(days=rule.days_before)
    return china_calendar.breaks_starting_between(
        first, first + dt.timedelta(days=rule.notice_days)
    )


def _holiday_benefit_sql(
    policy: TasksPolicy, as_of: dt.date, found: china_calendar.HolidayBreak
) -> str:
    rule = policy.holiday_benefit
    tiers = ", ".join(_text(t.value) for t in rule.tiers)
    due = found.first_day_off - dt.timedelta(days=rule.days_before)
    off = f"{found.first_day_off.isoformat()} … {found.last_day_off.isoformat()}"
    benefit_en = " ".join(
        f"WHEN {_text(t.value)} THEN {_text(f'{rule.action.en} — {rule.benefits[t].en}')}"
        for t in rule.tiers
    )
    benefit_zh = " ".join(
        f"WHEN {_text(t.value)} THEN {_text(f'{rule.action.zh}——{rule.benefits[t].zh}')}"
        for t in rule.tiers
    )
    sel = _select(
        staff="s.rm_id",
        customer="s.customer_id",
        kind=TaskKind.HOLIDAY_BENEFIT,
        due=_date(due),
        reason=f"s.tier || {_text(f' customer: {found.name_en}, days off {off} ({found.days})')}",
        reason_zh=f"{_tier_zh('s.tier')} || "
        f"{_text(f':{found.name_zh}假期 {off}(共 {found.days} 天)')}",
        action=f"CASE s.tier {benefit_en} END",
        action_zh=f"CASE s.tier {benefit_zh} END",
        key=_text(f"holiday:{found.first_day_off.isoformat()}"),
        as_of=as_of,
    )
    return f"{sel} FROM t_tiers s WHERE s.rm_id IS NOT NULL AND s.tier IN ({tiers})"


#: The columns of a segmentation result the wake-up kind needs (SEGMENT_SCHEMA has them).
TIER_COLUMNS = ("customer_id", "rm_id", "recency_days", "tier")
#: What the high-potential list reads from a segmentation result.
POTENTIAL_COLUMNS = (*TIER_COLUMNS, "frequency", "monetary", "product_count", "contribution")


def _high_potential_rows(
    lake: Lake,
    policy: TasksPolicy,
    seg: SegmentationPolicy,
    as_of: dt.date,
    given: pa.Table | None,
) -> tuple[pa.Table, pa.Table]:
    """The week's high-potential tasks and the segmentation they came from (the given
    segmentation when it has every column the list needs, else computed now)."""
    if given is not None and all(c in given.column_names for c in POTENTIAL_COLUMNS):
        segments = given
    else:
        segments = segment(lake, as_of=as_of, policy=seg)
    listed = high_potential(segments, policy=seg)
    rule = policy.high_potential
    year, week, _ = as_of.isocalendar()
    key = f"{year:04d}-W{week:02d}"
    due = as_of + dt.timedelta(days=rule.due_in_days)
    rows = [
        {
            "staff_id": r["rm_id"],
            "customer_id": r["customer_id"],
            "kind": TaskKind.HIGH_POTENTIAL.value,
            "due_date": due,
            "reason": r["reason_en"],
            "reason_zh": r["reason_zh"],
            "action": r["action_en"] or rule.action.en,
            "action_zh": r["action_zh"] or rule.action.zh,
            "source_key": key,
            "as_of": as_of,
        }
        for r in listed.to_pylist()
        if r["rm_id"] is not None
    ]
    return pa.Table.from_pylist(rows, schema=TASK_SCHEMA), segments


def generate_tasks(
    lake: Lake,
    *,
    as_of: dt.date,
    policy: TasksPolicy,
    segmentation: SegmentationPolicy,
    tiers: pa.Table | None = None,
) -> TaskRun:
    """Every task of `as_of` (TASK_SCHEMA), ordered by staff, due date, kind, customer, key.

    `tiers`: the segmentation of the same as-of date under the same policy, when the
    caller has it already (a `rmperf segment` result, the app's stored run); then the
    wake-up kind reads its tiers instead of scanning every transaction again, which is
    most of the cost on a large lake (bench/tasks.md). Without it R/F/M are computed here.
    """
    kinds = [k for k in TaskKind if policy.rule_for(k).enabled]
    hp_day = as_of.isoweekday() == policy.high_potential.weekday
    if TaskKind.HIGH_POTENTIAL in kinds and not hp_day:
        kinds.remove(TaskKind.HIGH_POTENTIAL)
    # The service calendar's kinds exist on the days of their windows only (like the
    # high-potential weekday): other days leave their tasks alone in the app.
    review_due = core_review_due(policy, as_of) if TaskKind.CORE_REVIEW in kinds else None
    if review_due is None and TaskKind.CORE_REVIEW in kinds:
        kinds.remove(TaskKind.CORE_REVIEW)
    breaks = holiday_breaks(policy, as_of) if TaskKind.HOLIDAY_BENEFIT in kinds else []
    if not breaks and TaskKind.HOLIDAY_BENEFIT in kinds:
        kinds.remove(TaskKind.HOLIDAY_BENEFIT)
    tier_kinds = {TaskKind.WAKE_UP, TaskKind.CORE_REVIEW, TaskKind.HOLIDAY_BENEFIT}
    extra: list[pa.Table] = []
    given = tiers
    if tiers is not None:
        missing = [c for c in TIER_COLUMNS if c not in tiers.column_names]
        if missing:
            raise ValueError(f"the segmentation result lacks column(s) {', '.join(missing)}")
        tiers = tiers.select(list(TIER_COLUMNS))
    if TaskKind.HIGH_POTENTIAL in kinds:
        hp_rows, segments = _high_potential_rows(lake, policy, segmentation, as_of, given)
        extra.append(hp_rows)
        tiers = segments.select(["customer_id", "rm_id", "recency_days", "tier"])
    engine = DuckDBBackend()
    try:
        tables = set(TASK_TABLES)
        if not tier_kinds & set(kinds) or tiers is not None:
            tables -= {"transactions", "balances"}
        attach_lake(engine, lake, sorted(tables))
        d = _date(as_of)
        engine.execute(
            "CREATE TEMP TABLE t_rm AS SELECT customer_id, staff_id FROM ("
            "SELECT customer_id, staff_id, row_number() OVER (PARTITION BY customer_id "
            "ORDER BY valid_from DESC, staff_id) AS n FROM rm_valid_assignments "
            f"WHERE valid_from <= {d} AND (valid_to IS NULL OR valid_to >= {d})) WHERE n = 1"
        )
        if tier_kinds & set(kinds):
            if tiers is not None:
                engine.con.register("t_tiers_arrow", tiers)
                engine.execute("CREATE TEMP VIEW t_tiers AS SELECT * FROM t_tiers_arrow")
            else:
                rfm = compile_sql(rfm_expr("duckdb", as_of=as_of, policy=segmentation), "duckdb")
                engine.execute(f"CREATE TEMP TABLE t_tiers AS {rfm}")
        parts: list[str] = []
        for kind in kinds:
            match kind:
                case TaskKind.BIRTHDAY:
                    parts.append(_birthday_sql(policy, as_of))
                case TaskKind.MATURITY:
                    parts.append(_maturity_sql(policy, as_of))
                case TaskKind.WAKE_UP:
                    parts.append(_wake_up_sql(policy, segmentation, as_of))
                case TaskKind.REQUEST_SLA:
                    parts.append(_request_sla_sql(policy, as_of))
                case TaskKind.CONTACT_REFRESH:
                    parts.append(_contact_sql(policy, as_of))
                case TaskKind.RISK_ASSESSMENT:
                    parts.append(_risk_sql(policy, segmentation, as_of))
                case TaskKind.HIGH_POTENTIAL:
                    pass  # computed above through segment()
                case TaskKind.CORE_REVIEW:
                    if review_due is not None:
                        parts.append(_core_review_sql(policy, as_of, review_due))
                case TaskKind.HOLIDAY_BENEFIT:
                    parts.extend(_holiday_benefit_sql(policy, as_of, b) for b in breaks)
        if extra:
            engine.con.register("t_extra", pa.concat_tables(extra))
            parts.append(f"SELECT {_COLUMNS} FROM t_extra")
        if parts:
            union = " UNION ALL ".join(f"({p})" for p in parts)
            sql = (
                f"SELECT {_COLUMNS} FROM ({union}) "
                "ORDER BY staff_id, due_date, kind, customer_id, source_key"
            )
            result = engine.to_arrow(sql)
        else:
            result = TASK_SCHEMA.empty_table()
    finally:
        engine.close()
    return TaskRun(tasks=result.cast(TASK_SCHEMA), kinds=tuple(kinds))
