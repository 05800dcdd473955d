"""The benchmark dataset on the tiny scale: the demo's generator at the scale's size,
determinism of the content, reuse, the agency report's top-up, and the deadline year that
the workbook import and the quarter-deadline test write into."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from benchmarks import dataset
from benchmarks.scales import get_scale
from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency
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


def _snapshot() -> tuple[list, list]:
    kpis = list(Indicator.objects.order_by("code").values_list("code", "name", "target", "achieved"))
    quarters = list(
        QuarterReport.objects.order_by("indicator__code", "quarter").values_list("result", "narrative")
    )
    return kpis, quarters


@pytest.mark.django_db(transaction=True)
def test_the_dataset_is_the_demo_generators_at_the_scales_agencies_years_and_kpis():
    built = dataset.ensure_dataset(TINY)
    assert built["reused"] is False and built["spec"]["builder"] == "generator"
    kpis = Indicator.objects.filter(fiscal_year_id__in=TINY.years)
    assert kpis.count() == built["kpis"] >= TINY.kpis
    assert set(kpis.values_list("fiscal_year_id", flat=True)) == set(TINY.years)
    assert Agency.objects.filter(indicators__in=kpis).distinct().count() == TINY.agencies
    assert QuarterReport.objects.filter(indicator__in=kpis).count() == 4 * kpis.count()
    assessed = QuarterReport.objects.filter(indicator__in=kpis, status="assessed").count()
    assert assessed > 0 and Assessment.objects.count() == assessed
    # The latest year is in progress: its fourth quarter is open, never published.
    latest_q4 = QuarterReport.objects.filter(indicator__fiscal_year_id=TINY.latest_year, quarter=4)
    assert set(latest_q4.values_list("status", flat=True)) == {"not_started"}
    # The agency report PDF's agency has its KPI count in the latest year.
    top = max(
        Indicator.objects.filter(fiscal_year_id=TINY.latest_year, agency_id=a).count()
        for a in kpis.values_list("agency_id", flat=True).distinct()
    )
    assert top >= TINY.agency_pdf_kpis
    assert not kpis.filter(strategy_nodes=None).exists()


@pytest.mark.django_db(transaction=True)
def test_the_dataset_is_deterministic():
    dataset.ensure_dataset(TINY)
    first = _snapshot()
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    dataset._ensure_meta_table()
    dataset.ensure_dataset(TINY)
    assert _snapshot() == first


@pytest.mark.django_db(transaction=True)
def test_a_dataset_of_the_recorded_size_is_reused_not_rebuilt():
    first = dataset.ensure_dataset(TINY)
    assert first["reused"] is False
    count = Indicator.objects.count()
    second = dataset.ensure_dataset(TINY)
    assert second["reused"] is True
    assert Indicator.objects.count() == count
    assert dataset.read_meta()["kpis"] == count


@pytest.mark.django_db(transaction=True)
def test_a_database_holding_other_data_is_refused_instead_of_mixed(fiscal_year, agency_a, make_indicator):
    make_indicator(agency_a)
    with pytest.raises(RuntimeError, match="--rebuild"):
        dataset.ensure_dataset(TINY)


@pytest.mark.django_db(transaction=True)
def test_the_deadline_year_is_unpublished_open_and_reset_on_every_run():
    dataset.ensure_dataset(TINY)
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
    dataset.ensure_dataset(TINY)
    year = TINY.latest_year
    counts = {
        a: Indicator.objects.filter(fiscal_year_id=year, agency_id=a).count()
        for a in Indicator.objects.filter(fiscal_year_id=year).values_list("agency_id", flat=True)
    }
    agency_id = min(counts, key=lambda a: (-counts[a], a))
    before = counts[agency_id]
    wanting_more = dataclasses.replace(TINY, agency_pdf_kpis=before + 3)
    assert dataset.top_up_agency(wanting_more) == 3
    top = Indicator.objects.filter(fiscal_year_id=year, agency_id=agency_id)
    assert top.count() == before + 3
    copies = top.filter(code__regex=r"-70000[0-2]$")
    assert copies.count() == 3
    assert QuarterReport.objects.filter(indicator__in=copies).count() == 12
    assert Assessment.objects.filter(quarter_report__indicator__in=copies).count() == sum(
        Assessment.objects.filter(quarter_report__indicator=source).count()
        for source in top.exclude(pk__in=copies).order_by("id")[:3]
    )
    assert Indicator.strategy_nodes.through.objects.filter(indicator__in=copies).count() == sum(
        source.strategy_nodes.count() for source in top.exclude(pk__in=copies).order_by("id")[:3]
    )
    # Topped up once: a second call finds the count reached.
    assert dataset.top_up_agency(wanting_more) == 0


@pytest.mark.django_db(transaction=True)
def test_a_dataset_of_another_size_is_emptied_and_built_again():
    first = dataset.ensure_dataset(TINY)
    bigger = dataclasses.replace(TINY, kpis=4 * TINY.kpis)
    assert dataset.generator_scale(bigger) > dataset.generator_scale(TINY)
    rebuilt = dataset.ensure_dataset(bigger)
    assert rebuilt["reused"] is False
    assert rebuilt["kpis"] > first["kpis"]
    assert Indicator.objects.filter(fiscal_year_id__in=TINY.years).count() == rebuilt["kpis"] >= bigger.kpis
    assert dataset.read_meta()["spec"]["kpis"] == bigger.kpis


def test_the_generator_scale_rounds_the_scales_kpis_up():
    # KPIs = 7 x agencies x years x scale, rounded up: never fewer KPIs than the scale asks.
    assert dataset.generator_scale(TINY) == 1
    assert dataset.generator_scale(get_scale("city")) == 6
    assert dataset.generator_scale(get_scale("national")) == 2


def test_the_generator_fingerprint_names_its_source():
    first = dataset.generator_fingerprint()
    assert len(first) == 16 and first == dataset.generator_fingerprint()
