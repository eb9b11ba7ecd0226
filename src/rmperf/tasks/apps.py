from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "rmperf.tasks"
    label = "rm_tasks"
    verbose_name = _("Tasks and interactions")
    default_auto_field = "django.db.models.BigAutoField"
