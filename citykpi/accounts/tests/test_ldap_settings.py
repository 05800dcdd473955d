"""The directory's settings (issue #16.1): nothing changes unless LDAP_SERVER_URI is set; the
LDAP_* variables become django-auth-ldap's settings; LDAP_LOCAL_ACCOUNTS=0 takes local
passwords away from everyone but superusers; a half-configured directory fails at start-up."""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from citykpi.accounts import directory
from citykpi.accounts.directory import settings_from

LOCAL = [
    "citykpi.accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
BACKENDS = [*LOCAL, "citykpi.accounts.ldap.DirectoryBackend"]
ENV = {
    "LDAP_SERVER_URI": "ldaps://ad.bma.example",
    "LDAP_USER_SEARCH_BASE": "ou=people,dc=bma,dc=go,dc=th",
    "LDAP_GROUP_SEARCH_BASE": "ou=groups,dc=bma,dc=go,dc=th",
}


def settings_in_a_fresh_process(**env: str) -> dict:
    """citykpi.settings as a server started with this environment would read it."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("LDAP_")}
    code = (
        "import json, citykpi.settings as s; "
        "print(json.dumps({'backends': s.AUTHENTICATION_BACKENDS, 'uri': s.AUTH_LDAP_SERVER_URI, "
        "'search': str(getattr(s, 'AUTH_LDAP_USER_SEARCH', None)), "
        "'group_type': type(getattr(s, 'AUTH_LDAP_GROUP_TYPE', None)).__name__}))"
    )
    done = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_without_a_server_the_directory_is_idle_and_local_accounts_sign_in_as_before():
    found = settings_in_a_fresh_process()
    assert found["uri"] == "" and found["search"] == "None"
    # Without a server the directory backend is not even listed (nor django-auth-ldap needed).
    assert found["backends"] == LOCAL


def test_the_environment_configures_the_directory_and_can_turn_local_accounts_off():
    found = settings_in_a_fresh_process(**ENV, LDAP_GROUP_TYPE="nestedActiveDirectory")
    assert found["uri"] == "ldaps://ad.bma.example" and "ou=people" in found["search"]
    assert found["group_type"] == "NestedActiveDirectoryGroupType"
    assert found["backends"] == BACKENDS
    off = settings_in_a_fresh_process(**ENV, LDAP_LOCAL_ACCOUNTS="0")
    assert off["backends"] == [BACKENDS[0], "citykpi.accounts.ldap.LocalSuperuserBackend", BACKENDS[2]]


def test_without_a_service_account_the_user_reads_their_own_groups():
    assert settings_from(ENV, backends=LOCAL)["AUTH_LDAP_BIND_AS_AUTHENTICATING_USER"]
    with_account = settings_from({**ENV, "LDAP_BIND_DN": "cn=citykpi,ou=services"}, backends=LOCAL)
    assert not with_account["AUTH_LDAP_BIND_AS_AUTHENTICATING_USER"]
    # Local accounts stay on by default; the directory signs in after them.
    assert with_account["AUTHENTICATION_BACKENDS"] == BACKENDS


@pytest.mark.parametrize(
    "missing, says",
    [
        ({"LDAP_USER_SEARCH_BASE": ""}, "LDAP_USER_DN_TEMPLATE or LDAP_USER_SEARCH_BASE"),
        ({"LDAP_GROUP_SEARCH_BASE": ""}, "LDAP_GROUP_SEARCH_BASE"),
        ({"LDAP_GROUP_TYPE": "posix"}, "LDAP_GROUP_TYPE must be one of"),
    ],
)
def test_a_half_configured_directory_fails_at_start_up_with_what_is_missing(missing, says):
    with pytest.raises(ImproperlyConfigured, match=says):
        settings_from({**ENV, **missing}, backends=BACKENDS)


def test_group_dns_are_compared_as_the_directory_compares_them():
    failures, tried = doctest.testmod(directory)
    assert tried >= 3 and failures == 0
