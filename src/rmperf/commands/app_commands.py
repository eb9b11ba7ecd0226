"""`rmperf import`, `rmperf demo` and `rmperf serve`: the application side."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from rmperf.commands import parse_date, setup_django
from rmperf.commands.lake_commands import progress_printer

DEMO_PASSWORD = "rmperf-demo"  # noqa: S105 - printed by `rmperf demo`; a demo bank holds no real data
DEMO_SEED = 7


def register(sub: Any) -> None:
    imp = sub.add_parser(
        "import",
        help="validate a lake and load it into the app",
        description="Validate every table, load org, staff, customers, assignments and "
        "products into the database and register the fact tables. Bad rows go to "
        "DIR/_rejects/<table>.csv. Exit 0: clean; 1: rows rejected; 2: the import failed "
        "and nothing was written.",
    )
    imp.add_argument("lake", type=Path, help="lake directory")
    imp.add_argument(
        "--today", type=parse_date, help="validation day (default: today in bank time)"
    )
    imp.set_defaults(handler=cmd_import)

    for name, helptext, handler in (
        ("demo", "generate and import the demo bank, create demo logins, serve", cmd_demo),
        ("serve", "serve the web app", cmd_serve),
    ):
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        p.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
        p.add_argument(
            "--threads",
            type=int,
            default=4,
            help="threads per process (default 4): a request waiting on the database or "
            "the lake leaves the CPU to another (bench/load.md)",
        )
        if name == "demo":
            p.add_argument(
                "--no-serve", action="store_true", help="do everything but serving, then exit 0"
            )
            p.add_argument(
                "--scale",
                choices=("tiny", "small", "medium"),
                default="small",
                help="size of the demo bank (default small)",
            )
            p.add_argument("--seed", type=int, default=DEMO_SEED, help="seed of the demo bank")
        p.set_defaults(handler=handler)


def _bank_today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


def cmd_import(args: argparse.Namespace) -> int:
    setup_django()
    from rmperf.lakes.selectors import lake_import_summary
    from rmperf.lakes.services import lake_import

    if not args.lake.is_dir():
        print(f"error: {args.lake} is not a directory", file=sys.stderr)
        return 2
    run = lake_import(actor=None, lake_dir=args.lake, today=args.today or _bank_today())
    print(lake_import_summary(lake_import=run))
    return int(run.exit_status)


def _demo_referral(logins: list[tuple[str, str, str]]) -> None:
    """The worked referral of seed 000 between the demo's teller and RM logins."""
    from django.contrib.auth import get_user_model

    from rmperf.referrals.demo import STORY_NOTE, demo_referral_any_rm
    from rmperf.referrals.models import Referral

    users = {role: username for role, username, _name in logins}
    if "teller" not in users or "rm" not in users:
        raise DemoStepError(
            f"the worked referral needs a teller and an RM login; the demo made {sorted(users)}"
        )
    user_model = get_user_model()
    teller = user_model.objects.get(username=users["teller"])
    rm = user_model.objects.get(username=users["rm"])
    story = demo_referral_any_rm(teller=teller, first=rm)
    if story is None:
        story = Referral.objects.filter(note=STORY_NOTE).first()
        if story is None:  # not made now and not there from an earlier run: say so
            raise DemoStepError(
                f"the worked referral could not be made: no customer of an RM in "
                f"{users['teller']}'s branch fits a referral rule on the lake"
            )
    to = story.to_staff
    print(
        f"worked referral #{story.pk}: {story.customer_id} from {users['teller']} to "
        f"{to.name} ({to.staff_id}), {story.state}"
    )


class DemoStepError(RuntimeError):
    """A demo step that could not do its part: the demo stops and says which and why."""


def _demo_goals(logins: list[tuple[str, str, str]], *, case_rm: str) -> None:
    """The case RM's target sheet for this year, proposed by their team leader's login."""
    from django.contrib.auth import get_user_model

    from rmperf.performance.demo import demo_goals_story

    users = {role: username for role, username, _name in logins}
    if "team_leader" not in users:
        return
    leader = get_user_model().objects.get(username=users["team_leader"])
    sheet = demo_goals_story(leader=leader, rm_staff_id=case_rm)
    if sheet is not None:
        print(f"target sheet {sheet.year} of {case_rm} proposed by {users['team_leader']}")


def _demo_feedback(logins: list[tuple[str, str, str]]) -> None:
    """The demo's 360 round (feedback.demo): opened by the branch manager login, three
    peers of the RM login answered; a failure stops the demo with its reason."""
    from django.contrib.auth import get_user_model

    from rmperf.feedback.demo import demo_feedback_round

    users = {role: username for role, username, _name in logins}
    if "branch_manager" not in users or "rm" not in users:
        raise RuntimeError("the demo bank has no branch manager or RM login for the 360 round")
    user_model = get_user_model()
    manager = user_model.objects.get(username=users["branch_manager"])
    rm = user_model.objects.get(username=users["rm"])
    round_ = demo_feedback_round(manager=manager, rm_staff_id=rm.staff.staff_id)
    print(f"360 round #{round_.pk} ({round_.period}) open over {round_.unit_id}")


def _demo_reviews(logins: list[tuple[str, str, str]], quarter: str, today: dt.date) -> None:
    """A talk about `quarter` and a closed half-year 述职 panel for the case RM."""
    from django.contrib.auth import get_user_model

    from rmperf.reviews.demo import demo_reviews_story

    roles = ("rm", "team_leader", "branch_manager", "hr")
    found = {role: username for role, username, _name in logins if role in roles}
    missing = [r for r in roles if r not in found]
    if missing:
        raise SystemExit(f"error: the demo's talk and 述职 need logins for {', '.join(missing)}")
    user_model = get_user_model()
    users = {role: user_model.objects.get(username=name) for role, name in found.items()}
    story = demo_reviews_story(users=users, quarter=quarter, today=today)
    print(
        f"talk #{story.talk.pk} about {quarter} recorded and acknowledged; 述职 "
        f"{story.review.span} panel closed at {story.review.score} into "
        f"{story.review.period.key if story.review.period else '—'}"
    )


def _demo_thresholds(logins: list[tuple[str, str, str]], today: dt.date) -> None:
    """Dynamic thresholds (analysis.thresholds_demo): HR's proposal for this quarter, made
    a scorecard draft and approved by `admin`."""
    from rmperf.analysis.thresholds_demo import demo_thresholds

    hr = next(name for role, name, _n in logins if role == "hr")
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    print(f"proposing thresholds for {quarter} from the economic series …")
    for line in demo_thresholds(hr_username=hr, checker_username="admin", period_key=quarter):
        print(line)


def _demo_teams(logins: list[tuple[str, str, str]]) -> None:
    """The team rhythm (teams.demo): the RM's team leader fills the boards, checks in."""
    from django.contrib.auth import get_user_model

    from rmperf.teams.demo import demo_team_rhythm

    found = {role: name for role, name, _n in logins if role in ("rm", "team_leader", "hr")}
    if len(found) < 3:
        raise SystemExit("error: the demo's team rhythm needs rm, team_leader and hr logins")
    user_model = get_user_model()
    users = {role: user_model.objects.get(username=name) for role, name in found.items()}
    story = demo_team_rhythm(
        leader=users["team_leader"], hr=users["hr"], rm_staff_id=users["rm"].staff.staff_id
    )
    print(
        f"team {story.daily.team_id}: 晨会 board of {story.daily.day} "
        f"({story.daily.covers_to} reviewed) and Monday review of {story.weekly.day} filled"
    )


def _demo_proposals(logins: list[tuple[str, str, str]]) -> None:
    """Innovation proposals (performance.demo): the RM login submits three, their team
    leader adopts one and rejects one; a refusal is reported, the demo goes on."""
    from django.contrib.auth import get_user_model

    from rmperf.performance.demo import demo_proposals_story

    found = {role: name for role, name, _n in logins if role in ("rm", "team_leader")}
    if len(found) < 2:
        raise SystemExit("error: the demo's proposals need rm and team_leader logins")
    user_model = get_user_model()
    story = demo_proposals_story(
        rm=user_model.objects.get(username=found["rm"]),
        leader=user_model.objects.get(username=found["team_leader"]),
    )
    if story.proposals:
        decided = sum(1 for p in story.proposals if p.decided_at is not None)
        print(
            f"{len(story.proposals)} innovation proposals of {found['rm']}, "
            f"{decided} decided by {found['team_leader']}"
        )
    if story.refusal:
        print(f"  proposals: refused: {story.refusal}")


def _last_closed_quarter(today: dt.date) -> str:
    """The last quarter that ended before `today`, e.g. 2026Q3 on 2026-11-23."""
    q = (today.month - 1) // 3  # quarters before this one in the year
    return f"{today.year}Q{q}" if q else f"{today.year - 1}Q4"


def _demo_pay(quarter: str) -> None:
    """Pay for `quarter`, as HR would prepare it (a second person approves it in the app).

    Pay reads the confirmed ratings of every quarter with loans since the first, so the
    demo scores each such quarter not yet scored and confirms (calibrates) the ratings of
    each one not yet confirmed, through the performance services, as the demo scores.
    """
    from rmperf.pay.services import PayRefused, pay_quarters_needed, pay_run
    from rmperf.performance.models import PerfPeriod, PeriodStatus
    from rmperf.performance.services.calibration import period_confirm_calibration
    from rmperf.performance.services.runs import period_run

    needed = pay_quarters_needed(key=quarter)
    status = dict(PerfPeriod.objects.filter(key__in=needed).values_list("key", "status"))
    todo = [k for k in needed if status.get(k) not in (PeriodStatus.CALIBRATED, "closed")]
    print(
        f"confirming the ratings pay needs: {len(needed)} quarter(s) with loans "
        f"({needed[0]} … {needed[-1]}), {len(todo)} to score and confirm …"
    )
    for key in todo:
        if status.get(key) != PeriodStatus.COMPUTED:
            period_run(actor=None, key=key)
        period_confirm_calibration(actor=None, key=key)
        print(f"  {key} scored and confirmed", flush=True)
    print(f"paying every RM for {quarter} (history from {needed[0]}) …")
    try:
        run = pay_run(actor=None, key=quarter)
    except PayRefused as exc:
        print(f"  pay refused: {exc}")
        return
    held = run.statements.filter(held__gt=0).count()
    released = run.statements.filter(deferral_released__gt=0).count()
    malus = run.statements.filter(malus__gt=0).count()
    clawback = run.statements.filter(clawback__lt=0).count()
    print(
        f"  {run.row_count:,} statements, total paid {run.total_paid:,.2f}; {held} held, "
        f"{released} with a deferral release, {malus} with malus, {clawback} with a "
        "clawback; awaiting HR's approval"
    )


def _demo_lake(home: Path, *, scale: str, seed: int, end: dt.date) -> Path:
    """The demo bank's lake, its history ending `end` (yesterday: banks' lakes are T+1).

    Regenerated when the scale, seed or end date changed, so the demo's reminders,
    referral rules ("opened in the last 30 days") and SLAs line up with today.
    """
    from rmperf.synth import generate

    lake = home / f"demo-lake-{scale}-{seed}"
    marker = lake / "_rmperf_demo.json"
    wanted = {"scale": scale, "seed": seed, "end": end.isoformat()}
    if marker.exists() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        print(f"demo bank already generated at {lake}")
        return lake
    if lake.exists():
        shutil.rmtree(lake)
    print(f"generating the demo bank ({scale}, seed {seed}, history to {end}) into {lake} …")
    report = generate(scale=scale, seed=seed, out=lake, end=end, progress=progress_printer())
    marker.write_text(json.dumps(wanted), encoding="utf-8")
    print(f"  {sum(report.rows.values()):,} rows in {report.seconds:.1f} s")
    return lake


def cmd_demo(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    from rmperf.lakes.demo import demo_users_ensure
    from rmperf.lakes.selectors import lake_import_summary
    from rmperf.lakes.services import lake_import
    from rmperf.synth import CASE_RM_STAFF_ID

    home = Path(settings.HOME_DIR)
    home.mkdir(parents=True, exist_ok=True)
    lake = _demo_lake(
        home, scale=args.scale, seed=args.seed, end=_bank_today() - dt.timedelta(days=1)
    )
    print("migrating the database …")
    try:
        # With the checks `rmperf migrate` runs: a database half-way through the migrations
        # squashed on 2026-12-07 is refused (rmperf.E001), not silently left behind.
        call_command("migrate", interactive=False, verbosity=0, skip_checks=False)
    except SystemCheckError as exc:
        print(exc, file=sys.stderr)
        return 2
    print("importing the demo bank …")
    run = lake_import(actor=None, lake_dir=lake, today=_bank_today())
    print(lake_import_summary(lake_import=run))
    if not run.succeeded:
        return 2
    print("segmenting the customers (RFM tiers, tags, contribution) …")
    from rmperf.segments.services import segment_run_latest

    seg_run = segment_run_latest(actor=None)
    print(f"  as of {seg_run.as_of}: {seg_run.row_count:,} customers, {seg_run.tier_counts}")
    print("building today's reminders and tasks for every RM …")
    from rmperf.tasks.services import task_run

    today = _bank_today()
    tasks = task_run(actor=None, as_of=today)
    print(f"  as of {today}: {tasks.created:,} new tasks, {tasks.closed:,} closed")
    from rmperf.performance.services.runs import period_run

    quarter = _last_closed_quarter(today)
    print(f"scoring every RM for {quarter} on the scorecards …")
    scored = period_run(actor=None, key=quarter)
    print(f"  {scored.period.key}: {scored.results.count():,} RMs scored")
    _demo_pay(quarter)
    print(f"analysing {quarter}: workload, rebalancing proposals, the gaming queue …")
    from rmperf.analysis.demo import demo_analysis

    for line in demo_analysis(quarter=quarter):
        print(line)
    print("recommending products (rules, suitability filter) …")
    from rmperf.recommend.services import recommendation_run

    rec_run = recommendation_run(actor=None, as_of=seg_run.as_of)
    print(f"  {rec_run.recommended:,} recommendations, {rec_run.withheld:,} withheld")
    print("writing last month's monthly work report of every RM …")
    from rmperf.reports.services import monthly_reports_generate

    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    made = monthly_reports_generate(actor=None, month=last_month, today=today)
    print(f"  {made.month}: {made.created:,} reports ({made.existing:,} already there)")
    call_command("collectstatic", interactive=False, verbosity=0)
    logins = demo_users_ensure(password=DEMO_PASSWORD, case_rm_id=CASE_RM_STAFF_ID)
    try:
        _demo_referral(logins)
    except DemoStepError as exc:
        print(f"error: demo step failed: {exc}", file=sys.stderr)
        return 1
    _demo_goals(logins, case_rm=CASE_RM_STAFF_ID)
    _demo_feedback(logins)
    _demo_reviews(logins, quarter, today)
    _demo_teams(logins)
    _demo_proposals(logins)
    _demo_thresholds(logins, today)
    print(f"\nlogins (password for all: {DEMO_PASSWORD})")
    print(f"  {'admin':<16} superuser (Django admin)")
    for role, username, name in logins:
        print(f"  {username:<16} {role:<16} {name}")
    if args.no_serve:
        return 0
    return _serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)


def cmd_serve(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    return _serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads)


def _serve(*, host: str, port: int, workers: int, threads: int) -> int:
    print(f"\nserving RM Perf on http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "rmperf.config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        "--timeout",
        "120",
    ]
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with the server
