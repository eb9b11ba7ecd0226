"""Masking of customers' personal data (DOMAIN.md §9: minimum necessary, masked by default).

Lists and the API always show masked values; the full values appear only through the
audited reveal action (customers.services.customer_reveal_personal_data).
"""

from __future__ import annotations

import datetime as dt

MASK = "*"


def mask_phone(phone: str) -> str:
    """`13812341234` → `138****1234`: the first 3 and last 4 digits stay visible."""
    digits = phone.strip()
    if not digits:
        return ""
    if len(digits) <= 7:
        return MASK * len(digits)
    return digits[:3] + MASK * (len(digits) - 7) + digits[-4:]


def mask_id_number(id_number: str) -> str:
    """Id numbers keep their first 6 (region code) and last 4 characters."""
    value = id_number.strip()
    if not value:
        return ""
    if len(value) <= 10:
        return MASK * len(value)
    return value[:6] + MASK * (len(value) - 10) + value[-4:]


def mask_name(name: str) -> str:
    """A person's name keeps its first character: `张三丰` → `张**`."""
    value = name.strip()
    if len(value) <= 1:
        return value
    return value[0] + MASK * (len(value) - 1)


def birth_year(birth_date: dt.date | None) -> int | None:
    """Roles that do not serve the customer see the birth year only."""
    return None if birth_date is None else birth_date.year


def phone_last4(phone: str) -> str:
    """The last four digits, which staff may search by without seeing the number."""
    return phone.strip()[-4:]
