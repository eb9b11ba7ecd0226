"""The customer profile's optional lake columns (industry, household, hobbies, preferred
contact times): validated like every text (length, no control character), carried into
the customers app, and left alone by a later import once the customer's RM edited them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone

from rmperf.customers.models import Customer
from rmperf.lakes.services import lake_import

from .conftest import TODAY, Rows
from .test_import import counts, read_rejects

pytestmark = pytest.mark.django_db

MakeLake = Callable[[Rows], Path]

PROFILE = {
    "industry": "制造业",
    "household": "夫妻二人，一子在读大学",
    "hobbies": "高尔夫、茶",
    "preferred_contact_times": "工作日 19:00 以后",
}


def _run(lake: Path) -> object:
    return lake_import(actor=None, lake_dir=lake, today=TODAY)


def test_profile_columns_are_imported(make_lake: MakeLake, lake_rows: Rows) -> None:
    lake_rows["customers"][0].update(PROFILE)
    _run(make_lake(lake_rows))
    c1 = Customer.objects.get(pk="C1")
    assert {f: getattr(c1, f) for f in PROFILE} == PROFILE
    # A customer without them has empty texts.
    assert Customer.objects.get(pk="C2").industry == ""


def test_too_long_or_control_characters_are_rejected(make_lake: MakeLake, lake_rows: Rows) -> None:
    lake_rows["customers"][0]["industry"] = "制" * 101  # the longest is 100
    lake_rows["customers"][1]["hobbies"] = "茶\t高尔夫"  # a tab is a control character
    lake = make_lake(lake_rows)
    lake_import(actor=None, lake_dir=lake, today=TODAY)  # 2 of 8 rejected: refused whole
    rejects = read_rejects(lake, "customers")
    reasons = {r["customer_id"]: (r["reject_column"], r["reject_reason"]) for r in rejects}
    assert set(reasons) == {"C1", "C2"}
    assert reasons["C1"][0] == "industry" and "100" in reasons["C1"][1]
    assert reasons["C2"][0] == "hobbies" and "control character" in reasons["C2"][1]
    assert not Customer.objects.filter(pk__in=("C1", "C2")).exists()


def test_the_rms_edit_survives_a_later_import(make_lake: MakeLake, lake_rows: Rows) -> None:
    lake_rows["customers"][0].update(PROFILE)
    lake_rows["customers"][2].update(PROFILE)
    lake = make_lake(lake_rows)
    _run(lake)
    # C1's RM edited the profile in the app; C3's was never edited.
    Customer.objects.filter(pk="C1").update(hobbies="钓鱼", profile_edited_at=timezone.now())
    lake_rows["customers"][0]["hobbies"] = "马拉松"
    lake_rows["customers"][2]["hobbies"] = "马拉松"
    make_lake(lake_rows)
    imp = _run(lake)
    assert Customer.objects.get(pk="C1").hobbies == "钓鱼"
    assert Customer.objects.get(pk="C3").hobbies == "马拉松"
    assert counts(imp, "customers")[1] == 1  # C3 only
