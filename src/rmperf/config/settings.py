"""RM Perf settings: one module, configured from the environment (see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from rmperf.config.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: Where the embedded database, the demo lake and other run-time files live.
HOME_DIR = Path(env_str("RMPERF_HOME", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("RMPERF_DEBUG", False)
# The demo runs with no configuration; a real deployment must set its own key.
SECRET_KEY = env_str("RMPERF_SECRET_KEY", "insecure-demo-key-change-me-" + "0" * 32)
ALLOWED_HOSTS = env_list("RMPERF_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("RMPERF_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "django_tasks_db",
    "ninja",
    "rmperf.core",
    "rmperf.org",
    "rmperf.customers",
    "rmperf.lakes",
    "rmperf.policies",
    "rmperf.segments",
    "rmperf.referrals",
    "rmperf.tasks",
    "rmperf.performance",
    "rmperf.recommend",
    "rmperf.careers",
    "rmperf.feedback",
    "rmperf.workbench",
    "rmperf.pay",
    "rmperf.analysis",
    "rmperf.reviews",
    "rmperf.teams",
    "rmperf.reports",
]

MIDDLEWARE = [
    # Outermost: any error under /api/ (from a view or from a middleware) becomes JSON.
    "rmperf.core.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files (ECharts, htmx, CSS) from the app server itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Refused object requests (403/404 of a signed-in user) go to the audit chain.
    "rmperf.core.security.DeniedRequestLogMiddleware",
    "rmperf.core.middleware.IdleSessionTimeoutMiddleware",
    "rmperf.core.middleware.NoStoreForSignedInMiddleware",
    "rmperf.core.middleware.HtmxLoginRedirectMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rmperf.config.urls"
WSGI_APPLICATION = "rmperf.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "rmperf.core.context_processors.actor",
                "rmperf.tasks.context_processors.task_nav",
                "rmperf.careers.context_processors.career_nav",
                "rmperf.pay.context_processors.pay_nav",
                "rmperf.analysis.context_processors.analysis_nav",
                "rmperf.reviews.context_processors.reviews_nav",
                "rmperf.reports.context_processors.reports_nav",
            ],
            # `{% url %}` with its reversals kept per process (bench/load.md).
            "builtins": ["rmperf.core.templatetags.url_cache"],
        },
    }
]

_default_db = f"sqlite:///{HOME_DIR / 'rmperf.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(env_str("DATABASE_URL", _default_db), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while the importer writes; IMMEDIATE avoids lock upgrades.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Per process (one per gunicorn worker), never shared: "pages" keeps rendered fragments
# keyed by the data version (core/data_version.py), so no entry is ever cleared by hand
# and no worker has to tell another; they leave by timeout and size.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "rmperf-pages",
        "TIMEOUT": 600,
        # A customer-list table is ~30 KB: at most ~15 MB per worker.
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sign-in lockout (X-05; 等保 8.1.4.1 b; ASVS 6.3.1), with django-axes: after
# RMPERF_LOGIN_FAILURE_LIMIT failures of one user name from one client address, that pair
# is refused for RMPERF_LOGIN_LOCKOUT_MINUTES. The pair, not the user name alone, is
# locked (a soft lockout, ASVS 6.1.1): someone guessing from elsewhere cannot lock a user
# out of their own desk. A success clears the count; an administrator unlocks earlier with
# `rmperf axes_reset_username NAME` or in the admin (docs/security.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that loads the user with their staff record and unit (one query).
    "rmperf.core.backends.StaffModelBackend",
]
AXES_FAILURE_LIMIT = env_int("RMPERF_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("RMPERF_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A retry while locked does not extend the lockout: it ends when the page says it does.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The same client address as the audit chain's security events (REMOTE_ADDR).
AXES_CLIENT_IP_CALLABLE = "rmperf.core.security.client_address"
AXES_LOCKOUT_CALLABLE = "rmperf.core.security.lockout_response"
# Sign-ins and sign-outs are already in the audit chain; axes keeps only the attempts.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no start-up banner in every command's output
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: 12 h absolute; idle timeout enforced by middleware (ASVS 7.3, X-01).
SESSION_COOKIE_AGE = env_int("RMPERF_SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_IDLE_SECONDS = env_int("RMPERF_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("RMPERF_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind a TLS-terminating proxy set these (check --deploy asks for them in production).
SECURE_SSL_REDIRECT = env_bool("RMPERF_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("RMPERF_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("RMPERF_HSTS_PRELOAD", False)
if env_bool("RMPERF_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# No inline scripts or styles anywhere; htmx is served from our own static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
# Amounts grouped by three with commas in both languages (see config/formats/).
FORMAT_MODULE_PATH = ["rmperf.config.formats"]
TIME_ZONE = env_str("RMPERF_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = HOME_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

DJANGO_TABLES2_TEMPLATE = "tables/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

#: The largest attachment of a 述职 report, in bytes (docs/reviews.md); default 10 MiB.
RMPERF_REVIEW_ATTACHMENT_MAX_BYTES = env_int("RMPERF_REVIEW_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)

#: Customer-list exports above this many rows need HR (DOMAIN.md §9: exports are limited).
RMPERF_EXPORT_MAX_ROWS = 5000
# Reveals of a customer's full personal data per person in any hour (docs/security.md).
RMPERF_REVEAL_PER_HOUR = env_int("RMPERF_REVEAL_PER_HOUR", 20)
# Days a customer profile (industry, household, hobbies, contact times) is kept after the
# customer last had an RM (research D-04: no longer than the purpose needs; docs/security.md).
RMPERF_PROFILE_RETENTION_DAYS = env_int("RMPERF_PROFILE_RETENTION_DAYS", 365)
#: Derived per-lake customer indexes the customer 360 reads (rebuilt from the lake at will).
RMPERF_LAKE_CACHE_DIR = HOME_DIR / "lake-cache"

#: The lake the app reads fact tables from (set by `rmperf import`, overridable here).
RMPERF_LAKE_DIR = env_str("RMPERF_LAKE_DIR", "")

# Logs go to stderr (12-factor); authorisation decisions and audit writes log at INFO.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("RMPERF_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # axes logs every sign-in at INFO ("Deleted 0 failed login attempts"); failures and
        # lockouts are in the audit chain, and a lockout is logged at WARNING.
        "axes": {"level": "WARNING"},
    },
}
