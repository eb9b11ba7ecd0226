from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    """Stored policy versions. The package itself also holds the shipped default YAML
    the engine reads (so `rmperf.policies.__init__` stays free of Django)."""

    name = "rmperf.policies"
    label = "policies"
    verbose_name = _("Policies")
