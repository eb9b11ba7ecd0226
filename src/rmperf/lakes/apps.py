from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LakesConfig(AppConfig):
    name = "rmperf.lakes"
    label = "lakes"
    verbose_name = _("Data lakes")
