"""Time-split evaluation of the propensity model against two baselines.

Train on history up to `train_until` (model.fit), score every (customer, category)
at D = train_until, and compare with the purchases in (train_until, test_until]:
- AUC over all pairs;
- precision@k and recall@k: each customer's k highest-scored categories; precision =
  hits / (k × customers), recall = hits / purchases;
- lift = the model's precision@k over a baseline's;
- the campaign list: precision among the top 1 % of all pairs (who to call first).
Baselines: popularity (each category's purchase rate in training, the same list for
everyone) and rules-only (the highest prior of the policy's rules proposing a product
of the category to the customer; categories no rule proposes score 0, ties broken by
popularity).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from rmperf.engine.lake import Lake
from rmperf.engine.recommend import _customers, shelf_from
from rmperf.engine.recommend.core import candidates
from rmperf.engine.recommend.features import (
    balance_months,
    customer_features,
    lake_connection,
    products,
)
from rmperf.engine.recommend.model import (
    FEATURES,
    PropensityModel,
    customer_matrix,
    fit,
    labels,
    purchases,
    snapshot_dates,
)
from rmperf.engine.recommend.policy import RecommendPolicy

#: The share of all (customer, category) pairs in a campaign list (top_share metric).
TOP_SHARE = 0.01


@dataclass(frozen=True)
class Scores:
    auc: float
    precision_at_k: float
    recall_at_k: float
    precision_top_share: float  # purchases among the top 1 % of all pairs


@dataclass(frozen=True)
class Evaluation:
    train_from: dt.date
    train_until: dt.date
    test_until: dt.date
    k: int
    customers: int
    pairs: int
    purchases: int
    training_rows: int
    training_positives: int
    model: Scores
    popularity: Scores
    rules: Scores
    per_category_auc: dict[str, float]
    importance: list[tuple[str, float]]
    seconds_training: float

    @property
    def lift_over_popularity(self) -> float:
        return _ratio(self.model.precision_at_k, self.popularity.precision_at_k)

    @property
    def lift_over_rules(self) -> float:
        return _ratio(self.model.precision_at_k, self.rules.precision_at_k)

    @property
    def list_lift_over_popularity(self) -> float:
        return _ratio(self.model.precision_top_share, self.popularity.precision_top_share)

    @property
    def list_lift_over_rules(self) -> float:
        return _ratio(self.model.precision_top_share, self.rules.precision_top_share)


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("inf")


def top_k_scores(score: np.ndarray, y: np.ndarray, k: int) -> tuple[float, float]:
    """precision@k and recall@k of per-row rankings (ties: lower column index first)."""
    order = np.argsort(-score, axis=1, kind="stable")[:, :k]
    hits = np.take_along_axis(y, order, axis=1).sum()
    positives = y.sum()
    precision = float(hits) / (k * y.shape[0]) if y.shape[0] else 0.0
    recall = float(hits) / float(positives) if positives else 0.0
    return precision, recall


def _scores(score: np.ndarray, y: np.ndarray, k: int) -> Scores:
    from sklearn.metrics import roc_auc_score

    flat_y = y.ravel()
    auc = float(roc_auc_score(flat_y, score.ravel())) if 0 < flat_y.sum() < flat_y.size else 0.5
    p, r = top_k_scores(score, y, k)
    n = max(1, int(flat_y.size * TOP_SHARE))
    top = np.argsort(-score.ravel(), kind="stable")[:n]
    return Scores(auc, p, r, float(flat_y[top].sum()) / n)


def evaluate(
    lake: Lake,
    *,
    train_until: dt.date,
    test_until: dt.date,
    policy: RecommendPolicy,
    policy_version: str,
) -> tuple[Evaluation, PropensityModel]:
    """Train up to `train_until`, test on purchases in (train_until, test_until]."""
    import time

    from sklearn.inspection import permutation_importance

    if test_until <= train_until:
        raise ValueError(f"--test-until {test_until} must be after --train-until {train_until}")
    k = policy.training.eval_k
    months = balance_months([*snapshot_dates(train_until, policy), train_until])
    with lake_connection(lake, months=months) as backend:
        started = time.perf_counter()
        model, popularity = fit(
            backend, train_until=train_until, policy=policy, policy_version=policy_version
        )
        seconds = time.perf_counter() - started
        table = customer_features(backend, as_of=train_until, policy=policy)
        bought = purchases(backend, after=train_until, until=test_until)
        shelf = shelf_from(products(backend))
    cats = model.categories
    y = labels(table, bought, cats)
    model_score = model.predict(table)
    pop = np.array([popularity[c] for c in cats])
    pop_score = np.tile(pop, (y.shape[0], 1))

    customers = _customers(table, {}, policy)
    by_category: dict[str, list[object]] = defaultdict(list)
    for p in shelf.values():
        by_category[p.category].append(p)
    cat_index = {c: j for j, c in enumerate(cats)}
    rules_score = np.tile(pop * 1e-6, (y.shape[0], 1))
    for i, cid in enumerate(table.column("customer_id").to_pylist()):
        for cand in candidates(
            customers[cid],
            as_of=train_until,
            policy=policy,
            shelf=shelf,
            by_category=by_category,  # type: ignore[arg-type]
        ):
            j = cat_index.get(shelf[cand.product_id].category)
            if j is not None:
                rules_score[i, j] = max(rules_score[i, j], float(cand.rule.prior))

    per_cat = {}
    from sklearn.metrics import roc_auc_score

    for j, c in enumerate(cats):
        col = y[:, j]
        if 0 < col.sum() < col.size:
            per_cat[c] = float(roc_auc_score(col, model_score[:, j]))

    # Which inputs the model leans on: permutation importance on a sample of test pairs.
    base = customer_matrix(table)
    rng = np.random.default_rng(0)
    rows = rng.choice(base.shape[0], size=min(base.shape[0], 2000), replace=False)
    xs = np.vstack(
        [np.column_stack([base[rows], np.full(rows.size, j, float)]) for j in range(len(cats))]
    )
    ys = np.concatenate([y[rows, j] for j in range(len(cats))])
    importance: list[tuple[str, float]] = []
    if 0 < ys.sum() < ys.size:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            result = permutation_importance(
                model.estimator, xs, ys, scoring="roc_auc", n_repeats=2, random_state=0
            )
        names = (*FEATURES, "category")
        importance = sorted(
            ((names[i], float(v)) for i, v in enumerate(result.importances_mean)),
            key=lambda t: -t[1],
        )[:12]

    return (
        Evaluation(
            train_from=model.train_from,
            train_until=train_until,
            test_until=test_until,
            k=k,
            customers=int(y.shape[0]),
            pairs=int(y.size),
            purchases=int(y.sum()),
            training_rows=model.rows,
            training_positives=model.positives,
            model=_scores(model_score, y, k),
            popularity=_scores(pop_score, y, k),
            rules=_scores(rules_score, y, k),
            per_category_auc=per_cat,
            importance=importance,
            seconds_training=seconds,
        ),
        model,
    )


def report_markdown(ev: Evaluation, *, lake: str, command: str) -> str:
    """The evaluation as a Markdown report (committed under docs/)."""
    lines = [
        "# Propensity model evaluation",
        "",
        f"Lake `{lake}`; command `{command}`.",
        "",
        f"- training snapshots {ev.train_from} … (label windows end by {ev.train_until}); "
        f"{ev.training_rows:,} rows, {ev.training_positives:,} purchases; "
        f"trained in {ev.seconds_training:.1f} s",
        f"- test: {ev.customers:,} customers × categories = {ev.pairs:,} pairs, "
        f"{ev.purchases:,} purchases in ({ev.train_until}, {ev.test_until}]",
        "",
        f"| ranking | AUC | precision@{ev.k} | recall@{ev.k} | precision, top 1 % of pairs |",
        "|---|---|---|---|---|",
    ]
    for name, s in (
        ("model (HistGradientBoosting)", ev.model),
        ("rules only (policy priors)", ev.rules),
        ("popularity", ev.popularity),
    ):
        lines.append(
            f"| {name} | {s.auc:.3f} | {s.precision_at_k:.4f} | {s.recall_at_k:.3f} | "
            f"{s.precision_top_share:.4f} |"
        )
    lines += [
        "",
        f"Lift of precision@{ev.k}: over popularity {ev.lift_over_popularity:.2f}×, "
        f"over rules only {ev.lift_over_rules:.2f}×. Lift of the campaign list (top 1 % of "
        f"all pairs): over popularity {ev.list_lift_over_popularity:.2f}×, over rules only "
        f"{ev.list_lift_over_rules:.2f}×.",
        "",
        "AUC per category: "
        + ", ".join(f"{c} {v:.3f}" for c, v in sorted(ev.per_category_auc.items())),
        "",
        "Permutation importance (mean AUC drop, 2,000 test customers × categories):",
        "",
        "| feature | AUC drop |",
        "|---|---|",
        *(f"| {n} | {v:.4f} |" for n, v in ev.importance),
        "",
    ]
    return "\n".join(lines)
