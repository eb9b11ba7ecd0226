"""App referrals exported as the lake's `referrals` table pass the lake's validation and
count in the referral success indicator's terms (converted ÷ made, by the referrer)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from rmperf.cli import main
from rmperf.engine.lake import Lake
from rmperf.referrals.models import Referral, State
from rmperf.referrals.services import referral_transition
from tests.factories import Bank
from tests.lakebuilder import LakeBuilder, base_org
from tests.referrals.helpers import new_customer, refer

pytestmark = pytest.mark.django_db


def test_exported_rows_are_valid_lake_rows(bank: Bank, tmp_path: Path) -> None:
    a = refer(bank)
    referral_transition(actor=bank.user("alice"), referral_id=a.pk, action="accept")
    b = refer(bank, new_customer(bank, "C901"))
    referral_transition(
        actor=bank.user("alice"), referral_id=b.pk, action="lose", lost_reason="declined"
    )
    c = refer(bank, new_customer(bank, "C902"))
    Referral.objects.filter(pk=c.pk).update(
        state=State.CONVERTED,
        accepted_at=timezone.now(),
        closed_at=timezone.now(),
        purchase_date=timezone.localdate(),
    )
    out = tmp_path / "referrals.csv"
    assert main(["referrals-export", "--out", str(out)]) == 0
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["referral_id"], r["status"]) for r in rows] == [
        (f"APP-{a.pk}", "accepted"),
        (f"APP-{b.pk}", "lost"),
        (f"APP-{c.pk}", "converted"),
    ]
    assert rows[1]["responded_at"] != ""  # lost without accepting: answered when closed
    assert [bool(r["converted_at"]) for r in rows] == [False, False, True]

    # The rows pass the lake contract (staff and customers named as in the app)
    builder = LakeBuilder(tables=base_org())
    builder.tables["staff"] += [
        {
            "staff_id": s,
            "name": s,
            "role": role,
            "rank": "junior" if role == "rm" else "",
            "unit_id": "TM1",
            "hired_on": "2020-01-01",
        }
        for s, role in (("S-TERRY", "teller"), ("S-ALICE", "rm"))
    ]
    for cid in ("C900", "C901", "C902"):
        builder.customer(cid, rm=None)
    builder.add("referrals", *rows)
    lake = Lake(builder.write(tmp_path / "lake"), today=timezone.localdate() + dt.timedelta(days=1))
    valid = lake.valid_rows("referrals")
    assert valid.num_rows == 3
    # success rate of terry's referrals in the indicator's terms: 1 converted ÷ 3 made
    statuses = valid.column("status").to_pylist()
    assert statuses.count("converted") == 1 and len(statuses) == 3
