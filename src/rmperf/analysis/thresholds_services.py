"""Dynamic thresholds in the app (issue #15, DOMAIN §8): run the threshold model over the
lake in use out of the request, keep the proposal, and turn it into a scorecard draft
through the policies' maker-checker. Every step is audited.

- `thresholds_start` records a run (running, decision proposed) and, once the request's
  transaction commits, hands it to a thread (`launch`); `thresholds_execute` runs the
  engine's `propose_thresholds` (what `rmperf thresholds` runs) with the scorecard set in
  force and keeps the rows on the record (succeeded), or records why it failed (e.g. a
  missing economic series, named).
- `threshold_draft_create` (HR): a scorecard draft equal to the set the run read with each
  level target replaced by the median of the branches' proposals (`consensus`; a negative
  median cannot be a target and leaves the line's target as it was), written
  with `policy_version_create` (validated by the engine's loader); decision drafted. It
  applies only once someone other than its maker approves it and it is activated.
- `threshold_sync`: a drafted proposal whose draft has since been approved is marked
  approved (audited, by its approver).
- `threshold_reject` (HR): decision rejected. Rejected and approved proposals are kept.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.analysis.thresholds_models import THRESHOLD_ROLES, ThresholdDecision, ThresholdProposal
from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor, user_of
from rmperf.core.audit import audit_record
from rmperf.core.run_services import run_in_thread, run_mark_failed, run_start, run_succeed
from rmperf.core.runs import RunStatus
from rmperf.engine.analysis.thresholds import (
    MODEL_NAME,
    MODEL_VERSION,
    EconomicSeriesError,
    ThresholdRun,
    consensus,
    propose_thresholds,
)
from rmperf.engine.periods import Period, PeriodKind
from rmperf.engine.policy import PolicyError
from rmperf.pay.selectors import current_pay_lake
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.models import PolicyStatus
from rmperf.policies.selectors import policy_cards, policy_in_force
from rmperf.policies.services import policy_may_edit, policy_version_create

OBJECT_TYPE = "analysis.thresholdproposal"


class ThresholdRefused(Exception):
    """A step that cannot be taken (the message says why, in the reader's language)."""


def threshold_may_view(*, actor: Actor) -> bool:
    scope = scope_of(actor)
    return scope is not None and (scope.superuser or scope.role in THRESHOLD_ROLES)


def threshold_may_draft(*, actor: Actor) -> bool:
    """Making the scorecard draft is writing a policy: HR and superusers (the makers)."""
    return threshold_may_view(actor=actor) and policy_may_edit(actor=actor)


def threshold_period(key: str) -> Period:
    """A quarter or month to propose for; empty: the quarter holding today."""
    text = key.strip()
    if not text:
        today = timezone.localdate()
        return Period.parse(f"{today.year}Q{(today.month - 1) // 3 + 1}")
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise ThresholdRefused(str(exc)) from None
    if period.kind not in (PeriodKind.QUARTER, PeriodKind.MONTH):
        raise ThresholdRefused(_("Thresholds are proposed for a quarter or a month."))
    return period


def launch(run_id: int) -> None:
    """Run the model in a thread of this process (the page reloads until it is done)."""
    run_in_thread(thresholds_execute, run_id, name=f"thresholds-{run_id}")


def thresholds_start(*, actor: Actor, period_key: str, in_thread: bool = True) -> ThresholdProposal:
    """Record a run of the model for the period (audited); it starts once the request's
    transaction commits (in a thread; `in_thread=False`: here, e.g. the demo).
    ThresholdRefused when it cannot run."""
    if not threshold_may_view(actor=actor):
        raise Http404
    period = threshold_period(period_key)
    if current_pay_lake() is None:
        raise ThresholdRefused(_("No lake has been imported yet: run `rmperf import` first."))
    version, _cards = policy_in_force(PolicyKind.SCORECARDS)
    with transaction.atomic():
        run = run_start(
            ThresholdProposal,
            actor=actor,
            policy=version,
            policy_label=version.run_label,
            period_key=period.key,
            model_name=MODEL_NAME,
            model_version=MODEL_VERSION,
        )
        audit_record(
            actor=actor,
            verb="thresholds.started",
            object_type=OBJECT_TYPE,
            object_id=run.audit_id,
            after={"period": period.key, "scorecards": version.run_label},
        )
        if in_thread:
            transaction.on_commit(lambda: launch(run.pk))
    if not in_thread:
        return thresholds_execute(run_id=run.pk)
    return run


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def thresholds_payload(run: ThresholdRun) -> dict[str, Any]:
    """The proposals as JSON the page reads: decimals as exact text."""
    current = {(p.line.scorecard, p.line.indicator): p.line.current for p in run.proposals}
    return {
        "rows": [
            {
                "unit_id": p.unit_id,
                "unit_name": p.unit_name,
                "scorecard": p.line.scorecard,
                "indicator": p.line.indicator,
                "current": _text(p.line.current),
                "proposed": _text(p.fit.proposed),
                "low": _text(p.fit.low),
                "high": _text(p.fit.high),
                "mae": _text(p.fit.mae),
                "mape": _text(p.fit.mape),
                "n": p.fit.n,
                "note": p.fit.note,
            }
            for p in run.proposals
        ],
        "levels": [
            {
                "scorecard": card,
                "indicator": ind,
                "current": _text(current[(card, ind)]),
                "proposed": str(level),
                # A target is never negative (the scorecard schema): such a line keeps its
                # current target in the draft, and the page says so.
                "drafted": level >= 0,
            }
            for (card, ind), level in consensus(run).items()
        ],
    }


def _fail(run: ThresholdProposal, problem: str) -> ThresholdProposal:
    return run_mark_failed(run, problem=problem, verb="thresholds.failed", object_type=OBJECT_TYPE)


def thresholds_execute(*, run_id: int) -> ThresholdProposal:
    """Compute a started run's proposals and keep them (succeeded), or record why not."""
    run: ThresholdProposal = ThresholdProposal.objects.select_related("policy", "actor").get(
        pk=run_id
    )
    if run.status != RunStatus.RUNNING or run.policy is None:
        return run
    lake = current_pay_lake()
    if lake is None:
        return _fail(run, _("No lake has been imported yet: run `rmperf import` first."))
    try:
        result = propose_thresholds(
            lake, period=Period.parse(run.period_key), cards=policy_cards(run.policy)
        )
    except (EconomicSeriesError, PolicyError, ValueError) as exc:
        return _fail(run, str(exc))
    payload = thresholds_payload(result)
    with transaction.atomic():
        run.result = payload
        run.series = list(result.series)
        run.history = list(result.history)
        run.series_months = list(result.series_months)
        run.inputs_digest = result.digest
        run.lake_path = str(lake.path)
        run.save(
            update_fields=[
                "result",
                "series",
                "history",
                "series_months",
                "inputs_digest",
                "lake_path",
            ]
        )
        run_succeed(
            run,
            actor=run.actor,
            row_count=len(result.proposals),
            verb="thresholds.succeeded",
            object_type=OBJECT_TYPE,
            object_id=run.audit_id,
            after={
                "period": run.period_key,
                "model": f"{MODEL_NAME}/{MODEL_VERSION}",
                "inputs_digest": result.digest,
                "rows": len(result.proposals),
                "levels": len(payload["levels"]),
            },
        )
    return run


def _mine(actor: Actor, proposal_id: int) -> ThresholdProposal:
    if not threshold_may_draft(actor=actor):
        raise Http404
    found: ThresholdProposal | None = (
        ThresholdProposal.objects.restrict(actor, Action.VIEW)
        .select_related("policy")
        .filter(pk=proposal_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def draft_text(base_text: str, levels: list[dict[str, str]]) -> str:
    """The scorecard set `base_text` with each listed card line's level target replaced.
    Comments of the base are not kept (the set is written back from its data)."""
    wanted = {
        (lv["scorecard"], lv["indicator"]): lv["proposed"]
        for lv in levels
        if lv.get("drafted", True)
    }
    docs = [d for d in yaml.safe_load_all(base_text) if d is not None]
    for doc in docs:
        for line in doc.get("lines", []):
            target = line.get("target")
            key = (doc.get("name"), line.get("indicator"))
            if key in wanted and isinstance(target, dict) and target.get("basis") == "level":
                target["value"] = wanted[key]
    return yaml.safe_dump_all(docs, allow_unicode=True, sort_keys=False, explicit_start=True)


def threshold_draft_create(*, actor: Actor, proposal_id: int) -> ThresholdProposal:
    """A scorecard draft from the proposal (module docstring); the maker is the actor."""
    proposal = _mine(actor, proposal_id)
    if proposal.status != RunStatus.SUCCEEDED or proposal.policy is None:
        raise ThresholdRefused(_("Only a finished run can become a draft."))
    if proposal.decision != ThresholdDecision.PROPOSED:
        raise ThresholdRefused(_("This proposal has already been decided."))
    levels = proposal.result.get("levels", [])
    if not any(lv.get("drafted", True) for lv in levels):
        raise ThresholdRefused(_("The run proposed no threshold: there is nothing to draft."))
    text = draft_text(proposal.policy.yaml_text, levels)
    note = _("Thresholds proposed by run #%(id)s for %(period)s (model %(model)s).") % {
        "id": proposal.pk,
        "period": proposal.period_key,
        "model": f"{proposal.model_name}/{proposal.model_version}",
    }
    try:
        version = policy_version_create(
            actor=actor,
            kind=PolicyKind.SCORECARDS,
            yaml_text=text,
            label=f"thresholds-{proposal.period_key}-{proposal.pk}",
            note=note,
        )
    except ValidationError as exc:
        raise ThresholdRefused("; ".join(exc.messages)) from None
    with transaction.atomic():
        before = {"decision": proposal.decision}
        proposal.decision = ThresholdDecision.DRAFTED
        proposal.draft = version
        proposal.decided_by = user_of(actor)
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["decision", "draft", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            verb="thresholds.drafted",
            object_type=OBJECT_TYPE,
            object_id=proposal.audit_id,
            before=before,
            after={"decision": proposal.decision, "draft": version.run_label},
        )
    return proposal


def threshold_reject(*, actor: Actor, proposal_id: int) -> ThresholdProposal:
    """Reject a proposal not yet drafted (kept, with who rejected it)."""
    proposal = _mine(actor, proposal_id)
    if proposal.decision != ThresholdDecision.PROPOSED:
        raise ThresholdRefused(_("This proposal has already been decided."))
    with transaction.atomic():
        proposal.decision = ThresholdDecision.REJECTED
        proposal.decided_by = user_of(actor)
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["decision", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            verb="thresholds.rejected",
            object_type=OBJECT_TYPE,
            object_id=proposal.audit_id,
            before={"decision": ThresholdDecision.PROPOSED},
            after={"decision": proposal.decision},
        )
    return proposal


def threshold_sync(proposal: ThresholdProposal) -> ThresholdProposal:
    """A drafted proposal whose draft was approved (by its checker) becomes approved."""
    draft = proposal.draft
    if proposal.decision != ThresholdDecision.DRAFTED or draft is None:
        return proposal
    if draft.status == PolicyStatus.DRAFT or draft.approved_by is None:
        return proposal
    with transaction.atomic():
        proposal.decision = ThresholdDecision.APPROVED
        proposal.decided_by = draft.approved_by
        proposal.decided_at = draft.approved_at
        proposal.save(update_fields=["decision", "decided_by", "decided_at"])
        audit_record(
            actor=draft.approved_by,
            verb="thresholds.approved",
            object_type=OBJECT_TYPE,
            object_id=proposal.audit_id,
            before={"decision": ThresholdDecision.DRAFTED},
            after={"decision": proposal.decision, "draft": draft.run_label},
        )
    return proposal
