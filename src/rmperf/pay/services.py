"""Pay writes: pay runs of a quarter, their approval (maker-checker, chained), and the
inquiries' resolution trail. Every write is one durable transaction with its audit event.

A run reads the current lake, the pay plan in force, the approved target sheets and the
*confirmed* ratings (performance periods calibrated or closed; the calibrated tier wins)
of every quarter the engine needs, and stores one statement per RM with its lines.

Who may do what:
- run a quarter: HR, superusers and the system (the CLI, the demo);
- approve a run: HR or a superuser who did not run it (never the system);
- ask about a line: the RM whose line it is; answer: HR or the RM's team leader or
  branch manager; close: any of them.
Anything refused for scope answers like a missing object (Http404); a refused step raises
PayRefused with the reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.core.run_services import run_actor_label, run_start, run_succeed, runs_supersede
from rmperf.engine.lake import Lake
from rmperf.engine.pay import LakePay, PayError, pay_lake, read_lake
from rmperf.engine.pay.quarters import quarter_index, quarter_key
from rmperf.engine.pay.run import first_quarter, quarters_needing_ratings
from rmperf.engine.periods import Period, PeriodKind
from rmperf.engine.policy import PolicyError
from rmperf.engine.scoring.policy import Tier
from rmperf.engine.scoring.targets import TargetSheet
from rmperf.org.models import Staff
from rmperf.org.ranks import ranks_in_quarter
from rmperf.pay.models import (
    InquiryStatus,
    InquiryStep,
    PayInquiry,
    PayInquiryEntry,
    PayLine,
    PayRun,
    PayStatement,
)
from rmperf.pay.selectors import current_pay_lake
from rmperf.performance.models import (
    CONFIRMED_STATUSES,
    LineResult,
    PerfPeriod,
    RmResult,
)
from rmperf.performance.services.targets import approved_targets
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.selectors import policy_in_force

#: Roles that prepare and approve pay runs (besides superusers; the system only prepares).
PAY_ADMIN_ROLES = frozenset({"hr"})
GENESIS = "0" * 64
RUN_VERB = "pay.run"
APPROVE_VERB = "pay.approve"

#: The statement columns after the ids, in `rmperf pay --out` order.
MONEY_FIELDS = (
    "base", "loan_pay", "excess_reward", "performance_pay", "deferred", "immediate", "held",
    "held_released", "deferral_released", "malus", "clawback", "total_paid", "deferral_balance",
)  # fmt: skip
#: The line columns after staff_id and period, in `rmperf pay --lines` order.
LINE_FIELDS = (
    "line", "amount", "loan_id", "source_period", "part", "due_period", "month", "portions",
    "rate", "coefficient", "detail",
)  # fmt: skip


class PayRefused(Exception):
    """A step the pay workflow refuses (ratings not confirmed, own run, approved …)."""


def _user(actor: Actor) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def pay_may_run(*, actor: Actor) -> bool:
    """Whether the actor prepares pay runs; None is the system (the CLI, the demo)."""
    if actor is None:
        return True
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    return scope.superuser or scope.role in PAY_ADMIN_ROLES


def pay_may_approve(*, actor: Actor) -> bool:
    """Whether the actor approves runs (a person: HR or a superuser)."""
    return _user(actor) is not None and pay_may_run(actor=actor)


def _json_digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


# -- inputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmedRatings:
    ratings: dict[tuple[str, int], Tier]
    digest: str


def confirmed_quarter_ratings(*, quarters: Iterable[int]) -> ConfirmedRatings:
    """(staff_id, quarter index) → the final tier (calibrated wins) of the quarters, all of
    which must be confirmed (calibrated or closed); PayRefused names those that are not."""
    keys = [quarter_key(q) for q in sorted(set(quarters))]
    status = dict(PerfPeriod.objects.filter(key__in=keys).values_list("key", "status"))
    missing = [k for k in keys if status.get(k) not in CONFIRMED_STATUSES]
    if missing:
        shown = ", ".join(missing[:12]) + (" …" if len(missing) > 12 else "")
        raise PayRefused(
            _(
                "Pay needs the confirmed ratings (period calibrated or closed) of every quarter "
                "with loans since the first; not confirmed: %(quarters)s."
            )
            % {"quarters": shown}
        )
    ratings: dict[tuple[str, int], Tier] = {}
    payload = []
    rows = RmResult.objects.filter(period__key__in=keys).values_list(
        "staff_id", "period__key", "tier", "calibrated_tier"
    )
    for staff_id, key, tier, calibrated in sorted(rows):
        final = calibrated or tier
        ratings[(staff_id, quarter_index(Period.parse(key)))] = Tier(final)
        payload.append([staff_id, key, final])
    return ConfirmedRatings(ratings, _json_digest(payload))


def approved_target_sheet(*, years: Iterable[int]) -> tuple[TargetSheet, str]:
    """The approved target sheets of the years as one engine sheet (rows keyed by year)."""
    rows: dict[tuple[str, str, int | None], Any] = {}
    digests = {}
    for year in sorted(set(years)):
        sheet, digest = approved_targets(year=year)
        digests[str(year)] = digest
        for row in sheet.rows.values():
            rows[(row.staff_id, row.indicator, year)] = row
    return TargetSheet(rows, source="approved target sheets"), _json_digest(digests)


def pay_lake_required() -> Lake:
    """The lake pay reads (pay.selectors.current_pay_lake); PayRefused before any import."""
    lake = current_pay_lake()
    if lake is None:
        raise PayRefused(_("No lake has been imported yet: run `rmperf import` first."))
    return lake


def _quarter(key: str) -> Period:
    try:
        period = Period.parse(key)
    except ValueError as exc:
        raise PayRefused(str(exc)) from None
    if period.kind is not PeriodKind.QUARTER:
        raise PayRefused(_("Pay is run per quarter (e.g. 2026Q3), not %(key)s.") % {"key": key})
    return period


def _approved(key: str) -> PayRun | None:
    found: PayRun | None = PayRun.objects.filter(period=key, approved_at__isnull=False).first()
    return found


# -- the run -------------------------------------------------------------------------------


def pay_quarters_needed(*, key: str) -> list[str]:
    """The quarters whose confirmed ratings a pay run of `key` reads: every quarter with an
    RM's loan disbursed in it from the first such quarter (or the plan's start) up to `key`,
    and `key` itself (what `rmperf demo` confirms before it pays)."""
    period = _quarter(key)
    _version, loaded = policy_in_force(PolicyKind.PAY)
    try:
        data = read_lake(pay_lake_required(), loaded.policy)
    except (ValueError, PolicyError) as exc:
        raise PayRefused(str(exc)) from None
    last = quarter_index(period)
    first = first_quarter(data, loaded.policy, last)
    return [quarter_key(q) for q in sorted({*quarters_needing_ratings(data, first, last), last})]


def quarter_ranks(*, data: Any, key: str) -> dict[str, str]:
    """staff_id → rank in quarter `key` of the lake's RMs whose rank differs from the
    lake's (a confirmed promotion in effect by then, org.ranks): the base follows it."""
    staff = list(Staff.objects.filter(role="rm", staff_id__in=list(data.people)))
    return {
        sid: rank
        for sid, rank in ranks_in_quarter(staff=staff, key=key).items()
        if sid in data.people and rank != data.people[sid].rank
    }


def pay_run(*, actor: Actor, key: str) -> PayRun:
    """Pay every RM for quarter `key` on the current lake from the confirmed ratings and
    store the statements with their lines. Refused once the quarter's pay is approved; a
    new run of a quarter not yet approved supersedes the last one (its rows are kept)."""
    if not pay_may_run(actor=actor):
        raise Http404
    period = _quarter(key)
    if _approved(period.key) is not None:
        raise PayRefused(
            _(
                "The pay of %(key)s is approved and can no longer change: corrections are "
                "lines of the open quarter."
            )
            % {"key": period.key}
        )
    version, loaded = policy_in_force(PolicyKind.PAY)
    plan = loaded.policy
    lake = pay_lake_required()
    started = timezone.now()
    try:
        data = read_lake(lake, plan)
    except (ValueError, PolicyError) as exc:
        raise PayRefused(str(exc)) from None
    last = quarter_index(period)
    first = first_quarter(data, plan, last)
    needed = sorted({*quarters_needing_ratings(data, first, last), last})
    confirmed = confirmed_quarter_ratings(quarters=needed)
    years = range(Period.parse(quarter_key(first)).start.year, period.start.year + 1)
    targets, targets_digest = approved_target_sheet(years=years)
    ranks = quarter_ranks(data=data, key=period.key)
    try:
        result = pay_lake(
            lake,
            period=period,
            plan=plan,
            ratings=confirmed.ratings,
            targets=targets,
            data=data,
            ranks={(sid, last): rank for sid, rank in ranks.items()},
        )
    except (PayError, ValueError) as exc:
        raise PayRefused(str(exc)) from None
    return _store(
        actor=actor,
        result=result,
        left={sid: p.left_on for sid, p in data.people.items() if p.left_on is not None},
        lake=lake,
        version=version,
        needed=[quarter_key(q) for q in needed],
        ratings_digest=confirmed.digest,
        targets_digest=targets_digest,
        ranks=ranks,
        started=started,
    )


def _store(
    *,
    actor: Actor,
    result: LakePay,
    left: Mapping[str, Any],
    lake: Lake,
    version: Any,
    needed: list[str],
    ratings_digest: str,
    targets_digest: str,
    ranks: Mapping[str, str],
    started: Any,
) -> PayRun:
    staff = {s.staff_id: s for s in Staff.objects.filter(role="rm")}
    skipped = {
        s.staff_id: "not a staff member in the app (import the lake again)"
        for s in result.statements
        if s.staff_id not in staff
    }
    paid = [s for s in result.statements if s.staff_id in staff]
    inputs = _json_digest(
        {
            "period": result.period,
            "lake": str(lake.path),
            "today": lake.today.isoformat(),
            "plan": version.digest,
            "ratings": ratings_digest,
            "targets": targets_digest,
            **({"ranks": dict(sorted(ranks.items()))} if ranks else {}),
        }
    )
    with transaction.atomic(durable=True):
        if (
            PayRun.objects.select_for_update()
            .filter(period=result.period, approved_at__isnull=False)
            .exists()
        ):
            raise PayRefused(
                _("The pay of %(key)s was approved meanwhile.") % {"key": result.period}
            )
        runs_supersede(PayRun.objects.filter(period=result.period))
        run: PayRun = run_start(
            PayRun,
            actor=actor,
            period=result.period,
            first_period=result.first,
            rated_periods=needed,
            ratings_digest=ratings_digest,
            targets_digest=targets_digest,
            skipped=skipped,
            total_paid=Decimal("0.00"),
            policy=version,
            policy_label=version.run_label,
            lake_path=str(lake.path),
            inputs_digest=inputs,
            started_at=started,
        )
        rows = []
        for s in sorted(paid, key=lambda s: s.staff_id):
            row = PayStatement(
                run=run,
                staff=staff[s.staff_id],
                period=s.period,
                rank=s.rank,
                rating=str(s.rating) if s.rating is not None else "",
                coefficient=None if s.coefficient is None else _places(s.coefficient, "0.01"),
                npl_ratio=_places(s.npl_ratio, "0.000001"),
                left_on=left.get(s.staff_id),
                **{f: getattr(s, f) for f in MONEY_FIELDS},
            )
            rows.append(row)
        PayStatement.objects.bulk_create(rows, batch_size=1000)
        by_staff = {r.staff_id: r for r in rows}
        lines = []
        for s in paid:
            for position, ln in enumerate(s.lines, start=1):
                lines.append(
                    PayLine(
                        statement=by_staff[s.staff_id],
                        position=position,
                        line=ln.line,
                        amount=ln.amount,
                        loan_id=ln.loan_id,
                        source_period=ln.source_period,
                        part=ln.part,
                        due_period=ln.due_period,
                        month=ln.month,
                        portions=ln.portions[:500],
                        rate=ln.rate,
                        coefficient=(
                            None if ln.coefficient is None else _places(ln.coefficient, "0.01")
                        ),
                        detail=ln.detail[:500],
                    )
                )
        PayLine.objects.bulk_create(lines, batch_size=2000)
        run.total_paid = sum((r.total_paid for r in rows), start=Decimal("0.00"))
        run_succeed(
            run,
            actor=actor,
            row_count=len(rows),
            verb=RUN_VERB,
            object_type="pay.quarter",
            object_id=run.period,
            after={
                "run_id": str(run.run_id),
                "period": run.period,
                "first": run.first_period,
                "plan": run.policy_label,
                "inputs_digest": inputs,
                "statements": len(rows),
                "lines": len(lines),
                "total_paid": f"{run.total_paid:.2f}",
                "skipped": len(skipped),
            },
            update_fields=["total_paid"],
        )
    return run


def _places(value: Decimal, places: str) -> Decimal:
    from decimal import ROUND_HALF_UP

    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


# -- approval and its chain ----------------------------------------------------------------


def statement_payload(statement: PayStatement, lines: Iterable[PayLine]) -> dict[str, Any]:
    """One statement in canonical form (strings, the same on SQLite and PostgreSQL)."""
    return {
        "staff_id": statement.staff_id,
        "period": statement.period,
        "rank": statement.rank,
        "rating": statement.rating,
        "coefficient": _text(statement.coefficient),
        "npl_ratio": _text(statement.npl_ratio),
        **{f: _text(getattr(statement, f)) for f in MONEY_FIELDS},
        "left_on": statement.left_on.isoformat() if statement.left_on else None,
        "lines": [
            [ln.position, *(_text(getattr(ln, f)) for f in LINE_FIELDS)]
            for ln in sorted(lines, key=lambda x: x.position)
        ],
    }


def _statement_digests(run: PayRun) -> dict[str, str]:
    lines: dict[int, list[PayLine]] = {}
    for ln in PayLine.objects.filter(statement__run=run):
        lines.setdefault(ln.statement_id, []).append(ln)
    return {
        s.staff_id: _json_digest(statement_payload(s, lines.get(s.pk, [])))
        for s in PayStatement.objects.filter(run=run)
    }


def approval_digest(prev: str, run: PayRun, digests: Mapping[str, str]) -> str:
    """An approval's digest: the previous approval's, the quarter, the run and each RM's
    statement digest."""
    body = "\n".join(f"{staff}:{d}" for staff, d in sorted(digests.items()))
    return hashlib.sha256(f"{prev}\npay\n{run.period}\n{run.run_id}\n{body}".encode()).hexdigest()


def pay_approve(*, actor: Actor, run_id: str) -> PayRun:
    """Approve a run (a second person: never the one who ran it): its statements freeze,
    each gets its digest, and the approval is chained to the previous one."""
    if not pay_may_approve(actor=actor):
        raise Http404
    with transaction.atomic(durable=True):
        run: PayRun | None = PayRun.objects.select_for_update().filter(run_id=run_id).first()
        if run is None:
            raise Http404
        if run.is_approved:
            raise PayRefused(_("This pay run is already approved."))
        if run.status != "succeeded":
            raise PayRefused(
                _("Only the current run of a quarter can be approved (this one is %(status)s).")
                % {"status": run.get_status_display()}
            )
        if run.actor_id is not None and run.actor_id == getattr(actor, "pk", None):
            raise PayRefused(
                _("You ran this pay run: a second person must approve it (maker-checker).")
            )
        head: PayRun | None = (
            PayRun.objects.select_for_update()
            .filter(approval_seq__isnull=False)
            .order_by("-approval_seq")
            .first()
        )
        prev = head.digest if head is not None else GENESIS
        seq = (head.approval_seq or 0) + 1 if head is not None else 1
        digests = _statement_digests(run)
        for staff_id, d in digests.items():
            PayStatement.objects.filter(run=run, staff_id=staff_id).update(digest=d)
        run.approved_by = actor
        run.approved_at = timezone.now()
        run.approval_seq = seq
        run.prev_digest = prev
        run.digest = approval_digest(prev, run, digests)
        run.save(
            update_fields=["approved_by", "approved_at", "approval_seq", "prev_digest", "digest"]
        )
        audit_record(
            actor=actor,
            verb=APPROVE_VERB,
            object_type="pay.quarter",
            object_id=run.period,
            before={"run_id": str(run.run_id), "approved": False},
            after={
                "run_id": str(run.run_id),
                "approved": True,
                "seq": seq,
                "prev_digest": prev,
                "digest": run.digest,
                "statements": len(digests),
                "total_paid": f"{run.total_paid:.2f}",
                "ran_by": run.actor_label,
            },
        )
    return run


def pay_chain_verify() -> list[str]:
    """Problems in the chain of pay approvals (empty when intact): an approved statement
    or line changed, added or removed, a digest edited, a broken link, or an approval
    missing from the audit log."""
    from rmperf.core.models import AuditEvent

    audited: dict[str, set[str]] = {}
    for object_id, after in AuditEvent.objects.filter(verb=APPROVE_VERB).values_list(
        "object_id", "after"
    ):
        if (after or {}).get("digest"):
            audited.setdefault(object_id, set()).add(after["digest"])
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    for run in PayRun.objects.filter(approval_seq__isnull=False).order_by("approval_seq"):
        key = run.period
        if run.approval_seq != expected_seq:
            problems.append(_("pay %(key)s: an approval is missing before it") % {"key": key})
        expected_seq = (run.approval_seq or 0) + 1
        if run.prev_digest != prev:
            problems.append(_("pay %(key)s does not link to the approval before it") % {"key": key})
        digests = _statement_digests(run)
        stored = dict(PayStatement.objects.filter(run=run).values_list("staff_id", "digest"))
        for staff_id, d in sorted(digests.items()):
            if stored.get(staff_id) != d:
                problems.append(
                    _("pay %(key)s: the statement of %(staff)s changed after the approval")
                    % {"key": key, "staff": staff_id}
                )
        if approval_digest(run.prev_digest, run, digests) != run.digest:
            problems.append(
                _("pay %(key)s: its statements do not match the approval digest") % {"key": key}
            )
        if run.digest not in audited.get(key, set()):
            problems.append(
                _("pay %(key)s: the approval digest differs from the one in the audit log")
                % {"key": key}
            )
        prev = run.digest
    return problems


# -- inquiries -----------------------------------------------------------------------------


def _inquiry_state(inquiry: PayInquiry) -> dict[str, Any]:
    return {
        "status": inquiry.status,
        "staff_id": inquiry.staff_id,
        "pay_line": inquiry.pay_line_id,
        "score_line": inquiry.score_line_id,
    }


def _own_staff(actor: Actor) -> Staff:
    scope = scope_of(actor)
    if scope is None or scope.role != "rm" or not scope.staff_id:
        raise Http404
    staff: Staff | None = Staff.objects.filter(staff_id=scope.staff_id).first()
    if staff is None:
        raise Http404
    return staff


def inquiry_open(
    *, actor: Actor, text: str, pay_line_id: int | None = None, score_line_id: int | None = None
) -> PayInquiry:
    """An RM asks about a line of their own statement or of their own score result."""
    staff = _own_staff(actor)
    text = (text or "").strip()
    if not text:
        raise PayRefused(_("Say what you are asking about this line."))
    pay_line: PayLine | None = None
    score_line: LineResult | None = None
    if pay_line_id is not None:
        pay_line = (
            PayLine.objects.select_related("statement")
            .filter(pk=pay_line_id, statement__staff=staff)
            .first()
        )
        if pay_line is None:
            raise Http404
        subject = f"{pay_line.statement.period} {pay_line.line} {pay_line.amount:,.2f}"
    elif score_line_id is not None:
        score_line = (
            LineResult.objects.select_related("result__period")
            .filter(pk=score_line_id, result__staff=staff)
            .first()
        )
        if score_line is None:
            raise Http404
        subject = f"{score_line.result.period.key} {score_line.line}"
    else:
        raise PayRefused(_("Choose the line you are asking about."))
    now = timezone.now()
    with transaction.atomic(durable=True):
        inquiry = PayInquiry(
            staff=staff,
            pay_line=pay_line,
            score_line=score_line,
            subject=subject[:200],
            status=InquiryStatus.OPEN,
            opened_by=_user(actor),
            opened_at=now,
        )
        inquiry.full_clean()
        inquiry.save()
        _entry(inquiry, InquiryStep.ASKED, text, actor, now)
        audit_record(
            actor=actor,
            verb="pay.inquiry.open",
            object_type="pay.inquiry",
            object_id=str(inquiry.pk),
            after={**_inquiry_state(inquiry), "text": text},
        )
    return inquiry


def _entry(inquiry: PayInquiry, step: str, text: str, actor: Actor, at: Any) -> None:
    PayInquiryEntry.objects.create(
        inquiry=inquiry,
        step=step,
        text=text,
        actor=_user(actor),
        actor_label=run_actor_label(actor),
        at=at,
    )


def inquiry_may_answer(*, actor: Actor, inquiry: PayInquiry) -> bool:
    """HR (bank-wide) or the RM's team leader or branch manager; never the RM themself."""
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    if scope.staff_id is not None and scope.staff_id == inquiry.staff_id:
        return False
    if not (scope.superuser or scope.role in {"hr", "team_leader", "branch_manager"}):
        return False
    return PayInquiry.objects.restrict(actor, Action.CHANGE).filter(pk=inquiry.pk).exists()


def _inquiry_locked(actor: Actor, inquiry_id: int) -> PayInquiry:
    found: PayInquiry | None = (
        PayInquiry.objects.restrict(actor, Action.VIEW)
        .select_for_update()
        .filter(pk=inquiry_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def inquiry_answer(*, actor: Actor, inquiry_id: int, text: str) -> PayInquiry:
    """HR or the manager answers (open or answered → answered; a closed one is refused)."""
    text = (text or "").strip()
    with transaction.atomic(durable=True):
        inquiry = _inquiry_locked(actor, inquiry_id)
        if not inquiry_may_answer(actor=actor, inquiry=inquiry):
            raise Http404
        if inquiry.status == InquiryStatus.CLOSED:
            raise PayRefused(_("This inquiry is closed."))
        if not text:
            raise PayRefused(_("An answer needs a text."))
        before = _inquiry_state(inquiry)
        inquiry.status = InquiryStatus.ANSWERED
        inquiry.save(update_fields=["status"])
        _entry(inquiry, InquiryStep.ANSWERED, text, actor, timezone.now())
        audit_record(
            actor=actor,
            verb="pay.inquiry.answer",
            object_type="pay.inquiry",
            object_id=str(inquiry.pk),
            before=before,
            after={**_inquiry_state(inquiry), "text": text},
        )
    return inquiry


def inquiry_close(*, actor: Actor, inquiry_id: int, text: str = "") -> PayInquiry:
    """The RM, HR or the manager closes an answered inquiry (an open one needs an answer
    first), with an optional note."""
    text = (text or "").strip()
    with transaction.atomic(durable=True):
        inquiry = _inquiry_locked(actor, inquiry_id)
        scope = scope_of(actor)
        own = scope is not None and scope.staff_id == inquiry.staff_id
        if not own and not inquiry_may_answer(actor=actor, inquiry=inquiry):
            raise Http404
        if inquiry.status != InquiryStatus.ANSWERED:
            raise PayRefused(_("Only an answered inquiry can be closed."))
        before = _inquiry_state(inquiry)
        inquiry.status = InquiryStatus.CLOSED
        inquiry.save(update_fields=["status"])
        _entry(inquiry, InquiryStep.CLOSED, text, actor, timezone.now())
        audit_record(
            actor=actor,
            verb="pay.inquiry.close",
            object_type="pay.inquiry",
            object_id=str(inquiry.pk),
            before=before,
            after={**_inquiry_state(inquiry), "text": text},
        )
    return inquiry


# -- the payroll export --------------------------------------------------------------------

EXPORT_VERB = "pay.export"
#: The export's columns: the RM, then every column of `rmperf pay --lines` after period.
EXPORT_HEADERS = ("staff_id", "name", "unit", "period", "statement_total_paid", *LINE_FIELDS)


@dataclass(frozen=True)
class PayExport:
    filename: str
    content: bytes
    content_type: str
    rows: int
    sha256: str


def _export_rows(lines: Iterable[PayLine]) -> list[list[Any]]:
    return [
        [
            ln.statement.staff_id,
            ln.statement.staff.name,
            ln.statement.staff.unit.name,
            ln.statement.period,
            ln.statement.total_paid,
            *(getattr(ln, f) for f in LINE_FIELDS),
        ]
        for ln in lines
    ]


def pay_export(*, actor: Actor, key: str, lines: Iterable[PayLine], fmt: str) -> PayExport:
    """The payroll export of a quarter (one row per RM and line) as CSV or Excel,
    formula-safe (segments.export.safe_text: a leading = + - @ TAB CR is escaped and the
    cell typed as text; numbers stay numbers), audited with its digest."""
    import csv
    import io

    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING, WriteOnlyCell

    from rmperf.segments.export import XLSX, safe_text

    rows = _export_rows(lines)

    def safe(value: Any) -> Any:
        if value is None or isinstance(value, bool | int | Decimal):
            return value
        return safe_text(str(value))

    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(EXPORT_HEADERS)
        for row in rows:
            writer.writerow(["" if v is None else safe(v) for v in row])
        content = ("\ufeff" + buf.getvalue()).encode("utf-8")
        content_type = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("payroll")

        def cells(values: Iterable[Any]) -> list[Any]:
            out = []
            for value in values:
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = TYPE_STRING  # never read as a formula
                out.append(cell)
            return out

        ws.append(cells(EXPORT_HEADERS))
        for row in rows:
            ws.append(cells(safe(v) for v in row))
        out = io.BytesIO()
        wb.save(out)
        content = out.getvalue()
        content_type = XLSX
    else:
        raise Http404
    digest = hashlib.sha256(content).hexdigest()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    export = PayExport(f"payroll-{key}-{stamp}.{fmt}", content, content_type, len(rows), digest)
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            verb=EXPORT_VERB,
            object_type="pay.quarter",
            object_id=key,
            after={"rows": export.rows, "sha256": digest, "filename": export.filename},
        )
    return export
