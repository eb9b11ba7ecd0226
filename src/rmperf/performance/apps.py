from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    """Performance periods, scoring runs, RM results, calibration and target sheets."""

    name = "rmperf.performance"
    label = "performance"
    verbose_name = _("Performance")
