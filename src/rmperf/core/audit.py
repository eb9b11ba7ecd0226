"""Writing and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from rmperf.core.actors import Actor, user_of
from rmperf.core.models import AuditEvent

GENESIS = "0" * 64


def _canonical(payload: Mapping[str, Any]) -> str:
    return json.dumps(
        payload, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def _event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + _canonical(fields)).encode()).hexdigest()


def _jsonable(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(_canonical(value))


def audit_record(
    *,
    actor: Actor,
    verb: str,
    object_type: str,
    object_id: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain; call inside the write's own transaction."""
    user = user_of(actor)
    label = user.get_username() if user is not None else (str(actor) if actor else "system")
    with transaction.atomic():
        # Lock the tail so two writers cannot chain onto the same previous event.
        last = AuditEvent.objects.select_for_update().order_by("-seq").only("hash").first()
        prev = last.hash if last is not None else GENESIS
        ts = timezone.now()
        fields = {
            "ts": ts.isoformat(),
            "actor": label,
            "verb": verb,
            "object_type": object_type,
            "object_id": str(object_id),
            "before": _jsonable(before),
            "after": _jsonable(after),
        }
        return AuditEvent.objects.create(
            ts=ts,
            actor=user,
            actor_label=label,
            verb=verb,
            object_type=object_type,
            object_id=str(object_id),
            before=fields["before"],
            after=fields["after"],
            prev_hash=prev,
            hash=_event_hash(prev, fields),
        )


def audit_verify() -> list[str]:
    """Problems in the chain (empty when intact): edited rows, removed rows, broken links."""
    problems: list[str] = []
    prev = GENESIS
    expected_seq: int | None = None
    for ev in AuditEvent.objects.order_by("seq").iterator(chunk_size=5000):
        if expected_seq is not None and ev.seq != expected_seq:
            problems.append(f"events {expected_seq}..{ev.seq - 1} are missing")
        fields = {
            "ts": ev.ts.isoformat(),
            "actor": ev.actor_label,
            "verb": ev.verb,
            "object_type": ev.object_type,
            "object_id": ev.object_id,
            "before": ev.before,
            "after": ev.after,
        }
        if ev.prev_hash != prev:
            problems.append(f"event {ev.seq} does not link to the event before it")
        if _event_hash(ev.prev_hash, fields) != ev.hash:
            problems.append(f"event {ev.seq} was changed after it was written")
        prev = ev.hash
        expected_seq = ev.seq + 1
    return problems
