"""The sign-in backend: Django's ModelBackend, except that the user of every request is
loaded with their staff record and unit in one query.

Every page asks who the user is (`core.access.staff_of`) and where they work
(`scope_of` reads `staff.unit.path`); with the stock backend that is three queries per
request (user, staff, unit), here one (bench/load.md "Per-request CPU and queries").
A user without a staff record still loads (a left join); `staff_of` answers None.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StaffModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        users = get_user_model()._default_manager
        try:
            user = users.select_related("staff__unit").get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
