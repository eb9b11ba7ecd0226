"""Session, caching and error-body rules that apply to every request (ASVS 7.3, DOMAIN.md §9)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext_lazy as _

LAST_SEEN_KEY = "rmperf_last_seen"
#: Refresh the idle clock at most this often, so a burst of requests writes the session once.
_TOUCH_EVERY_SECONDS = 15


class IdleSessionTimeoutMiddleware:
    """A signed-in session idle for SESSION_IDLE_SECONDS is ended; the absolute limit is
    SESSION_COOKIE_AGE (12 h), which Django enforces itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            idle_limit = int(settings.SESSION_IDLE_SECONDS)
            if isinstance(last_seen, int) and now - last_seen > idle_limit:
                logout(request)  # flushes the session; the view then sees an anonymous user
            elif not isinstance(last_seen, int) or now - last_seen >= _TOUCH_EVERY_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in user may carry customers' personal data: no cache keeps
    them (browser back-forward cache and shared proxies included)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "no-store, max-age=0, private"
            response.headers["Pragma"] = "no-cache"
        return response


class HtmxLoginRedirectMiddleware:
    """An htmx request whose session has ended is sent to the login page as a whole page
    (HX-Redirect), instead of the login form being swapped into a table."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request") == "true"
            and response.status_code == 302
            and response.headers.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            redirect = HttpResponse(status=204)
            redirect.headers["HX-Redirect"] = response.headers["Location"]
            return redirect
        return response


API_PREFIX = "/api/"
_API_MESSAGES = {
    400: _("Bad request."),
    403: _("Forbidden."),
    404: _("Not found."),
    405: _("Method not allowed."),
    500: _("Server error."),
}


class ApiJsonErrorsMiddleware:
    """Every error under /api/ is the API's one JSON body `{"message", "detail"}`, also
    when Django answers before the API does: a path no URL pattern matches (404), a
    method the operation does not take (405), an unhandled exception (500). A client
    of the API never has to parse an HTML page. It is the outermost middleware, so an
    error raised in another middleware is answered in JSON too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        detail = None
        if status == 405 and response.has_header("Allow"):
            detail = {"allowed": [m.strip() for m in response["Allow"].split(",")]}
        message = _API_MESSAGES.get(status, _("Request failed."))
        body = JsonResponse({"message": str(message), "detail": detail}, status=status)
        # Everything but the body's own headers stays: Allow, Retry-After, the security
        # and no-store headers the other middleware set, cookies.
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length"):
                body[header] = value
        body.cookies = response.cookies
        return body
