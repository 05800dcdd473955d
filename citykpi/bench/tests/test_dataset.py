"""The dataset builder on the tiny scale: sizes, determinism of the content, reuse, and the
deadline year that the workbook import and the quarter-deadline test write into."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from citykpi.accounts.models import Membership, Role
from citykpi.bench import dataset
from citykpi.bench.scales import get_scale
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.reporting.models import QuarterReport

TINY = get_scale("tiny")


@pytest.fixture(autouse=True)
def no_size_record(django_db_blocker):
    """The size record is a raw table the test database's flush does not empty."""
    from django.db import connection

    with django_db_blocker.unblock():
        dataset._ensure_meta_table()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {dataset.META_TABLE}")
    yield


@pytest.mark.django_db(transaction=True)
def test_the_own_builder_writes_every_kpi_with_four_quarters_and_the_assessments_of_assessed_ones():
    dataset.build_own(TINY)
    kpis = Indicator.objects.filter(fiscal_year_id__in=TINY.years)
    per = dataset._kpis_per_agency_year(TINY)
    # The first agency carries the agency PDF's KPI count in the latest year.
    expected = per * TINY.agencies * len(TINY.years) + max(0, TINY.agency_pdf_kpis - per)
    assert kpis.count() == expected
    assert QuarterReport.objects.filter(indicator__in=kpis).count() == 4 * expected
    assessed = QuarterReport.objects.filter(indicator__in=kpis, status="assessed").count()
    assert assessed > 0
    assert Assessment.objects.count() == assessed
    # The latest year is in progress: its fourth quarter is a draft, never published.
    latest_q4 = QuarterReport.objects.filter(indicator__fiscal_year_id=TINY.latest_year, quarter=4)
    assert set(latest_q4.values_list("status", flat=True)) == {"draft"}
    assert (
        Indicator.objects.filter(agency__code="0001", fiscal_year_id=TINY.latest_year).count()
        >= TINY.agency_pdf_kpis
    )
    # Every KPI supports a strategy node.
    assert Indicator.strategy_nodes.through.objects.count() == expected


@pytest.mark.django_db(transaction=True)
def test_the_own_builder_is_deterministic():
    dataset.build_own(TINY)
    first = list(Indicator.objects.order_by("code").values_list("code", "name", "target", "achieved"))
    results = list(
        QuarterReport.objects.order_by("indicator__code", "quarter").values_list("result", "narrative")
    )
    Assessment.objects.all().delete()
    from citykpi.projects.models import Project, ProjectQuarterScore

    ProjectQuarterScore.objects.all().delete()
    Project.objects.all().delete()
    QuarterReport.objects.all().delete()
    Indicator.objects.all().delete()
    from citykpi.agencies.models import Agency

    Agency.objects.all().delete()
    dataset.build_own(TINY)
    assert list(Indicator.objects.order_by("code").values_list("code", "name", "target", "achieved")) == first
    assert (
        list(QuarterReport.objects.order_by("indicator__code", "quarter").values_list("result", "narrative"))
        == results
    )


@pytest.mark.django_db(transaction=True)
def test_a_dataset_of_the_recorded_size_is_reused_not_rebuilt():
    first = dataset.ensure_dataset(TINY, builder="own")
    assert first["reused"] is False
    count = Indicator.objects.count()
    second = dataset.ensure_dataset(TINY, builder="own")
    assert second["reused"] is True
    assert Indicator.objects.count() == count
    assert dataset.read_meta()["kpis"] == count


@pytest.mark.django_db(transaction=True)
def test_a_database_holding_other_data_is_refused_instead_of_mixed(fiscal_year, agency_a, make_indicator):
    make_indicator(agency_a)
    with pytest.raises(RuntimeError, match="--rebuild"):
        dataset.ensure_dataset(TINY, builder="own")


@pytest.mark.django_db(transaction=True)
def test_the_deadline_year_is_unpublished_open_and_reset_on_every_run():
    dataset.build_own(TINY)
    today = dt.date(2026, 11, 26)
    prepared = dataset.prepare_deadline_year(TINY, today=today)
    year = FiscalYear.objects.get(year=prepared["year"])
    assert year.year == 2570 and not year.is_published
    assert year.deadline(1) > today
    assert len(prepared["codes"]) == TINY.import_kpis
    # The workbook's KPIs are one agency's (a quarter template is per agency).
    assert {c.split("-")[0] for c in prepared["codes"]} == {prepared["import_agency"]}
    assert (
        Membership.objects.get(user__username=prepared["importer"]).agency.code == prepared["import_agency"]
    )
    assert len(prepared["reporters"]) == TINY.reporters
    assert len({r["code"] for r in prepared["reporters"]}) == TINY.reporters
    reporter = prepared["reporters"][0]
    membership = Membership.objects.get(user__username=reporter["username"])
    assert membership.role == Role.REPORTER
    assert Indicator.objects.get(code=reporter["code"]).agency_id == membership.agency_id
    QuarterReport.objects.filter(indicator__code=reporter["code"], quarter=1).update(
        status="submitted", version=3
    )
    again = dataset.prepare_deadline_year(TINY, today=today)
    assert again["codes"] == prepared["codes"]
    report = QuarterReport.objects.get(indicator__code=reporter["code"], quarter=1)
    assert (report.status, report.version) == ("not_started", 1)
    assert Indicator.objects.filter(fiscal_year_id=2570).count() == TINY.import_kpis + TINY.reporters


@pytest.mark.django_db(transaction=True)
def test_the_largest_agency_is_topped_up_to_the_agency_reports_kpi_count_with_its_quarters():
    dataset.build_own(TINY)
    year = TINY.latest_year
    wanting_more = dataclasses.replace(TINY, agency_pdf_kpis=TINY.agency_pdf_kpis + 3)
    top = Indicator.objects.filter(fiscal_year_id=year, agency__code="0001")
    assert top.count() == TINY.agency_pdf_kpis
    assert dataset.top_up_agency(wanting_more) == 3
    assert top.count() == TINY.agency_pdf_kpis + 3
    copies = Indicator.objects.filter(fiscal_year_id=year, code__regex=r"-70000[0-2]$")
    assert copies.count() == 3
    assert QuarterReport.objects.filter(indicator__in=copies).count() == 12
    assert (
        Assessment.objects.filter(quarter_report__indicator__in=copies).count()
        == Assessment.objects.filter(quarter_report__indicator__in=top.exclude(pk__in=copies)[:3]).count()
    )
    assert Indicator.strategy_nodes.through.objects.filter(indicator__in=copies).count() == 3
    # Topped up once: a second call finds the count reached.
    assert dataset.top_up_agency(wanting_more) == 0


@pytest.mark.django_db(transaction=True)
def test_the_own_builder_reaches_the_scales_kpi_count_when_it_does_not_divide_evenly():
    uneven = dataclasses.replace(TINY, kpis=51)  # 8 agency-years: 6 each, 3 of them 7
    dataset.build_own(uneven)
    assert Indicator.objects.filter(fiscal_year_id__in=TINY.years).count() == 51


@pytest.mark.django_db(transaction=True)
def test_a_dataset_of_another_size_is_emptied_and_built_again():
    dataset.ensure_dataset(TINY, builder="own")
    bigger = dataclasses.replace(TINY, kpis=64)
    rebuilt = dataset.ensure_dataset(bigger, builder="own")
    assert rebuilt["reused"] is False
    assert Indicator.objects.filter(fiscal_year_id__in=TINY.years).count() == 64
    assert dataset.read_meta()["spec"]["kpis"] == 64


def test_the_generator_fingerprint_names_its_source():
    first = dataset.generator_fingerprint()
    assert first is None or (len(first) == 16 and first == dataset.generator_fingerprint())
