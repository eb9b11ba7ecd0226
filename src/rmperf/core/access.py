"""Row access: what an actor may see or change, derived from their place in the org tree.

`restrict(actor, action)` on every model's queryset is the only gate (shared/DESIGN.md
"Access"); selectors and views call it before fetching, and out-of-scope rows answer 404
exactly like missing ones (ASVS 8.2.1/8.2.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist

from rmperf.core.actors import Actor, user_of

if TYPE_CHECKING:
    from rmperf.org.models import Staff


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


@dataclass(frozen=True)
class Scope:
    """The part of the bank an actor works in.

    everything: HR, HQ and auditors see the whole bank.
    unit_path: managers see the subtree under their unit (a path prefix).
    staff_id: an RM sees what is theirs (their customers, their own record).
    read_only: auditors (and risk officers) may only view.
    role: the actor's staff role ("" for a superuser without a staff record).
    superuser: a Django superuser (the operator), who sees and may do everything.
    """

    everything: bool = False
    unit_path: str | None = None
    staff_id: str | None = None
    read_only: bool = False
    role: str = ""
    superuser: bool = False


#: Roles whose scope is the subtree of their own unit.
UNIT_SCOPED_ROLES = frozenset(
    {"branch_manager", "team_leader", "risk_officer", "teller", "wealth_manager"}
)
#: Roles that see the whole bank.
BANK_WIDE_ROLES = frozenset({"hr", "auditor"})
#: Roles that may only read.
READ_ONLY_ROLES = frozenset({"auditor", "risk_officer"})
#: Roles that see customers' personal data unmasked on request (audited), within scope.
PI_REVEAL_ROLES = frozenset({"rm", "team_leader", "branch_manager"})
#: Roles that serve customers face to face and so see retail customers' names unmasked.
CUSTOMER_FACING_ROLES = frozenset(
    {"rm", "team_leader", "branch_manager", "teller", "wealth_manager"}
)


def staff_of(actor: Actor) -> Staff | None:
    """The staff record linked to a login user, or None (anonymous, or a user without one)."""
    user = user_of(actor)
    if user is None:
        return None
    try:
        staff: Staff | None = user.staff
    except ObjectDoesNotExist:  # a login user with no staff record
        return None
    return staff


def scope_of(actor: Actor) -> Scope | None:
    """The actor's scope; None means they see nothing at all."""
    user = user_of(actor)
    if user is None or not user.is_active:
        return None
    if user.is_superuser:
        return Scope(everything=True, superuser=True)
    staff = staff_of(actor)
    if staff is None:
        return None
    read_only = staff.role in READ_ONLY_ROLES
    if staff.role in BANK_WIDE_ROLES:
        return Scope(everything=True, read_only=read_only, staff_id=staff.staff_id, role=staff.role)
    if staff.role in UNIT_SCOPED_ROLES:
        path = staff.unit.path
        # An empty or malformed path would be a prefix of every unit: fail closed.
        if not path or not path.startswith("/") or not path.endswith("/"):
            return None
        return Scope(unit_path=path, staff_id=staff.staff_id, read_only=read_only, role=staff.role)
    if staff.role == "rm":
        return Scope(staff_id=staff.staff_id, role=staff.role)
    return None


def _role_in(actor: Actor, roles: frozenset[str]) -> bool:
    scope = scope_of(actor)
    return scope is not None and (scope.superuser or scope.role in roles)


def may_reveal_personal_data(actor: Actor) -> bool:
    """Whether the actor may ask to see a customer's full phone / id number (audited)."""
    return _role_in(actor, PI_REVEAL_ROLES)


def may_see_customer_names(actor: Actor) -> bool:
    """Whether retail customers' names are shown in full (customer-facing roles only)."""
    return _role_in(actor, CUSTOMER_FACING_ROLES)


def may_read_model(actor: Actor, model: type[Any]) -> bool:
    """Whether a model limited to some roles (`restrict_roles`) is open to the actor at all."""
    scope = scope_of(actor)
    if scope is None:
        return False
    roles: frozenset[str] | None = getattr(model, "restrict_roles", None)
    return roles is None or scope.superuser or scope.role in roles
