"""`rmperf recommend`: next-best products per customer with suitability as a hard filter;
`rmperf recommend-train` / `recommend-evaluate`: the propensity model (docs/recommend.md).
From a lake, no database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rmperf.commands import parse_date, setup_django, system_today
from rmperf.commands.lake_gate import add_gate_arguments, gated, say_if_empty


def _common(p: Any) -> None:
    p.add_argument("--lake", type=Path, required=True, help="lake directory")
    p.add_argument("--policy", type=Path, help="recommendation policy YAML (default: shipped)")
    p.add_argument("--today", type=parse_date, help="validation day (default: today)")
    add_gate_arguments(p)


def register(sub: Any) -> None:
    rec = sub.add_parser(
        "recommend",
        help="next-best products per customer, suitability applied (no database)",
        description="Write the top N suitable products per customer at a date: customer_id, "
        "unit_id, rm_id, rank, product_id, product_name, category, product_risk, customer_risk, "
        "propensity, propensity_source (model or rules), expected_value, rule_ids, families, "
        "reason_en, reason_zh, flags, flag_reason_en, flag_reason_zh, policy_version. With "
        "--blocked, every candidate withheld by suitability with the rule and the reason.",
    )
    _common(rec)
    rec.add_argument("--as-of", type=parse_date, required=True, help="as-of date YYYY-MM-DD")
    rec.add_argument("--top", type=int, help="products per customer (default: policy)")
    rec.add_argument("--model", type=Path, help="propensity model from recommend-train")
    rec.add_argument("--out", type=Path, required=True, help="result file (.csv or .parquet)")
    rec.add_argument("--blocked", type=Path, help="blocked pairs file (.csv or .parquet)")
    rec.set_defaults(handler=cmd_recommend)

    tr = sub.add_parser(
        "recommend-train",
        help="train the purchase propensity model on the lake's history (no database)",
        description="Train a HistGradientBoosting classifier on snapshots whose purchase "
        "windows end by --train-until; write it with its training window, feature list and "
        "policy version, and its sha256 beside it (<out>.sha256).",
    )
    _common(tr)
    tr.add_argument("--train-until", type=parse_date, required=True, help="last day seen")
    tr.add_argument("--out", type=Path, required=True, help="model file (.joblib)")
    tr.set_defaults(handler=cmd_train)

    ev = sub.add_parser(
        "recommend-evaluate",
        help="time-split evaluation: AUC, precision@k, recall@k, lift (no database)",
        description="Train up to --train-until and test on purchases in (train-until, "
        "test-until]; compare with the rules-only ranking and a popularity baseline.",
    )
    _common(ev)
    ev.add_argument("--train-until", type=parse_date, required=True)
    ev.add_argument("--test-until", type=parse_date, required=True)
    ev.add_argument("--report", type=Path, help="also write the report as Markdown here")
    ev.set_defaults(handler=cmd_evaluate)

    run = sub.add_parser(
        "recommend-run",
        help="store today's recommendations and withheld pairs in the app (database)",
        description="Run `recommend` on the lake in use (or --lake) and store the result for "
        "the RM panel and the workbench; audited.",
    )
    run.add_argument("--as-of", type=parse_date, required=True, help="as-of date YYYY-MM-DD")
    run.add_argument("--lake", type=Path, help="lake directory (default: the lake in use)")
    run.add_argument(
        "--policy",
        type=Path,
        help="recommendation policy YAML (default: the active `recommend` policy version)",
    )
    run.add_argument("--model", type=Path, help="propensity model from recommend-train")
    run.set_defaults(handler=cmd_run)

    att = sub.add_parser(
        "recommend-attribute",
        help="attribute accepted offers whose product appeared in the lake (database)",
    )
    att.add_argument("--lake", type=Path, help="lake directory (default: the lake in use)")
    att.set_defaults(handler=cmd_attribute)

    track = sub.add_parser(
        "campaign-track",
        help="refresh campaign results from the lake: purchases and complaints (database)",
        description="Attribute accepted campaign offers whose product appeared in the "
        "holdings within the policy window, and count targets' complaints in each "
        "campaign's dates; audited.",
    )
    track.add_argument("--lake", type=Path, help="lake directory (default: the lake in use)")
    track.set_defaults(handler=cmd_campaign_track)


def _setup(args: argparse.Namespace, outputs: list[Path]) -> tuple[Any, Any] | int:
    from rmperf.engine.lake import Lake
    from rmperf.engine.output import check_output_path
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.recommend.policy import load_recommend_policy

    try:
        for out in outputs:
            check_output_path(out)
        loaded = load_recommend_policy(args.policy)
    except (ValueError, PolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.lake.is_dir():
        print(f"error: {args.lake} is not a directory", file=sys.stderr)
        return 2
    lake = Lake(args.lake, today=args.today or system_today(), time_zone=loaded.policy.time_zone)
    return loaded, lake


def cmd_recommend(args: argparse.Namespace) -> int:
    from rmperf.engine.output import write_result
    from rmperf.engine.recommend import recommend
    from rmperf.engine.recommend.model import ModelError, load_model

    if args.top is not None and args.top < 1:
        print("error: --top must be at least 1", file=sys.stderr)
        return 2
    setup = _setup(args, [args.out, *([args.blocked] if args.blocked else [])])
    if isinstance(setup, int):
        return setup
    loaded, lake = setup
    model = None
    if args.model is not None:
        try:
            model = load_model(args.model)
        except ModelError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    result = gated(
        args,
        lake,
        lambda: recommend(
            lake,
            as_of=args.as_of,
            policy=loaded.policy,
            policy_version=loaded.version,
            model=model,
            top_n=args.top,
        ),
    )
    if isinstance(result, int):
        return result
    say_if_empty(result.recommendations.num_rows, "recommendations")
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    write_result(result.recommendations, args.out)
    if args.blocked:
        write_result(result.blocked, args.blocked)
    served = len(set(result.recommendations.column("customer_id").to_pylist()))
    print(
        f"{result.recommendations.num_rows:,} recommendations for {served:,} of "
        f"{result.customers:,} customers; {result.blocked.num_rows:,} blocked findings; "
        f"{'model' if model else 'rules only'}; policy {loaded.version}; wrote {args.out}"
    )
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from rmperf.engine.recommend.model import ModelError, save_model, train

    if not args.out.parent.is_dir():
        print(f"error: {args.out.parent}: the output folder does not exist", file=sys.stderr)
        return 2
    setup = _setup(args, [])
    if isinstance(setup, int):
        return setup
    loaded, lake = setup
    try:
        model = gated(
            args,
            lake,
            lambda: train(
                lake,
                train_until=args.train_until,
                policy=loaded.policy,
                policy_version=loaded.version,
            ),
        )
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if isinstance(model, int):
        return model
    digest = save_model(model, args.out)
    print(
        f"trained on {model.rows:,} rows ({model.positives:,} purchases), snapshots "
        f"{model.train_from} … {model.train_until}; {len(model.features)} features; "
        f"sha256 {digest[:12]}; wrote {args.out}"
    )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from rmperf.engine.recommend.evaluation import evaluate, report_markdown
    from rmperf.engine.recommend.model import ModelError

    setup = _setup(args, [])
    if isinstance(setup, int):
        return setup
    loaded, lake = setup
    try:
        evaluated = gated(
            args,
            lake,
            lambda: evaluate(
                lake,
                train_until=args.train_until,
                test_until=args.test_until,
                policy=loaded.policy,
                policy_version=loaded.version,
            ),
        )
    except (ValueError, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if isinstance(evaluated, int):
        return evaluated
    ev, _ = evaluated
    command = (
        f"rmperf recommend-evaluate --lake {args.lake} --train-until {args.train_until} "
        f"--test-until {args.test_until}"
    )
    text = report_markdown(ev, lake=str(args.lake), command=command)
    print(text)
    if args.report is not None:
        args.report.write_text(text, encoding="utf-8")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.engine.policy import PolicyError
    from rmperf.engine.recommend.model import ModelError
    from rmperf.recommend.services import RecommendRunError, recommendation_run

    try:
        run = recommendation_run(
            actor=None,
            as_of=args.as_of,
            lake_dir=args.lake,
            policy_path=args.policy,
            model_path=args.model,
        )
    except (RecommendRunError, PolicyError, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"run {run.pk}: {run.recommended:,} recommendations, {run.withheld:,} withheld "
        f"findings; policy {run.policy_label} ({run.policy_version})"
    )
    return 0


def cmd_attribute(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.recommend.services import RecommendRunError, offer_attribute

    try:
        done = offer_attribute(actor=None, lake_dir=args.lake)
    except RecommendRunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{done:,} accepted offers attributed to purchases")
    return 0


def cmd_campaign_track(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.recommend.campaigns import CampaignError, campaign_track

    if args.lake is not None and not args.lake.is_dir():
        print(f"error: {args.lake} is not a directory", file=sys.stderr)
        return 2
    try:
        changed = campaign_track(actor=None, lake_dir=args.lake)
    except CampaignError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{changed:,} campaign targets updated")
    return 0
