"""Who does something: the one type of every `actor` argument of services and selectors.

A signed-in user (`request.user`), an anonymous one (refused by `restrict`), or None for
the system itself (a command line, a scheduled job); `core.audit` records None as
`system`. Access decisions read it only through `core.access` (staff_of, scope_of,
restrict).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser, User

type Actor = AbstractBaseUser | AnonymousUser | None


def user_of(actor: Actor) -> User | None:
    """The signed-in login user behind `actor`; None for the system and anonymous users.

    What a model's "who did it" foreign key stores (runs, policy versions, audit events).
    """
    from django.contrib.auth.models import User

    if isinstance(actor, User) and actor.is_authenticated:
        return actor
    return None
