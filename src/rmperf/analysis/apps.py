from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    """Workload, rebalancing proposals and the gaming review queue (DOMAIN §8)."""

    name = "rmperf.analysis"
    label = "analysis"
    verbose_name = _("Analysis")
