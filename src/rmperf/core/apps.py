from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "rmperf.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Sign-in, sign-out and sign-in failure receivers (the audit chain's security events).
        from rmperf.core import checks, security  # noqa: F401
        from rmperf.core.tables_signature import install

        install()
