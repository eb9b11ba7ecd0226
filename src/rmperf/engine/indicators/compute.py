"""Computing indicators for a period, and the rows behind one value ("why this score").

The backend (DuckDB or Spark) evaluates each indicator's detail expression and sums its
integer measures per RM; Python turns the sums into exact Decimal numerators and
denominators (`IndicatorDef.finish`) and divides once, rounding half up to 6 places.

The big fact tables are staged once per command (`_open`), a few indicators share one
query (`library.JOINT_QUERIES`), and the SQL of every query is compiled from the Ibis
definitions once per set of inputs and kept (rmperf.engine.sql_cache): a warm command
imports no Ibis (the families name it lazily: lazy.py).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import partial
from typing import Any

import pyarrow as pa

from rmperf.engine.arrow_rows import table_from_columns
from rmperf.engine.backends import Backend, BackendName, attach_lake, open_backend
from rmperf.engine.indicators.context import (
    BALANCE_MONTHS,
    Context,
    next_month,
)
from rmperf.engine.indicators.feedback import FeedbackRow
from rmperf.engine.indicators.library import JOINT_QUERIES, JOINT_SUMS, LIBRARY, IndicatorDef
from rmperf.engine.indicators.offers import OFFERS_VIEW, VIEW_COLUMNS, Offers, OffersError
from rmperf.engine.indicators.params import DEFAULT_PARAMS, IndicatorParams
from rmperf.engine.indicators.proposals import PROPOSALS_INDICATOR, ProposalRow
from rmperf.engine.lake import Lake
from rmperf.engine.periods import Period
from rmperf.engine.sql_cache import SqlCache
from rmperf.engine.validity import valid_view_name

VALUE = pa.decimal128(24, 6)
SIX = Decimal("0.000001")

VALUES_SCHEMA = pa.schema(
    [
        pa.field("staff_id", pa.string(), nullable=False),
        pa.field("indicator", pa.string(), nullable=False),
        pa.field("value", VALUE),
        pa.field("numerator", VALUE),
        pa.field("denominator", VALUE),
    ]
)

ROWS_SCHEMA = pa.schema(
    [
        pa.field("staff_id", pa.string(), nullable=False),
        pa.field("indicator", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),  # lake table
        pa.field("ref_id", pa.string()),  # customer, loan, txn, request, referral … id
        pa.field("customer_id", pa.string()),
        pa.field("day", pa.string()),  # YYYY-MM-DD, or YYYY-MM for monthly rows
        pa.field("numerator", VALUE),  # this row's part of the numerator
        pa.field("denominator", VALUE),  # this row's part of the denominator (ratios)
        pa.field("contribution", VALUE),  # this row's part of the value (sum indicators)
        pa.field("share", VALUE),  # credited share, e.g. days in charge ÷ days of month
        pa.field("flag", pa.string()),  # e.g. month_end_spike (时点冲量), overdue, unresolved
        pa.field("note", pa.string()),
    ]
)

_CONTEXT = decimal.Context(prec=60, rounding=ROUND_HALF_UP)


def _feedback_sums(
    rows: Sequence[FeedbackRow], ids: Sequence[str], ctx: Context, rms: Sequence[str]
) -> list[dict[str, Any]]:
    """The sums (staff_id, key, a, b, indicator) the extra feedback rows add."""
    known = set(rms)
    out: list[dict[str, Any]] = []
    for ind in ids:
        ind_def = LIBRARY[ind]
        measure = ind_def.feedback_measure
        if ind_def.feedback_kind is None or measure is None:
            continue
        for r in rows:
            if r.kind != ind_def.feedback_kind or r.staff_id not in known:
                continue
            if not ctx.period.start <= r.date <= ctx.period.end:
                continue
            a, b = measure(ctx, r.score)
            out.append({"staff_id": r.staff_id, "key": "", "a": a, "b": b, "indicator": ind})
    return out


def _proposal_sums(
    rows: Sequence[ProposalRow], ids: Sequence[str], ctx: Context, rms: Sequence[str]
) -> list[dict[str, Any]]:
    """The sums the adopted proposals recorded in the app add: 1 per proposal of an RM
    of the period adopted in the period, as a lake `proposals` row counts."""
    if PROPOSALS_INDICATOR not in ids:
        return []
    known = set(rms)
    return [
        {"staff_id": r.staff_id, "key": "", "a": 1, "b": 0, "indicator": PROPOSALS_INDICATOR}
        for r in rows
        if r.staff_id in known and ctx.period.start <= r.adopted_on <= ctx.period.end
    ]


def round6(value: Fraction | Decimal) -> Decimal:
    """Half-up (away from zero at .5) to 6 places, from the exact value: one rounding."""
    f = Fraction(value) * 1_000_000
    sign = -1 if f < 0 else 1
    units = (abs(f.numerator) * 2 + f.denominator) // (2 * f.denominator)
    return (Decimal(sign * units) / 1_000_000).quantize(SIX, context=_CONTEXT)


def divide(numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    """numerator ÷ denominator rounded once; None when the denominator is 0 (undefined)."""
    if denominator is None:
        return round6(numerator)
    if denominator == 0:
        return None
    return round6(Fraction(numerator) / Fraction(denominator))


def _six(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(SIX, context=_CONTEXT)


def _resolve(indicators: Sequence[str] | None, offers: Offers | None = None) -> list[str]:
    """The ids to compute; None: the whole library, without the offers indicators when
    no offers input is given. Asking for an offers indicator without offers is an error."""
    if indicators is None:
        return [i for i in LIBRARY if offers is not None or not LIBRARY[i].offers]
    ids = list(dict.fromkeys(indicators))
    unknown = [i for i in ids if i not in LIBRARY]
    if unknown:
        raise KeyError(f"unknown indicator(s) {unknown}; known: {', '.join(LIBRARY)}")
    if offers is None:
        need = [i for i in ids if LIBRARY[i].offers]
        if need:
            raise OffersError(
                f"indicator(s) {', '.join(need)} need the offers input (offers are recorded "
                "in the app, not the lake): pass --offers FILE, see docs/indicators.md"
            )
    return ids


def _compiled(backend: BackendName, build: Callable[[], Any]) -> Callable[[], str]:
    """A builder of the SQL of the Ibis expression `build()` (Ibis is imported only here)."""

    def compile_it() -> str:
        from rmperf.engine.ibis_tables import compile_sql

        return compile_sql(build(), backend)

    return compile_it


def _sql_cache(lake: Lake, backend: BackendName) -> SqlCache:
    """Compiled SQL kept beside the valid-row cache (DuckDB only, like its valid rows)."""
    return SqlCache.for_lake(lake) if backend == "duckdb" else SqlCache(None)


def _attach_offers(
    engine: Backend, backend: BackendName, offers: Offers, time_zone: str, sqls: SqlCache
) -> None:
    """Register the offers as `OFFERS_VIEW` and refuse offers the lake cannot place."""
    rows = offers.view_rows(time_zone)
    arrow = pa.Table.from_pylist(
        rows,
        schema=pa.schema([(n, pa.date32() if n == "day" else pa.string()) for n in VIEW_COLUMNS]),
    )
    duck = getattr(engine, "con", None)
    if duck is not None:
        duck.register("rm_input_offers_rows", arrow)
        engine.create_view(OFFERS_VIEW, "SELECT * FROM rm_input_offers_rows", materialize=True)
        duck.unregister("rm_input_offers_rows")
    else:
        session = engine.session  # type: ignore[attr-defined]
        frame = session.createDataFrame(arrow.to_pandas())
        frame.createOrReplaceTempView(OFFERS_VIEW)
    missing = []
    for table, column in (
        ("staff", "staff_id"),
        ("customers", "customer_id"),
        ("products", "product_id"),
    ):
        sql = sqls.sql(
            f"ind-offers-{table}",
            {"backend": backend, "column": column},
            _compiled(backend, partial(_offers_not_in, table, column)),
        )
        for r in engine.to_arrow(sql).to_pylist():
            missing.append(f"offer {r['offer_id']}: {column} {r[column]!r} is not in the lake")
    if missing:
        raise OffersError(f"{offers.source}: " + "; ".join(missing))


def _offers_not_in(table: str, column: str) -> Any:
    """The first five offers whose `column` is not in the lake's `table`."""
    from rmperf.engine.ibis_tables import contract_table
    from rmperf.engine.indicators.offers import offers_table

    o = offers_table()
    known = contract_table(table).select(k=contract_table(table)[column])
    j = o.left_join(known, o[column] == known.k)
    return j.filter(j.k.isnull()).select("offer_id", column).order_by("offer_id").limit(5)


def _balance_range(period: Period) -> tuple[str, str]:
    """The months of balances any definition reads for `period`: from the previous
    period's first month to the month after the period (spike flags look one ahead)."""
    return period.previous().months[0], next_month(period.months[-1])


def _scalar(engine: Backend, sql: str) -> Any:
    table = engine.to_arrow(sql)
    return table.column(0)[0].as_py() if table.num_rows else None


def _context(
    engine: Backend,
    backend: BackendName,
    lake: Lake,
    period: Period,
    params: IndicatorParams,
    sqls: SqlCache,
) -> Context:
    """The period's context: the products' rates and categories and the lake's latest
    balance month (within `_balance_range`) and loan month (within the period)."""
    first, last = _balance_range(period)

    def products() -> Any:
        from rmperf.engine.ibis_tables import contract_table

        return contract_table("products").select("product_id", "category", "revenue_rate")

    def last_balance() -> Any:
        from rmperf.engine.ibis_tables import contract_table

        bal = contract_table("balances")
        bal = bal.filter((bal.month >= first) & (bal.month <= last))
        return bal.aggregate(m=bal.month.max())

    def last_loan() -> Any:
        from rmperf.engine.ibis_tables import contract_table

        ls = contract_table("loan_status")
        ls = ls.filter(ls.month.isin(list(period.months)))
        return ls.aggregate(m=ls.month.max())

    found = engine.to_arrow(
        sqls.sql("ind-products", {"backend": backend}, _compiled(backend, products))
    ).to_pylist()
    last_balance_sql = sqls.sql(
        "ind-last-balance",
        {"backend": backend, "first": first, "last": last},
        _compiled(backend, last_balance),
    )
    last_loan_sql = sqls.sql(
        "ind-last-loan",
        {"backend": backend, "months": list(period.months)},
        _compiled(backend, last_loan),
    )
    return Context(
        backend=backend,
        period=period,
        time_zone=lake.time_zone,
        params=params,
        last_balance_month=_scalar(engine, last_balance_sql),
        last_loan_month=_scalar(engine, last_loan_sql),
        rates={p["product_id"]: Decimal(p["revenue_rate"]) for p in found},
        categories={p["product_id"]: p["category"] for p in found},
    )


#: The columns of the big fact tables the definitions read; staging keeps only these,
#: so a definition that reads another column fails loudly instead of seeing NULLs.
#: (Balances are staged as sums per customer and month: sources.balance_months.)
STAGED_COLUMNS: dict[str, tuple[str, ...]] = {
    "transactions": ("txn_id", "customer_id", "ts", "channel"),
    "holdings": ("customer_id", "product_id", "amount", "start_date", "maturity_date"),
    "loan_status": ("loan_id", "month", "balance", "overdue_days", "grade"),
}


def _staging(
    table: str, period: Period, params: IndicatorParams, *, lookback: bool, source: str
) -> Any:
    """The rows and columns of a fact table any of the computed definitions can need
    for `period`, read from the view `source` (the table's valid rows).

    Transactions: business dates of the period (a day of margin each side for any time
    zone), from the sleeping look-back before it when `lookback` (a definition reads
    transactions before the period); loan_status: the period's months.
    """
    import ibis

    from rmperf.engine.ibis_tables import contract_table

    t = ibis.table(contract_table(table).schema(), name=source)
    match table:
        case "transactions":
            lo = period.start - dt.timedelta(days=(params.lookback_days if lookback else 0) + 2)
            hi = period.end + dt.timedelta(days=2)
            t = t.filter(
                (t.ts >= ibis.literal(dt.datetime(lo.year, lo.month, lo.day, tzinfo=dt.UTC)))
                & (t.ts < ibis.literal(dt.datetime(hi.year, hi.month, hi.day, tzinfo=dt.UTC)))
            )
        case "loan_status":
            t = t.filter(t.month.isin(list(period.months)))
    return t.select(*STAGED_COLUMNS[table])


def _rename_relation(con: Any, old: str, new: str) -> None:
    """Rename a DuckDB temp view or table (attach_lake makes either)."""
    found = con.execute(
        "SELECT 1 FROM duckdb_views() WHERE temporary AND view_name = ?", [old]
    ).fetchall()
    kind = "VIEW" if found else "TABLE"
    con.execute(f"ALTER {kind} {old} RENAME TO {new}")


def _open(
    lake: Lake,
    backend: BackendName,
    defs: Sequence[IndicatorDef],
    period: Period,
    params: IndicatorParams,
    sqls: SqlCache,
    offers: Offers | None = None,
) -> Backend:
    """A backend with the lake attached and the big fact tables staged once.

    Each valid view carries its table's whole validation (or, with the valid-row cache,
    reads its Parquet file). A fact table that several computed definitions read is
    computed once into a staged table (DuckDB temp table, Spark local checkpoint) that
    replaces its valid view, with the rows and columns `_staging` keeps; one read by a
    single definition is a view of the same rows on DuckDB, which reads it once anyway.
    Balances are staged as sums per customer and month (sources.balance_months).
    """
    engine = open_backend(backend)
    tables = {"staff", "products", "balances", "loan_status"}
    for ind_def in defs:
        tables.update(ind_def.tables)
    lookback = any(ind_def.lookback for ind_def in defs)
    duck = getattr(engine, "con", None)
    try:
        attach_lake(engine, lake, sorted(tables))
        for name in sorted(tables & set(STAGED_COLUMNS)):
            readers = sum(name in ind_def.tables for ind_def in defs)
            if not readers:
                continue
            valid = valid_view_name(name)
            source = f"rm_src_{name}" if duck is not None else valid
            inputs = {
                "backend": backend,
                "period": [period.start.isoformat(), period.end.isoformat()],
                "lookback": lookback,
                "lookback_days": params.lookback_days,
                "source": source,
            }
            sql = sqls.sql(
                f"ind-stage-{name}",
                inputs,
                _compiled(
                    backend,
                    partial(_staging, name, period, params, lookback=lookback, source=source),
                ),
            )
            if duck is not None:
                _rename_relation(duck, valid, source)
                engine.create_view(valid, sql, materialize=readers > 1)
            else:
                staged = f"rm_ind_{name}"
                engine.create_view(staged, sql, materialize=True)
                engine.create_view(valid, f"SELECT * FROM {staged}")  # noqa: S608
        if any("balances" in ind_def.tables for ind_def in defs):
            first, last = _balance_range(period)

            def months_expr() -> Any:
                from rmperf.engine.indicators.sources import balance_months

                return balance_months(first, last)

            sql = sqls.sql(
                "ind-balance-months",
                {"backend": backend, "first": first, "last": last},
                _compiled(backend, months_expr),
            )
            engine.create_view(BALANCE_MONTHS, sql, materialize=True)
        if offers is not None and any(ind_def.offers for ind_def in defs):
            _attach_offers(engine, backend, offers, lake.time_zone, sqls)
    except BaseException:
        engine.close()
        raise
    return engine


def rms_in_period(
    engine: Backend, backend: BackendName, period: Period, sqls: SqlCache | None = None
) -> list[str]:
    """Every RM (role rm) hired on or before the period's last day, sorted.

    The contract has no leaving date, so an RM who left still appears (with zeros).
    """

    def build() -> Any:
        import ibis

        from rmperf.engine.ibis_tables import contract_table

        staff = contract_table("staff")
        expr = staff.filter((staff.role == "rm") & (staff.hired_on <= ibis.literal(period.end)))
        return expr.select("staff_id")

    cache = sqls if sqls is not None else SqlCache(None)
    sql = cache.sql(
        "ind-rms", {"backend": backend, "end": period.end.isoformat()}, _compiled(backend, build)
    )
    table = engine.to_arrow(sql)
    return sorted(table.column("staff_id").to_pylist())


def _grouped(ind: str, ctx: Context) -> Any:
    """Σ a and Σ b of an indicator's detail rows per (RM, key)."""
    rows = LIBRARY[ind].detail(ctx, None)
    return rows.group_by("staff_id", "key").aggregate(
        a=rows.a.sum().cast("int64"), b=rows.b.sum().cast("int64")
    )


def _joint_sums(joint: tuple[str, ...], ctx: Context) -> Any:
    return JOINT_SUMS[joint](ctx)


def compute_indicators(
    lake: Lake,
    *,
    period: Period,
    indicators: Sequence[str] | None = None,
    backend: BackendName = "duckdb",
    params: IndicatorParams = DEFAULT_PARAMS,
    offers: Offers | None = None,
    feedback: Sequence[FeedbackRow] = (),
    proposals: Sequence[ProposalRow] = (),
) -> pa.Table:
    """One row per (RM employed in the period, indicator), even with no activity.

    Columns: staff_id, indicator, value, numerator, denominator (decimal(24,6); value NULL
    when undefined, e.g. a ratio over nothing). See docs/indicators.md for each id.
    `offers` (engine.indicators.offers) feeds the offer_* indicators; without it they
    are left out of `indicators=None` and refused when named. `feedback` adds 360
    feedback rows recorded outside the lake to the lake's (`FeedbackRow`); `proposals`
    adds the adopted proposals recorded in the app to the lake's (`ProposalRow`).

    The SQL of every query is compiled from the Ibis definitions once per set of inputs
    and kept (rmperf.engine.sql_cache); a later run with the same inputs imports no Ibis.
    """
    ids = _resolve(indicators, offers)
    defs = [LIBRARY[i] for i in ids]
    sqls = _sql_cache(lake, backend)
    engine = _open(lake, backend, defs, period, params, sqls, offers)
    try:
        ctx = _context(engine, backend, lake, period, params, sqls)
        rms = rms_in_period(engine, backend, period, sqls)
        key = ctx.key()
        sums: list[dict[str, Any]] = []
        # Indicators of a joint query share it (library.JOINT_QUERIES); the rest one each:
        # engines plan one wide UNION of them more slowly than they run them one by one
        # over the staged tables.
        joints = [j for j in JOINT_QUERIES if set(j) <= set(ids)]
        in_joint = {ind for j in joints for ind in j}
        for joint in joints:
            sql = sqls.sql(
                "ind-joint-" + "-".join(joint),
                {"indicators": list(joint), "context": key},
                _compiled(backend, partial(_joint_sums, joint, ctx)),
            )
            for r in engine.to_arrow(sql).to_pylist():
                for i, ind in enumerate(joint):
                    sums.append(
                        {"staff_id": r["staff_id"], "key": r["key"], "a": r[f"a_{i}"], "b": 0}
                        | {"indicator": ind}
                    )
        for ind in ids:
            if ind in in_joint:
                continue
            sql = sqls.sql(
                f"ind-values-{ind}",
                {"indicator": ind, "context": key},
                _compiled(backend, partial(_grouped, ind, ctx)),
            )
            found = engine.to_arrow(sql).to_pylist()
            sums.extend({**r, "indicator": ind} for r in found)
    finally:
        engine.close()
    sums.extend(_feedback_sums(feedback, ids, ctx, rms))
    sums.extend(_proposal_sums(proposals, ids, ctx, rms))

    num: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    den: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in sums:
        part, part_den = LIBRARY[r["indicator"]].finish(
            ctx, r["key"] or "", int(r["a"]), int(r["b"])
        )
        num[(r["staff_id"], r["indicator"])] += part
        if part_den is not None:
            den[(r["staff_id"], r["indicator"])] += part_den

    out: dict[str, list[Any]] = {n: [] for n in VALUES_SCHEMA.names}
    for staff_id in rms:
        for ind, ind_def in zip(ids, defs, strict=True):
            n = num.get((staff_id, ind), Decimal(0))
            d: Decimal | None
            if LIBRARY[ind].combine == "ratio":
                d = den.get((staff_id, ind), Decimal(0))
            else:
                d = ind_def.const_den(ctx)
            out["staff_id"].append(staff_id)
            out["indicator"].append(ind)
            out["value"].append(divide(n, d))
            out["numerator"].append(_six(n))
            out["denominator"].append(_six(d))
    return table_from_columns(out, VALUES_SCHEMA)  # no pandas import (arrow_rows.py)


def indicator_rows(
    lake: Lake,
    *,
    period: Period,
    staff_id: str,
    indicator: str,
    backend: BackendName = "duckdb",
    params: IndicatorParams = DEFAULT_PARAMS,
    offers: Offers | None = None,
) -> pa.Table:
    """The rows behind one RM's value of one indicator, with their part of it.

    Σ numerator (and Σ denominator, for ratios) of the rows equals the numerator (and
    denominator) `compute_indicators` gives; for sum indicators Σ contribution equals the
    value up to the 6-place rounding of each row. `flag` names patterns worth a look:
    `month_end_spike` (时点冲量) on balance rows, `overdue`, `unresolved`, `lost` …
    """
    rows = indicator_rows_many(
        lake,
        period=period,
        staff_id=staff_id,
        indicators=[indicator],
        backend=backend,
        params=params,
        offers=offers,
    )
    return rows[indicator]


def indicator_rows_many(
    lake: Lake,
    *,
    period: Period,
    staff_id: str,
    indicators: Sequence[str] | None = None,
    backend: BackendName = "duckdb",
    params: IndicatorParams = DEFAULT_PARAMS,
    offers: Offers | None = None,
) -> dict[str, pa.Table]:
    """`indicator_rows` for several indicators of one RM, reading the lake once."""
    ids = _resolve(indicators, offers)
    defs = [LIBRARY[i] for i in ids]
    sqls = _sql_cache(lake, backend)
    engine = _open(lake, backend, defs, period, params, sqls, offers)
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        ctx = _context(engine, backend, lake, period, params, sqls)
        key = ctx.key()
        for ind in ids:
            sql = sqls.sql(
                f"ind-rows-{ind}",
                {"indicator": ind, "staff_id": staff_id, "context": key},
                _compiled(backend, partial(_detail_rows, ind, ctx, staff_id)),
            )
            found[ind] = engine.to_arrow(sql).to_pylist()
    finally:
        engine.close()
    return {ind: _rows_table(ctx, ind, found[ind]) for ind in ids}


def _detail_rows(ind: str, ctx: Context, staff_id: str) -> Any:
    rows = LIBRARY[ind].detail(ctx, staff_id)
    return rows.order_by(["day", "ref_id", "key", "customer_id", "a"])


def _rows_table(ctx: Context, ind: str, found: list[dict[str, Any]]) -> pa.Table:
    ind_def = LIBRARY[ind]
    const = ind_def.const_den(ctx)
    ratio = LIBRARY[ind].combine == "ratio"
    out: dict[str, list[Any]] = {n: [] for n in ROWS_SCHEMA.names}
    for r in found:
        n, d = ind_def.finish(ctx, r["key"] or "", int(r["a"]), int(r["b"]))
        if ratio:
            contribution = None
        elif const is None:
            contribution = _six(n)
        else:
            contribution = divide(n, const)
        out["staff_id"].append(r["staff_id"])
        out["indicator"].append(ind)
        out["source"].append(r["source"])
        out["ref_id"].append(r["ref_id"])
        out["customer_id"].append(r["customer_id"])
        out["day"].append(r["day"])
        out["numerator"].append(_six(n))
        out["denominator"].append(_six(d))
        out["contribution"].append(contribution)
        share_den = int(r["share_den"])
        out["share"].append(divide(Decimal(int(r["share_num"])), Decimal(share_den)))
        out["flag"].append(r["flag"])
        out["note"].append(r["note"])
    return pa.table(out, schema=ROWS_SCHEMA)
