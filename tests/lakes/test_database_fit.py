"""Validation matches the database (issue #18, finding 5): text with control characters
or longer than the model's column is rejected per row with its reason, so a valid row
always loads; and a database error never shows a row's personal data."""

from __future__ import annotations

import csv
import logging
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import DataError, models

from rmperf.customers.models import Customer
from rmperf.engine import contract
from rmperf.engine.acceptance import AcceptancePolicy
from rmperf.lakes import services
from rmperf.lakes.models import ImportStatus
from rmperf.lakes.services import SPECS, lake_import
from rmperf.org.models import OrgUnit, Staff

from .conftest import TODAY, Rows

LOOSE = AcceptancePolicy(max_reject_share=Decimal("0.5"))


def rejects(lake: Path, table: str) -> dict[str, dict[str, str]]:
    key = contract.table(table).primary_key[0]
    csv.field_size_limit(1_000_000)  # the rejected 200,000-character name is kept whole
    with (lake / "_rejects" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return {r[key]: r for r in csv.DictReader(fh)}


@pytest.mark.django_db
def test_control_characters_and_long_names_are_rejected_per_row(
    make_lake: Any, lake_rows: Rows
) -> None:
    customers = lake_rows["customers"]
    # Customers without facts, so only they (and their assignments) are rejected.
    customers[5]["name"] = "周\x00六"  # C6, a NUL: PostgreSQL refuses it
    customers[6]["name"] = "长" * 200_000  # C7: far beyond the column's 200
    customers[2]["name"] = "长" * 200  # C3: exactly 200 fits
    lake_rows["staff"][6]["name"] = "周\x1b[31m七"  # S7: an escape sequence
    lake_rows["products"][2]["name"] = "成长\x7f基金"  # P3: a DEL
    lake = make_lake(lake_rows)

    imp = lake_import(actor=None, lake_dir=lake, today=TODAY, acceptance=LOOSE)

    assert imp.status == ImportStatus.SUCCEEDED_WITH_REJECTS, imp.problems
    found = rejects(lake, "customers")
    control = (
        "name: contains a control character (NUL, tab, line break, escape …); text may hold none"
    )
    assert found["C6"]["reject_reason"] == control
    assert found["C7"]["reject_reason"] == "name: is 200000 characters long; at most 200"
    assert set(found) == {"C6", "C7"}
    assert rejects(lake, "staff")["S7"]["reject_reason"] == control
    assert rejects(lake, "products")["P3"]["reject_reason"] == control
    assert imp.tables["customers"]["reasons"] == {
        "name: control character": 1,
        "name: longer than 200 characters": 1,
    }
    # Everything else loaded, the 200-character name included.
    assert set(Customer.objects.values_list("pk", flat=True)) == {
        c["customer_id"] for c in customers
    } - {"C6", "C7"}
    assert Customer.objects.get(pk="C3").name == "长" * 200
    assert not Staff.objects.filter(pk="S7").exists()


def test_every_text_column_of_a_loaded_table_is_bounded_by_the_contract() -> None:
    """Each model text column is bounded in the contract: by an enum of short values, a
    pattern that cannot match a longer value, or the same max_length."""
    for name, spec in SPECS.items():
        table = contract.table(name)
        for field in spec.model._meta.concrete_fields:
            if not isinstance(field, models.CharField) or field.attname not in table.column_names:
                continue
            col = table.column(field.attname)
            limit = field.max_length
            assert limit is not None
            where = f"{name}.{col.name}"
            if col.enum is not None:
                assert max(len(v) for v in col.enum) <= limit, where
            elif col.pattern is not None:
                too_long = "1" * (limit + 1)
                assert not re.fullmatch(col.pattern.strip("^$"), too_long), where
                assert not re.fullmatch(col.pattern.strip("^$"), "A1" * (limit // 2 + 1)), where
            else:
                assert col.max_length == limit, where


class _Diag:
    message_primary = 'value too long for type character varying(200) near "陈一"'


class _DriverError(Exception):
    diag = _Diag()


@pytest.mark.django_db
def test_a_database_error_is_reported_without_the_row(
    make_lake: Any,
    lake_rows: Rows,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What PostgreSQL says about a refused COPY: its CONTEXT line quotes the whole row."""
    first = lake_rows["customers"][0]
    row_text = "\t".join((first["customer_id"], first["name"], first["phone"], first["id_number"]))
    real_insert = services._Writer.insert

    def insert(self: Any, names: Any, rows: Any) -> None:
        if "customer_id" in names and "birth_date" in names:
            cause = _DriverError(
                "value too long for type character varying(200)\n"
                f'CONTEXT:  COPY customers_customer, line 1: "{row_text}"'
            )
            raise DataError(str(cause)) from cause
        real_insert(self, names, rows)

    monkeypatch.setattr(services._Writer, "insert", insert)
    caplog.set_level(logging.DEBUG)

    imp = lake_import(actor=None, lake_dir=make_lake(lake_rows), today=TODAY)

    assert imp.status == ImportStatus.FAILED
    assert imp.exit_status == 2
    n = len(lake_rows["customers"])
    assert imp.problems == [
        f"customers: the database refused a batch of {n} rows (keys C1 to C{n}): "
        '_DriverError: value too long for type character varying(200) near "…"'
    ]
    shown = " ".join(imp.problems) + caplog.text
    for personal in (first["name"], first["phone"], first["id_number"]):
        assert personal not in shown
    assert not OrgUnit.objects.exists()  # rolled back whole
