"""Forms of the referral pages; they only carry input, the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rmperf.referrals.models import LostReason, Need


class QuickReferralForm(forms.Form):
    """The teller's quick entry: customer, need, deposit; the receiver defaults to the
    customer's RM."""

    customer = forms.CharField(label=_("Customer id"), max_length=64, required=False)
    need = forms.ChoiceField(label=_("Need"), choices=[("", "—"), *Need.choices], required=False)
    deposit = forms.CharField(
        label=_("Amount deposited"),
        required=False,
        help_text=_("For a new account: the amount deposited since it was opened."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    to_staff = forms.CharField(
        label=_("Refer to (staff id)"),
        max_length=64,
        required=False,
        help_text=_("Leave empty to refer to the customer's RM."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class TransitionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            ("accept", _("Accept")),
            ("contact", _("Contacted")),
            ("convert", _("Converted")),
            ("lose", _("Lost")),
        ],
    )
    lost_reason = forms.ChoiceField(
        label=_("Why lost"), choices=[("", "—"), *LostReason.choices], required=False
    )
    lost_detail = forms.CharField(label=_("In words"), max_length=500, required=False)


class RedemptionForm(forms.Form):
    item = forms.CharField(label=_("Item"), max_length=64)


class DecisionForm(forms.Form):
    redemption = forms.IntegerField(label=_("Request"))
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
