"""Deactivating a KPI template (citykpi.planning.actions.set_template_active) on its page
and over the API; a deactivated template cannot be assigned or carried forward."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from citykpi.api.auth import issue_token
from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import Indicator
from citykpi.lib.errors import ActionError
from citykpi.planning import actions


def test_a_deactivated_template_cannot_be_assigned_and_its_assignments_stay(
    evaluator, template, districts, fiscal_year
):
    actions.assign_template(evaluator, template, fiscal_year=2566, agencies=districts[:2])
    actions.set_template_active(evaluator, template, active=False, reason="รวมกับตัวชี้วัดอื่น")
    template.refresh_from_db()
    assert template.is_active is False and template.version == 2
    with pytest.raises(ActionError) as error:
        actions.assign_template(evaluator, template, fiscal_year=2566, agencies=districts[2:4])
    assert error.value.field == "template" and "deactivated" in error.value.message_en
    assert Indicator.objects.filter(template=template).count() == 2
    event = AuditEvent.objects.get(action="template.deactivate")
    assert event.reason == "รวมกับตัวชี้วัดอื่น" and event.after == {"is_active": False, "version": 2}


def test_activating_again_allows_assignment_and_a_repeat_is_a_no_op(
    evaluator, template, districts, fiscal_year
):
    actions.set_template_active(evaluator, template, active=False)
    actions.set_template_active(evaluator, template, active=False)
    actions.set_template_active(evaluator, template, active=True)
    assert AuditEvent.objects.filter(action__in=["template.deactivate", "template.activate"]).count() == 2
    assert len(actions.assign_template(evaluator, template, fiscal_year=2566, agencies=districts[:1])) == 1


def test_carry_forward_of_a_deactivated_template_is_refused_and_agency_copies_stand_alone(
    evaluator, template, districts, fiscal_year
):
    [kpi] = actions.assign_template(evaluator, template, fiscal_year=2566, agencies=districts[:1])
    actions.set_template_active(evaluator, template, active=False)
    with pytest.raises(ActionError):
        actions.carry_forward(evaluator, from_year=2566, to_year=2567, template=template)
    result = actions.carry_forward(evaluator, from_year=2566, to_year=2567, agencies=districts[:1])
    [copy] = result.created
    assert copy.carried_from == kpi and copy.template is None
    kpi.refresh_from_db()
    assert kpi.template == template  # last year's link is history: untouched


def test_only_the_evaluator_deactivates(reporter_a, head_a, template):
    for user in (reporter_a, head_a):
        with pytest.raises(PermissionDenied):
            actions.set_template_active(user, template, active=False)
    template.refresh_from_db()
    assert template.is_active is True


def test_the_template_page_deactivates_and_the_list_and_assign_pages_say_so(
    client, evaluator, template, fiscal_year
):
    client.force_login(evaluator)
    url = reverse("planning:template_active", args=[template.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"active": "0"}, follow=True)
    body = response.content.decode()
    assert 'id="inactive-note"' in body and "เปิดใช้งานอีกครั้ง" in body
    assert reverse("planning:template_assign", args=[template.pk]) not in body
    assert "ยกเลิกการใช้งาน" in client.get(reverse("planning:templates")).content.decode()
    assign = client.get(reverse("planning:template_assign", args=[template.pk])).content.decode()
    assert "มอบหมายไม่ได้" in assign and 'name="target"' not in assign
    client.post(url, {"active": "1"})
    template.refresh_from_db()
    assert template.is_active is True


def test_agency_staff_cannot_use_the_deactivate_form(client, reporter_a, template):
    client.force_login(reporter_a)
    assert (
        client.post(reverse("planning:template_active", args=[template.pk]), {"active": "0"}).status_code
        == 403
    )
    template.refresh_from_db()
    assert template.is_active is True


def test_the_api_deactivates_and_activates_a_template(client, evaluator, reporter_a, template):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(evaluator)}"}
    response = client.post(
        f"/api/v1/templates/{template.pk}/deactivate",
        {"reason": "ซ้ำ"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert AuditEvent.objects.get(action="template.deactivate").source == "api"
    # Without a body at all, as `curl -X POST` sends it.
    refused = client.post(
        f"/api/v1/templates/{template.pk}/activate",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issue_token(reporter_a)}",
    )
    assert refused.status_code == 403
    response = client.post(
        f"/api/v1/templates/{template.pk}/activate", content_type="application/json", **headers
    )
    assert response.status_code == 200 and response.json()["is_active"] is True
