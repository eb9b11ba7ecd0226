from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    """Segmentation runs, their per-customer results, and the customer pages built on them."""

    name = "rmperf.segments"
    label = "segments"
    verbose_name = _("Customer segments")
