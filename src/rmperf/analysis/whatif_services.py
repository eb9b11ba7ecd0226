"""What-if before adoption in the app (issue #15): compare a draft scorecard set or pay plan
with the versions in force for a past period, out of the request.

`whatif_start` records a run (status running, audited) and, once the request's transaction
commits, hands it to a thread (`launch`); `whatif_execute` computes the comparison with the
engine's `what_if` (what `rmperf what-if` runs: `score_lake` and `pay_lake`, nothing
restated) and keeps it on the run row to show it, then marks the run succeeded or failed,
audited. Nothing is stored as a scoring or pay result.

The sides: in force, the active scorecard set, the approved target sheets (一人一表) of the
years the pay history covers and the active pay plan; the draft side is the same with the
draft in place of its kind. The quarters before the period take the confirmed ratings
(the ratings really given, calibrated or not) on both sides when every one of them is
confirmed, so only the period is scored, once per side; otherwise each side scores every
quarter the pay history needs (minutes on a large bank; the page says which).

Every period scored, on both sides, reads the inputs a stored period run reads beside the
lake, the cards and the targets (`performance.services.runs.period_score_inputs`: the
period's manual scores, offers, the app's 360 feedback and adopted proposals, the referral
points rule in force), so the in-force side reproduces the stored run of the period to the
cent and the draft side differs from it only by the draft. They are read as they are now:
an input recorded after the period last ran shows here before a re-run stores it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.analysis.whatif_models import WhatIfHistory, WhatIfRun
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.core.run_services import run_in_thread, run_mark_failed, run_start, run_succeed
from rmperf.core.runs import RunStatus
from rmperf.engine.analysis.whatif import (
    Draft,
    DraftKind,
    Side,
    WhatIf,
    draft_side,
    summary_rows,
    what_if,
)
from rmperf.engine.pay.compute import PayError
from rmperf.engine.pay.quarters import quarter_index
from rmperf.engine.periods import Period, PeriodKind
from rmperf.engine.policy import PolicyError
from rmperf.engine.scoring.library import default_library
from rmperf.engine.scoring.score import ScoringError
from rmperf.pay.selectors import current_pay_lake
from rmperf.pay.services import (
    PayRefused,
    approved_target_sheet,
    confirmed_quarter_ratings,
    pay_quarters_needed,
)
from rmperf.performance.services.runs import period_score_inputs
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.selectors import policy_cards, policy_in_force, policy_loaded
from rmperf.policies.services import policy_may_edit

#: The policy kinds a what-if can try in the app (a target sheet is approved per RM on
#: the targets page, not here).
WHATIF_KINDS = {PolicyKind.SCORECARDS: DraftKind.SCORECARD, PolicyKind.PAY: DraftKind.PAY_PLAN}
#: A draft before adoption: not yet approved, or approved and not yet active.
COMPARABLE = (PolicyStatus.DRAFT, PolicyStatus.APPROVED)


class WhatIfRefused(Exception):
    """A what-if that cannot start (the message says why, in the reader's language)."""


def whatif_may_run(*, actor: Actor) -> bool:
    """Those who make and check policies (HR, superusers) compare a draft before they
    approve it: the comparison shows every RM's pay."""
    return policy_may_edit(actor=actor)


def whatif_draft(*, actor: Actor, version_id: int) -> PolicyVersion:
    """The draft the actor may compare; 404 for anyone else and for other versions."""
    if not whatif_may_run(actor=actor):
        raise Http404
    found: PolicyVersion | None = PolicyVersion.objects.filter(
        pk=version_id, kind__in=list(WHATIF_KINDS), status__in=COMPARABLE
    ).first()
    if found is None:
        raise Http404
    return found


def whatif_period(key: str) -> Period:
    """The period to compare on: a past one (it ends before today)."""
    try:
        period = Period.parse(key.strip())
    except ValueError as exc:
        raise WhatIfRefused(str(exc)) from None
    if period.end >= timezone.localdate():
        raise WhatIfRefused(
            _("%(key)s has not ended yet: a what-if runs against a past period.")
            % {"key": period.key}
        )
    return period


def launch(run_id: int) -> None:
    """Run the comparison in a thread of this process (the page polls the run)."""
    run_in_thread(whatif_execute, run_id, name=f"whatif-{run_id}")


def whatif_start(*, actor: Actor, version_id: int, period_key: str) -> WhatIfRun:
    """Record a what-if run of the draft for the period (audited) and start it once the
    request's transaction commits. WhatIfRefused when the period cannot be compared."""
    version = whatif_draft(actor=actor, version_id=version_id)
    period = whatif_period(period_key)
    if current_pay_lake() is None:
        raise WhatIfRefused(_("No lake has been imported yet: run `rmperf import` first."))
    with transaction.atomic():
        run = run_start(
            WhatIfRun,
            actor=actor,
            policy=version,
            policy_label=version.run_label,
            period_key=period.key,
        )
        audit_record(
            actor=actor,
            verb="whatif.started",
            object_type="analysis.whatifrun",
            object_id=run.audit_id,
            after={"draft": version.run_label, "kind": version.kind, "period": period.key},
        )
        transaction.on_commit(lambda: launch(run.pk))
    return run


def _side_inputs(period: Period) -> tuple[Side, dict[Any, Any] | None, str]:
    """The in-force side, the earlier quarters' ratings (None: each side scores them) and
    where those came from."""
    _v, cards = policy_in_force(PolicyKind.SCORECARDS)
    _p, plan = policy_in_force(PolicyKind.PAY)
    years = [period.start.year]
    history: dict[Any, Any] | None = {}
    source = WhatIfHistory.NONE
    if period.kind is PeriodKind.QUARTER:
        needed = pay_quarters_needed(key=period.key)
        years = sorted({Period.parse(k).start.year for k in needed} | set(years))
        before = [quarter_index(Period.parse(k)) for k in needed if k != period.key]
        if before:
            try:
                history = dict(confirmed_quarter_ratings(quarters=before).ratings)
                source = WhatIfHistory.CONFIRMED
            except PayRefused:
                history, source = None, WhatIfHistory.SCORED
    targets, _digest = approved_target_sheet(years=years)
    return Side(cards=cards, targets=targets, plan=plan), history, source


def _draft_policy(version: PolicyVersion) -> Draft:
    kind = WHATIF_KINDS[PolicyKind(version.kind)]
    if kind is DraftKind.SCORECARD:
        return Draft(kind, version.run_label, cards=policy_cards(version))
    return Draft(kind, version.run_label, plan=policy_loaded(version))


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def whatif_payload(result: WhatIf) -> dict[str, Any]:
    """The comparison as JSON the page reads: money as exact text with two places."""
    return {
        "paid": result.paid,
        "rows": [
            {
                "staff_id": r.staff_id,
                "scorecard": r.scorecard,
                "scorecard_draft": r.scorecard_draft,
                "total_in_force": _money(r.total_in_force),
                "total_draft": _money(r.total_draft),
                "tier_in_force": None if r.tier_in_force is None else str(r.tier_in_force),
                "tier_draft": None if r.tier_draft is None else str(r.tier_draft),
                "tier_changed": r.tier_changed,
                "pay_in_force": _money(r.pay_in_force),
                "pay_draft": _money(r.pay_draft),
                "pay_change": _money(r.pay_change),
                "performance_pay_in_force": _money(r.performance_pay_in_force),
                "performance_pay_draft": _money(r.performance_pay_draft),
            }
            for r in result.rows
        ],
        "summary": [list(row) for row in summary_rows(result)],
        "skipped_in_force": dict(result.skipped_in_force),
        "skipped_draft": dict(result.skipped_draft),
        "scorings": result.scorings,
    }


def _fail(run: WhatIfRun, problem: str) -> WhatIfRun:
    return run_mark_failed(
        run, problem=problem, verb="whatif.failed", object_type="analysis.whatifrun"
    )


def whatif_execute(*, run_id: int) -> WhatIfRun:
    """Compute a started run's comparison and keep it on the run (succeeded), or record why
    it could not be made (failed); both audited. Only a running run is computed."""
    run: WhatIfRun = WhatIfRun.objects.select_related("policy", "actor").get(pk=run_id)
    if run.status != RunStatus.RUNNING or run.policy is None:
        return run
    lake = current_pay_lake()
    if lake is None:
        return _fail(run, _("No lake has been imported yet: run `rmperf import` first."))
    try:
        period = Period.parse(run.period_key)
        in_force, history, source = _side_inputs(period)
        draft = draft_side(in_force, _draft_policy(run.policy))
        result = what_if(
            lake,
            period=period,
            in_force=in_force,
            draft=draft,
            history=history,
            library=default_library(),
            inputs=period_score_inputs,
        )
    except (PayRefused, PayError, ScoringError, PolicyError, ValueError) as exc:
        return _fail(run, str(exc))
    payload = whatif_payload(result)
    with transaction.atomic():
        run.result = payload
        run.history = source
        run.lake_path = str(lake.path)
        run.save(update_fields=["result", "history", "lake_path"])
        run_succeed(
            run,
            actor=run.actor,
            row_count=len(result.rows),
            verb="whatif.succeeded",
            object_type="analysis.whatifrun",
            object_id=run.audit_id,
            after={
                "draft": run.policy_label,
                "period": run.period_key,
                "rms": len(result.rows),
                "tier_changed": sum(r.tier_changed for r in result.rows),
                "history": source,
            },
        )
    return run
