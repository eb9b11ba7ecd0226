"""Labels for the lake's code values (channels, interaction outcomes) in both languages.

`{{ t.channel|lake_label:"txn_channel" }}` shows 柜面 / Counter for `counter`. A code the
contract does not list is shown as it is, so nothing the lake holds is hidden.
"""

from __future__ import annotations

from django import template
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

register = template.Library()

LABELS: dict[str, dict[str, Promise]] = {
    # transactions.channel (contract TXN_CHANNELS)
    "txn_channel": {
        "counter": pgettext_lazy("lake code", "Counter"),
        "atm": pgettext_lazy("lake code", "ATM"),
        "mobile": pgettext_lazy("lake code", "Mobile banking"),
        "online": pgettext_lazy("lake code", "Online banking"),
        "pos": pgettext_lazy("lake code", "POS"),
        "transfer": pgettext_lazy("lake code", "Transfer"),
    },
    # interactions.channel (contract INTERACTION_CHANNELS)
    "interaction_channel": {
        "phone": pgettext_lazy("lake code", "Phone"),
        "sms": pgettext_lazy("lake code", "SMS"),
        "visit": pgettext_lazy("lake code", "Visit"),
        "branch": pgettext_lazy("lake code", "In branch"),
        "wechat": pgettext_lazy("lake code", "WeChat"),
    },
    # interactions.outcome: free text in the contract; the codes banks' CRMs commonly send
    "interaction_outcome": {
        "reached": pgettext_lazy("lake code", "Reached"),
        "no_answer": pgettext_lazy("lake code", "No answer"),
        "appointment_made": pgettext_lazy("lake code", "Appointment made"),
        "interested": pgettext_lazy("lake code", "Interested"),
        "declined": pgettext_lazy("lake code", "Declined"),
        "wrong_number": pgettext_lazy("lake code", "Wrong number"),
        "complaint_resolved": pgettext_lazy("lake code", "Complaint resolved"),
    },
}


@register.filter
def lake_label(value: object, kind: str) -> object:
    """The label of a lake code of `kind`, or the value itself when it has none."""
    label = LABELS.get(kind, {}).get(str(value))
    return value if label is None else label
