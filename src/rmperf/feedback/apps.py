from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """360 reviews: peer, upward and self reviews on the policy's questionnaires."""

    name = "rmperf.feedback"
    label = "feedback"
    verbose_name = _("360 reviews")
