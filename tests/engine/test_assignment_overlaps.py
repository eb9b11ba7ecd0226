"""A customer's assignment slices must not overlap: each day has one RM in charge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rmperf.engine.backends import read_valid
from rmperf.engine.lake import Lake
from tests.engine.lakes import TODAY, rejected, row, write_lake


def slice_(valid_from: str, valid_to: str = "", **kw: str) -> dict[str, str]:
    return row("assignments", valid_from=valid_from, valid_to=valid_to, **kw)


def overlap(valid_from: str, valid_to: str = "open", customer: str = "C1") -> str:
    return (
        f"valid_from: the slice {valid_from} … {valid_to} overlaps another assignment of "
        f"customer {customer} (one RM in charge per day: end the earlier slice before the "
        "next starts)"
    )


def test_overlapping_slices_are_both_rejected(tmp_path: Path) -> None:
    rows = [
        slice_("2020-01-02", "2020-12-31"),
        slice_("2020-06-01", staff_id="S3"),  # June–December 2020 has two RMs
    ]
    assert rejected(tmp_path, "assignments", rows, key="valid_from") == {
        "2020-01-02": overlap("2020-01-02", "2020-12-31"),
        "2020-06-01": overlap("2020-06-01"),
    }


def test_a_handover_day_shared_by_two_slices_is_an_overlap(tmp_path: Path) -> None:
    # valid_to is inclusive: both slices claim 30 June 2024.
    rows = [
        slice_("2024-04-01", "2024-06-30", customer_id="C3"),
        slice_("2024-06-30", customer_id="C3", staff_id="S3"),
    ]
    assert rejected(tmp_path, "assignments", rows, key="valid_from") == {
        "2024-04-01": overlap("2024-04-01", "2024-06-30", "C3"),
        "2024-06-30": overlap("2024-06-30", customer="C3"),
    }


def test_adjacent_slices_and_other_customers_pass(tmp_path: Path) -> None:
    rows = [
        slice_("2024-04-01", "2024-06-30", customer_id="C3"),
        slice_("2024-07-01", customer_id="C3", staff_id="S3"),  # the next day: fine
        slice_("2020-01-02"),  # C1, open; C3's slices are no concern of C1's
        slice_("2021-03-01", "2099-12-31", customer_id="C2"),
    ]
    assert rejected(tmp_path, "assignments", rows, key="valid_from") == {}


def test_an_overlap_with_an_earlier_slice_that_is_not_the_previous_one(tmp_path: Path) -> None:
    # A covers 2020–2022; B (in 2021) ends before C starts, but A overlaps both.
    rows = [
        slice_("2020-01-02", "2022-12-31"),
        slice_("2021-01-01", "2021-02-01", staff_id="S3"),
        slice_("2021-06-01", "2021-07-01", staff_id="S3"),
    ]
    assert rejected(tmp_path, "assignments", rows, key="valid_from") == {
        "2020-01-02": overlap("2020-01-02", "2022-12-31"),
        "2021-01-01": overlap("2021-01-01", "2021-02-01"),
        "2021-06-01": overlap("2021-06-01", "2021-07-01"),
    }


def test_a_slice_rejected_for_its_own_values_overlaps_nothing(tmp_path: Path) -> None:
    rows = [
        slice_("2020-01-02"),
        slice_("2020-06-01", staff_id="S9"),  # no such staff: rejected for that alone
    ]
    assert rejected(tmp_path, "assignments", rows, key="valid_from") == {
        "2020-06-01": "staff_id: S9 not found in staff (or rejected there)",
    }


@pytest.mark.spark
def test_spark_rejects_the_same_slices(spark: Any, tmp_path: Path) -> None:
    rows = [
        slice_("2020-01-02", "2022-12-31"),
        slice_("2021-01-01", "2021-02-01", staff_id="S3"),
        slice_("2023-01-01", staff_id="S3"),
        slice_("2021-03-01", "2099-12-31", customer_id="C2"),
    ]
    root = write_lake(tmp_path / "lake", {"assignments": rows})
    lake = Lake(root, TODAY)
    keys = [
        (r["customer_id"], str(r["valid_from"]))
        for r in read_valid(lake, "assignments", backend="spark").to_pylist()
    ]
    # C1's first two slices overlap; C1's 2023 slice and C2's slice remain.
    assert keys == [("C1", "2023-01-01"), ("C2", "2021-03-01")]
    assert read_valid(lake, "assignments", backend="duckdb").equals(
        read_valid(lake, "assignments", backend="spark")
    )
