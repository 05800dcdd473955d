"""The KPI page from the KPI's public document (issue #13.4): the page made from the document
is the page made from the rows, byte for byte, in both languages and on paper; a current
document is read in one query. (Its upkeep: citykpi/publicdata/tests/test_documents.py.)"""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from citykpi.publicdata import documents, kpi_page

SEED_KPIS = ["portal_seed_kpi", "demo_seed_kpi", "kpi_world_first"]


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


def sections(context, printing: bool) -> str:
    request = RequestFactory().get("/")
    return render_to_string(
        "portal/_kpi_sections.html",
        {**context, "printing": printing, "IS_ENGLISH": translation.get_language() == "en"},
        request=request,
    )


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_page_made_from_the_document_is_the_page_made_from_the_rows(db, any_kpi, language):
    indicator = kpi_page.public_indicators().get(pk=any_kpi.pk)
    with translation.override(language):
        from_rows = kpi_page.kpi_page_context(indicator)
        from_document = documents.page_context_of(documents.read(indicator.code))
        for printing in (False, True):
            assert sections(from_document, printing) == sections(from_rows, printing)
        assert from_document["title"] == from_rows["title"]


def test_a_current_document_is_read_in_one_query(db, stored, any_kpi, django_assert_num_queries):
    documents.build_all()
    with django_assert_num_queries(1):
        body = documents.read(any_kpi.code)
    assert body["code"] == any_kpi.code


def test_the_kpi_page_reads_the_document_and_nothing_else_after_its_version(
    stored, client, any_kpi, django_assert_max_num_queries
):
    documents.build_all()
    from django.core.cache import cache

    cache.clear()
    # The page cache's version check, then the document.
    with django_assert_max_num_queries(2):
        response = client.get(f"/kpi/{any_kpi.code}/")
    assert response.status_code == 200 and any_kpi.code in response.content.decode()


def test_building_many_documents_costs_a_few_queries_per_batch(
    stored, kpi_world, django_assert_max_num_queries
):
    made = kpi_world(40)
    with django_assert_max_num_queries(16):
        written = documents.build_all()
    assert written == len(made) == 40


def test_the_open_data_record_made_from_the_document_is_the_record_made_from_the_rows(db, client, any_kpi):
    """`GET /api/v1/kpis/{code}` for the public (from the document) against the record built
    from the rows with the published quarters (what the endpoint built before documents,
    and still builds for a signed-in reader): the same JSON, field for field."""
    import json

    from django.test import RequestFactory
    from ninja.responses import NinjaJSONEncoder

    from citykpi.api.opendata import kpis as opendata
    from citykpi.reporting.models import QuarterReport

    served = client.get(f"/api/v1/kpis/{any_kpi.code}").json()
    indicator = kpi_page.public_indicators().get(pk=any_kpi.pk)
    quarters = list(
        QuarterReport.objects.published()
        .filter(indicator=indicator)
        .select_related("assessment")
        .order_by("quarter")
    )
    from_rows = opendata.record_from_rows(RequestFactory().get("/"), indicator, quarters)
    from_rows = opendata.s.OpenKpiDetail.model_validate(from_rows).model_dump(mode="json")
    assert served == json.loads(json.dumps(from_rows, cls=NinjaJSONEncoder))
