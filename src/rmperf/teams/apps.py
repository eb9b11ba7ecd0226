from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "rmperf.teams"
    label = "teams"
    verbose_name = _("Team rhythm")
    default_auto_field = "django.db.models.BigAutoField"
