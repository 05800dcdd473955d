"""Every change of who may do what is audited: the admin grants, changes and revokes
role memberships through the accounts actions."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from citykpi.accounts.models import Membership, Role
from citykpi.audit.models import AuditEvent
from citykpi.conftest import PASSWORD


def test_granting_changing_and_revoking_a_role_in_the_admin_leaves_audit_rows(
    client, administrator, agency_a, agency_b
):
    newcomer = get_user_model().objects.create_user(username="newcomer", password=PASSWORD)
    client.login(username=administrator.username, password=PASSWORD)
    response = client.post(
        "/admin/accounts/membership/add/", {"user": newcomer.pk, "role": Role.REPORTER, "agency": agency_a.pk}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    membership = Membership.objects.get(user=newcomer)
    granted = AuditEvent.objects.get(action="role.grant")
    assert granted.actor == administrator and granted.after["agency"] == agency_a.pk

    client.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {"user": newcomer.pk, "role": Role.HEAD, "agency": agency_b.pk},
    )
    changed = AuditEvent.objects.get(action="role.change")
    assert changed.before["role"] == Role.REPORTER and changed.after["role"] == Role.HEAD

    client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    assert not Membership.objects.filter(user=newcomer).exists()
    revoked = AuditEvent.objects.get(action="role.revoke")
    assert revoked.before["role"] == Role.HEAD
