from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "rmperf.reviews"
    label = "reviews"
    verbose_name = _("Talks and 述职 panels")
    default_auto_field = "django.db.models.BigAutoField"
