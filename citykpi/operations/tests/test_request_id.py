"""Request ids (issue #16 point 5): taken from the proxy when well formed, made otherwise,
answered in X-Request-ID and stamped on every log record of the request; JSON logs with
LOG_FORMAT=json."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from citykpi.operations.logging import (
    JsonFormatter,
    RequestIdFilter,
    RequestIdMiddleware,
    current_request_id,
)


@pytest.fixture
def json_log():
    """A handler as settings.LOGGING builds it (the filter, the JSON formatter) on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_a_request_gets_an_id_in_its_answer(client):
    response = client.get("/health/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    assert client.get("/health/")["X-Request-ID"] != request_id


def test_the_proxys_well_formed_id_is_kept(client):
    response = client.get("/health/", headers={"X-Request-ID": "0f8fad5b-d9cb-469f-a165-70867728950e"})
    assert response["X-Request-ID"] == "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.mark.parametrize(
    "sent",
    ["short", "has space in it", 'quote"injection"x', "x" * 129, "new\nline-injected", "ไทยไทยไทยไทย"],
)
def test_a_malformed_id_is_replaced(client, sent):
    response = client.get("/health/", HTTP_X_REQUEST_ID=sent)
    assert response["X-Request-ID"] != sent and len(response["X-Request-ID"]) == 32


def test_every_record_logged_during_the_request_carries_its_id(json_log):
    def view(request):
        logging.getLogger("citykpi.somewhere").warning("บันทึก %s", "ทดสอบ", extra={"kpi": "0409-0950"})
        return HttpResponse("ok")

    request = RequestFactory().get("/x/", HTTP_X_REQUEST_ID="req-12345678")
    response = RequestIdMiddleware(view)(request)
    assert response["X-Request-ID"] == "req-12345678"
    records = json_log()
    logged = next(r for r in records if r["logger"] == "citykpi.somewhere")
    assert logged["request_id"] == "req-12345678"
    assert logged["message"] == "บันทึก ทดสอบ" and logged["kpi"] == "0409-0950"
    assert logged["level"] == "WARNING" and logged["time"].endswith("+00:00")
    access = next(r for r in records if r["logger"] == "citykpi.request")
    assert access["request_id"] == "req-12345678"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/x/", 200)
    assert current_request_id() == "-"  # nothing leaks into the next request


def test_djangos_not_found_line_carries_the_request_id(client, json_log, db):
    response = client.get("/no-such-page/", headers={"X-Request-ID": "proxy-id-404-abcdef"})
    assert response.status_code == 404
    not_found = [r for r in json_log() if r["logger"] == "django.request"]
    assert not_found and not_found[0]["request_id"] == "proxy-id-404-abcdef"
    assert not_found[0]["path"] == "/no-such-page/" and not_found[0]["status_code"] == 404


def test_an_exception_is_logged_with_its_traceback(json_log):
    try:
        raise ValueError("ค่าไม่ถูกต้อง")
    except ValueError:
        logging.getLogger("citykpi.x").exception("failed")
    (record,) = [r for r in json_log() if r["logger"] == "citykpi.x"]
    assert record["request_id"] == "-" and "ValueError: ค่าไม่ถูกต้อง" in record["exception"]


def run_logging(log_format: str | None) -> str:
    env = {**os.environ, "LOG_LEVEL": "INFO"}
    env.pop("LOG_FORMAT", None)
    if log_format:
        env["LOG_FORMAT"] = log_format
    code = "import django, logging; django.setup(); logging.getLogger('citykpi.t').warning('สวัสดี')"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stderr.strip().splitlines()[-1]


def test_log_format_json_makes_the_settings_write_json_lines():
    line = json.loads(run_logging("json"))
    assert line["message"] == "สวัสดี" and line["logger"] == "citykpi.t" and line["request_id"] == "-"


def test_plain_text_logs_are_the_default():
    line = run_logging(None)
    assert line.endswith("WARNING citykpi.t [-] สวัสดี")


def test_the_load_balancers_successful_polls_are_not_logged_but_other_requests_are(client, json_log, db):
    client.get("/health/")
    client.get("/ready/")
    client.get("/no-such-page/", headers={"X-Request-ID": "proxy-id-access-1234"})
    access = [r for r in json_log() if r["logger"] == "citykpi.request"]
    assert [(r["path"], r["status"], r["request_id"]) for r in access] == [
        ("/no-such-page/", 404, "proxy-id-access-1234")
    ]
    assert access[0]["duration_ms"] >= 0
