"""Writes of the recommend app: persisting an engine run, logging offers, attributing
purchases. Every write is atomic and audited (shared/STYLE.md convention 2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from rmperf.core.access import Action, staff_of
from rmperf.core.audit import audit_record
from rmperf.core.run_services import run_start, run_succeed
from rmperf.customers.models import Customer
from rmperf.engine.indicators.offers import Offers as EngineOffers
from rmperf.engine.indicators.offers import load_offers, write_offers
from rmperf.engine.lake import Lake
from rmperf.engine.recommend import recommend
from rmperf.engine.recommend.model import load_model
from rmperf.engine.recommend.policy import load_recommend_policy
from rmperf.lakes.selectors import lake_current
from rmperf.org.models import Staff
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_in_force
from rmperf.recommend.models import Offer, Outcome, Recommendation, RecommendationRun, Withheld

CHUNK = 2000


class RecommendRunError(Exception):
    """A run that cannot start (no lake)."""


def _known(ids: Iterable[str | None], model: Any) -> set[str]:
    """The ids the app knows, asked in chunks (SQLite bounds the variables per query)."""
    wanted = sorted({i for i in ids if i})
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(model.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    return found


def recommendation_run(
    *,
    actor: Any,
    as_of: dt.date,
    lake_dir: Path | None = None,
    policy_path: Path | None = None,
    model_path: Path | None = None,
) -> RecommendationRun:
    """Run the engine on the lake in use and store what it recommends and withholds.

    Rows of customers or RMs the app does not know (not imported yet) are left out and
    counted in the audit event, never guessed.
    """
    lake_dir = lake_dir or lake_current()
    if lake_dir is None:
        raise RecommendRunError("no lake has been imported yet")
    if policy_path is not None:
        loaded = load_recommend_policy(policy_path)
        policy, policy_label = None, f"file {policy_path}"
    else:
        policy, loaded = policy_in_force(PolicyKind.RECOMMEND)
        policy_label = policy.run_label
    model = load_model(model_path) if model_path is not None else None
    lake = Lake(lake_dir, today=timezone.localdate(), time_zone=loaded.policy.time_zone)
    result = recommend(
        lake, as_of=as_of, policy=loaded.policy, policy_version=loaded.version, model=model
    )
    recs = result.recommendations.to_pylist()
    blocked = result.blocked.to_pylist()
    customers = _known((r["customer_id"] for r in recs + blocked), Customer)
    staff = _known((r["rm_id"] for r in recs + blocked), Staff)
    with transaction.atomic(durable=True):
        run = run_start(
            RecommendationRun,
            actor=actor,
            as_of=as_of,
            policy_version=loaded.version,
            policy=policy,
            policy_label=policy_label,
            lake_path=str(lake_dir),
            model_used=model is not None,
        )
        shown = [
            Recommendation(
                run=run,
                customer_id=r["customer_id"],
                rm_id=r["rm_id"] if r["rm_id"] in staff else None,
                product_id=r["product_id"],
                product_name=r["product_name"],
                category=r["category"],
                product_risk=r["product_risk"],
                customer_risk=r["customer_risk"] or "",
                rank=r["rank"],
                propensity=r["propensity"],
                propensity_source=r["propensity_source"],
                expected_value=r["expected_value"],
                rule_ids=r["rule_ids"],
                reason_en=r["reason_en"],
                reason_zh=r["reason_zh"],
                flags=r["flags"],
                flag_reason_en=r["flag_reason_en"],
                flag_reason_zh=r["flag_reason_zh"],
            )
            for r in recs
            if r["customer_id"] in customers
        ]
        withheld = [
            Withheld(
                run=run,
                customer_id=r["customer_id"],
                rm_id=r["rm_id"] if r["rm_id"] in staff else None,
                product_id=r["product_id"],
                product_name=r["product_name"],
                category=r["category"],
                product_risk=r["product_risk"],
                customer_risk=r["customer_risk"] or "",
                candidate_rule_ids=r["candidate_rule_ids"],
                rule=r["rule"],
                reason_en=r["reason_en"],
                reason_zh=r["reason_zh"],
            )
            for r in blocked
            if r["customer_id"] in customers
        ]
        Recommendation.objects.bulk_create(shown, batch_size=CHUNK)
        Withheld.objects.bulk_create(withheld, batch_size=CHUNK)
        run.recommended = len(shown)
        run.withheld = len(withheld)
        run_succeed(
            run,
            actor=actor,
            row_count=len(shown) + len(withheld),
            update_fields=["recommended", "withheld"],
            verb="recommend.run",
            object_type="recommend.RecommendationRun",
            object_id=str(run.pk),
            after={
                "as_of": as_of.isoformat(),
                "policy_version": loaded.version,
                "policy": policy_label,
                "recommended": len(shown),
                "withheld": len(withheld),
                "unknown_customer_rows": len(recs) + len(blocked) - len(shown) - len(withheld),
            },
        )
    return run


def offer_log(*, actor: Any, recommendation_id: int, outcome: str) -> Offer:
    """Log an offer of a recommended product, or its outcome (offered → accepted /
    declined / no answer). Only staff who may change the customer's records do so; a
    recommendation out of scope is the same as a missing one (404)."""
    staff = staff_of(actor)
    if outcome not in Outcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    rec = Recommendation.objects.restrict(actor).filter(pk=recommendation_id).first()
    allowed = Customer.objects.restrict(actor, Action.CHANGE)
    if rec is None or staff is None or not allowed.filter(pk=rec.customer_id).exists():
        raise Http404
    with transaction.atomic(durable=True):
        offer = Offer.objects.select_for_update().filter(recommendation=rec).order_by("pk").first()
        before = None if offer is None else {"outcome": offer.outcome}
        if offer is None:
            offer = Offer(
                recommendation=rec,
                customer_id=rec.customer_id,
                product_id=rec.product_id,
                offered_by=staff,
                offered_on=timezone.localdate(),
                offered_at=timezone.now(),
                outcome=outcome,
            )
        else:
            offer.outcome = outcome
            offer.updated_at = timezone.now()
        offer.full_clean()
        offer.save()
        audit_record(
            actor=actor,
            verb="recommend.offer",
            object_type="recommend.Offer",
            object_id=str(offer.pk),
            before=before,
            after={
                "customer_id": offer.customer_id,
                "product_id": offer.product_id,
                "outcome": offer.outcome,
            },
        )
    return offer


def offer_attribute(*, actor: Any, lake_dir: Path | None = None) -> int:
    """Attribute accepted offers whose product appears in the lake's holdings (start date
    from the offer day to the policy window's end); return how many were attributed."""
    lake_dir = lake_dir or lake_current()
    if lake_dir is None:
        raise RecommendRunError("no lake has been imported yet")
    window = policy_in_force(PolicyKind.RECOMMEND)[1].policy.attribution.window_days
    pending = list(
        Offer.objects.filter(outcome=Outcome.ACCEPTED, purchased_on__isnull=True).order_by("pk")
    )
    if not pending:
        return 0
    starts = holding_starts(Lake(lake_dir, today=timezone.localdate()))
    done = 0
    with transaction.atomic(durable=True):
        for offer in pending:
            seen = first_purchase(
                starts, offer.customer_id, offer.product_id, offer.offered_on, window
            )
            if seen is not None:
                offer.purchased_on = seen[0]
                offer.save(update_fields=["purchased_on"])
                audit_record(
                    actor=actor,
                    verb="recommend.attribute",
                    object_type="recommend.Offer",
                    object_id=str(offer.pk),
                    before={"purchased_on": None},
                    after={"purchased_on": seen[0].isoformat()},
                )
                done += 1
    return done


Starts = dict[tuple[str, str], list[tuple[dt.date, Decimal]]]


def holding_starts(lake: Lake) -> Starts:
    """(customer, product) → every holding's (start date, amount) in the lake."""
    starts: Starts = {}
    for row in lake.valid_rows("holdings").to_pylist():
        key = (row["customer_id"], row["product_id"])
        starts.setdefault(key, []).append((row["start_date"], row["amount"]))
    return starts


def first_purchase(
    starts: Starts, customer_id: str, product_id: str, since: dt.date, window_days: int
) -> tuple[dt.date, Decimal] | None:
    """The earliest holding of the product starting from `since` to `since` + window
    (the attribution rule of offers and campaigns alike); None when there is none."""
    end = since + dt.timedelta(days=window_days)
    seen = sorted(
        (d, amount) for d, amount in starts.get((customer_id, product_id), []) if since <= d <= end
    )
    return seen[0] if seen else None


def run_offers_path(inputs_digest: str) -> Path:
    """Where a performance run keeps the offers it was computed from (its inputs)."""
    return Path(settings.HOME_DIR) / "runs" / inputs_digest / "offers.parquet"


def run_offers_write(inputs_digest: str, offers: EngineOffers) -> Path:
    """Write a run's offers input (idempotent: same digest, same content)."""
    path = run_offers_path(inputs_digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_offers(offers.rows, path)


def run_offers_load(inputs_digest: str) -> EngineOffers | None:
    """The offers a run used, or None when its file is gone."""
    path = run_offers_path(inputs_digest)
    return load_offers(path) if path.is_file() else None
