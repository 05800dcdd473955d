"""Property-based tests of the open-data endpoints against their own OpenAPI schema
(schemathesis, in-process through the Django WSGI application): no generated request
makes a server error, and every answer matches the schema the API publishes."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from citykpi.wsgi import application

pytestmark = pytest.mark.django_db(transaction=False)

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


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


def open_data_operations():
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    schema = schema.include(tag="opendata", method="GET")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    return operations


def test_no_generated_request_breaks_an_open_data_endpoint_or_its_schema(open_data):
    for operation in open_data_operations():

        @settings(
            max_examples=12,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call()
            case.validate_response(response, checks=CHECKS)

        check()


def test_known_rows_answer_and_match_the_schema(open_data):
    # The generated codes rarely hit a real row: check the existing ones explicitly.
    by_path = {op.path: op for op in open_data_operations()}
    known = {
        "/api/v1/kpis/{code}": {"code": "0409-0950"},
        "/api/v1/agencies/{code}": {"code": "0409"},
        "/api/v1/projects/{code}": {"code": "04090000-3744"},
        "/api/v1/city-indicators/{id}": {"id": 87},
    }
    for path, params in known.items():
        case = by_path["/api/v1" + path.removeprefix("/api/v1")].Case(path_parameters=params)
        response = case.call()
        assert response.status_code == 200, path
        case.validate_response(response, checks=CHECKS)
