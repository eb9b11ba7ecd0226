from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    """Landing pages that gather the day's work: the RM's workbench, the manager's desk."""

    name = "rmperf.workbench"
    label = "workbench"
    verbose_name = _("Workbench")
