"""Sign-in with the organisation's directory (issue #16.1), against a real OpenLDAP server:
Debian's slapd, started on a loopback port with a small directory of its own.

Directory passwords sign in through the login page; the mapping table turns groups into roles
at each sign-in, granting and revoking only the memberships the directory gave (audited);
a wrong password is counted by axes; local accounts keep working and can be turned off; a
directory that cannot be reached is a clear message in Thai and English, never a 500."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import ldap
import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from citykpi.accounts import actions as account_actions
from citykpi.accounts.directory import settings_from
from citykpi.accounts.models import DirectoryGroupMapping, Membership, MembershipSource, Role
from citykpi.audit.models import AuditEvent
from citykpi.conftest import PASSWORD

SLAPD = Path("/usr/sbin/slapd")
BASE = "dc=bma,dc=go,dc=th"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "root-secret"
SERVICE_DN = f"cn=citykpi,ou=services,{BASE}"
SERVICE_PASSWORD = "service-secret"
GROUPS = f"ou=groups,{BASE}"
REPORTERS_0409 = f"cn=district-0409-reporters,{GROUPS}"
HEADS_5047 = f"cn=district-5047-heads,{GROUPS}"
EVALUATORS = f"cn=evaluators,{GROUPS}"
DIRECTORY_PASSWORD = "directory-pass-1"


def person(uid: str, given: str, surname: str) -> str:
    return f"""dn: uid={uid},ou=people,{BASE}
objectClass: inetOrgPerson
uid: {uid}
cn: {given} {surname}
givenName: {given}
sn: {surname}
mail: {uid}@bangkok.example
userPassword: {DIRECTORY_PASSWORD}
"""


def group(dn: str, *uids: str) -> str:
    members = "".join(f"member: uid={uid},ou=people,{BASE}\n" for uid in uids)
    return f"dn: {dn}\nobjectClass: groupOfNames\ncn: {dn.split(',')[0][3:]}\n{members}"


DIRECTORY_LDIF = "\n".join(
    [
        f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: bma\no: Bangkok Metropolitan Administration\n",
        f"dn: ou=people,{BASE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: ou=groups,{BASE}\nobjectClass: organizationalUnit\nou: groups\n",
        f"dn: ou=services,{BASE}\nobjectClass: organizationalUnit\nou: services\n",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: citykpi\nuserPassword: {SERVICE_PASSWORD}\n",
        person("somchai", "Somchai", "Jaidee"),
        person("malee", "Malee", "Rakdee"),
        person("kanya", "Kanya", "Sukjai"),
        person("reporter-a", "Namesake", "Of a local account"),
        person("admin-t", "Namesake", "Of a superuser"),
        # CN in capitals and spaces after the commas: the directory answers DNs as written.
        "dn: CN=District-0409-Reporters, OU=groups, DC=bma, DC=go, DC=th\nobjectClass: groupOfNames\n"
        f"cn: District-0409-Reporters\nmember: uid=somchai,ou=people,{BASE}\nmember: uid=kanya,ou=people,{BASE}\n",
        group(HEADS_5047, "malee"),
        group(EVALUATORS, "somchai", "malee"),
    ]
)

SLAPD_CONF = """include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {root}/slapd.pid
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{root_dn}"
rootpw {root_password}
directory {root}/data
access to attrs=userPassword by anonymous auth by self read by * none
access to * by dn.exact="{service_dn}" read by self read by users read by * none
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Directory:
    """The test's own OpenLDAP server, changed through its root account."""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def connect(self):
        connection = ldap.initialize(self.uri)
        connection.simple_bind_s(ROOT_DN, ROOT_PASSWORD)
        return connection

    def remove_member(self, group_dn: str, uid: str) -> None:
        connection = self.connect()
        try:
            connection.modify_s(
                group_dn, [(ldap.MOD_DELETE, "member", [f"uid={uid},ou=people,{BASE}".encode()])]
            )
        finally:
            connection.unbind_s()

    def add_member(self, group_dn: str, uid: str) -> None:
        connection = self.connect()
        try:
            connection.modify_s(
                group_dn, [(ldap.MOD_ADD, "member", [f"uid={uid},ou=people,{BASE}".encode()])]
            )
        finally:
            connection.unbind_s()

    def set_mail(self, uid: str, mail: str) -> None:
        connection = self.connect()
        try:
            connection.modify_s(f"uid={uid},ou=people,{BASE}", [(ldap.MOD_REPLACE, "mail", [mail.encode()])])
        finally:
            connection.unbind_s()


@pytest.fixture(scope="session")
def slapd(tmp_path_factory):
    """A slapd of our own on a free loopback port, with people, groups and a service account.
    Skipped when Debian's slapd is not installed, except in CI (which installs it)."""
    if not SLAPD.exists() or shutil.which("ldapadd") is None:
        message = "Debian's slapd and ldap-utils are not installed (apt-get install slapd ldap-utils)"
        if os.environ.get("CI") or os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(message + ": CI installs them, so the directory tests must run")
        pytest.skip(message)
    root = tmp_path_factory.mktemp("slapd")
    (root / "data").mkdir()
    conf = root / "slapd.conf"
    conf.write_text(
        SLAPD_CONF.format(
            root=root, base=BASE, root_dn=ROOT_DN, root_password=ROOT_PASSWORD, service_dn=SERVICE_DN
        )
    )
    uri = f"ldap://127.0.0.1:{free_port()}/"
    # -d 0: stay in the foreground (no daemon to hunt down), logging nothing.
    server = subprocess.Popen(
        [str(SLAPD), "-h", uri, "-f", str(conf), "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            probe = subprocess.run(
                ["ldapwhoami", "-x", "-H", uri, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
                capture_output=True,
                timeout=10,
            )
            if probe.returncode == 0:
                break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"slapd did not start: {server.stderr.read().decode() if server.stderr else ''}"
                )
            time.sleep(0.1)
        subprocess.run(
            ["ldapadd", "-x", "-H", uri, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
            input=DIRECTORY_LDIF.encode(),
            check=True,
            capture_output=True,
            timeout=30,
        )
        yield Directory(uri)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def directory_env(uri: str, **extra: str) -> dict[str, str]:
    """The environment a deployment would set, the Active Directory way: a service account
    searches for the user; groups under ou=groups."""
    return {
        "LDAP_SERVER_URI": uri,
        "LDAP_BIND_DN": SERVICE_DN,
        "LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
        "LDAP_USER_SEARCH_BASE": f"ou=people,{BASE}",
        "LDAP_USER_FILTER": "(uid=%(user)s)",
        "LDAP_GROUP_SEARCH_BASE": GROUPS,
        "LDAP_TIMEOUT_SECONDS": "3",
        **extra,
    }


def use_directory(settings, uri: str, **extra: str) -> None:
    """Apply what citykpi.settings would build from that environment."""
    for name, value in settings_from(
        directory_env(uri, **extra), backends=settings.AUTHENTICATION_BACKENDS
    ).items():
        setattr(settings, name, value)


@pytest.fixture
def directory(settings, slapd, db):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGIN_FAILURE_LIMIT = 3
    use_directory(settings, slapd.uri)
    return slapd


@pytest.fixture
def mapping(agency_a, agency_b):
    rows = [
        DirectoryGroupMapping.objects.create(group_dn=REPORTERS_0409, role=Role.REPORTER, agency=agency_a),
        DirectoryGroupMapping.objects.create(group_dn=HEADS_5047, role=Role.HEAD, agency=agency_b),
        DirectoryGroupMapping.objects.create(group_dn=EVALUATORS, role=Role.EVALUATOR, agency=None),
    ]
    return rows


def log_in(username: str, password: str, address: str = "10.0.0.1"):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return client, response


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def roles_of(username: str) -> set[tuple[str, str | None, str]]:
    return {
        (row.role, row.agency.code if row.agency else None, row.source)
        for row in Membership.objects.filter(user__username=username).select_related("agency")
    }


def test_a_directory_password_creates_the_account_with_the_mapped_roles_audited(directory, mapping):
    client, response = log_in("Somchai", DIRECTORY_PASSWORD)
    assert signed_in(response), response.content.decode()[:500]
    user = get_user_model().objects.get(username="somchai")
    assert (user.first_name, user.last_name, user.email) == ("Somchai", "Jaidee", "somchai@bangkok.example")
    assert not user.has_usable_password()  # the directory holds the password, never this database
    assert roles_of("somchai") == {("reporter", "0409", "directory"), ("evaluator", None, "directory")}

    created = AuditEvent.objects.get(action="user.create")
    assert created.source == "directory" and created.actor is None and created.after["email"] == user.email
    grants = AuditEvent.objects.filter(action="role.directory_grant").order_by("id")
    assert [(row.after["role"], row.source, row.actor_name) for row in grants] == [
        ("evaluator", "directory", "system"),
        ("reporter", "directory", "system"),
    ]
    # The group the directory wrote in capitals and with spaces still matched the mapping.
    assert grants[1].after["groups"] == [REPORTERS_0409]
    # The account works like any other: the work inbox opens.
    assert client.get(reverse("workspace:inbox")).status_code == 200

    # The next sign-in changes nothing, so it writes no audit row.
    before = AuditEvent.objects.count()
    assert signed_in(log_in("somchai", DIRECTORY_PASSWORD)[1])
    assert AuditEvent.objects.count() == before


def test_a_group_left_in_the_directory_is_revoked_at_the_next_sign_in_but_a_manual_role_stays(
    directory, mapping, agency_b, administrator
):
    assert signed_in(log_in("malee", DIRECTORY_PASSWORD)[1])
    malee = get_user_model().objects.get(username="malee")
    manual = account_actions.grant_role(
        administrator, Membership(user=malee, role=Role.REPORTER, agency=agency_b)
    )
    assert manual.source == MembershipSource.MANUAL
    assert roles_of("malee") == {
        ("head", "5047", "directory"),
        ("evaluator", None, "directory"),
        ("reporter", "5047", "manual"),
    }

    directory.remove_member(EVALUATORS, "malee")
    directory.set_mail("malee", "malee.r@bangkok.example")
    try:
        assert signed_in(log_in("malee", DIRECTORY_PASSWORD)[1])
    finally:
        directory.add_member(EVALUATORS, "malee")
        directory.set_mail("malee", "malee@bangkok.example")
    assert roles_of("malee") == {("head", "5047", "directory"), ("reporter", "5047", "manual")}
    revoked = AuditEvent.objects.get(action="role.directory_revoke")
    assert revoked.before["role"] == "evaluator" and revoked.source == "directory"
    assert EVALUATORS not in revoked.after["groups"]
    updated = AuditEvent.objects.get(action="user.update")
    assert (
        updated.before["email"] == "malee@bangkok.example"
        and updated.after["email"] == "malee.r@bangkok.example"
    )

    # Removing the mapping row (audited) revokes at the next sign-in; the manual role stays.
    account_actions.delete_group_mapping(
        administrator, DirectoryGroupMapping.objects.get(group_dn=HEADS_5047)
    )
    assert AuditEvent.objects.filter(action="directory_mapping.delete").count() == 1
    assert signed_in(log_in("malee", DIRECTORY_PASSWORD)[1])
    assert roles_of("malee") == {("evaluator", None, "directory"), ("reporter", "5047", "manual")}


def test_a_manual_role_the_directory_also_gives_is_kept_and_never_revoked(
    directory, mapping, agency_a, administrator
):
    somchai = get_user_model().objects.create_user(username="somchai")
    somchai.set_unusable_password()
    somchai.save()
    account_actions.grant_role(administrator, Membership(user=somchai, role=Role.REPORTER, agency=agency_a))
    assert signed_in(log_in("somchai", DIRECTORY_PASSWORD)[1])
    assert roles_of("somchai") == {("reporter", "0409", "manual"), ("evaluator", None, "directory")}
    directory.remove_member(REPORTERS_0409, "somchai")
    try:
        assert signed_in(log_in("somchai", DIRECTORY_PASSWORD)[1])
    finally:
        directory.add_member(REPORTERS_0409, "somchai")
    assert roles_of("somchai") == {("reporter", "0409", "manual"), ("evaluator", None, "directory")}
    assert not AuditEvent.objects.filter(action="role.directory_revoke").exists()


def test_a_wrong_directory_password_is_refused_and_counted_by_axes(directory, mapping):
    _, response = log_in("somchai", "not-the-password")
    assert response.status_code == 200 and not signed_in(response)
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.content.decode()
    assert AccessAttempt.objects.get(username="somchai").failures_since_start == 1
    assert not get_user_model().objects.filter(username="somchai").exists()
    # At the limit the pair is locked: even the right directory password is refused.
    log_in("somchai", "not-the-password")
    log_in("somchai", "not-the-password")
    _, locked = log_in("somchai", DIRECTORY_PASSWORD)
    assert locked.status_code == 429 and not signed_in(locked)
    # Another address is another pair.
    assert signed_in(log_in("somchai", DIRECTORY_PASSWORD, address="10.9.9.9")[1])


def test_local_accounts_still_sign_in_beside_the_directory(directory, mapping, reporter_a, administrator):
    assert signed_in(log_in("reporter-a", PASSWORD)[1])
    assert signed_in(log_in("admin-t", PASSWORD)[1])
    # Signed in by the local password: the directory was not asked, the roles are as they were.
    assert roles_of("reporter-a") == {("reporter", "0409", "manual")}


def test_the_directory_never_signs_in_a_superuser_of_the_same_name(directory, mapping, administrator):
    _, response = log_in("admin-t", DIRECTORY_PASSWORD)
    assert not signed_in(response)
    assert AccessAttempt.objects.get(username="admin-t").failures_since_start == 1
    assert not AuditEvent.objects.filter(action__startswith="user.").exists()


def test_with_local_accounts_off_a_local_password_is_refused_but_a_superusers_is_not(
    settings, slapd, directory, mapping, reporter_a, administrator
):
    settings.AUTHENTICATION_BACKENDS = [
        "citykpi.accounts.lockout.LockoutBackend",
        "django.contrib.auth.backends.ModelBackend",
        "citykpi.accounts.ldap.DirectoryBackend",
    ]
    use_directory(settings, slapd.uri, LDAP_LOCAL_ACCOUNTS="0")
    assert "django.contrib.auth.backends.ModelBackend" not in settings.AUTHENTICATION_BACKENDS
    _, refused = log_in("reporter-a", PASSWORD)
    assert not signed_in(refused) and "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in refused.content.decode()
    assert AccessAttempt.objects.get(username="reporter-a").failures_since_start == 1
    # The break-glass superuser, and directory passwords, still sign in.
    assert signed_in(log_in("admin-t", PASSWORD)[1])
    assert signed_in(log_in("somchai", DIRECTORY_PASSWORD)[1])
    # The local reporter's own directory entry now signs them in, with the roles they had.
    assert signed_in(log_in("reporter-a", DIRECTORY_PASSWORD)[1])
    assert roles_of("reporter-a") == {("reporter", "0409", "manual")}


def test_with_local_superusers_off_too_only_the_directory_signs_in(settings, slapd, directory, administrator):
    use_directory(settings, slapd.uri, LDAP_LOCAL_ACCOUNTS="0", LDAP_LOCAL_SUPERUSERS="0")
    assert settings.AUTHENTICATION_BACKENDS == [
        "citykpi.accounts.lockout.LockoutBackend",
        "citykpi.accounts.ldap.DirectoryBackend",
    ]
    assert not signed_in(log_in("admin-t", PASSWORD)[1])


def test_an_unreachable_directory_is_a_bilingual_message_not_a_500(settings, directory, mapping, reporter_a):
    use_directory(settings, f"ldap://127.0.0.1:{free_port()}/")  # nothing listens there
    _, response = log_in("somchai", DIRECTORY_PASSWORD)
    text = response.content.decode()
    assert response.status_code == 200 and not signed_in(response)
    assert "เชื่อมต่อระบบบัญชีผู้ใช้ขององค์กร (ไดเรกทอรี) ไม่ได้" in text
    assert "directory cannot be reached" in text
    # Counted like a failure: an outage is no window for guessing passwords.
    assert AccessAttempt.objects.get(username="somchai").failures_since_start == 1
    # A local password does not need the directory.
    assert signed_in(log_in("reporter-a", PASSWORD)[1])
    # The API answers in its error shape, 503.
    api = Client().post(
        "/api/v1/auth/token",
        {"username": "somchai", "password": DIRECTORY_PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.2",
    )
    assert api.status_code == 503
    assert "directory cannot be reached" in api.json()["message_en"] and api.json()["message_th"]


def test_a_directory_sign_in_opens_the_api_too(directory, mapping):
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "somchai", "password": DIRECTORY_PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.3",
    )
    assert response.status_code == 200 and response.json()["token"]
    assert roles_of("somchai") == {("reporter", "0409", "directory"), ("evaluator", None, "directory")}


def test_a_dn_template_without_a_service_account_binds_as_the_user(settings, slapd, directory, mapping):
    use_directory(
        settings,
        slapd.uri,
        LDAP_BIND_DN="",
        LDAP_BIND_PASSWORD="",
        LDAP_USER_SEARCH_BASE="",
        LDAP_USER_DN_TEMPLATE=f"uid=%(user)s,ou=people,{BASE}",
    )
    assert settings.AUTH_LDAP_BIND_AS_AUTHENTICATING_USER
    assert signed_in(log_in("somchai", DIRECTORY_PASSWORD)[1])
    assert roles_of("somchai") == {("reporter", "0409", "directory"), ("evaluator", None, "directory")}
    assert not signed_in(log_in("malee", "wrong")[1])


def test_the_mapping_table_in_the_admin_normalises_the_dn_and_is_audited(client, administrator, agency_a, db):
    client.login(username=administrator.username, password=PASSWORD)
    response = client.post(
        "/admin/accounts/directorygroupmapping/add/",
        {
            "group_dn": "CN=District-0409-Reporters, OU=Groups, DC=bma,DC=go,DC=th",
            "role": "reporter",
            "agency": agency_a.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:800]
    row = DirectoryGroupMapping.objects.get()
    assert row.group_dn == REPORTERS_0409
    assert AuditEvent.objects.get(action="directory_mapping.create").after["group_dn"] == REPORTERS_0409
    refused = client.post(
        "/admin/accounts/directorygroupmapping/add/",
        {"group_dn": "evaluators", "role": "evaluator", "agency": ""},
    )
    assert refused.status_code == 200 and "Not a group DN" in refused.content.decode()
    refused = client.post(
        "/admin/accounts/directorygroupmapping/add/",
        {"group_dn": EVALUATORS, "role": "evaluator", "agency": agency_a.pk},
    )
    assert refused.status_code == 200 and "A city-wide role has no agency" in refused.content.decode()
    client.post(
        f"/admin/accounts/directorygroupmapping/{row.pk}/change/",
        {"group_dn": HEADS_5047, "role": "head", "agency": agency_a.pk},
    )
    changed = AuditEvent.objects.get(action="directory_mapping.change")
    assert changed.before["group_dn"] == REPORTERS_0409 and changed.after["role"] == "head"


def test_an_empty_password_is_never_an_anonymous_bind(directory, mapping):
    # An LDAP bind with a DN and no password "succeeds" anonymously; it must not sign anyone in.
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "somchai", "password": ""},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.4",
    )
    assert response.status_code == 401
    assert not get_user_model().objects.filter(username="somchai").exists()
