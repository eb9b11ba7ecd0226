"""Next-best-product recommendations at an as-of date (DOMAIN §2).

Candidates come from the policy's rules (behaviour, gaps, scenes); each carries its rule
in words. They are valued (propensity × revenue_rate × typical ticket), then pass the
one gate `core.present`, where suitability removes every blocked pair before the top N
per customer are cut. Blocked pairs are returned too, each with its rule and reason.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from rmperf.engine.contract import PRODUCT_CATEGORIES
from rmperf.engine.lake import Lake
from rmperf.engine.recommend.core import (
    Blocked,
    Customer,
    Product,
    Recommendation,
    Scored,
    candidates,
    family_names,
    present,
    score,
)
from rmperf.engine.recommend.features import (
    balance_months,
    customer_features,
    lake_connection,
    maturities,
    products,
    rule_count_column,
)
from rmperf.engine.recommend.model import PropensityModel
from rmperf.engine.recommend.policy import RecommendPolicy, Scene, load_recommend_policy

RECOMMENDATION_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("unit_id", pa.string(), nullable=False),
        pa.field("rm_id", pa.string()),
        pa.field("rank", pa.int64(), nullable=False),
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("product_name", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("product_risk", pa.string(), nullable=False),
        pa.field("customer_risk", pa.string()),
        pa.field("propensity", pa.float64(), nullable=False),
        pa.field("propensity_source", pa.string(), nullable=False),
        pa.field("expected_value", pa.decimal128(18, 2), nullable=False),
        pa.field("rule_ids", pa.string(), nullable=False),
        pa.field("families", pa.string(), nullable=False),
        pa.field("reason_en", pa.string(), nullable=False),
        pa.field("reason_zh", pa.string(), nullable=False),
        pa.field("flags", pa.string(), nullable=False),
        pa.field("flag_reason_en", pa.string(), nullable=False),
        pa.field("flag_reason_zh", pa.string(), nullable=False),
        pa.field("policy_version", pa.string(), nullable=False),
    ]
)
BLOCKED_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("unit_id", pa.string(), nullable=False),
        pa.field("rm_id", pa.string()),
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("product_name", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("product_risk", pa.string(), nullable=False),
        pa.field("customer_risk", pa.string()),
        pa.field("candidate_rule_ids", pa.string(), nullable=False),
        pa.field("rule", pa.string(), nullable=False),
        pa.field("reason_en", pa.string(), nullable=False),
        pa.field("reason_zh", pa.string(), nullable=False),
        pa.field("policy_version", pa.string(), nullable=False),
    ]
)


@dataclass(frozen=True)
class RecommendResult:
    recommendations: pa.Table
    blocked: pa.Table
    customers: int
    candidates: int
    warnings: tuple[str, ...]


def _customers(
    table: pa.Table, maturing: Mapping[str, tuple[str, ...]], policy: RecommendPolicy
) -> dict[str, Customer]:
    counted = [r.id for r in policy.rules if r.when.events is not None]

    def col(name: str) -> list[Any]:
        values: list[Any] = table.column(name).to_pylist()
        return values

    holds_cols = [(c, col(f"holds_{c}")) for c in PRODUCT_CATEGORIES]
    ever_cols = [(c, col(f"ever_{c}")) for c in PRODUCT_CATEGORIES]
    count_cols = [(r, col(rule_count_column(r))) for r in counted]
    n = table.num_rows
    holds = [frozenset(c for c, v in holds_cols if v[i]) for i in range(n)]
    ever = [frozenset(c for c, v in ever_cols if v[i]) for i in range(n)]
    counts = [{r: v[i] for r, v in count_cols} for i in range(n)]
    out: dict[str, Customer] = {}
    industries = col("industry")
    for i, (cid, kind, unit, rm, age, risk, current, opt_out, aum, dom) in enumerate(
        zip(
            col("customer_id"),
            col("kind"),
            col("unit_id"),
            col("rm_id"),
            col("age"),
            col("risk"),
            col("assessment_current"),
            col("opt_out"),
            col("aum"),
            col("payroll_dom"),
            strict=True,
        )
    ):
        out[cid] = Customer(
            customer_id=cid,
            kind=kind,
            unit_id=unit,
            rm_id=rm,
            age=age,
            risk=risk,
            assessment_current=bool(current),
            opt_out=bool(opt_out),
            industry=industries[i] or "",
            aum=aum,
            holds=holds[i],
            ever=ever[i],
            rule_counts=counts[i],
            payroll_dom=dom,
            maturing=maturing.get(cid, ()),
        )
    return out


def shelf_from(table: pa.Table) -> dict[str, Product]:
    return {
        r["product_id"]: Product(
            r["product_id"], r["name"], r["category"], int(r["risk_level"][1]), r["revenue_rate"]
        )
        for r in table.to_pylist()
    }


def _risk(level: int, prefix: str) -> str | None:
    return f"{prefix}{level}" if level > 0 else None


def recommendation_table(recs: list[Recommendation], version: str) -> pa.Table:
    names = RECOMMENDATION_SCHEMA.names
    cols: dict[str, list[Any]] = {n: [] for n in names}
    reasons: dict[tuple[int, ...], tuple[str, str, str, str]] = {}
    for r in recs:
        s = r.scored
        key = tuple(id(x) for x in s.rules)
        if key not in reasons:
            reasons[key] = (
                ";".join(x.id for x in s.rules),
                family_names(s.rules),
                "; ".join(x.reason_text("en") for x in s.rules),
                "；".join(x.reason_text("zh") for x in s.rules),
            )
        rule_ids, families, reason_en, reason_zh = reasons[key]
        cols["customer_id"].append(s.customer.customer_id)
        cols["unit_id"].append(s.customer.unit_id)
        cols["rm_id"].append(s.customer.rm_id)
        cols["rank"].append(r.rank)
        cols["product_id"].append(s.product.product_id)
        cols["product_name"].append(s.product.name)
        cols["category"].append(s.product.category)
        cols["product_risk"].append(f"R{s.product.risk}")
        cols["customer_risk"].append(_risk(s.customer.risk, "C"))
        cols["propensity"].append(round(s.propensity, 6))
        cols["propensity_source"].append(s.source)
        cols["expected_value"].append(s.expected_value)
        cols["rule_ids"].append(rule_ids)
        cols["families"].append(families)
        cols["reason_en"].append(reason_en)
        cols["reason_zh"].append(reason_zh)
        cols["flags"].append(";".join(f.rule for f in r.flags))
        cols["flag_reason_en"].append("; ".join(f.reason_en for f in r.flags))
        cols["flag_reason_zh"].append("；".join(f.reason_zh for f in r.flags))
        cols["policy_version"].append(version)
    return pa.table(
        {n: pa.array(cols[n], type=RECOMMENDATION_SCHEMA.field(n).type) for n in names},
        schema=RECOMMENDATION_SCHEMA,
    )


def blocked_table(blocked: list[Blocked], version: str) -> pa.Table:
    rows = []
    for b in blocked:
        s = b.scored
        for f in b.findings:
            rows.append(
                {
                    "customer_id": s.customer.customer_id,
                    "unit_id": s.customer.unit_id,
                    "rm_id": s.customer.rm_id,
                    "product_id": s.product.product_id,
                    "product_name": s.product.name,
                    "category": s.product.category,
                    "product_risk": f"R{s.product.risk}",
                    "customer_risk": _risk(s.customer.risk, "C"),
                    "candidate_rule_ids": ";".join(x.id for x in s.rules),
                    "rule": f.rule,
                    "reason_en": f.reason_en,
                    "reason_zh": f.reason_zh,
                    "policy_version": version,
                }
            )
    return pa.Table.from_pylist(rows, schema=BLOCKED_SCHEMA)


def recommend(
    lake: Lake,
    *,
    as_of: dt.date,
    policy: RecommendPolicy,
    policy_version: str,
    model: PropensityModel | None = None,
    top_n: int | None = None,
) -> RecommendResult:
    """Recommendations and blocked pairs for every customer opened on or before `as_of`."""
    days = max(
        (
            r.when.scene.days_ahead
            for r in policy.rules
            if r.when.scene is not None and r.when.scene.scene is Scene.MATURITY
        ),
        default=-1,
    )
    with lake_connection(lake, months=balance_months([as_of])) as backend:
        table = customer_features(backend, as_of=as_of, policy=policy)
        shelf = shelf_from(products(backend))
        maturing: dict[str, tuple[str, ...]] = {}
        if days >= 0:
            grouped: dict[str, list[str]] = defaultdict(list)
            for row in maturities(backend, as_of=as_of, days_ahead=days).to_pylist():
                if row["product_id"] not in grouped[row["customer_id"]]:
                    grouped[row["customer_id"]].append(row["product_id"])
            maturing = {k: tuple(v) for k, v in grouped.items()}
    customers = _customers(table, maturing, policy)
    by_category: dict[str, list[Product]] = defaultdict(list)
    for p in shelf.values():
        by_category[p.category].append(p)
    warnings = tuple(
        f"rule {r.id}: product {pid} is not in the lake's products"
        for r in policy.rules
        for pid in r.offer.product_ids
        if pid not in shelf
    )
    cands = []
    for c in customers.values():
        cands.extend(
            candidates(c, as_of=as_of, policy=policy, shelf=shelf, by_category=by_category)
        )
    propensity = None
    if model is not None:
        probs = model.predict(table)
        index = {cid: i for i, cid in enumerate(table.column("customer_id").to_pylist())}
        cat_index = {c: j for j, c in enumerate(model.categories)}

        def propensity(c: Customer, p: Product) -> float | None:
            j = cat_index.get(p.category)
            return None if j is None else float(probs[index[c.customer_id], j])

    scored: list[Scored] = score(
        cands, customers=customers, shelf=shelf, policy=policy, propensity=propensity
    )
    recs, blocked = present(scored, policy=policy, top_n=top_n)
    return RecommendResult(
        recommendation_table(recs, policy_version),
        blocked_table(blocked, policy_version),
        len(customers),
        len(cands),
        warnings,
    )


__all__ = [
    "BLOCKED_SCHEMA",
    "RECOMMENDATION_SCHEMA",
    "RecommendPolicy",
    "RecommendResult",
    "load_recommend_policy",
    "recommend",
]
