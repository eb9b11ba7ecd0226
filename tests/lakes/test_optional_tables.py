"""A lake without the optional tables (projects, proposals, unit_financials,
economic_series) imports: the tables are noted as absent, not registered, and the import
succeeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmperf.engine import contract
from rmperf.lakes.models import ImportStatus, RegisteredTable
from rmperf.lakes.services import lake_import

from .conftest import TODAY

pytestmark = pytest.mark.django_db

OPTIONAL = tuple(t.name for t in contract.TABLES if t.optional)


def test_optional_tables_may_be_absent(lake: Path) -> None:
    assert set(OPTIONAL) == {"projects", "proposals", "unit_financials", "economic_series"}
    for name in OPTIONAL:
        (lake / f"{name}.csv").unlink(missing_ok=True)
        (lake / f"{name}.parquet").unlink(missing_ok=True)
    imp = lake_import(actor=None, lake_dir=lake, today=TODAY)
    assert imp.status == ImportStatus.SUCCEEDED, imp.problems
    assert imp.problems == []
    registered = set(RegisteredTable.objects.values_list("table", flat=True))
    assert registered.isdisjoint(OPTIONAL)
    assert {imp.tables[n]["registration"] for n in OPTIONAL} == {"absent"}
    assert all(f"{n}: optional table is absent (read as empty)" in imp.notes for n in OPTIONAL)
    assert "transactions" in registered


def test_a_present_optional_table_is_registered(lake: Path) -> None:
    for name in OPTIONAL:
        header = ",".join(contract.table(name).column_names)
        (lake / f"{name}.csv").write_text(header + "\n", encoding="utf-8")
    imp = lake_import(actor=None, lake_dir=lake, today=TODAY)
    assert imp.status == ImportStatus.SUCCEEDED, imp.problems
    registered = set(RegisteredTable.objects.values_list("table", flat=True))
    assert set(OPTIONAL) <= registered
