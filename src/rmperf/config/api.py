"""The REST API root (django-ninja): session auth, one error body, OpenAPI at /api/docs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from rmperf.careers.api import router as careers_router
from rmperf.customers.api import router as customers_router
from rmperf.feedback.api import router as feedback_router
from rmperf.org.api import router as org_router
from rmperf.pay.api import router as pay_router
from rmperf.performance.api import router as performance_router
from rmperf.policies.api import router as policies_router
from rmperf.recommend.api import router as recommend_router
from rmperf.referrals.api import router as referrals_router
from rmperf.reviews.api import router as reviews_router
from rmperf.segments.api import router as segments_router
from rmperf.tasks.api import router as tasks_router

api = NinjaAPI(
    title="RM Perf API",
    version="1",
    description="Customers and the org tree, restricted to what the signed-in user may see.",
    auth=django_auth,
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=login_required,
)


def error_response(
    request: HttpRequest, status: int, message: str, detail: Any = None
) -> HttpResponse:
    """The one error body of the API: `{"message": ..., "detail": ...}`."""
    return api.create_response(request, {"message": message, "detail": detail}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, _("Authentication required."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Out of scope answers exactly like missing (ASVS 8.2.2).
    return error_response(request, 404, _("Not found."))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(request, 422, _("Invalid request."), exc.errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, str(exc))


api.add_router("/customers", customers_router)
api.add_router("/segments", segments_router)
api.add_router("/referrals", referrals_router)
api.add_router("/tasks", tasks_router)
api.add_router("/performance", performance_router)
api.add_router("/careers", careers_router)
api.add_router("/feedback", feedback_router)
api.add_router("/pay", pay_router)
api.add_router("/reviews", reviews_router)
api.add_router("/recommend", recommend_router)
api.add_router("/policies", policies_router)
api.add_router("/", org_router)
