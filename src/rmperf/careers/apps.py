from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareersConfig(AppConfig):
    """Results applied to careers: year-end promotion proposals and the negative list."""

    name = "rmperf.careers"
    label = "careers"
    verbose_name = _("Careers")

    def ready(self) -> None:
        from rmperf.careers.selectors import promoted_ranks
        from rmperf.org.ranks import register_rank_source

        register_rank_source(promoted_ranks)
