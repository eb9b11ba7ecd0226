"""The importer on a lake written by the synthetic bank (tiny scale)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmperf.core.models import AuditEvent
from rmperf.customers.models import Assignment, Customer, Product
from rmperf.engine import contract
from rmperf.lakes.demo import demo_users_ensure
from rmperf.lakes.models import ImportStatus, RegisteredTable
from rmperf.lakes.services import LOAD_ORDER, lake_import
from rmperf.org.models import OrgUnit, Staff

from .conftest import TODAY

pytestmark = pytest.mark.django_db

MODELS = {
    "org_units": OrgUnit,
    "staff": Staff,
    "customers": Customer,
    "products": Product,
    "assignments": Assignment,
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    synth = pytest.importorskip("rmperf.synth")
    if not hasattr(synth, "generate"):
        pytest.skip("rmperf.synth.generate is not there yet")
    out = tmp_path_factory.mktemp("synth") / "lake"
    synth.generate(scale="tiny", seed=1, out=out)
    return out


def test_a_generated_lake_imports_cleanly_and_idempotently(generated: Path) -> None:
    first = lake_import(actor=None, lake_dir=generated, today=TODAY)

    assert first.status == ImportStatus.SUCCEEDED, first.problems
    assert first.rejected == 0
    for name in LOAD_ORDER:
        assert first.tables[name]["created"] == first.tables[name]["rows"], name
        assert MODELS[name]._default_manager.count() == first.tables[name]["rows"], name
    assert Customer.objects.count() > 300
    assert RegisteredTable.objects.count() == len(contract.FACT_TABLES)
    # Every unit's path ends in its own id and starts with its parent's path.
    for unit in OrgUnit.objects.select_related("parent"):
        assert unit.path.endswith(f"/{unit.unit_id}/")
        if unit.parent is not None:
            assert unit.path == f"{unit.parent.path}{unit.unit_id}/"

    events = AuditEvent.objects.count()
    again = lake_import(actor=None, lake_dir=generated, today=TODAY)

    for name in LOAD_ORDER:
        assert (again.tables[name]["created"], again.tables[name]["updated"]) == (0, 0), name
    assert AuditEvent.objects.count() == events + 1

    from rmperf.synth import CASE_RM_STAFF_ID

    logins = demo_users_ensure(password="demo-pass-123", case_rm_id=CASE_RM_STAFF_ID)
    assert logins[0][:2] == ("rm", "rm")
    assert Staff.objects.get(user__username="rm").staff_id == CASE_RM_STAFF_ID
