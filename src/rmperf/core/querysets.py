"""The queryset every model uses, carrying the one access gate `restrict(actor, action)`."""

from __future__ import annotations

from typing import Any, Self

from django.db import models

from rmperf.core.access import Action, Scope, scope_of
from rmperf.core.actors import Actor


class RestrictedQuerySet(models.QuerySet[Any]):
    """A queryset that can be narrowed to what an actor may see or do."""

    def restrict(self, actor: Actor, action: Action | str = Action.VIEW) -> Self:
        """Rows of this queryset that `actor` may `action`; nothing when out of scope.

        The rules, in order (each model states its own in classmethods):
        1. no scope (anonymous, inactive, no staff record) → nothing;
        2. read-only roles (auditor, risk officer) → nothing for any action but view,
           unless the model names the role in `read_only_writers` (a risk officer
           writes the due-diligence scores they are appointed for);
        3. a model with `restrict_roles` is visible only to those roles (and superusers);
        4. bank-wide scope → every row;
        5. otherwise the model's `restrict_q(scope, action)` Q (None: every row); a model
           without one is visible bank-wide only (fail closed).
        """
        scope = scope_of(actor)
        if scope is None:
            return self.none()
        action = Action(action)
        if action is not Action.VIEW and scope.read_only:
            writers: frozenset[str] = getattr(self.model, "read_only_writers", frozenset())
            if scope.role not in writers:
                return self.none()
        roles: frozenset[str] | None = getattr(self.model, "restrict_roles", None)
        if roles is not None and not scope.superuser and scope.role not in roles:
            return self.none()
        if scope.everything:
            return self
        rule = getattr(self.model, "restrict_q", None)
        if rule is None:
            return self.none()
        q = rule(scope, action)
        return self if q is None else self.filter(q)


def unit_prefix_q(field: str, scope: Scope) -> models.Q:
    """Rows whose org-unit path (reached through `field`) lies in the scope's subtree."""
    if not scope.unit_path:
        return models.Q(pk__in=[])
    return models.Q(**{f"{field}__startswith": scope.unit_path})


NOTHING = models.Q(pk__in=[])
