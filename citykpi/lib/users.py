"""The types of a user, for annotations, and the one narrowing a write needs.

`AnyUser` is what `request.user` holds: a signed-in user or the anonymous one. `Actor` is
who makes a write: a user, or None for the system (commands, imports, the scheduler).
Import this module only from models and below (it loads django.contrib.auth's models).
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User

AnyUser: TypeAlias = User | AnonymousUser
Actor: TypeAlias = User | AnonymousUser | None


def user_of(actor: Actor) -> User | None:
    """The user to record as having made a change (a ForeignKey to User): None for the
    system or the anonymous user."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None
