"""The organisation's directory (LDAP / Active Directory) without Django: its settings built
from the environment, and distinguished names compared as the directory compares them.

`citykpi.settings` calls `settings_from(os.environ, ...)` when LDAP_SERVER_URI is set, and the
tests call it with their own directory's address, so both run the same configuration. The
sign-in itself is `citykpi.accounts.ldap`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# python-ldap is the optional extra `citykpi[ldap]`: it is imported by the functions that
# need it, so that the accounts app loads without it.

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
DIRECTORY_BACKEND = "citykpi.accounts.ldap.DirectoryBackend"
SUPERUSER_BACKEND = "citykpi.accounts.ldap.LocalSuperuserBackend"

# LDAP_GROUP_TYPE: how the directory's groups name their members, and which entries are groups.
GROUP_TYPES = {
    "groupOfNames": ("GroupOfNamesType", "(objectClass=groupOfNames)"),
    "nestedGroupOfNames": ("NestedGroupOfNamesType", "(objectClass=groupOfNames)"),
    "activeDirectory": ("ActiveDirectoryGroupType", "(objectClass=group)"),
    "nestedActiveDirectory": ("NestedActiveDirectoryGroupType", "(objectClass=group)"),
}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "")
    if not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings_from(env: Mapping[str, str], *, backends: list[str]) -> dict[str, Any]:
    """django-auth-ldap's AUTH_LDAP_* settings (and the sign-in backends) from LDAP_* variables.

    Users are found by LDAP_USER_DN_TEMPLATE (uid=%(user)s,ou=people,dc=...) or searched under
    LDAP_USER_SEARCH_BASE with LDAP_USER_FILTER ((uid=%(user)s); Active Directory:
    (sAMAccountName=%(user)s)); groups are searched under LDAP_GROUP_SEARCH_BASE. Searches bind
    as LDAP_BIND_DN / LDAP_BIND_PASSWORD; without a bind DN, as the user signing in.
    LDAP_LOCAL_ACCOUNTS=0 stops local passwords but superusers' (LDAP_LOCAL_SUPERUSERS=0 stops
    those too)."""
    # the optional extra citykpi[ldap]: imported only when LDAP_SERVER_URI turns the directory on
    import ldap
    from django_auth_ldap import config

    template = env.get("LDAP_USER_DN_TEMPLATE", "").strip() or None
    user_base = env.get("LDAP_USER_SEARCH_BASE", "").strip()
    group_base = env.get("LDAP_GROUP_SEARCH_BASE", "").strip()
    if not template and not user_base:
        raise ImproperlyConfigured("LDAP_SERVER_URI needs LDAP_USER_DN_TEMPLATE or LDAP_USER_SEARCH_BASE")
    if not group_base:
        raise ImproperlyConfigured(
            "LDAP_SERVER_URI needs LDAP_GROUP_SEARCH_BASE (the roles come from groups)"
        )
    kind = env.get("LDAP_GROUP_TYPE", "").strip() or "groupOfNames"
    if kind not in GROUP_TYPES:
        raise ImproperlyConfigured(f"LDAP_GROUP_TYPE must be one of {', '.join(GROUP_TYPES)}, not {kind!r}")
    type_name, group_filter = GROUP_TYPES[kind]
    bind_dn = env.get("LDAP_BIND_DN", "")
    timeout = int(env.get("LDAP_TIMEOUT_SECONDS", "") or 5)

    found: dict[str, Any] = {
        "AUTH_LDAP_SERVER_URI": env["LDAP_SERVER_URI"].strip(),
        "AUTH_LDAP_BIND_DN": bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": env.get("LDAP_BIND_PASSWORD", ""),
        # Without a service account the user's own bind reads their entry and groups.
        "AUTH_LDAP_BIND_AS_AUTHENTICATING_USER": not bind_dn,
        "AUTH_LDAP_USER_DN_TEMPLATE": template,
        "AUTH_LDAP_USER_SEARCH": (
            config.LDAPSearch(
                user_base, ldap.SCOPE_SUBTREE, env.get("LDAP_USER_FILTER", "") or "(uid=%(user)s)"
            )
            if user_base
            else None
        ),
        "AUTH_LDAP_GROUP_SEARCH": config.LDAPSearch(group_base, ldap.SCOPE_SUBTREE, group_filter),
        "AUTH_LDAP_GROUP_TYPE": getattr(config, type_name)(),
        "AUTH_LDAP_USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,  # groups are read afresh at every sign-in
        "AUTH_LDAP_START_TLS": _bool(env, "LDAP_START_TLS", False),
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            # A directory that does not answer is reported within seconds, not minutes.
            ldap.OPT_NETWORK_TIMEOUT: timeout,
            ldap.OPT_TIMEOUT: timeout,
            # Active Directory's referrals would need another bind; follow none.
            ldap.OPT_REFERRALS: 0,
        },
    }
    if env.get("LDAP_CA_FILE", "").strip():
        found["AUTH_LDAP_GLOBAL_OPTIONS"] = {ldap.OPT_X_TLS_CACERTFILE: env["LDAP_CA_FILE"].strip()}
    # The directory signs in after local accounts (a local administrator still gets in while
    # the directory is down); it is listed only when a server is configured, so that a
    # deployment without one needs neither django-auth-ldap nor python-ldap installed.
    chosen = list(backends)
    if DIRECTORY_BACKEND not in chosen:
        chosen.append(DIRECTORY_BACKEND)
    if not _bool(env, "LDAP_LOCAL_ACCOUNTS", True):
        keep_superusers = _bool(env, "LDAP_LOCAL_SUPERUSERS", True)
        chosen = [
            SUPERUSER_BACKEND if backend == MODEL_BACKEND else backend
            for backend in chosen
            if backend != MODEL_BACKEND or keep_superusers
        ]
    found["AUTHENTICATION_BACKENDS"] = chosen
    return found


def normal_dn(value: str) -> str:
    """The DN with attribute names and values in lower case and no spaces around separators.

    >>> normal_dn("CN=District-0409-Reporters, OU=Groups,DC=bma, DC=go,DC=th")
    'cn=district-0409-reporters,ou=groups,dc=bma,dc=go,dc=th'
    >>> normal_dn("  cn=evaluators,ou=groups,dc=bma,dc=go,dc=th ")
    'cn=evaluators,ou=groups,dc=bma,dc=go,dc=th'

    Text that is not a DN is only trimmed and lower-cased (the admin form refuses it first).
    """
    import ldap.dn  # the optional extra citykpi[ldap]: imported only when the directory is used

    text = value.strip()
    try:
        parts = ldap.dn.str2dn(text)
    except ldap.DECODING_ERROR:
        return text.lower()
    return ldap.dn.dn2str(
        [[(name.lower(), str(val).lower(), kind) for name, val, kind in rdn] for rdn in parts]
    )


def is_dn(value: str) -> bool:
    """Whether the text parses as a non-empty DN.

    >>> is_dn("cn=evaluators,ou=groups,dc=bma,dc=go,dc=th"), is_dn("evaluators"), is_dn("")
    (True, False, False)
    """
    import ldap.dn  # the optional extra citykpi[ldap]: imported only when the directory is used

    text = value.strip()
    return bool(text) and "=" in text and ldap.dn.is_dn(text)
