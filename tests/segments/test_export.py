"""Excel export: formula-safe, masked, numbers as numbers, audited, capped."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from rmperf.core.models import AuditEvent
from rmperf.customers.models import Customer
from rmperf.segments.export import FORMULA_PREFIXES, safe_text, workbook_bytes
from rmperf.segments.models import SegmentRun
from tests.factories import Bank
from tests.segments.factories import make_run


@pytest.fixture
def run(bank: Bank) -> SegmentRun:
    return make_run()


def _sheet(content: bytes) -> list[list[object]]:
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[c.value for c in row] for row in ws.iter_rows()]


def _cells(content: bytes) -> list[object]:
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [c for row in ws.iter_rows() for c in row]


def test_the_export_page_then_the_file(
    run: SegmentRun, bank: Bank, client_as: Callable[[str], Client]
) -> None:
    client = client_as("alice")
    page = client.get("/customers/export/?tier=core", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "1 customer matches the filters." in page.content.decode()
    response = client.post("/customers/export/?tier=core", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = response.content
    sheet = _sheet(content)
    assert sheet[0][:6] == ["Customer id", "Name", "Kind", "Home branch", "Tier", "AUM"]
    (row,) = sheet[1:]
    assert row[0] == "C001" and row[1] == "张三丰" and row[4] == "Core"
    assert row[5] == 800000 and isinstance(row[5], int | float)  # a number, not text
    assert row[-1] == "138****1234"  # the phone masked
    assert "13812341234" not in str(sheet)
    event = AuditEvent.objects.get(verb="customers.export")
    assert event.after["rows"] == 1
    assert event.after["filters"] == {"tier": "core"}
    assert event.after["sha256"] == hashlib.sha256(content).hexdigest()
    assert event.actor == bank.user("alice")


def test_csv_beside_excel_masked_safe_and_audited(
    run: SegmentRun, bank: Bank, client_as: Callable[[str], Client]
) -> None:
    Customer.objects.filter(pk="C002").update(name="@SUM(1)")
    client = client_as("alice")
    page = client.get("/customers/export/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="csv"' in page
    response = client.post("/customers/export/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    assert response.content.startswith("\ufeff".encode())  # Excel reads the UTF-8 right
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Customer id", "Name", "Kind"]
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == {"C001", "C002", "C003"}  # alice's customers only
    assert by_id["C001"][-1] == "138****1234"  # the phone masked
    assert by_id["C002"][1] == "'@SUM(1)"  # a formula stays text
    event = AuditEvent.objects.get(verb="customers.export")
    assert event.after["format"] == "csv" and event.after["rows"] == 3
    assert event.after["sha256"] == hashlib.sha256(response.content).hexdigest()


def test_hr_exports_names_masked(run: SegmentRun, client_as: Callable[[str], Client]) -> None:
    sheet = _sheet(client_as("hannah").post("/customers/export/?branch=BA").content)
    names = {r[0]: r[1] for r in sheet[1:]}
    assert names["C001"] == "张**" and names["C002"] == "Acme Trading Ltd"


def test_the_cap_applies_except_for_hr(
    run: SegmentRun, client_as: Callable[[str], Client], settings: object
) -> None:
    settings.RMPERF_EXPORT_MAX_ROWS = 2  # type: ignore[attr-defined]
    alice = client_as("alice")
    page = alice.get("/customers/export/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 customers match; you may export at most 2 at once" in page
    refused = alice.post("/customers/export/")
    assert refused["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(verb="customers.export").exists()
    assert len(_sheet(alice.post("/customers/export/?tier=core").content)) == 2
    everyone = client_as("hannah").post("/customers/export/")
    assert len(_sheet(everyone.content)) == 7  # header + 6 customers


def test_a_formula_in_the_data_stays_text(
    run: SegmentRun, client_as: Callable[[str], Client]
) -> None:
    Customer.objects.filter(pk="C002").update(name='=HYPERLINK("http://evil","x")')
    content = client_as("alice").post("/customers/export/").content
    cells = _cells(content)
    assert not [c for c in cells if c.data_type == "f"]  # type: ignore[attr-defined]
    assert '\'=HYPERLINK("http://evil","x")' in [c.value for c in cells]  # type: ignore[attr-defined]


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_every_formula_prefix_is_escaped(prefix: str) -> None:
    assert safe_text(prefix + "1+1") == "'" + prefix + "1+1"
    assert safe_text("a" + prefix) == "a" + prefix


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.text(max_size=30),
                st.sampled_from(
                    ["=1+1", "+SUM(A1)", "-2", "@cmd", "\t=x", "\r=y", "=cmd|' /C calc'!A0"]
                ),
                st.integers(min_value=-(10**12), max_value=10**12),
                st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
                st.none(),
            ),
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_no_exported_string_cell_is_a_formula(rows: list[list[object]]) -> None:
    content = workbook_bytes(["h1", "=h2"], rows)
    for cell in _cells(content):
        assert cell.data_type != "f"  # type: ignore[attr-defined]
        value = cell.value  # type: ignore[attr-defined]
        if isinstance(value, str):
            assert not value.startswith(FORMULA_PREFIXES), value
    # Numbers stay numbers.
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            if isinstance(value, int | Decimal):
                assert ws.cell(r, c).data_type == "n"
