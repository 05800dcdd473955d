"""Every API refusal answers the one error shape (api.errors.ErrorOut), Thai first and
English, naming the field; bad bytes, broken JSON, a failed CSRF check and huge ids are
a clear 4xx, never a 500 and never ninja's bare {"detail"}."""

from __future__ import annotations

import json
import warnings

import pytest
from django.test import Client

from citykpi.accounts.actions import issue_token
from citykpi.planning.models import KpiTemplate
from citykpi.reporting.models import QuarterReport

pytestmark = pytest.mark.django_db

SHAPE = {"message", "message_th", "message_en", "field"}


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)}"}


def assert_error_shape(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert SHAPE <= set(body), body
    assert "detail" not in body or isinstance(body["detail"], list)
    assert body["message"] == f"{body['message_th']} / {body['message_en']}"
    assert any("\u0e01" <= ch <= "\u0e5b" for ch in body["message_th"]), body["message_th"]
    assert body["field"] == field
    return body


def test_a_session_without_its_csrf_token_gets_the_error_shape_not_ninjas_detail(open_data, reporter_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reporter_a)
    response = client.put(
        "/api/v1/kpis/0409-0950/quarters/3/report",
        {"result": "1", "narrative": "", "version": 4},
        content_type="application/json",
    )
    body = assert_error_shape(response, 403)
    assert "CSRF" in body["message_en"] and "CSRF" in body["message_th"]
    planning = client.post("/api/v1/setups/0409/2566/propose")
    assert_error_shape(planning, 403)


@pytest.mark.parametrize("raw", [b"{not json", b'{"version": 1', b"\xff\xfe", b"[1, 2"])
def test_a_body_that_is_not_json_is_a_400_naming_the_body(open_data, reporter_a, raw):
    response = Client().put(
        "/api/v1/kpis/0409-0950/quarters/3/report",
        data=raw,
        content_type="application/json",
        headers=bearer(reporter_a),
    )
    body = assert_error_shape(response, 400, field="body")
    assert "JSON" in body["message_en"]
    token = Client().post("/api/v1/auth/token", data=raw, content_type="application/json")
    assert_error_shape(token, 400, field="body")


def test_a_value_outside_the_schema_is_a_422_with_every_failing_field(open_data, evaluator):
    response = Client().post(
        "/api/v1/kpis/0409-0950/quarters/2/reopen",
        data=json.dumps({"reason": "x", "until": "2024-13-45", "version": "abc"}),
        content_type="application/json",
        headers=bearer(evaluator),
    )
    body = assert_error_shape(response, 422, field="until")
    assert {tuple(error["loc"])[-1] for error in body["detail"]} == {"until", "version"}
    assert all(set(error) == {"type", "loc", "msg"} for error in body["detail"])


def test_a_nul_in_a_narrative_is_a_400_naming_it_and_nothing_is_saved(open_data, reporter_a):
    response = Client().put(
        "/api/v1/kpis/0409-0950/quarters/3/report",
        data=json.dumps({"result": "75", "narrative": "ผล\x00งาน", "version": 4}),
        content_type="application/json",
        headers=bearer(reporter_a),
    )
    body = assert_error_shape(response, 400, field="narrative")
    assert "NUL" in body["message_en"]
    report = QuarterReport.objects.get(indicator__code="0409-0950", quarter=3)
    assert report.version == 4 and report.narrative == "ร่างลับไตรมาสสาม"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/kpis?q=%00", "q"),
        ("/api/v1/agencies/04%0009", "path"),
        ("/api/v1/city-indicators?q=a%00b", "q"),
        ("/api/v1/projects?agency=%00", "agency"),
    ],
)
def test_bad_bytes_in_an_open_data_read_are_a_400(client, path, field):
    assert_error_shape(client.get(path), 400, field=field)


def test_the_utf8_of_a_lone_surrogate_in_a_query_reads_as_replacement_characters(client, open_data):
    # Django decodes the query with errors="replace": no surrogate reaches the database.
    response = client.get("/api/v1/kpis?q=%ED%A0%80")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_a_lone_surrogate_in_a_workflow_body_is_a_400_on_either_database(open_data, reporter_a):
    response = Client().put(
        "/api/v1/kpis/0409-0950/quarters/3/report",
        data=b'{"result": "1", "narrative": "\\ud800", "version": 4}',
        content_type="application/json",
        headers=bearer(reporter_a),
    )
    assert_error_shape(response, 400, field="narrative")


@pytest.mark.parametrize("value", ["99999999999999999999999", "abc", "-1", "0"])
def test_a_huge_or_odd_id_in_a_planning_path_is_a_422_not_a_500(evaluator, value):
    for path in (f"/api/v1/templates/{value}", f"/api/v1/fiscal-years/{value}/setup"):
        response = Client().get(path, headers=bearer(evaluator))
        assert_error_shape(response, 422, field="template_id" if "templates" in path else "year")


@pytest.mark.parametrize("ids", [[99999999999999999999999], [-1], [0]])
def test_a_huge_strategy_node_id_is_refused_before_the_database(evaluator, ids):
    response = Client().post(
        "/api/v1/templates",
        data=json.dumps({"name": "ตัวชี้วัดต้นแบบ", "strategy_node_ids": ids}),
        content_type="application/json",
        headers=bearer(evaluator),
    )
    assert_error_shape(response, 422, field="strategy_node_ids.0")
    assert not KpiTemplate.objects.exists()


def test_an_unknown_strategy_node_is_a_400_naming_it_and_nothing_is_created(evaluator):
    response = Client().post(
        "/api/v1/templates",
        data=json.dumps({"name": "ตัวชี้วัดต้นแบบ", "strategy_node_ids": [424242]}),
        content_type="application/json",
        headers=bearer(evaluator),
    )
    body = assert_error_shape(response, 400, field="strategy_node_ids")
    assert "424242" in body["message_en"]
    assert not KpiTemplate.objects.exists()


def test_a_role_that_may_not_create_templates_gets_403_whatever_the_node_ids(reporter_a):
    response = Client().post(
        "/api/v1/templates",
        data=json.dumps({"name": "ตัวชี้วัดต้นแบบ", "strategy_node_ids": [424242]}),
        content_type="application/json",
        headers=bearer(reporter_a),
    )
    assert_error_shape(response, 403)


def test_planning_answers_its_codes_without_deprecation_warnings(evaluator, reporter_a):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        created = Client().post(
            "/api/v1/templates",
            data=json.dumps({"name": "ตัวชี้วัดต้นแบบ"}),
            content_type="application/json",
            headers=bearer(evaluator),
        )
        refused = Client().post(
            "/api/v1/templates",
            data=json.dumps({"name": "ตัวชี้วัดต้นแบบ"}),
            content_type="application/json",
            headers=bearer(reporter_a),
        )
        missing = Client().get("/api/v1/templates/424242", headers=bearer(evaluator))
    assert created.status_code == 201 and created.json()["name"] == "ตัวชี้วัดต้นแบบ"
    assert_error_shape(refused, 403)
    assert_error_shape(missing, 404)
    assert not [w for w in caught if issubclass(w.category, DeprecationWarning)], [
        str(w.message) for w in caught
    ]


def test_a_stale_plan_is_a_409_with_what_stands_now(open_data, evaluator):
    response = Client().put(
        "/api/v1/kpis/0409-0950/plan",
        data=json.dumps({"target": "90", "version": 999}),
        content_type="application/json",
        headers=bearer(evaluator),
    )
    body = assert_error_shape(response, 409, field="version")
    assert body["current"]["code"] == "0409-0950"
