"""Writes about accounts: API tokens issued and revoked, each audited in its transaction."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from axes.models import AccessAttempt
from django.db import transaction
from django.utils import timezone

from citykpi.accounts import access
from citykpi.accounts.directory import normal_dn
from citykpi.accounts.models import ApiToken, DirectoryGroupMapping, Membership, MembershipSource
from citykpi.audit.log import record, snapshot
from citykpi.lib.errors import PermissionDenied

TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_stamp(user: Any) -> str:
    """A digest of the user's current password hash: it changes whenever the password does."""
    return hashlib.sha256((user.password or "").encode()).hexdigest()


def issue_token(user: Any, *, source: str = "api") -> str:
    """A new token for `user`; the plain text is returned once and never stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user, key_hash=hash_token(token), prefix=token[:8], password_stamp=password_stamp(user)
        )
        record(user, "token.issue", row, after={"prefix": row.prefix, "user": user.pk}, source=source)
    return token


def revoke_tokens(actor: Any, owner: Any, *, token_id: int | None = None, source: str = "web") -> int:
    """Revoke one of `owner`'s tokens, or all of them ("sign out everywhere"). The owner
    may revoke their own; an administrator anyone's. Returns how many were revoked."""
    if actor.pk != owner.pk and not actor.is_superuser:
        raise PermissionDenied("only the owner or an administrator revokes a token")
    with transaction.atomic():
        tokens = ApiToken.objects.select_for_update().filter(user=owner, is_active=True)
        if token_id is not None:
            tokens = tokens.filter(pk=token_id)
        revoked = list(tokens)
        for row in revoked:
            row.is_active = False
            row.save(update_fields=["is_active"])
            record(
                actor,
                "token.revoke",
                row,
                before={"is_active": True},
                after={"is_active": False},
                source=source,
            )
    return len(revoked)


def valid_token(row: ApiToken) -> bool:
    """Beyond ApiToken.objects.active(): the owner's password has not changed since."""
    return not row.password_stamp or row.password_stamp == password_stamp(row.user)


def touch(row: ApiToken) -> None:
    """Record when a token was last used, at most once a minute (a busy client does not write on every call)."""
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)


MEMBERSHIP_FIELDS = ["user", "role", "agency"]


def grant_role(actor: Any, membership: Any, *, source: str = "admin") -> Any:
    """Save a new or changed role membership (the admin calls this), audited with before and after."""

    access.require(actor, access.Capability.GRANT_ROLES)
    with transaction.atomic():
        before: dict[str, Any] = {}
        if membership.pk:
            old = Membership.objects.select_for_update().get(pk=membership.pk)
            before = snapshot(old, MEMBERSHIP_FIELDS)
        membership.save()
        record(
            actor,
            "role.change" if before else "role.grant",
            membership,
            before=before,
            after=snapshot(membership, MEMBERSHIP_FIELDS),
            source=source,
        )
    return membership


def revoke_role(actor: Any, membership: Any, *, source: str = "admin") -> None:
    """Delete a role membership, audited."""

    access.require(actor, access.Capability.GRANT_ROLES)
    with transaction.atomic():
        before = snapshot(membership, MEMBERSHIP_FIELDS)
        record(actor, "role.revoke", membership, before=before, after={}, source=source)
        membership.delete()


def lift_lockouts(actor: Any, attempts: Any, *, source: str = "admin") -> int:
    """Forget the failed sign-ins of some (username, address) pairs, which lifts their lockout
    (django-axes' AccessAttempt rows, see accounts/lockout.py); one audit row per pair."""

    access.require(actor, access.Capability.GRANT_ROLES)
    with transaction.atomic():
        rows = list(AccessAttempt.objects.select_for_update().filter(pk__in=[a.pk for a in attempts]))
        for row in rows:
            before = {
                "username": row.username,
                "ip_address": row.ip_address,
                "failures": row.failures_since_start,
                "last_failure": row.attempt_time.isoformat(),
            }
            record(actor, "lockout.lift", row, before=before, after={}, source=source)
        AccessAttempt.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


# The directory (LDAP / Active Directory, citykpi.accounts.ldap): its groups give roles
# through the mapping table; its sign-ins keep the account's name and e-mail current.

DIRECTORY_USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active"]


def record_directory_account(user: Any, *, before: dict[str, Any] | None) -> None:
    """Audit what a directory sign-in wrote to the account: `user.create` for a new one
    (before is None), `user.update` when the directory changed its name or e-mail. The
    actor is the system (source "directory"): the directory, not the user, said so."""
    after = snapshot(user, DIRECTORY_USER_FIELDS)
    if before == after:
        return
    with transaction.atomic():
        record(
            None,
            "user.create" if before is None else "user.update",
            user,
            before=before or {},
            after=after,
            source="directory",
        )


def apply_directory_groups(user: Any, group_dns: Any) -> dict[str, list[Any]]:
    """Make the user's directory memberships those the mapping table gives their groups.

    Called at each directory sign-in, once the directory has accepted the password, with the
    DNs of the user's groups as the directory answered them; the directory's word is the
    permission. Grants a membership (source "directory") for each mapped (role, agency) the
    user does not hold yet, and revokes the directory memberships no group gives any more.
    A membership an administrator set (source "manual") is never revoked here, and one that
    already gives the same role in the same agency is left as it is. Each change is one audit
    row (`role.directory_grant`, `role.directory_revoke`, actor: the system, with the groups).
    Returns {"granted": [...], "revoked": [...]}."""
    groups = sorted({normal_dn(dn) for dn in group_dns})
    with transaction.atomic():
        wanted: dict[tuple[str, int | None], list[str]] = {}
        for mapping in DirectoryGroupMapping.objects.filter(group_dn__in=groups):
            wanted.setdefault((mapping.role, mapping.agency_id), []).append(mapping.group_dn)
        held = list(Membership.objects.select_for_update().filter(user=user).order_by("pk"))
        held_keys = {(row.role, row.agency_id) for row in held}
        granted = []
        for (role, agency_id), given_by in sorted(
            wanted.items(), key=lambda item: (item[0][0], item[0][1] or 0)
        ):
            if (role, agency_id) in held_keys:
                continue
            row = Membership.objects.create(
                user=user, role=role, agency_id=agency_id, source=MembershipSource.DIRECTORY
            )
            record(
                None,
                "role.directory_grant",
                row,
                after={**snapshot(row, MEMBERSHIP_FIELDS), "groups": given_by},
                source="directory",
            )
            granted.append(row)
        revoked = []
        for row in held:
            if row.source != MembershipSource.DIRECTORY or (row.role, row.agency_id) in wanted:
                continue
            record(
                None,
                "role.directory_revoke",
                row,
                before=snapshot(row, MEMBERSHIP_FIELDS),
                after={"groups": groups},
                source="directory",
            )
            row.delete()
            revoked.append(row)
    return {"granted": granted, "revoked": revoked}


MAPPING_FIELDS = ["group_dn", "role", "agency"]


def save_group_mapping(actor: Any, mapping: Any, *, source: str = "admin") -> Any:
    """Save a new or changed row of the directory group mapping table, audited. It takes
    effect at each member's next directory sign-in."""
    access.require(actor, access.Capability.GRANT_ROLES)
    with transaction.atomic():
        before: dict[str, Any] = {}
        if mapping.pk:
            before = snapshot(
                DirectoryGroupMapping.objects.select_for_update().get(pk=mapping.pk), MAPPING_FIELDS
            )
        mapping.group_dn = normal_dn(mapping.group_dn)
        mapping.save()
        record(
            actor,
            "directory_mapping.change" if before else "directory_mapping.create",
            mapping,
            before=before,
            after=snapshot(mapping, MAPPING_FIELDS),
            source=source,
        )
    return mapping


def delete_group_mapping(actor: Any, mapping: Any, *, source: str = "admin") -> None:
    """Delete a row of the directory group mapping table, audited. The memberships it gave
    are revoked at each member's next directory sign-in."""
    access.require(actor, access.Capability.GRANT_ROLES)
    with transaction.atomic():
        record(
            actor,
            "directory_mapping.delete",
            mapping,
            before=snapshot(mapping, MAPPING_FIELDS),
            after={},
            source=source,
        )
        mapping.delete()
