"""The types of a user, for annotations (the models themselves load with the apps).

`AnyUser` is what `request.user` holds: a signed-in user or the anonymous one. `Actor` is
who makes a write: a user, or None for the system (commands, imports, the scheduler).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

AnyUser: TypeAlias = "AbstractBaseUser | AnonymousUser"
Actor: TypeAlias = "AbstractBaseUser | AnonymousUser | None"
