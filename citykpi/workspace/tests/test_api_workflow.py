"""The workflow API: tokens, the permission matrix per endpoint, the conflict, errors as JSON."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from citykpi.api.core import api
from citykpi.api.workflow import install_error_handlers
from citykpi.audit.models import AuditEvent
from citykpi.conftest import PASSWORD
from citykpi.indicators.models import FiscalYear
from citykpi.lib.fiscal import fiscal_year_of
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport

S = QuarterReport.Status
PERSONAS = ["reporter_a", "head_a", "reporter_b", "evaluator", "executive", "administrator"]


@pytest.fixture(autouse=True)
def api_setup(settings):
    install_error_handlers(api)  # what api/core.py does once
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def current_year(db):
    today = timezone.localdate()
    return FiscalYear.objects.create(
        year=fiscal_year_of(today),
        q1_deadline=today + dt.timedelta(days=30),
        q2_deadline=today + dt.timedelta(days=120),
        q3_deadline=today + dt.timedelta(days=210),
        q4_deadline=today + dt.timedelta(days=300),
    )


@pytest.fixture
def kpi_a(make_indicator, agency_a, current_year):
    return make_indicator(agency_a, fiscal_year=current_year)


def token_for(user) -> str:
    response = Client().post(
        "/api/v1/auth/token",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


class Api:
    def __init__(self, token: str | None = None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def put(self, url, data):
        return self.client.put(url, data, content_type="application/json", headers=self.headers)

    def post(self, url, data=None):
        return self.client.post(url, data or {}, content_type="application/json", headers=self.headers)


def as_persona(request, persona) -> Api:
    return Api(token_for(request.getfixturevalue(persona)) if persona else None)


def base(kpi, q=1) -> str:
    return f"/api/v1/kpis/{kpi.code}/quarters/{q}"


def submitted(kpi, head, q=1):
    report = reporting.get_quarter(kpi, q)
    reporting.save_report(head, report, result="40", narrative="ผล", version=report.version)
    reporting.submit_report(head, report)
    return report


# ---------------------------------------------------------------- tokens


def test_a_token_is_issued_for_a_good_password_and_stored_hashed(reporter_a):
    from citykpi.accounts.models import ApiToken

    token = token_for(reporter_a)
    stored = ApiToken.objects.get(user=reporter_a)
    assert stored.key_hash != token and len(stored.key_hash) == 64 and token.startswith(stored.prefix)


def test_a_wrong_password_gets_401_in_both_languages(reporter_a):
    response = Client().post(
        "/api/v1/auth/token", {"username": "reporter-a", "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 401
    body = response.json()
    assert body["message_th"] and body["message_en"] and body["field"] == "password"


def test_token_requests_are_throttled_like_the_login(reporter_a, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        Client().post(
            "/api/v1/auth/token",
            {"username": "reporter-a", "password": "bad"},
            content_type="application/json",
        )
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "reporter-a", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert "นาที" in response.json()["message_th"]


def test_without_a_token_the_workflow_answers_401_json(kpi_a):
    response = Api().put(base(kpi_a) + "/report", {"result": "1", "narrative": "", "version": 1})
    assert response.status_code == 401
    assert response.json()["message_en"].startswith("Log in")
    bogus = Api("not-a-token").put(base(kpi_a) + "/report", {"result": "1", "narrative": "", "version": 1})
    assert bogus.status_code == 401


def test_a_real_server_also_answers_401_not_a_csrf_403_without_a_token(kpi_a):
    """The test client skips CSRF unless told; a real server does not."""
    strict = Client(enforce_csrf_checks=True)
    response = strict.put(
        base(kpi_a) + "/report",
        {"result": "1", "narrative": "", "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["message_th"]
    submit = strict.post(base(kpi_a) + "/submit", {}, content_type="application/json")
    assert submit.status_code == 401


def test_a_browser_session_calling_the_api_still_needs_its_csrf_token(kpi_a, reporter_a):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reporter_a)
    response = strict.put(
        base(kpi_a) + "/report",
        {"result": "1", "narrative": "", "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_user_from_request_knows_the_session_and_the_token(rf, reporter_a):
    from django.contrib.auth.models import AnonymousUser

    from citykpi.api.auth import user_from_request

    token = token_for(reporter_a)
    request = rf.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    request.user = AnonymousUser()
    assert user_from_request(request) == reporter_a
    request = rf.get("/")
    request.user = reporter_a
    assert user_from_request(request) == reporter_a
    request = rf.get("/", HTTP_AUTHORIZATION="Bearer wrong")
    request.user = AnonymousUser()
    assert user_from_request(request) is None


# ---------------------------------------------------------------- the permission matrix

MATRIX = {
    # persona: PUT report, POST submit, return, assessment, reopen (on agency A's KPI)
    None: (401, 401, 401, 401, 401),
    "reporter_a": (200, 403, 403, 403, 403),
    "head_a": (200, 200, 403, 403, 403),
    "reporter_b": (404, 404, 404, 404, 404),
    "evaluator": (403, 403, 200, 200, 200),
    "executive": (403, 403, 403, 403, 403),
    "administrator": (403, 403, 403, 403, 403),
}


@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_each_persona_gets_the_right_status_from_every_endpoint(
    persona, request, make_indicator, agency_a, current_year, head_a
):
    client = as_persona(request, persona)
    kpi1 = make_indicator(agency_a, fiscal_year=current_year)  # for report and submit
    kpi2 = make_indicator(agency_a, fiscal_year=current_year)  # submitted: for return
    kpi3 = make_indicator(agency_a, fiscal_year=current_year)  # submitted: for assessment, then reopen
    submitted(kpi2, head_a)
    submitted(kpi3, head_a)
    put = client.put(base(kpi1) + "/report", {"result": "๑๐", "narrative": "x", "version": 1})
    if put.status_code != 200:  # give submit something to submit
        reporting.save_report(head_a, reporting.get_quarter(kpi1, 1), result="10", narrative="", version=1)
    sub = client.post(base(kpi1) + "/submit")
    ret = client.post(base(kpi2) + "/return", {"reason": "ขาดหลักฐาน"})
    ass = client.post(base(kpi3) + "/assessment", {"score": 90, "components": {"2.1": 90, "2.2": "๑๐๐"}})
    if ass.status_code != 200:
        from citykpi.accounts.models import Role
        from citykpi.conftest import _user
        from citykpi.evaluation import actions as evaluation

        evaluation.assess(
            _user("ev2", Role.EVALUATOR),
            reporting.get_quarter(kpi3, 1),
            score="1",
            components={"2.1": "1", "2.2": "1"},
        )
    reo = client.post(base(kpi3) + "/reopen", {"reason": "ตรวจใหม่"})
    got = tuple(r.status_code for r in (put, sub, ret, ass, reo))
    assert got == MATRIX[persona], [r.content for r in (put, sub, ret, ass, reo)]
    for response in (put, sub, ret, ass, reo):
        if response.status_code != 200:
            body = response.json()
            assert body["message_th"] and body["message_en"] and "message" in body


def test_a_whole_quarter_over_the_api_with_audit_rows_marked_api(kpi_a, head_a, evaluator, request):
    head, ev = Api(token_for(head_a)), Api(token_for(evaluator))
    saved = head.put(base(kpi_a) + "/report", {"result": "40.5", "narrative": "ผลไตรมาส", "version": 1})
    assert saved.status_code == 200 and saved.json()["version"] == 2 and saved.json()["result"] == "40.5"
    assert head.post(base(kpi_a) + "/submit", {"version": 2}).json()["status"] == "submitted"
    assert ev.post(base(kpi_a) + "/return", {"reason": "ขาดหลักฐาน"}).json()["return_reason"] == "ขาดหลักฐาน"
    version = QuarterReport.objects.get().version
    assert (
        head.put(
            base(kpi_a) + "/report", {"result": 45, "narrative": "แก้แล้ว", "version": version}
        ).status_code
        == 200
    )
    assert head.post(base(kpi_a) + "/submit").status_code == 200
    scored = ev.post(
        base(kpi_a) + "/assessment", {"score": "95", "components": {"2.1": 95, "2.2": 100}, "comment": "ดี"}
    )
    assert scored.status_code == 200
    assert (
        scored.json()["components"] == {"2.1": "95", "2.2": "100"} and scored.json()["status"] == "assessed"
    )
    assert set(AuditEvent.objects.values_list("source", flat=True)) == {"api"}
    # The quarter's six writes, besides the audited issue of each client's token.
    assert AuditEvent.objects.exclude(action="token.issue").count() == 6


def test_the_second_client_gets_409_and_the_first_change_stands(kpi_a, head_a, reporter_a):
    first, second = Api(token_for(head_a)), Api(token_for(reporter_a))
    assert (
        first.put(base(kpi_a) + "/report", {"result": "60", "narrative": "หัวหน้า", "version": 1}).status_code
        == 200
    )
    late = second.put(base(kpi_a) + "/report", {"result": "10", "narrative": "ผู้รายงาน", "version": 1})
    assert late.status_code == 409
    body = late.json()
    assert body["current"]["result"] == "60" and body["current"]["updated_by"] == "head-a"
    assert body["current"]["version"] == 2 and body["field"] == "version"
    report = QuarterReport.objects.get()
    assert report.result == Decimal("60") and report.narrative == "หัวหน้า"


def test_bad_input_names_the_field(kpi_a, head_a, evaluator):
    head = Api(token_for(head_a))
    bad_result = head.put(base(kpi_a) + "/report", {"result": "ร้อย", "narrative": "", "version": 1})
    assert bad_result.status_code == 400 and bad_result.json()["field"] == "result"
    missing_version = head.put(base(kpi_a) + "/report", {"result": "1", "narrative": ""})
    assert missing_version.status_code == 422 and missing_version.json()["field"] == "version"
    illegal = Api(token_for(evaluator)).post(base(kpi_a) + "/return", {"reason": "x"})
    assert illegal.status_code == 400 and illegal.json()["field"] == "status"


def test_an_unknown_kpi_is_404(head_a, db):
    response = Api(token_for(head_a)).put(
        "/api/v1/kpis/0409-999999/quarters/1/report", {"result": "1", "narrative": "", "version": 1}
    )
    assert response.status_code == 404 and response.json()["field"] == "code"


def test_the_session_user_must_send_the_csrf_token(kpi_a, head_a):
    client = Client(enforce_csrf_checks=True)
    client.login(username=head_a.username, password=PASSWORD)
    refused = client.put(
        base(kpi_a) + "/report",
        {"result": "1", "narrative": "", "version": 1},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert not QuarterReport.objects.filter(status=S.DRAFT).exists()
    client.get("/work/")  # any page with a form sets the CSRF cookie
    accepted = client.put(
        base(kpi_a) + "/report",
        {"result": "1", "narrative": "", "version": 1},
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert accepted.status_code == 200


def test_the_optional_user_auth_lets_anonymous_through_and_names_a_token_user(rf, reporter_a):
    from django.contrib.auth.models import AnonymousUser

    from citykpi.api.auth import optional_user

    request = rf.get("/")
    request.user = AnonymousUser()
    anonymous = optional_user(request)
    assert anonymous and not anonymous.is_authenticated
    request = rf.get("/", HTTP_AUTHORIZATION=f"Bearer {token_for(reporter_a)}")
    request.user = AnonymousUser()
    assert optional_user(request) == reporter_a


def test_the_workflow_endpoints_are_in_the_openapi_schema(db):
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "put" in paths["/api/v1/kpis/{code}/quarters/{quarter}/report"]
    for action in ("submit", "return", "assessment", "reopen"):
        operation = paths[f"/api/v1/kpis/{{code}}/quarters/{{quarter}}/{action}"]["post"]
        assert " / " in operation["summary"]  # Thai / English
    assert "post" in paths["/api/v1/auth/token"]


# ---------------------------------------------------------------- bulk submit


def _saved(kpi, user, q=1):
    report = reporting.get_quarter(kpi, q)
    return reporting.save_report(user, report, result="40", narrative="ผล", version=report.version)


def test_the_head_submits_several_quarters_in_one_call_all_or_nothing(
    make_indicator, agency_a, current_year, head_a
):
    first, second = (make_indicator(agency_a, fiscal_year=current_year) for _ in range(2))
    a, b = _saved(first, head_a), _saved(second, head_a)
    api_client = Api(token_for(head_a))
    stale = api_client.post(
        "/api/v1/quarters/submit",
        {
            "items": [
                {"code": first.code, "quarter": 1, "version": a.version},
                {"code": second.code, "quarter": 1, "version": b.version - 1},
            ]
        },
    )
    assert stale.status_code == 409
    assert QuarterReport.objects.filter(status=S.SUBMITTED).count() == 0  # nothing went
    done = api_client.post(
        "/api/v1/quarters/submit",
        {
            "items": [
                {"code": first.code, "quarter": 1, "version": a.version},
                {"code": second.code, "quarter": 1, "version": b.version},
            ]
        },
    )
    assert done.status_code == 200, done.content
    assert [item["status"] for item in done.json()["submitted"]] == ["submitted", "submitted"]


def test_bulk_submit_keeps_the_permissions_of_a_single_submit(kpi_a, head_a, reporter_a, reporter_b):
    report = _saved(kpi_a, head_a)
    body = {"items": [{"code": kpi_a.code, "quarter": 1, "version": report.version}]}
    assert Api().post("/api/v1/quarters/submit", body).status_code == 401
    assert Api(token_for(reporter_b)).post("/api/v1/quarters/submit", body).status_code == 404
    assert Api(token_for(reporter_a)).post("/api/v1/quarters/submit", body).status_code == 403
    empty = Api(token_for(head_a)).post("/api/v1/quarters/submit", {"items": []})
    assert empty.status_code == 400 and empty.json()["field"] == "reports"
