"""Number formats for 简体中文 as Chinese bank statements print amounts.

Django's own zh_Hans formats group by four digits with no separator (51925046); bank
statements, core-banking screens and regulatory reports group by three with commas
(51,925,046.00). Dates keep Django's 2026年9月30日 forms.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
