"""/health/ and /ready/ (issue #16 point 5): public, never cached, the database, cache and
queue checked for real (a closed port stands for a broker or a cache that is down)."""

from __future__ import annotations

import socket

import pytest


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_answers(url: str = "redis://127.0.0.1:6379/15") -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def test_health_answers_ok_without_touching_the_database(client):
    # No django_db mark: pytest-django raises on any database access during this request.
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] and "Set-Cookie" not in response
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_ready_answers_ok_when_the_database_and_cache_answer(client, settings):
    for name in ("QUEUE_URL", "CELERY_BROKER_URL"):
        if hasattr(settings, name):
            delattr(settings, name)
    response = client.get("/ready/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "queue": "not configured"},
        "failed": [],
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_is_503_naming_the_queue_when_the_broker_is_down(client, settings):
    settings.QUEUE_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failed"] == ["queue"]
    assert body["checks"]["database"] == "ok" and body["checks"]["queue"].startswith("error: ")


@pytest.mark.django_db
def test_ready_is_503_for_an_amqp_broker_that_is_not_there(client, settings):
    settings.CELERY_BROKER_URL = f"amqp://guest@127.0.0.1:{closed_port()}//"
    response = client.get("/ready/")
    assert response.status_code == 503 and response.json()["failed"] == ["queue"]


@pytest.mark.django_db
def test_ready_checks_a_redis_broker_that_answers(client, settings):
    if not redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.QUEUE_URL = "redis://127.0.0.1:6379/15"
    response = client.get("/ready/")
    assert response.status_code == 200 and response.json()["checks"]["queue"] == "ok"


@pytest.mark.django_db
def test_ready_is_503_naming_the_cache_when_redis_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    response = client.get("/ready/")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]


@pytest.mark.django_db
def test_ready_uses_a_real_redis_cache_when_one_is_configured(client, settings):
    if not redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": "citykpi-test-ready",
        }
    }
    response = client.get("/ready/")
    assert response.status_code == 200 and response.json()["checks"]["cache"] == "ok"


@pytest.mark.parametrize("path", ["/health/", "/ready/"])
def test_health_and_ready_refuse_writes(client, path):
    assert client.post(path).status_code == 405
