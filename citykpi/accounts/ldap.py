"""Sign-in with the organisation's directory (LDAP / Active Directory) through django-auth-ldap.

`DirectoryBackend` sits after the lockout backend and the local accounts' ModelBackend in
AUTHENTICATION_BACKENDS and answers nothing unless AUTH_LDAP_SERVER_URI is set (the settings
come from LDAP_* variables, `citykpi.accounts.directory.settings_from`). When the directory
accepts the password:
- the account is created (unusable local password) or its name and e-mail brought up to
  date, audited (`user.create`, `user.update`, source "directory");
- the user's groups are read and `accounts.actions.apply_directory_groups` grants and
  revokes the memberships the mapping table (`DirectoryGroupMapping`) gives them.
django-auth-ldap's `populate_user` signal comes before a new account is saved, so the
memberships are applied here, once the account has its id.

A wrong password is a failure like any other: axes counts it (docs/security.md section 7).
A directory that cannot be reached is a `DirectoryUnavailable`: the login form and the admin's
show its message, the API answers 503; it is counted as a failure too, so an outage is no
window for guessing local passwords. A superuser is never signed in by the directory: a
directory entry named like one cannot take it over.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

import ldap
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django_auth_ldap.backend import LDAPBackend

from citykpi.accounts import actions
from citykpi.lib.errors import ActionError
from citykpi.lib.i18n import both

logger = logging.getLogger(__name__)

# What the directory answers when it cannot answer: no server, no time, too busy.
UNREACHABLE = (
    ldap.SERVER_DOWN,
    ldap.CONNECT_ERROR,
    ldap.TIMEOUT,
    ldap.TIMELIMIT_EXCEEDED,
    ldap.UNAVAILABLE,
    ldap.BUSY,
)

# Set by `note_directory_error` (django-auth-ldap's `ldap_error` signal) during one
# authenticate call: the library logs such errors and returns None, as for a wrong password.
_unreachable: ContextVar[Exception | None] = ContextVar("citykpi_directory_unreachable", default=None)


class DirectoryUnavailable(ActionError, ValidationError):
    """The directory could not check the password. A ValidationError, so that the login form
    (and the admin's) shows it on the form; an ActionError, so that the API answers it in its
    error shape, with 503."""

    status_code = 503
    # ValidationError sets `message` on the instance; ActionError makes it a property.
    message = ""

    def __init__(self) -> None:
        self.message_th = (
            "ยังเชื่อมต่อระบบบัญชีผู้ใช้ขององค์กร (ไดเรกทอรี) ไม่ได้ จึงยังตรวจรหัสผ่านไม่ได้ กรุณาลองใหม่ในอีกสักครู่ หรือแจ้งผู้ดูแลระบบ"
        )
        self.message_en = (
            "The organisation's directory cannot be reached, so your password could not be checked; "
            "try again in a few minutes or tell the administrators"
        )
        self.field = None
        self.extra = {}
        ValidationError.__init__(self, both(self.message_th, self.message_en), code="directory_unavailable")


def note_directory_error(sender: Any, context: str, exception: Exception, **kwargs: Any) -> None:
    """django-auth-ldap's `ldap_error` receiver (connected in AccountsConfig.ready)."""
    if isinstance(exception, UNREACHABLE):
        _unreachable.set(exception)


class DirectoryBackend(LDAPBackend):
    def authenticate(
        self, request: HttpRequest, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> AbstractBaseUser | None:
        if not getattr(settings, "AUTH_LDAP_SERVER_URI", ""):
            return None
        mark = _unreachable.set(None)
        try:
            user = super().authenticate(request, username=username, password=password, **kwargs)
            unreachable = _unreachable.get()
        finally:
            _unreachable.reset(mark)
        if user is None and unreachable is not None:
            # authenticate() sends this only when every backend returned None; this one raises.
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
            raise DirectoryUnavailable()
        return user

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[Any, bool]:
        user, built = super().get_or_build_user(username, ldap_user)
        if user.is_superuser:
            raise ldap_user.AuthenticationFailed("a superuser signs in with the local password only")
        # What the account held before the directory's attributes are copied in, for the audit row.
        ldap_user.citykpi_before = None if built else actions.snapshot(user, actions.DIRECTORY_USER_FIELDS)
        return user, built

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> Any:
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None:
            return None
        actions.record_directory_account(user, before=getattr(ldap_user, "citykpi_before", None))
        if not user.is_active:
            # Deactivated here: the form says so, and its roles are left as they are.
            return user
        try:
            group_dns = ldap_user.group_dns
        except ldap.LDAPError as error:
            # Without the groups the roles cannot be brought up to date: no sign-in on stale roles.
            logger.warning("Could not read the directory groups of %s: %r", user.username, error)
            if isinstance(error, UNREACHABLE):
                _unreachable.set(error)
            return None
        actions.apply_directory_groups(user, group_dns)
        return user


class LocalSuperuserBackend(ModelBackend):
    """Local passwords for superusers only (LDAP_LOCAL_ACCOUNTS=0): the break-glass way in
    when the directory is down. LDAP_LOCAL_SUPERUSERS=0 removes it too."""

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(getattr(user, "is_superuser", False)) and super().user_can_authenticate(user)
