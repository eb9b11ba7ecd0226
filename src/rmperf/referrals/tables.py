"""The referral table of the inbox (django-tables2); customer names masked as the role needs."""

from __future__ import annotations

from typing import Any, ClassVar

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rmperf.customers.tables import display_name
from rmperf.referrals.models import Referral


class ReferralTable(tables.Table):  # type: ignore[misc]
    id = tables.Column(verbose_name=_("No."))
    customer = tables.Column(verbose_name=_("Customer"), order_by=("customer_id",))
    need = tables.Column(verbose_name=_("Need"))
    from_staff = tables.Column(verbose_name=_("Referred by"), accessor="from_staff__name")
    to_staff = tables.Column(verbose_name=_("Referred to"), accessor="to_staff__name")
    state = tables.Column(verbose_name=_("State"))
    created_at = tables.DateTimeColumn(verbose_name=_("Created at"), short=True)
    due_at = tables.DateTimeColumn(verbose_name=_("Answer due by"), short=True)

    class Meta:
        model = Referral
        fields = (
            "id",
            "customer",
            "need",
            "from_staff",
            "to_staff",
            "state",
            "created_at",
            "due_at",
        )
        empty_text = _("No referrals.")
        attrs: ClassVar[dict[str, str]] = {"class": "table", "id": "referral-table"}

    def __init__(self, *args: Any, mask_names: bool = True, **kwargs: Any) -> None:
        self.mask_names = mask_names
        super().__init__(*args, **kwargs)

    def render_id(self, value: int) -> str:
        url = reverse("referrals:detail", kwargs={"referral_id": value})
        return format_html('<a href="{}">#{}</a>', url, value)

    def render_customer(self, record: Referral) -> str:
        return format_html(
            "{} <small>{}</small>",
            display_name(record.customer, mask_names=self.mask_names),
            record.customer_id,
        )

    def render_state(self, record: Referral) -> str:
        overdue = record.escalated_at is not None and record.state == "created"
        return format_html(
            '<span class="state state-{}">{}</span>{}',
            record.state,
            record.get_state_display(),
            format_html(' <span class="badge warn">{}</span>', _("escalated")) if overdue else "",
        )
