from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """Referrals between tellers, wealth managers and RMs, and the referrer's points."""

    name = "rmperf.referrals"
    label = "referrals"
    verbose_name = _("Referrals")
