"""Lake codes shown with labels in both languages; unknown codes shown as they are."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation

TEMPLATE = Template(
    '{% load lake_labels %}{{ a|lake_label:"txn_channel" }}|'
    '{{ b|lake_label:"interaction_outcome" }}|{{ c|lake_label:"interaction_channel" }}'
)


def render(**values: str) -> str:
    return TEMPLATE.render(Context(values))


def test_codes_get_their_label_in_each_language() -> None:
    with translation.override("zh-hans"):
        assert render(a="counter", b="no_answer", c="phone") == "柜面|无人接听|电话"
    with translation.override("en"):
        assert render(a="counter", b="no_answer", c="phone") == "Counter|No answer|Phone"


def test_a_code_without_a_label_is_shown_as_it_is() -> None:
    with translation.override("zh-hans"):
        assert render(a="kiosk", b="left a voicemail", c="") == "kiosk|left a voicemail|"
