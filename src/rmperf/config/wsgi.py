"""WSGI entry point (gunicorn rmperf.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rmperf.config.settings")
application = get_wsgi_application()
