"""Periods: who runs the workflow, the refusal every step shares, and opening, locking
and guarding a period (DOMAIN §5, §7; DESIGN "Periods and runs").

Open, run, confirm calibration and close a period: HR, superusers and the system (CLI).
A closed period refuses every write. Anything refused for scope answers like a missing
object (Http404); a refused step of the workflow raises PerformanceError with the reason.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import scope_of
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.engine.periods import Period
from rmperf.engine.policy import PolicyError
from rmperf.engine.scoring.score import ScoringError
from rmperf.performance.models import PerfPeriod, PeriodStatus

#: Roles that run the period workflow (besides superusers and the system).
PERIOD_ROLES = frozenset({"hr"})
#: Roles that calibrate results within their scope.
CALIBRATE_ROLES = frozenset({"branch_manager"})


class PerformanceError(Exception):
    """A step the workflow refuses (wrong status, missing reason, no lake …)."""


#: The refusals of a workflow step: their message is the reason a page or the API shows.
REFUSALS: tuple[type[Exception], ...] = (PerformanceError, PolicyError, ScoringError)


def actor_label(actor: Actor) -> str:
    """How a run, a calibration or a chain entry names who made it (`system`: the CLI)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    return "system"


def actor_user(actor: Actor) -> Any:
    """The user to record on a row; None for the system (the CLI)."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def performance_may_manage(*, actor: Actor) -> bool:
    """Whether the actor runs the period workflow; None is the system (the CLI)."""
    if actor is None:
        return True
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    return scope.superuser or scope.role in PERIOD_ROLES


def performance_may_calibrate(*, actor: Actor) -> bool:
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    return scope.superuser or scope.role in CALIBRATE_ROLES


def require_manager(actor: Actor) -> None:
    if not performance_may_manage(actor=actor):
        raise Http404


def parse_period(key: str) -> Period:
    """The engine's period for a key; PerformanceError names a bad one."""
    try:
        return Period.parse(key)
    except ValueError as exc:
        raise PerformanceError(str(exc)) from None


def period_state(period: PerfPeriod) -> dict[str, Any]:
    return {"key": period.key, "status": period.status, "digest": period.digest}


def json_digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def period_get_or_open(actor: Actor, key: str) -> PerfPeriod:
    engine_period = parse_period(key)
    found: PerfPeriod | None = (
        PerfPeriod.objects.select_for_update().filter(key=engine_period.key).first()
    )
    if found is not None:
        return found
    period = PerfPeriod(
        key=engine_period.key,
        kind=str(engine_period.kind),
        start=engine_period.start,
        end=engine_period.end,
        status=PeriodStatus.OPEN,
        opened_at=timezone.now(),
        opened_by=actor_user(actor),
    )
    period.full_clean()
    period.save()
    audit_record(
        actor=actor,
        verb="performance.period.open",
        object_type="performance.period",
        object_id=period.key,
        after=period_state(period),
    )
    return period


def period_open(*, actor: Actor, key: str) -> PerfPeriod:
    """Open a period (idempotent: an existing period is returned as it is)."""
    require_manager(actor)
    with transaction.atomic(durable=True):
        return period_get_or_open(actor, key)


def period_locked(key: str) -> PerfPeriod:
    engine_period = parse_period(key)
    period: PerfPeriod | None = (
        PerfPeriod.objects.select_for_update().filter(key=engine_period.key).first()
    )
    if period is None:
        raise PerformanceError(_("Period %(key)s is not open.") % {"key": engine_period.key})
    return period


def refuse_closed(period: PerfPeriod) -> None:
    if period.is_closed:
        raise PerformanceError(
            _("Period %(key)s is closed: its results can no longer change.") % {"key": period.key}
        )
