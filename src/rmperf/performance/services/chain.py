"""Closing and reopening periods, and the hash chain that makes closed results tamper-evident
(DOMAIN §8, §9): each close digests the previous entry, every result row and the manual
scores; a reopening keeps the results as they were closed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.performance.manual_selectors import manual_rows_digest, period_manual_rows
from rmperf.performance.models import (
    AdjustmentResult,
    ChainEntry,
    ChainKind,
    LineResult,
    PerfPeriod,
    PeriodStatus,
    RmResult,
)
from rmperf.performance.services.periods import (
    PerformanceError,
    actor_label,
    actor_user,
    json_digest,
    period_locked,
    period_state,
    refuse_closed,
    require_manager,
)
from rmperf.performance.services.runs import LINE_FIELDS, LINE_PLACES

GENESIS = "0" * 64


def _money(value: Decimal | None, places: str) -> str | None:
    return None if value is None else f"{Decimal(value).quantize(Decimal(places))}"


def result_payload(
    result: RmResult,
    lines: Iterable[LineResult],
    adjustments: Iterable[AdjustmentResult] = (),
) -> dict[str, Any]:
    """One result in canonical form (strings, reading the same on SQLite and PostgreSQL):
    the engine's and the calibrated figures, every line and every bonus/deduction item."""
    return {
        "period": result.period_id and result.period.key,
        "staff_id": result.staff_id,
        "scorecard": result.scorecard,
        "policy_version": result.policy_version,
        "base": _money(result.base, "0.01"),
        "bonus": _money(result.bonus, "0.01"),
        "deduction": _money(result.deduction, "0.01"),
        "total": _money(result.total, "0.01"),
        "tier": result.tier,
        "rated_tier": result.rated_tier,
        "veto": result.veto,
        "calibrated_total": _money(result.calibrated_total, "0.01"),
        "calibrated_tier": result.calibrated_tier,
        "calibration_reason": result.calibration_reason,
        "lines": [
            [ln.position]
            + [
                _money(getattr(ln, f), LINE_PLACES[f]) if f in LINE_PLACES else getattr(ln, f)
                for f in LINE_FIELDS
            ]
            for ln in sorted(lines, key=lambda x: x.position)
        ],
        "adjustments": [
            [a.item, a.kind, a.indicator, _money(a.value, "0.000001"), _money(a.points, "0.01")]
            for a in sorted(adjustments, key=lambda x: x.item)
        ],
    }


def result_digest(
    result: RmResult,
    lines: Iterable[LineResult],
    adjustments: Iterable[AdjustmentResult] = (),
) -> str:
    """SHA-256 of one closed result's canonical form (`result_payload`)."""
    return json_digest(result_payload(result, lines, adjustments))


def chain_digest(prev: str, key: str, row_digests: Mapping[str, str], manual: str = "") -> str:
    """A close's digest: the previous chain entry's, the period, each RM's row digest and,
    when the period has manual-score entries, their digest."""
    body = "\n".join(f"{staff}:{d}" for staff, d in sorted(row_digests.items()))
    tail = f"\nmanual:{manual}" if manual else ""
    return hashlib.sha256(f"{prev}\n{key}\n{body}{tail}".encode()).hexdigest()


def reopen_digest(prev: str, key: str, reason: str, snapshot: Mapping[str, Any]) -> str:
    """A reopening's digest: the previous entry's, the period, the reason and the
    snapshot of the results and manual scores as they were closed."""
    return hashlib.sha256(
        f"{prev}\nreopen\n{key}\n{reason}\n{json_digest(snapshot)}".encode()
    ).hexdigest()


def _payloads(period: PerfPeriod) -> dict[str, dict[str, Any]]:
    results = RmResult.objects.filter(period=period).select_related("period")
    lines: dict[int, list[LineResult]] = {}
    for ln in LineResult.objects.filter(result__period=period):
        lines.setdefault(ln.result_id, []).append(ln)
    items: dict[int, list[AdjustmentResult]] = {}
    for a in AdjustmentResult.objects.filter(result__period=period):
        items.setdefault(a.result_id, []).append(a)
    return {
        r.staff_id: result_payload(r, lines.get(r.pk, []), items.get(r.pk, [])) for r in results
    }


def _row_digests(period: PerfPeriod) -> dict[str, str]:
    return {staff_id: json_digest(p) for staff_id, p in _payloads(period).items()}


def _chain_head() -> ChainEntry | None:
    """The last entry of the chain, locked (closes and reopenings queue behind it)."""
    head: ChainEntry | None = ChainEntry.objects.select_for_update().order_by("-seq").first()
    return head


def period_close(*, actor: Actor, key: str) -> PerfPeriod:
    """Close a calibrated period: its results freeze, each gets its digest, and a close
    entry is appended to the chain, its digest covering the previous entry's, the result
    rows and the manual scores (DOMAIN §8, §9)."""
    require_manager(actor)
    with transaction.atomic(durable=True):
        period = period_locked(key)
        refuse_closed(period)
        if period.status != PeriodStatus.CALIBRATED:
            raise PerformanceError(
                _("Period %(key)s must be calibrated (ratings confirmed by a person) first.")
                % {"key": period.key}
            )
        before = period_state(period)
        head = _chain_head()
        prev = head.digest if head is not None else GENESIS
        seq = (head.seq if head is not None else 0) + 1
        digests = _row_digests(period)
        manual = manual_rows_digest(period_manual_rows(period))
        for staff_id, d in digests.items():
            RmResult.objects.filter(period=period, staff_id=staff_id).update(digest=d)
        now = timezone.now()
        period.close_seq = seq
        period.prev_digest = prev
        period.manual_digest = manual
        period.digest = chain_digest(prev, period.key, digests, manual)
        period.status = PeriodStatus.CLOSED
        period.closed_at = now
        period.closed_by = actor_user(actor)
        period.save()
        ChainEntry.objects.create(
            seq=seq,
            period=period,
            kind=ChainKind.CLOSE,
            prev_digest=prev,
            digest=period.digest,
            manual_digest=manual,
            actor=actor_user(actor),
            actor_label=actor_label(actor),
            at=now,
        )
        audit_record(
            actor=actor,
            verb="performance.period.close",
            object_type="performance.period",
            object_id=period.key,
            before=before,
            after={
                **period_state(period),
                "seq": seq,
                "prev_digest": prev,
                "manual_digest": manual,
                "results": len(digests),
            },
        )
    return period


def period_reopen(*, actor: Actor, key: str, reason: str) -> PerfPeriod:
    """Reopen a closed period (HR, superusers, the CLI) with a mandatory reason.

    Nothing is edited: a reopen entry is appended to the chain, holding the results and
    manual scores as they were closed (so that close still verifies, and its figures stay
    readable beside any new ones). The period goes back to calibrated: it may be computed
    again, calibrated and closed again (a new close entry)."""
    require_manager(actor)
    reason = (reason or "").strip()
    if not reason:
        raise PerformanceError(_("Reopening a closed period needs a reason."))
    with transaction.atomic(durable=True):
        period = period_locked(key)
        if not period.is_closed:
            raise PerformanceError(
                _("Period %(key)s is not closed: there is nothing to reopen.") % {"key": period.key}
            )
        before = period_state(period)
        head = _chain_head()
        prev = head.digest if head is not None else GENESIS
        seq = (head.seq if head is not None else 0) + 1
        manual_rows = period_manual_rows(period)
        snapshot = {"results": _payloads(period), "manual": manual_rows}
        digest = reopen_digest(prev, period.key, reason, snapshot)
        now = timezone.now()
        ChainEntry.objects.create(
            seq=seq,
            period=period,
            kind=ChainKind.REOPEN,
            prev_digest=prev,
            digest=digest,
            manual_digest=manual_rows_digest(manual_rows),
            reason=reason,
            snapshot=snapshot,
            actor=actor_user(actor),
            actor_label=actor_label(actor),
            at=now,
        )
        RmResult.objects.filter(period=period).update(digest="")
        closed_digest = period.digest
        period.status = PeriodStatus.CALIBRATED
        period.close_seq = None
        period.prev_digest = ""
        period.digest = ""
        period.manual_digest = ""
        period.closed_at = None
        period.closed_by = None
        period.save()
        audit_record(
            actor=actor,
            verb="performance.period.reopen",
            object_type="performance.period",
            object_id=period.key,
            before=before,
            after={
                **period_state(period),
                "seq": seq,
                "digest": digest,
                "prev_digest": prev,
                "reopened_close": closed_digest,
                "reason": reason,
                "results": len(snapshot["results"]),
            },
        )
    return period


def _audited_digests() -> dict[tuple[str, str], set[str]]:
    """(verb, period) → the digests the hash-chained audit log recorded for it."""
    from rmperf.core.models import AuditEvent

    out: dict[tuple[str, str], set[str]] = {}
    events = AuditEvent.objects.filter(
        verb__in=("performance.period.close", "performance.period.reopen"),
        object_type="performance.period",
    ).values_list("verb", "object_id", "after")
    for verb, object_id, after in events:
        digest = (after or {}).get("digest")
        if digest:
            out.setdefault((verb, object_id), set()).add(digest)
    return out


def chain_verify() -> list[str]:
    """Problems in the chain of closes and reopenings (empty when intact): a closed result
    or manual score changed, added or removed, a digest edited, a broken link, an entry
    missing from the audit log, or a closed period outside the chain."""
    problems: list[str] = []
    prev = GENESIS
    entries = list(ChainEntry.objects.select_related("period").order_by("seq"))
    audited = _audited_digests()
    for i, entry in enumerate(entries):
        period = entry.period
        key = period.key
        if entry.prev_digest != prev:
            problems.append(_("period %(key)s does not link to the close before it") % {"key": key})
        later = next((e for e in entries[i + 1 :] if e.period_id == entry.period_id), None)
        if entry.kind == ChainKind.CLOSE:
            if later is not None and later.kind == ChainKind.REOPEN:
                # Reopened since: the close is checked against what the reopening kept.
                results = (later.snapshot or {}).get("results", {})
                digests = {staff_id: json_digest(p) for staff_id, p in results.items()}
                manual = manual_rows_digest((later.snapshot or {}).get("manual", []))
            elif later is None and period.is_closed:
                stored = dict(
                    RmResult.objects.filter(period=period).values_list("staff_id", "digest")
                )
                digests = _row_digests(period)
                for staff_id, d in sorted(digests.items()):
                    if stored.get(staff_id) != d:
                        problems.append(
                            _("period %(key)s: the result of %(staff)s changed after the close")
                            % {"key": key, "staff": staff_id}
                        )
                manual = manual_rows_digest(period_manual_rows(period))
                if manual != period.manual_digest:
                    problems.append(
                        _("period %(key)s: a manual score changed after the close") % {"key": key}
                    )
                if period.digest != entry.digest:
                    problems.append(
                        _("period %(key)s: its close digest differs from the chain") % {"key": key}
                    )
            else:
                problems.append(
                    _("period %(key)s: a close is followed by no reopening") % {"key": key}
                )
                digests, manual = {}, ""
            if chain_digest(entry.prev_digest, key, digests, manual) != entry.digest:
                problems.append(
                    _("period %(key)s: its results do not match the close digest") % {"key": key}
                )
            if entry.digest not in audited.get(("performance.period.close", key), set()):
                problems.append(
                    _("period %(key)s: the close digest differs from the one in the audit log")
                    % {"key": key}
                )
        else:
            snapshot = entry.snapshot or {}
            if reopen_digest(entry.prev_digest, key, entry.reason, snapshot) != entry.digest:
                problems.append(
                    _("period %(key)s: the reopening #%(seq)s was altered")
                    % {"key": key, "seq": entry.seq}
                )
            if entry.digest not in audited.get(("performance.period.reopen", key), set()):
                problems.append(
                    _("period %(key)s: the reopening #%(seq)s is not in the audit log")
                    % {"key": key, "seq": entry.seq}
                )
        prev = entry.digest
    in_chain = {e.period_id for e in entries}
    for period in PerfPeriod.objects.filter(status=PeriodStatus.CLOSED).order_by("key"):
        last = next((e for e in reversed(entries) if e.period_id == period.pk), None)
        if period.pk not in in_chain or last is None or last.kind != ChainKind.CLOSE:
            problems.append(
                _("period %(key)s is closed but its close is not in the chain")
                % {"key": period.key}
            )
    return problems
