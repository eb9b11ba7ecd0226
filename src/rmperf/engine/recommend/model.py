"""The propensity model: the probability that a customer buys a product of a category
within the policy's horizon, learned from the lake's history with a time split.

- A purchase is a new holding: a holding whose start_date falls in (D, D + horizon] and
  that is not the automatic renewal of the same product (a holding of that product by
  the same customer maturing the day before), or a loan disbursed in the window.
- Training rows are (customer, category) at snapshot dates D_i = train_until − horizon −
  i × step, so every label window ends on or before `train_until`: nothing after it is
  seen in training. Evaluation scores the snapshot D = train_until against purchases in
  (train_until, test_until].
- Negatives are sampled (policy `negative_share`, weighted back) to keep training fast.
- The classifier is scikit-learn's HistGradientBoostingClassifier with the category as a
  categorical feature; the model file keeps the training window, the feature list, the
  categories and the policy version, and a sidecar `<file>.sha256` its digest.
"""

# ruff: noqa: S608 - SQL over generated names; literals are quoted by the dialect

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from rmperf.engine.backends.duckdb_backend import DuckDBBackend
from rmperf.engine.contract import PRODUCT_CATEGORIES
from rmperf.engine.lake import Lake
from rmperf.engine.recommend.features import (
    FEATURE_EVENT_KINDS,
    balance_months,
    customer_features,
    event_column,
    lake_connection,
    lit,
)
from rmperf.engine.recommend.policy import RecommendPolicy

MODEL_FORMAT = 1

#: Customer columns the model reads, in order; the category index is appended last.
FEATURES: tuple[str, ...] = (
    "age",
    "tenure_days",
    "risk",
    "assessment_current",
    "corporate",
    "log_aum",
    *(f"holds_{c}" for c in PRODUCT_CATEGORIES),
    *(f"ever_{c}" for c in PRODUCT_CATEGORIES),
    "n_categories",
    *(event_column(k, d) for k in FEATURE_EVENT_KINDS for d in (30, 90)),
    "payroll_client",
    "interactions_60",
)


class ModelError(ValueError):
    """A model file that cannot be used (unreadable, tampered with, wrong format)."""


@dataclass(frozen=True)
class PropensityModel:
    """A trained classifier and what it was trained on."""

    estimator: Any
    features: tuple[str, ...]
    categories: tuple[str, ...]
    train_from: dt.date
    train_until: dt.date
    horizon_days: int
    policy_version: str
    rows: int
    positives: int

    def predict(self, table: pa.Table) -> np.ndarray:
        """P(purchase) per customer row × category (shape customers × categories)."""
        from threadpoolctl import threadpool_limits

        base = customer_matrix(table)
        n = base.shape[0]
        out = np.zeros((n, len(self.categories)))
        with threadpool_limits(1):
            for j in range(len(self.categories)):
                x = np.column_stack([base, np.full(n, j, dtype=np.float64)])
                out[:, j] = self.estimator.predict_proba(x)[:, 1]
        return out


def customer_matrix(table: pa.Table) -> np.ndarray:
    """The model's customer features as floats (missing age → NaN)."""
    cols: list[np.ndarray] = []
    for name in FEATURES:
        if name == "corporate":
            col = np.array([k == "corporate" for k in table.column("kind").to_pylist()], float)
        elif name == "log_aum":
            aum = np.array([float(a) for a in table.column("aum").to_pylist()])
            col = np.log1p(np.maximum(aum, 0.0))
        elif name == "payroll_client":
            col = np.array([d is not None for d in table.column("payroll_dom").to_pylist()], float)
        else:
            raw = table.column(name).to_pylist()
            col = np.array([np.nan if v is None else float(v) for v in raw], dtype=np.float64)
        cols.append(col)
    return np.column_stack(cols)


def purchases(backend: DuckDBBackend, *, after: dt.date, until: dt.date) -> set[tuple[str, str]]:
    """(customer_id, category) of every new holding or loan in (after, until]."""
    sql = f"""
    SELECT DISTINCT h.customer_id, p.category
    FROM rm_valid_holdings h JOIN rm_valid_products p USING (product_id)
    WHERE h.start_date > {lit(after)} AND h.start_date <= {lit(until)}
      AND NOT EXISTS (
        SELECT 1 FROM rm_valid_holdings r
        WHERE r.customer_id = h.customer_id AND r.product_id = h.product_id
          AND r.maturity_date = h.start_date - INTERVAL 1 DAY)
    UNION
    SELECT DISTINCT l.customer_id, p.category
    FROM rm_valid_loans l JOIN rm_valid_products p USING (product_id)
    WHERE l.disbursed_on > {lit(after)} AND l.disbursed_on <= {lit(until)}
    """
    rows = backend.to_arrow(sql).to_pylist()
    return {(r["customer_id"], r["category"]) for r in rows}


def labels(
    table: pa.Table, bought: set[tuple[str, str]], categories: tuple[str, ...]
) -> np.ndarray:
    ids = table.column("customer_id").to_pylist()
    return np.array([[(cid, c) in bought for c in categories] for cid in ids], dtype=bool)


def _stack(base: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n, k = y.shape
    xs = [np.column_stack([base, np.full(n, j, dtype=np.float64)]) for j in range(k)]
    return np.vstack(xs), np.concatenate([y[:, j] for j in range(k)])


def snapshot_dates(train_until: dt.date, policy: RecommendPolicy) -> list[dt.date]:
    t = policy.training
    first = train_until - dt.timedelta(days=t.horizon_days)
    return [first - dt.timedelta(days=i * t.snapshot_step_days) for i in range(t.snapshots)]


def fit(
    backend: DuckDBBackend,
    *,
    train_until: dt.date,
    policy: RecommendPolicy,
    policy_version: str,
) -> tuple[PropensityModel, dict[str, float]]:
    """Train on snapshots whose label windows end on or before `train_until`.

    Returns the model and the category purchase rates in training (the popularity
    baseline).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    cats = tuple(policy.training.categories)
    rng = np.random.default_rng(0)
    keep_share = policy.training.negative_share
    horizon = policy.training.horizon_days
    xs, ys = [], []
    counted: list[tuple[int, int]] = []
    for d in snapshot_dates(train_until, policy):
        table = customer_features(backend, as_of=d, policy=policy)
        bought = purchases(backend, after=d, until=d + dt.timedelta(days=horizon))
        x, y = _stack(customer_matrix(table), labels(table, bought, cats))
        positives_total = int(y.sum())
        keep = y | (rng.random(y.size) < keep_share)
        xs.append(x[keep])
        ys.append(y[keep])
        counted.append((y.size, positives_total))
    x_all, y_all = np.vstack(xs), np.concatenate(ys)
    # Negatives are sampled; each kept one stands for 1 / share, so rates stay calibrated.
    weight = np.where(y_all, 1.0, 1.0 / keep_share)
    if y_all.sum() == 0:
        raise ModelError("no purchases in the training window: nothing to learn from")
    categorical = np.zeros(x_all.shape[1], dtype=bool)
    categorical[-1] = True
    est = HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.1,
        max_leaf_nodes=31,
        categorical_features=categorical,
        early_stopping=False,
        random_state=0,
    )
    # One thread: on a shared machine OpenMP's spinning threads cost more than they give.
    with threadpool_limits(1):
        est.fit(x_all, y_all, sample_weight=weight)
    cat_col = x_all[:, -1]
    popularity = {
        c: float((weight * y_all)[cat_col == j].sum() / weight[cat_col == j].sum())
        for j, c in enumerate(cats)
    }
    dates = snapshot_dates(train_until, policy)
    model = PropensityModel(
        estimator=est,
        features=(*FEATURES, "category"),
        categories=cats,
        train_from=min(dates),
        train_until=train_until,
        horizon_days=horizon,
        policy_version=policy_version,
        rows=sum(n for n, _ in counted),
        positives=sum(p for _, p in counted),
    )
    return model, popularity


def train(
    lake: Lake, *, train_until: dt.date, policy: RecommendPolicy, policy_version: str
) -> PropensityModel:
    months = balance_months(snapshot_dates(train_until, policy))
    with lake_connection(lake, months=months) as backend:
        model, _ = fit(
            backend, train_until=train_until, policy=policy, policy_version=policy_version
        )
    return model


def save_model(model: PropensityModel, path: Path) -> str:
    """Write the model (joblib) atomically and its sha256 beside it; return the digest."""
    import joblib

    tmp = path.with_name(f".{path.name}.tmp")
    joblib.dump({"format": MODEL_FORMAT, "model": model}, tmp)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    tmp.replace(path)
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return digest


def load_model(path: Path) -> PropensityModel:
    """Read a model written by save_model; the sidecar digest must match the bytes.

    Model files are pickles: load only files this bank trained (the digest guards
    against a changed file, not against a hostile one).
    """
    import joblib

    side = path.with_name(path.name + ".sha256")
    try:
        data = path.read_bytes()
        expected = side.read_text(encoding="utf-8").split()[0]
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model or its .sha256: {exc.strerror}") from None
    if hashlib.sha256(data).hexdigest() != expected:
        raise ModelError(f"{path}: digest does not match {side.name}; the file was changed")
    blob = joblib.load(path)
    if not isinstance(blob, dict) or blob.get("format") != MODEL_FORMAT:
        raise ModelError(f"{path}: not a model file of format {MODEL_FORMAT}")
    model = blob["model"]
    if not isinstance(model, PropensityModel) or model.features != (*FEATURES, "category"):
        raise ModelError(f"{path}: its feature list differs from this version's")
    return model
