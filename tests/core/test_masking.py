"""Masking rules (DOMAIN.md §9): phone 138****1234, id number first 6 + last 4."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from rmperf.core.masking import birth_year, mask_id_number, mask_name, mask_phone, phone_last4


def test_phone_keeps_first_three_and_last_four() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("02188889999") == "021****9999"
    assert mask_phone("") == ""
    assert mask_phone("1234567") == "*******"  # too short to show anything


def test_id_number_keeps_first_six_and_last_four() -> None:
    assert mask_id_number("110101199001011234") == "110101********1234"
    assert mask_id_number("91310000MA1FL0XX2Q") == "913100********XX2Q"
    assert mask_id_number("1234567890") == "**********"
    assert mask_id_number("") == ""


def test_names_birth_dates_and_phone_tails() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李"
    assert birth_year(dt.date(1990, 1, 1)) == 1990
    assert birth_year(None) is None
    assert phone_last4("13812341234") == "1234"


@given(st.text(alphabet="0123456789", min_size=8, max_size=20))
def test_a_masked_phone_never_shows_the_middle(phone: str) -> None:
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    assert masked[:3] == phone[:3] and masked[-4:] == phone[-4:]
    assert set(masked[3:-4]) == {"*"}


@given(st.text(alphabet="0123456789X", min_size=11, max_size=24))
def test_a_masked_id_number_shows_ten_characters_at_most(id_number: str) -> None:
    masked = mask_id_number(id_number)
    assert len(masked) == len(id_number)
    assert sum(ch != "*" for ch in masked) <= 10
    assert masked[:6] == id_number[:6] and masked[-4:] == id_number[-4:]
