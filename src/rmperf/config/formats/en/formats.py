"""English number formats: Django's, with the thousand separator the app always shows."""

from django.conf.locale.en.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
