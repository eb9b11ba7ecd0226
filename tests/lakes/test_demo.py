"""Demo logins: one per role, linked to the right staff member, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from rmperf.core.models import AuditEvent
from rmperf.lakes.demo import demo_users_ensure
from rmperf.lakes.models import LakeImport
from rmperf.org.models import Staff

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "demo-pass-123"


@pytest.fixture
def imported(base_imported: LakeImport, base_lake: Path) -> Path:
    return base_lake


def links() -> dict[str, str]:
    return dict(Staff.objects.filter(user__isnull=False).values_list("user__username", "staff_id"))


@pytest.mark.usefixtures("imported")
def test_one_login_per_role_present_in_the_bank() -> None:
    logins = demo_users_ensure(password=PASSWORD)

    # S2 looks after C1, C4, C5 and C8 today: the most of the three RMs. Team TM1 is led by
    # S4, branch BR1 managed by S5; the teller S6 works in BR1; HR is S7. No wealth
    # manager, risk officer or auditor in this bank: no login for them.
    assert logins == [
        ("rm", "rm", "李二"),
        ("teller", "teller", "孙六"),
        ("team_leader", "team_leader", "赵四"),
        ("branch_manager", "branch_manager", "钱五"),
        ("hr", "hr", "周七"),
    ]
    assert links() == {
        "rm": "S2",
        "teller": "S6",
        "team_leader": "S4",
        "branch_manager": "S5",
        "hr": "S7",
    }
    rm = User.objects.get(username="rm")
    assert rm.check_password(PASSWORD)
    assert (rm.first_name, rm.is_staff, rm.is_superuser) == ("李二", False, False)
    admin = User.objects.get(username="admin")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert admin.check_password(PASSWORD)
    assert not Staff.objects.filter(user=admin).exists()


@pytest.mark.usefixtures("imported")
def test_running_again_changes_nothing() -> None:
    first = demo_users_ensure(password=PASSWORD)
    users = list(User.objects.order_by("pk").values())
    events = AuditEvent.objects.count()

    again = demo_users_ensure(password=PASSWORD)

    assert again == first
    assert list(User.objects.order_by("pk").values()) == users
    assert AuditEvent.objects.count() == events


@pytest.mark.usefixtures("imported")
def test_the_case_rm_moves_the_logins() -> None:
    demo_users_ensure(password=PASSWORD)

    logins = demo_users_ensure(password="another-pass-456", case_rm_id="S3")

    # S3 works in team TM2, which has no leader: the first team leader by id (S4).
    assert logins[0] == ("rm", "rm", "张三")
    assert links()["rm"] == "S3"
    assert Staff.objects.get(pk="S2").user is None
    assert User.objects.get(username="rm").check_password("another-pass-456")
    assert User.objects.filter(username="rm").count() == 1


@pytest.mark.usefixtures("imported")
def test_an_unknown_case_rm_falls_back_to_the_busiest() -> None:
    logins = demo_users_ensure(password=PASSWORD, case_rm_id="NOPE")
    assert logins[0] == ("rm", "rm", "李二")


def test_an_empty_bank_gets_only_the_admin() -> None:
    assert demo_users_ensure(password=PASSWORD) == []
    assert list(User.objects.values_list("username", flat=True)) == ["admin"]
