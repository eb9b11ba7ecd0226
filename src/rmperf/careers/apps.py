from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareersConfig(AppConfig):
    """Results applied to careers: year-end promotion proposals and the negative list."""

    name = "rmperf.careers"
    label = "careers"
    verbose_name = _("Careers")
