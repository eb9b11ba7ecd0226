"""Labels for the codes a list keeps as text: a customer tier (core → 核心客户) and a
product category (fund → 基金), in the reader's language; an unknown code is shown as it is."""

from __future__ import annotations

from django import template

from rmperf.customers.models import ProductCategory
from rmperf.segments.models import Tier

register = template.Library()


@register.filter
def tier_label(value: object) -> object:
    try:
        return Tier(str(value)).label
    except ValueError:
        return value


@register.filter
def category_label(value: object) -> object:
    try:
        return ProductCategory(str(value)).label
    except ValueError:
        return value
