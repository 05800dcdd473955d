"""The search counts, ranks and pages the entries alone: each entry carries its KPI's code
and publication flag (publicdata 0007), the year's publication is read at query time."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from citykpi.indicators.models import FiscalYear
from citykpi.publicdata.models import SearchEntry
from citykpi.publicdata.search import engine
from citykpi.publicdata.search.index import reindex_all


def test_an_entry_carries_its_kpis_code_and_publication(make_indicator, agency_a):
    shown = make_indicator(agency_a, name="การซ่อมแซมทางเท้า")
    hidden = make_indicator(agency_a, name="การซ่อมแซมทางเท้าที่ยังไม่เผยแพร่", is_published=False)
    reindex_all()
    entries = {e.indicator_id: (e.code, e.is_published) for e in SearchEntry.objects.all()}
    assert entries == {shown.pk: (shown.code, True), hidden.pk: (hidden.code, False)}


def test_a_search_joins_no_kpi_and_still_finds_only_published_kpis_of_published_years(
    make_indicator, agency_a
):
    later = FiscalYear.objects.create(year=2567, is_published=False)
    shown = make_indicator(agency_a, name="การซ่อมแซมทางเท้า")
    make_indicator(agency_a, name="การซ่อมแซมทางเท้าปีหน้า", fiscal_year=later)
    make_indicator(agency_a, name="การซ่อมแซมทางเท้าที่ยังไม่เผยแพร่", is_published=False)
    reindex_all()
    engine.search("ทางเท้า")  # the catch-up and the synonyms, once
    with CaptureQueriesContext(connection) as ctx:
        found = engine.search("ทางเท้า")
    assert (found.ids, found.total) == ([shown.pk], 1)
    searched = ctx.captured_queries[-1]["sql"]
    assert "indicators_indicator" not in searched, searched
    later.is_published = True
    later.save()  # a year published is seen at once, without a reindex
    assert engine.search("ทางเท้า").total == 2
