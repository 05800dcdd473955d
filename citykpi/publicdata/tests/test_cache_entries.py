"""Cache entries are small and bounded (issue #13.3): bodies are kept compressed, an entry
lives PAGE_CACHE_LIFETIME_SECONDS from its build, and an entry of an older shape is a miss,
not an error. In local memory and in a real Redis (the fixtures of test_invalidation)."""

from __future__ import annotations

import zlib

import pytest
from django.core.cache import cache
from django.urls import reverse

from citykpi.publicdata.pagecache import COMPRESS_FROM, cache_key
from citykpi.publicdata.tests.test_invalidation import submit


@pytest.fixture
def kpi_url(page_cache, city, head_a):
    submit(head_a, city["a"])
    return reverse("portal:kpi", args=[city["a"].code])


def entry_of(client, url):
    request = client.get(url).wsgi_request
    return cache_key(request), cache.get(cache_key(request))


def test_a_page_is_kept_compressed_and_served_byte_for_byte(client, kpi_url):
    built = client.get(kpi_url)
    assert built["X-Cache"] == "miss" and len(built.content) > COMPRESS_FROM
    key, (version, body, headers, compressed) = entry_of(client, kpi_url)
    assert compressed and len(body) * 3 < len(built.content)
    assert zlib.decompress(body) == built.content
    served = client.get(kpi_url)
    assert served["X-Cache"] == "hit" and served.content == built.content
    assert served["Content-Type"] == built["Content-Type"]


def test_an_api_record_is_kept_compressed_too(client, city, kpi_url):
    url = f"/api/v1/kpis/{city['a'].code}"
    built = client.get(url)
    assert built.status_code == 200
    again = client.get(url)
    assert again["X-Cache"] == "hit" and again.json() == built.json()


def test_an_entry_lives_the_configured_lifetime_from_its_build(settings, client, kpi_url, page_cache):
    if page_cache != "redis":
        pytest.skip("the time left on a key is read from Redis")
    settings.PAGE_CACHE_LIFETIME_SECONDS = 1234
    client.get(kpi_url)
    key, _ = entry_of(client, kpi_url)
    left = cache.ttl(key) if hasattr(cache, "ttl") else cache._cache.get_client(key).ttl(cache.make_key(key))
    assert 1200 < left <= 1234


def test_an_entry_of_an_older_shape_is_rebuilt_not_an_error(client, kpi_url):
    built = client.get(kpi_url)
    key, entry = entry_of(client, kpi_url)
    cache.set(key, (entry[0], built.content, {}))  # the three-field entries of an earlier release
    again = client.get(kpi_url)
    assert again.status_code == 200 and again["X-Cache"] == "miss" and again.content == built.content
