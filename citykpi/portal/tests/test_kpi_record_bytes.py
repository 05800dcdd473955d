"""The open-data record of a KPI answered from the bytes its public document stores
(issue #13: the cold API record): the same body, ETag and headers as the view that
validates and serialises it, in one query; remade when the document is rebuilt or was
made by another serialisation. (The document's upkeep: citykpi/publicdata/tests/test_documents.py.)"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from citykpi.publicdata import documents
from citykpi.publicdata.models import KpiDocument

SEED_KPIS = ["portal_seed_kpi", "demo_seed_kpi", "kpi_world_first"]
SAME_HEADERS = (
    "Content-Type",
    "ETag",
    "Last-Modified",
    "Cache-Control",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Vary",
)


@pytest.fixture
def kpi_world_first(db, kpi_world):
    return kpi_world(3)[0]


@pytest.fixture(params=SEED_KPIS)
def any_kpi(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def stored(settings):
    """Documents stored and versioned, as in production (the suite turns caches off)."""
    settings.PUBLIC_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def url(code: str) -> str:
    return f"/api/v1/kpis/{code}"


def test_the_stored_record_is_the_views_answer_byte_for_byte(
    stored, client, any_kpi, django_assert_num_queries
):
    KpiDocument.objects.all().delete()
    built = client.get(url(any_kpi.code))  # no document: the view builds it
    assert built.status_code == 200 and built["X-Cache"] == "miss"
    with django_assert_num_queries(1):
        served = client.get(url(any_kpi.code))
    assert served["X-Cache"] == "hit"
    assert served.content == built.content
    for name in SAME_HEADERS:
        assert served[name] == built[name], name
    assert served.json()["url"] == f"http://testserver/kpi/{any_kpi.code}/"
    assert served.json()["api_url"] == f"http://testserver/api/v1/kpis/{any_kpi.code}"


def test_the_stored_record_is_the_record_made_from_the_rows(stored, client, settings, any_kpi):
    documents.build_all()
    served = client.get(url(any_kpi.code))
    assert served["X-Cache"] == "hit"
    settings.PUBLIC_CACHE_SECONDS = 0  # the view, from the rows, nothing stored
    from_rows = client.get(url(any_kpi.code))
    assert "X-Cache" not in from_rows
    assert served.content == from_rows.content and served["ETag"] == from_rows["ETag"]


def test_the_stored_record_answers_304_to_its_etag(
    stored, client, portal_seed_kpi, django_assert_num_queries
):
    documents.build_all()
    first = client.get(url(portal_seed_kpi.code))
    with django_assert_num_queries(1):
        again = client.get(url(portal_seed_kpi.code), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_fill_records_makes_the_records_of_documents_built_without_them(
    stored, client, kpi_world, django_assert_num_queries
):
    made = kpi_world(5)
    documents.build_all()
    expected = {kpi.code: client.get(url(kpi.code)).content for kpi in made}
    KpiDocument.objects.update(record="", record_format="", record_modified=None)
    assert documents.read_record(made[0].code) is None
    assert documents.fill_records() == 5
    assert documents.fill_records() == 0
    for kpi in made:
        with django_assert_num_queries(1):
            served = client.get(url(kpi.code))
        assert served["X-Cache"] == "hit" and served.content == expected[kpi.code]


def test_an_address_typed_into_a_narrative_is_left_as_it_is():
    record = '{"code":"1","narrative":"\\"url\\":\\"/x","url":"/kpi/1/","api_url":"/api/v1/kpis/1"}'
    assert documents.with_host(record, "https://kpi.bangkok.go.th") == (
        b'{"code":"1","narrative":"\\"url\\":\\"/x","url":"https://kpi.bangkok.go.th/kpi/1/",'
        b'"api_url":"https://kpi.bangkok.go.th/api/v1/kpis/1"}'
    )
