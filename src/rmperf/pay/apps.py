from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayConfig(AppConfig):
    """Results applied to pay: quarterly statements, their approval chain and inquiries."""

    name = "rmperf.pay"
    label = "pay"
    verbose_name = _("Pay")
