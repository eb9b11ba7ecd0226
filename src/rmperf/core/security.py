"""Security events in the audit chain: sign-ins, sign-in failures, sign-outs and refused
object requests (research/regulation-security.md X-09: who, when, where, what; UTC
timestamps; never the data itself, never a password).

Too many failed sign-ins of one user name from one address lock that pair out for a
while (django-axes, settings.AXES_*): the lockout is an `auth.locked_out` event.

An object outside a user's scope answers 404, exactly as a missing one does (no id
probing). The refusal is still recorded: every 403 or 404 answered to a signed-in user
on a route that exists becomes an `authz.denied` event naming the user, the route (the
object type) and its arguments (the object), the method (the action) and the client
address. A path that matches no route is a typo, not an object request, and is not
recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rmperf.core.audit import audit_record

#: The longest user name or path kept in an event (a failed sign-in may carry anything).
MAX_TEXT = 150
DENIED_STATUSES = frozenset({403, 404})


def client_address(request: HttpRequest | None) -> str:
    """The peer address Django saw (REMOTE_ADDR); proxies are configured in front, not here."""
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


@receiver(user_logged_in, dispatch_uid="rmperf.security.login")
def record_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(
        actor=user,
        verb="auth.login",
        object_type="user",
        object_id=_clip(user.get_username()),
        after={"ip": client_address(request)},
    )


@receiver(user_logged_out, dispatch_uid="rmperf.security.logout")
def record_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:  # the session had already expired
        return
    audit_record(
        actor=user,
        verb="auth.logout",
        object_type="user",
        object_id=_clip(user.get_username()),
        after={"ip": client_address(request)},
    )


@receiver(user_login_failed, dispatch_uid="rmperf.security.login_failed")
def record_login_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already replaced secrets in `credentials` with stars; only the name is kept.
    name = str(credentials.get("username", ""))
    audit_record(
        actor=None,
        verb="auth.login_failed",
        object_type="user",
        object_id=_clip(name),
        after={"ip": client_address(request)},
    )


@receiver(user_locked_out, dispatch_uid="rmperf.security.locked_out")
def record_lockout(
    sender: Any,
    request: HttpRequest | None,
    username: str | None,
    ip_address: str | None,
    **kwargs: Any,
) -> None:
    """django-axes locked a user name at a client address after too many failures.

    axes signals again on every attempt while the pair is locked; those attempts are
    `auth.login_failed` events already, so the lockout itself is recorded once."""
    from django.utils import timezone

    from rmperf.core.models import AuditEvent

    name, ip = _clip(str(username or "")), str(ip_address or "")[:64]
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    if AuditEvent.objects.filter(
        verb="auth.locked_out", object_id=name, after__ip=ip, ts__gte=since
    ).exists():
        return
    audit_record(
        actor=None,
        verb="auth.locked_out",
        object_type="user",
        object_id=name,
        after={
            "ip": ip,
            "failures": settings.AXES_FAILURE_LIMIT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page a locked-out sign-in gets (429): how many failures, how long to wait."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)


class DeniedRequestLogMiddleware:
    """Records a refused object request (403/404 on an existing route) of a signed-in user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if (
            response.status_code in DENIED_STATUSES
            and match is not None
            and user is not None
            and user.is_authenticated
        ):
            target = ",".join(f"{k}={v}" for k, v in sorted(match.kwargs.items()))
            audit_record(
                actor=user,
                verb="authz.denied",
                object_type=_clip(match.view_name or match.url_name or "?"),
                object_id=_clip(target or "-"),
                after={
                    "method": request.method,
                    "path": _clip(request.path),
                    "status": response.status_code,
                    "ip": client_address(request),
                },
            )
        return response
