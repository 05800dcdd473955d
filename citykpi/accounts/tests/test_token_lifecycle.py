"""API tokens with a lifecycle: they expire, die with a password change or a deactivated
account, are listed and revoked by their owner ("sign out everywhere"), and issuing and
revoking are audited."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from citykpi.accounts.models import ApiToken
from citykpi.api.auth import issue_token, user_for_token
from citykpi.audit.models import AuditEvent
from citykpi.conftest import PASSWORD


def test_a_token_works_then_expires_after_the_configured_days(reporter_a, settings):
    token = issue_token(reporter_a)
    assert user_for_token(token) == reporter_a
    settings.API_TOKEN_DAYS = 90
    ApiToken.objects.update(created_at=timezone.now() - dt.timedelta(days=91))
    assert user_for_token(token) is None


def test_a_password_change_ends_every_earlier_token(reporter_a):
    token = issue_token(reporter_a)
    reporter_a.set_password("another-password-456")
    reporter_a.save()
    assert user_for_token(token) is None
    assert user_for_token(issue_token(reporter_a)) == reporter_a  # a new one works


def test_a_deactivated_account_ends_its_tokens(reporter_a):
    token = issue_token(reporter_a)
    reporter_a.is_active = False
    reporter_a.save()
    assert user_for_token(token) is None


def test_the_api_refuses_a_token_after_the_password_changed(client, reporter_a):
    response = client.post(
        "/api/v1/auth/token",
        {"username": reporter_a.username, "password": PASSWORD},
        content_type="application/json",
    )
    token = response.json()["token"]

    def put():
        return client.put(
            "/api/v1/kpis/0000-0000/quarters/1/report",
            {"result": "1", "narrative": "", "version": 0},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        ).status_code

    assert put() == 404  # signed in: the KPI does not exist
    reporter_a.set_password("another-password-456")
    reporter_a.save()
    assert put() == 401


def test_the_owner_lists_and_signs_out_everywhere_audited(client, reporter_a):
    first, second = issue_token(reporter_a), issue_token(reporter_a)
    assert AuditEvent.objects.filter(action="token.issue").count() == 2
    client.login(username=reporter_a.username, password=PASSWORD)
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert first[:8] in page and second[:8] in page
    response = client.post(reverse("accounts:tokens"), {"all": "1"}, follow=True)
    assert "ยกเลิกโทเค็นแล้ว 2 รายการ" in response.content.decode()
    assert user_for_token(first) is None and user_for_token(second) is None
    assert AuditEvent.objects.filter(action="token.revoke").count() == 2


def test_the_owner_revokes_one_token_and_not_someone_elses(client, reporter_a, reporter_b):
    mine, theirs = issue_token(reporter_a), issue_token(reporter_b)
    client.login(username=reporter_a.username, password=PASSWORD)
    other = ApiToken.objects.get(user=reporter_b)
    client.post(reverse("accounts:tokens"), {"token": str(other.pk)})
    assert user_for_token(theirs) == reporter_b  # only the owner's tokens are in reach
    own = ApiToken.objects.get(user=reporter_a)
    client.post(reverse("accounts:tokens"), {"token": str(own.pk)})
    assert user_for_token(mine) is None
