"""Property-based tests of every API endpoint against its own OpenAPI schema (schemathesis,
in-process through the Django WSGI application, on whichever database the suite runs).

Every operation (open data, the token, the quarterly workflow, planning) is called with
generated requests, valid and invalid, as anonymous and with a token of each role
(reporter, head, evaluator, executive, admin). No answer is a server error, and every
answer has a status code, a content type and a body the schema documents: errors are
api.errors.ErrorOut. Generated writes land in the test database and are rolled back.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from citykpi.accounts.actions import issue_token
from citykpi.conftest import PASSWORD
from citykpi.planning import actions as planning
from citykpi.wsgi import application

pytestmark = pytest.mark.django_db(transaction=False)

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
OPERATIONS = 31
# Examples per operation, caller and generation mode: 31 x 6 x (valid + invalid) x 3 requests,
# and 30 x 6 x 3 more on real rows (about 30 s of CPU); derandomized, so every run sends the
# same requests. (A one-off run with 25 on SQLite found nothing more.)
EXAMPLES = 3


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    # The real WSGI handler closes "old" connections at each request's start and end;
    # inside the test transaction that would close it (PostgreSQL). Django's own test
    # client disconnects the same handler.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def fast_and_unlocked_sign_in(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Generated passwords all fail: without a high limit the lockout would answer every
    # /auth/token call after the fifth with 429 and the endpoint would not be exercised.
    settings.LOGIN_FAILURE_LIMIT = 1_000_000


@pytest.fixture
def template(evaluator):
    return planning.create_template(evaluator, name="ตัวชี้วัดต้นแบบทดสอบ", source="api")


@pytest.fixture
def identities(
    open_data, template, reporter_a, head_a, evaluator, executive, administrator
) -> dict[str, dict]:
    """Request headers of each caller: anonymous and a bearer token of each role."""
    users = {
        "reporter": reporter_a,
        "head": head_a,
        "evaluator": evaluator,
        "executive": executive,
        "admin": administrator,
    }
    headers: dict[str, dict] = {"anonymous": {}}
    for role, user in users.items():
        headers[role] = {"Authorization": f"Bearer {issue_token(user)}"}
    return headers


def all_operations():
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == OPERATIONS, [f"{op.method} {op.path}" for op in operations]
    return operations


def fuzz(operation, headers: dict, mode: GenerationMode, path_parameters: dict | None = None) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def check(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_generated_request_breaks_an_endpoint_or_its_schema_for_any_caller(identities, mode):
    for operation in all_operations():
        for who, headers in identities.items():
            try:
                fuzz(operation, headers, mode)
            except Exception as exc:
                exc.add_note(f"{operation.method.upper()} {operation.path} as {who} ({mode})")
                raise


def real_rows(operation, template) -> dict | None:
    """Path parameters naming rows that exist, for the operations that take any."""
    names = {p.name for p in operation.path_parameters}
    if not names:
        return None
    known = {"code": "0409-0950", "quarter": 3, "agency": "0409", "year": 2566, "template_id": template.pk}
    if "/agencies/" in operation.path:
        known["code"] = "0409"
    elif "/projects/" in operation.path:
        known["code"] = "04090000-3744"
    elif "/city-indicators/" in operation.path:
        known["id"] = 87
    return {name: known[name] for name in names}


def test_generated_bodies_and_queries_on_real_rows_break_nothing(identities, template):
    # The generated codes rarely name a row: run the actions themselves with generated input.
    for operation in all_operations():
        path_parameters = real_rows(operation, template)
        if path_parameters is None:
            continue
        for who, headers in identities.items():
            try:
                fuzz(operation, headers, GenerationMode.POSITIVE, path_parameters)
            except Exception as exc:
                exc.add_note(f"{operation.method.upper()} {operation.path} {path_parameters} as {who}")
                raise


TOKEN = "/api/v1/auth/token"
QUARTER = "/api/v1/kpis/{code}/quarters/{quarter}"


def test_known_rows_answer_and_match_the_schema(identities, reporter_a):
    # The generated codes rarely hit a real row: check the existing ones explicitly.
    by_key = {(op.method.upper(), op.path): op for op in all_operations()}
    q3 = {"code": "0409-0950", "quarter": 3}
    reopen = {"reason": "เปิดให้รายงานล่าช้า", "until": "2099-12-31", "version": 4}
    report = {"result": "75", "narrative": "ผลไตรมาสสาม", "version": 5}  # after the reopen
    known = [
        ("GET", "/api/v1/kpis/{code}", {"code": "0409-0950"}, None, "anonymous", 200),
        ("GET", "/api/v1/agencies/{code}", {"code": "0409"}, None, "anonymous", 200),
        ("GET", "/api/v1/projects/{code}", {"code": "04090000-3744"}, None, "anonymous", 200),
        ("GET", "/api/v1/city-indicators/{id}", {"id": 87}, None, "anonymous", 200),
        ("GET", "/api/v1/kpis/{code}", {"code": "0409-0950"}, None, "reporter", 200),
        ("POST", TOKEN, {}, {"username": reporter_a.username, "password": PASSWORD}, "anonymous", 200),
        ("POST", TOKEN, {}, {"username": reporter_a.username, "password": "wrong"}, "anonymous", 401),
        ("POST", QUARTER + "/reopen", q3, reopen, "evaluator", 200),
        ("PUT", QUARTER + "/report", q3, report, "reporter", 200),
        ("PUT", QUARTER + "/report", q3, report, "reporter", 409),  # the same version again: stale
        ("PUT", QUARTER + "/report", q3, {**report, "version": 6}, "executive", 403),
        ("GET", "/api/v1/kpis/{code}/plan", {"code": "0409-0950"}, None, "head", 200),
        ("GET", "/api/v1/kpis/{code}/plan", {"code": "0409-0950"}, None, "anonymous", 401),
        ("GET", "/api/v1/setups/{agency}/{year}", {"agency": "0409", "year": 2566}, None, "evaluator", 200),
        ("GET", "/api/v1/fiscal-years/{year}/setup", {"year": 2566}, None, "evaluator", 200),
        ("GET", "/api/v1/fiscal-years/{year}/setup", {"year": 2566}, None, "reporter", 403),
    ]
    for method, path, params, body, who, status in known:
        operation = by_key[(method, path)]
        if body is None:
            case = operation.Case(path_parameters=params)
        else:
            case = operation.Case(path_parameters=params, body=body, media_type="application/json")
        response = case.call(headers=identities[who])
        assert response.status_code == status, (method, path, who, response.text)
        case.validate_response(response, checks=CHECKS)
