"""Demo logins: one user per role, linked to a staff member of the imported bank."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from rmperf.core.audit import audit_record
from rmperf.customers.models import current_on
from rmperf.org.models import OrgKind, OrgUnit, Role, Staff

ADMIN_USERNAME = "admin"
VERB = "demo.user.ensure"


def _case_rm(case_rm_id: str | None) -> Staff | None:
    """The case RM if given and present, else the RM who looks after most customers today."""
    rms = Staff.objects.filter(role=Role.RM).select_related("unit")
    if case_rm_id:
        chosen: Staff | None = rms.filter(staff_id=case_rm_id).first()
        if chosen is not None:
            return chosen
    today = timezone.localdate()
    busiest: Staff | None = (
        rms.annotate(
            book=models.Count("assignments", filter=current_on(today, prefix="assignments__"))
        )
        .order_by("-book", "staff_id")
        .first()
    )
    return busiest


def _ancestor(unit: OrgUnit, kind: str) -> OrgUnit | None:
    """The unit of `kind` on the path from the bank down to `unit` (itself included)."""
    ids = [p for p in unit.path.split("/") if p]
    return OrgUnit.objects.filter(unit_id__in=ids, kind=kind).first()


def _first(people: QuerySet[Staff]) -> Staff | None:
    found: Staff | None = people.order_by("staff_id").first()
    return found


def _pick(role: str, rm: Staff | None) -> Staff | None:
    """One staff member per role, close to the case RM where the role has a place there;
    otherwise the lowest staff id, so the choice is the same on every run."""
    people = Staff.objects.filter(role=role).select_related("unit")
    near: Staff | None = None
    if rm is not None:
        branch = _ancestor(rm.unit, OrgKind.BRANCH)
        if role == Role.TEAM_LEADER:
            near = _first(people.filter(unit_id=rm.unit_id))  # the leader of the RM's team
        elif role == Role.BRANCH_MANAGER and branch is not None:
            near = _first(people.filter(unit_id=branch.unit_id))
        elif branch is not None:
            near = _first(people.filter(unit__path__startswith=branch.path))
    return near or _first(people)


def _username(role: str) -> str:
    return role  # the role values are already readable lowercase logins


def _ensure_user(
    *, username: str, password: str, first_name: str, superuser: bool
) -> tuple[Any, dict[str, object]]:
    """Create or update one user; returns it and what changed (empty when nothing did)."""
    user_model = get_user_model()
    user, created = user_model._default_manager.get_or_create(username=username)
    changed: dict[str, object] = {"created": True} if created else {}
    wanted = {
        "first_name": first_name,
        "last_name": "",
        "is_active": True,
        "is_staff": superuser,
        "is_superuser": superuser,
    }
    for name, value in wanted.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed[name] = value
    if created or not user.check_password(password):
        user.set_password(password)
        changed["new_password"] = True  # that it changed, never the password itself
    if changed:
        user.full_clean(exclude=["password"])
        user.save()
    return user, changed


def demo_users_ensure(
    *, password: str, case_rm_id: str | None = None
) -> list[tuple[str, str, str]]:
    """A login per role (and a superuser `admin`), each linked to one staff member: the
    case RM, their team leader and branch manager, and a colleague for every other role.
    Running it again changes nothing; returns (role, username, staff name)."""
    out: list[tuple[str, str, str]] = []
    with transaction.atomic(durable=True):
        _, admin_changed = _ensure_user(
            username=ADMIN_USERNAME, password=password, first_name="", superuser=True
        )
        if admin_changed:
            audit_record(
                actor=None,
                verb=VERB,
                object_type="user",
                object_id=ADMIN_USERNAME,
                after=admin_changed,
            )
        rm = _case_rm(case_rm_id)
        for role in Role.values:
            staff = rm if role == Role.RM else _pick(role, rm)
            if staff is None:
                continue  # nobody in the bank has this role
            username = _username(role)
            user, changed = _ensure_user(
                username=username, password=password, first_name=staff.name[:150], superuser=False
            )
            linked = Staff.objects.filter(user=user).exclude(pk=staff.pk)
            if linked.exists():
                # The login moved to another person (a new lake or case RM).
                changed["unlinked"] = list(linked.values_list("staff_id", flat=True))
                linked.update(user=None)
            if staff.user_id != user.pk:
                changed["staff_id"] = staff.staff_id
                staff.user_id = user.pk
                staff.save(update_fields=["user"])
            if changed:
                audit_record(
                    actor=None, verb=VERB, object_type="user", object_id=username, after=changed
                )
            out.append((role, username, staff.name))
    return out
