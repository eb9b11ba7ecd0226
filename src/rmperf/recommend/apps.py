from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendConfig(AppConfig):
    """Next-best-product recommendations (DOMAIN §2): runs, the RM panel, offers."""

    name = "rmperf.recommend"
    label = "recommend"
    verbose_name = _("Recommendations")
