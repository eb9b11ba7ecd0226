"""The project's URLs: pages per app, auth, language switch, admin and the API."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from rmperf.config.api import api
from rmperf.core.views import home_view

urlpatterns = [
    path("", home_view, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The customer pages show segmentation results, so the segments app serves them.
    path("customers/", include("rmperf.segments.customer_urls")),
    path("segments/", include("rmperf.segments.urls")),
    path("recommend/", include("rmperf.recommend.urls")),
    path("policies/", include("rmperf.policies.urls")),
    path("performance/", include("rmperf.performance.urls")),
    path("careers/", include("rmperf.careers.urls")),
    path("feedback/", include("rmperf.feedback.urls")),
    path("pay/", include("rmperf.pay.urls")),
    path("reviews/", include("rmperf.reviews.urls")),
    path("teams/", include("rmperf.teams.urls")),
    path("org/", include("rmperf.org.urls")),
    path("referrals/", include("rmperf.referrals.urls")),
    path("tasks/", include("rmperf.tasks.urls")),
    path("workbench/", include("rmperf.workbench.urls")),
    path("analysis/", include("rmperf.analysis.urls")),
    path("reports/", include("rmperf.reports.urls")),
    path("", include("rmperf.core.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
