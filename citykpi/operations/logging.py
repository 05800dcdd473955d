"""Request ids and structured logs, with the standard library only.

RequestIdMiddleware (first in MIDDLEWARE) takes the proxy's X-Request-ID when it is well
formed, or makes one, answers with it in the X-Request-ID header, and holds it in a context
variable for the request; RequestIdFilter (on the log handler) stamps it on every record as
`request_id` ("-" outside a request). JsonFormatter writes one JSON object per line; settings
choose it with LOG_FORMAT=json (plain text otherwise). With LOG_LEVEL=INFO the middleware also
logs one line per request (logger citykpi.request: method, path, status, milliseconds).

This module is imported while logging is configured, before the apps are ready: stdlib only.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: this module loads before Django is set up
    from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# What a proxy sends (nginx's $request_id, a UUID, a trace id): letters, digits and . _ : -,
# 8 to 128 characters. Anything else (spaces, quotes, newlines) would let a client write into
# the logs, so it is replaced.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
NO_REQUEST = "-"
# Answered but not logged when they succeed (citykpi.operations.urls).
QUIET_PATHS = frozenset({"/health/", "/ready/"})

_request_id: ContextVar[str] = ContextVar("citykpi_request_id", default=NO_REQUEST)
access_logger = logging.getLogger("citykpi.request")


def current_request_id() -> str:
    """The id of the request being served in this context, "-" outside one."""
    return _request_id.get()


def request_id_from(value: str | None) -> str:
    """The proxy's id when it is well formed, else a new one (32 hex digits, as nginx makes)."""
    if value and WELL_FORMED.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.META.get(META_KEY))
        # A middleware's attribute on the request, as Django's own add `user`; the stubs
        # declare only those.
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            if request.path in QUIET_PATHS and response.status_code < 400:
                return response  # the load balancer's polling every few seconds
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Stamps `request_id` on each record. Records logged after the middleware returned
    (Django's own "Not Found" line) carry the request: its id is taken from there."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            request_id = current_request_id()
            if request_id == NO_REQUEST:
                request_id = getattr(getattr(record, "request", None), "request_id", NO_REQUEST)
            record.request_id = request_id
        return True


# The attributes every LogRecord has; anything else came from `extra=` and is written too.
STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "request",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, process,
    the exception and stack when present, and the record's `extra` fields. Thai stays Thai."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "process": record.process,
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "method"):
            entry.setdefault("method", request.method)
            entry.setdefault("path", getattr(request, "path", ""))
        for key, value in record.__dict__.items():
            if key not in STANDARD_ATTRIBUTES and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
