"""`/health/` (the process answers) and `/ready/` (what it depends on answers), for the proxy
and the orchestrator. Both are public, never cached, and say nothing about the data.

/ready/ checks the database (SELECT 1), the cache (a key written and read back) and, when a
queue broker is configured (settings.QUEUE_URL or CELERY_BROKER_URL), the broker: a Redis
PING, an AMQP protocol header answered by the broker, or a TCP connection for any other
scheme. It answers 200 when every check passes, 503 naming the checks that failed.
"""

from __future__ import annotations

import logging
import socket
import ssl
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import redis  # the client Django's Redis cache uses: a dependency already
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("citykpi.operations.health")
TIMEOUT_SECONDS = 2.0
DEFAULT_PORTS = {"redis": 6379, "rediss": 6380, "amqp": 5672, "amqps": 5671}
AMQP_HEADER = b"AMQP\x00\x00\x09\x01"


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests: touches nothing else."""
    return JsonResponse({"status": "ok"})


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone()[0] != 1:
            raise RuntimeError("SELECT 1 did not return 1")


def check_cache() -> None:
    key, value = f"operations:ready:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return the value just written")
    finally:
        cache.delete(key)


def queue_url() -> str:
    return getattr(settings, "QUEUE_URL", "") or getattr(settings, "CELERY_BROKER_URL", "") or ""


def check_queue(url: str) -> None:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"redis", "rediss"}:
        client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        try:
            if not client.ping():
                raise RuntimeError("the broker did not answer PING")
        finally:
            client.close()
        return
    host = parts.hostname or "localhost"
    port = parts.port or DEFAULT_PORTS.get(scheme)
    if not port:
        raise RuntimeError(f"no port for a {scheme or 'schemeless'} queue URL")
    with socket.create_connection((host, port), timeout=TIMEOUT_SECONDS) as raw:
        stream = (
            ssl.create_default_context().wrap_socket(raw, server_hostname=host) if scheme == "amqps" else raw
        )
        if scheme in {"amqp", "amqps"}:
            # A broker answers the protocol header with Connection.Start (a method frame, type 1),
            # or with its own header when it speaks another version: either way it is there.
            stream.sendall(AMQP_HEADER)
            answer = stream.recv(8)
            if not (answer[:1] == b"\x01" or answer.startswith(b"AMQP")):
                raise RuntimeError("no AMQP answer")


def _run(name: str, check: Callable[[], object]) -> str:
    try:
        check()
    except Exception as error:  # any failure is "not ready": the log says why, the answer does not
        logger.warning("readiness check %s failed: %r", name, error)
        return f"error: {type(error).__name__}"
    return "ok"


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """Database, cache and (when configured) queue reachable: 200; otherwise 503 and which failed."""
    checks = {"database": _run("database", check_database), "cache": _run("cache", check_cache)}
    url = queue_url()
    checks["queue"] = _run("queue", lambda: check_queue(url)) if url else "not configured"
    failed = [name for name, result in checks.items() if result.startswith("error")]
    body = {"status": "unavailable" if failed else "ok", "checks": checks, "failed": failed}
    return JsonResponse(body, status=503 if failed else 200)
