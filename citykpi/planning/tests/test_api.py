"""Fiscal-year setup over the API (citykpi.api.planning)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from citykpi.api.auth import issue_token
from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import Indicator
from citykpi.planning import actions
from citykpi.planning.models import Setup


def _auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}


def test_without_a_token_the_api_answers_401(client, agency_a, ready_kpis):
    assert client.get("/api/v1/templates").status_code == 401
    assert client.get(f"/api/v1/kpis/{ready_kpis[0].code}/plan").status_code == 401
    assert client.post("/api/v1/setups/0409/2566/approve").status_code == 401


def test_the_evaluator_creates_a_template_and_assigns_it_to_districts(
    client, evaluator, districts, fiscal_year, unit_percent
):
    headers = _auth(evaluator)
    response = client.post(
        "/api/v1/templates",
        {
            "name": "ร้อยละของขยะที่คัดแยก",
            "unit_id": unit_percent.pk,
            "scoring_method": "milestone",
            "milestone_levels": [{"level": 1, "percent": "20", "points": "2", "description": "เริ่ม"}],
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    template_id = response.json()["id"]
    response = client.post(
        f"/api/v1/templates/{template_id}/assign",
        {
            "fiscal_year": 2566,
            "agencies": ["5001"],
            "all_districts": True,
            "target": "๓๐",
            "plan": [5, 10, 20, 30],
            "weight": 10,
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    assert len(response.json()) == 6 and response.json()[0]["plan"]["4"] == "30.0000"
    detail = client.get(f"/api/v1/templates/{template_id}", **headers).json()
    assert [a["agency"] for a in detail["assignments"]] == ["5001", "5002", "5003", "5004", "5005", "5006"]
    assert client.get("/api/v1/templates", **headers).json()[0]["id"] == template_id


def test_agency_users_may_not_create_or_assign_templates(client, reporter_a, template, fiscal_year):
    headers = _auth(reporter_a)
    response = client.post("/api/v1/templates", {"name": "x"}, content_type="application/json", **headers)
    assert response.status_code == 403 and "message_en" in response.json()
    response = client.post(
        f"/api/v1/templates/{template.pk}/assign",
        {"fiscal_year": 2566, "agencies": ["0409"]},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 403


def test_the_plan_is_read_and_written_with_a_version_and_a_stale_write_is_a_409(
    client, reporter_a, head_a, ready_kpis
):
    code = ready_kpis[0].code
    plan = client.get(f"/api/v1/kpis/{code}/plan", **_auth(reporter_a)).json()
    assert plan["version"] == 1 and plan["plan"]["4"] == "80.0000" and plan["state"] == "draft"
    response = client.put(
        f"/api/v1/kpis/{code}/plan",
        {"target": "85", "plan": {"4": "85"}, "version": 1},
        content_type="application/json",
        **_auth(reporter_a),
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    response = client.put(
        f"/api/v1/kpis/{code}/plan",
        {"target": "70", "plan": {"4": "70"}, "version": 1},
        content_type="application/json",
        **_auth(head_a),
    )
    assert response.status_code == 409
    assert Decimal(response.json()["current"]["target"]) == Decimal("85")
    assert Indicator.objects.get(code=code).target == Decimal("85")


def test_a_bad_plan_value_names_its_field(client, reporter_a, ready_kpis):
    response = client.put(
        f"/api/v1/kpis/{ready_kpis[0].code}/plan",
        {"plan": {"2": "สิบ"}},
        content_type="application/json",
        **_auth(reporter_a),
    )
    assert response.status_code == 400 and response.json()["field"] == "plan_q2"


def test_another_agencys_plan_and_setup_are_not_found(client, reporter_b, agency_a, ready_kpis):
    headers = _auth(reporter_b)
    assert client.get(f"/api/v1/kpis/{ready_kpis[0].code}/plan", **headers).status_code == 404
    assert (
        client.put(
            f"/api/v1/kpis/{ready_kpis[0].code}/plan",
            {"target": 1},
            content_type="application/json",
            **headers,
        ).status_code
        == 404
    )
    assert client.post("/api/v1/setups/0409/2566/propose", **headers).status_code == 404


def test_propose_approve_reopen_over_the_api(client, reporter_a, evaluator, agency_a, ready_kpis):
    assert client.post("/api/v1/setups/0409/2566/approve", **_auth(reporter_a)).status_code == 403
    response = client.post("/api/v1/setups/0409/2566/propose", **_auth(reporter_a))
    assert response.status_code == 200 and response.json()["state"] == "proposed"
    assert client.post("/api/v1/setups/0409/2566/propose", **_auth(evaluator)).status_code == 403
    response = client.post("/api/v1/setups/0409/2566/approve", **_auth(evaluator))
    assert response.status_code == 200 and response.json()["state"] == "approved"
    response = client.put(
        f"/api/v1/kpis/{ready_kpis[0].code}/plan",
        {"weight": 50},
        content_type="application/json",
        **_auth(reporter_a),
    )
    assert response.status_code == 400 and "approved" in response.json()["message_en"]
    response = client.post(
        "/api/v1/setups/0409/2566/reopen", {"reason": ""}, content_type="application/json", **_auth(evaluator)
    )
    assert response.status_code == 400 and response.json()["field"] == "reason"
    response = client.post(
        "/api/v1/setups/0409/2566/reopen",
        {"reason": "ปรับน้ำหนัก"},
        content_type="application/json",
        **_auth(evaluator),
    )
    assert response.status_code == 200 and response.json()["state"] == "reopened"
    assert AuditEvent.objects.get(action="setup.reopen").source == "api"


def test_proposing_with_errors_returns_the_findings(client, reporter_a, agency_a, ready_kpis):
    actions.update_plan(reporter_a, ready_kpis[0], weight="10")
    response = client.post("/api/v1/setups/0409/2566/propose", **_auth(reporter_a))
    assert response.status_code == 400
    assert response.json()["findings"][0]["id"] == "weights.sum"
    assert Setup.objects.get(agency=agency_a).state == "draft"


@pytest.mark.parametrize("method", ["delete", "patch"])
def test_wrong_methods_are_405(client, evaluator, ready_kpis, method):
    response = getattr(client, method)(f"/api/v1/kpis/{ready_kpis[0].code}/plan", **_auth(evaluator))
    assert response.status_code == 405


def test_session_writes_need_the_csrf_token(reporter_a, agency_a, ready_kpis):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(reporter_a)
    assert client.post("/api/v1/setups/0409/2566/propose").status_code in (401, 403)
    assert Setup.objects.filter(agency=agency_a, state="proposed").count() == 0
