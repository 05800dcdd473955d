"""The upkeep of a KPI's public document (issue #13.4): a write through the actions rebuilds
it when the write commits (a draft or a rolled-back write does not); a write of the whole
site leaves it out of date until its next read; a KPI that is not public has none.
(The page made from it: citykpi/portal/tests/test_kpi_page_document.py.)"""

from __future__ import annotations

from decimal import Decimal

import pytest

from citykpi.indicators.models import FiscalYear
from citykpi.publicdata import documents, versions
from citykpi.publicdata.models import KpiDocument
from citykpi.publicdata.tests.test_invalidation import IN_Q2, submit
from citykpi.reporting import actions as reporting


@pytest.fixture
def stored(settings):
    """Documents stored and versioned, as in production (the suite turns caches off)."""
    settings.PUBLIC_CACHE_SECONDS = 300


def test_a_submit_rebuilds_the_document_when_it_commits(
    stored,
    city,
    head_a,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    kpi = city["a"]
    documents.build_all()
    before = KpiDocument.objects.get(pk=kpi.pk)
    assert [q["quarter"] for q in before.body["quarters"]] == []
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        submit(head_a, kpi, result="42")
    # Not before the write commits ...
    assert KpiDocument.objects.get(pk=kpi.pk).built_at == before.built_at
    rebuilds = [c for c in waiting if isinstance(c, documents._Rebuild)]
    assert len(rebuilds) == 1  # one rebuild for the save and the submit together
    rebuilds[0]()  # ... then at once.
    after = KpiDocument.objects.get(pk=kpi.pk)
    assert after.kpi_version > before.kpi_version and after.built_at > before.built_at
    assert [(q["quarter"], Decimal(q["result"])) for q in after.body["quarters"]] == [(2, Decimal("42"))]
    with django_assert_num_queries(1):
        assert Decimal(documents.read(kpi.code)["quarters"][0]["result"]) == 42


def test_a_draft_leaves_the_document_alone(stored, city, head_a, django_capture_on_commit_callbacks):
    kpi = city["a"]
    documents.build_all()
    before = KpiDocument.objects.get(pk=kpi.pk)
    report = reporting.get_quarter(kpi, 3)
    with django_capture_on_commit_callbacks(execute=True) as done:
        reporting.save_report(head_a, report, result="7", narrative="ร่าง", version=report.version, now=IN_Q2)
    assert not [c for c in done if isinstance(c, documents._Rebuild)]
    after = KpiDocument.objects.get(pk=kpi.pk)
    assert after.built_at == before.built_at and after.body == before.body


def test_a_write_refused_or_rolled_back_rebuilds_nothing(
    stored,
    city,
    head_a,
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    kpi = city["a"]
    documents.build_all()
    before = KpiDocument.objects.get(pk=kpi.pk)
    with django_capture_on_commit_callbacks(execute=True) as done:
        with pytest.raises(RuntimeError), transaction.atomic():
            submit(head_a, kpi, result="43")
            raise RuntimeError("rolled back")
    assert not [c for c in done if isinstance(c, documents._Rebuild)]
    assert KpiDocument.objects.get(pk=kpi.pk).built_at == before.built_at


def test_a_site_wide_write_leaves_documents_out_of_date_until_read(
    stored,
    city,
    django_assert_max_num_queries,
):
    kpi = city["a"]
    documents.build_all()
    versions.bump([versions.SITE])
    stale = KpiDocument.objects.get(pk=kpi.pk)
    body = documents.read(kpi.code)  # rebuilt now
    fresh = KpiDocument.objects.get(pk=kpi.pk)
    assert fresh.site_version == stale.site_version + 1 and body["code"] == kpi.code


def test_a_kpi_that_is_not_public_has_no_document_and_no_page(stored, client, city):
    kpi = city["a"]
    documents.build_all()
    assert KpiDocument.objects.filter(pk=kpi.pk).exists()
    FiscalYear.objects.filter(pk=kpi.fiscal_year_id).update(is_published=False)
    versions.bump([versions.SITE])  # what unpublishing a year through its action bumps
    assert documents.read(kpi.code) is None
    assert not KpiDocument.objects.filter(pk=kpi.pk).exists()
    assert client.get(f"/kpi/{kpi.code}/").status_code == 404
    assert documents.read("9999-9999") is None


def test_numbers_survive_the_document_exactly(stored, city):
    kpi = city["a"]
    kpi.target = Decimal("12.345")
    kpi.save(update_fields=["target"])
    documents.build([kpi.pk])
    assert documents.page_context_of(documents.read(kpi.code))["target"] == Decimal("12.345")


def test_a_rolled_back_write_does_not_hold_back_the_next_ones(
    stored, city, head_a, django_capture_on_commit_callbacks
):
    from django.db import transaction

    kpi = city["a"]
    documents.build_all()
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(head_a, kpi, result="43")
        raise RuntimeError("rolled back")
    with django_capture_on_commit_callbacks(execute=True):
        submit(head_a, kpi, result="44")
    assert [Decimal(q["result"]) for q in KpiDocument.objects.get(pk=kpi.pk).body["quarters"]] == [44]
