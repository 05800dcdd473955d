"""Anonymous open-data reads are kept in the server cache until the next write."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from citykpi.audit.log import record


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.PUBLIC_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


URL = "/api/v1/kpis/0409-0950"


def test_an_anonymous_read_is_served_from_the_cache_with_its_etag(
    client, open_data, django_assert_max_num_queries
):
    first = client.get(URL)
    assert first.status_code == 200 and first["X-Cache"] == "miss"
    with django_assert_max_num_queries(1):  # the data version only
        second = client.get(URL)
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Access-Control-Allow-Origin"] == "*"
    with django_assert_max_num_queries(1):
        not_modified = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304


def test_any_audited_write_makes_the_cached_reads_stale(client, open_data):
    client.get(URL)
    kpi = open_data["kpi1"]
    kpi.name = "ชื่อใหม่หลังแก้ไข"
    kpi.save()
    record(None, "kpi.definition_update", kpi, indicator_code=kpi.code)
    fresh = client.get(URL)
    assert fresh["X-Cache"] == "miss"
    assert "ชื่อใหม่หลังแก้ไข" in fresh.content.decode()


def test_a_signed_in_reader_is_never_served_a_cached_or_caching_answer(client, open_data, reporter_a):
    client.get(URL)
    client.force_login(reporter_a)
    insider = client.get(URL)
    assert "X-Cache" not in insider
    assert "ร่างลับไตรมาสสาม" in insider.content.decode()  # their own agency's draft
    client.logout()
    public = client.get(URL)
    assert public["X-Cache"] == "hit"
    assert "ร่างลับไตรมาสสาม" not in public.content.decode()


def test_a_bearer_token_request_bypasses_the_cache(client, open_data):
    client.get(URL)
    response = client.get(URL, HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert "X-Cache" not in response
    assert response.status_code == 200
    assert "ร่างลับไตรมาสสาม" not in response.content.decode()  # an unknown token sees public data only
