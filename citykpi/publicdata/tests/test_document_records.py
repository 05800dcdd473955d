"""The stored open-data record of a KPI (citykpi.publicdata.documents.read_record) follows
the writes: remade when a write commits, never served out of date or of another format,
never to a signed-in reader. (Byte-for-byte equality with the view:
citykpi/portal/tests/test_kpi_record_bytes.py.)"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from citykpi.publicdata import documents
from citykpi.publicdata.models import KpiDocument
from citykpi.publicdata.tests.test_invalidation import submit


@pytest.fixture
def stored(settings):
    """Documents stored and versioned, as in production (the suite turns caches off)."""
    settings.PUBLIC_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def url(code: str) -> str:
    return f"/api/v1/kpis/{code}"


def test_a_submit_remakes_the_stored_record_when_it_commits(
    stored, client, city, head_a, django_capture_on_commit_callbacks
):
    kpi = city["a"]
    documents.build_all()
    before = client.get(url(kpi.code))
    assert before["X-Cache"] == "hit" and before.json()["quarters"] == []
    with django_capture_on_commit_callbacks(execute=True):
        submit(head_a, kpi, result="42")
    after = client.get(url(kpi.code))
    assert after["X-Cache"] == "hit"  # rebuilt by the write, not by this read
    assert [(q["quarter"], q["result"]) for q in after.json()["quarters"]] == [(2, 42.0)]
    assert after["ETag"] != before["ETag"]


def test_a_record_out_of_date_or_of_another_format_is_never_served(stored, client, city, head_a):
    kpi = city["a"]
    documents.build_all()
    KpiDocument.objects.filter(pk=kpi.pk).update(record_format="1:old-schema")
    assert client.get(url(kpi.code))["X-Cache"] == "miss"  # remade by the view
    assert client.get(url(kpi.code))["X-Cache"] == "hit"
    submit(head_a, kpi, result="42")  # the test's transaction never commits: no rebuild ran
    fresh = client.get(url(kpi.code))
    assert fresh["X-Cache"] == "miss"
    assert [q["result"] for q in fresh.json()["quarters"]] == [42.0]


def test_a_signed_in_reader_gets_the_view_not_the_stored_record(stored, client, city, head_a):
    documents.build_all()
    client.force_login(head_a)
    response = client.get(url(city["a"].code))
    assert response.status_code == 200 and "X-Cache" not in response
    assert response["Cache-Control"] == "private, no-store"
