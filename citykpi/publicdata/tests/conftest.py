"""Fixtures shared by the public read-model tests: a page cache in local memory and in a
real Redis, and a small city of published KPIs."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.core.cache import cache

from citykpi.indicators.models import FiscalYear

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


@pytest.fixture(params=["locmem", "redis"])
def page_cache(request, settings):
    settings.PUBLIC_CACHE_SECONDS = 300
    if request.param == "redis":
        if not redis_reachable():
            if os.environ.get("REQUIRE_REDIS") == "1":
                pytest.fail("Redis is required (REQUIRE_REDIS=1) but is not reachable")
            pytest.skip("no Redis on 127.0.0.1:6379")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": "citykpi-test",
            }
        }
    cache.clear()
    yield request.param
    cache.clear()


@pytest.fixture
def city(make_indicator, agency_a, agency_b, head_a, fiscal_year):
    """Two agencies' KPIs in FY 2566 and one KPI in FY 2565, each with a submitted Q2."""
    older = FiscalYear.objects.create(year=2565)
    kpis = {
        "a": make_indicator(agency_a, target=Decimal("100")),
        "a2": make_indicator(agency_a, target=Decimal("100")),
        "b": make_indicator(agency_b, target=Decimal("100")),
        "old": make_indicator(agency_a, fiscal_year=older, target=Decimal("100")),
    }
    return kpis
