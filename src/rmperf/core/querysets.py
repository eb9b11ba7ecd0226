"""The queryset every model uses, carrying the one access gate `restrict(actor, action)`."""

from __future__ import annotations

from typing import Any, Self

from django.db import models

from rmperf.core.access import Action, Scope, scope_of


class RestrictedQuerySet(models.QuerySet[Any]):
    """A queryset that can be narrowed to what an actor may see or do."""

    def restrict(self, actor: Any, action: Action | str = Action.VIEW) -> Self:
        """Rows of this queryset that `actor` may `action`; nothing when out of scope.

        Each model states its scope rule in a `restrict_q(scope)` classmethod returning a Q
        (or None for "everything"); a model without one is visible only bank-wide.
        """
        scope = scope_of(actor)
        if scope is None:
            return self.none()
        if Action(action) is not Action.VIEW and scope.read_only:
            return self.none()
        if scope.everything:
            return self
        rule = getattr(self.model, "restrict_q", None)
        if rule is None:
            return self.none()
        q = rule(scope)
        return self if q is None else self.filter(q)


def unit_prefix_q(field: str, scope: Scope) -> models.Q:
    """Rows whose org-unit path (reached through `field`) lies in the scope's subtree."""
    if scope.unit_path is None:
        return models.Q(pk__in=[])
    return models.Q(**{f"{field}__startswith": scope.unit_path})
