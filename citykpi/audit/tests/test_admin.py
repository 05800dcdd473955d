"""The audit log stays append-only, in the model and in the admin."""

from __future__ import annotations

import pytest
from django.test import Client

from citykpi.audit.log import record
from citykpi.audit.models import AuditEvent
from citykpi.conftest import PASSWORD


def test_audit_rows_cannot_be_changed_or_deleted(agency_a, evaluator):
    event = record(
        evaluator, "report.save", agency_a, before={"a": 1}, after={"a": 2}, indicator_code="0409-1"
    )
    event.reason = "rewritten"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
    assert AuditEvent.objects.get().reason == ""


def test_the_admin_lists_history_but_offers_no_edit_or_delete(agency_a, administrator, evaluator, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    event = record(evaluator, "report.assess", agency_a, indicator_code="0409-0950")
    client = Client()
    client.login(username=administrator.username, password=PASSWORD)
    listing = client.get("/admin/audit/auditevent/")
    assert listing.status_code == 200 and "0409-0950" in listing.content.decode()
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    detail = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
