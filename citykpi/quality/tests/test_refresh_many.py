"""Stored findings without anyone running `citykpi quality`: refresh_indicators (the bulk
refresh imports call), the demo load, and a draft save through the reporting actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import transaction
from django.utils import timezone

from citykpi.audit.models import AuditEvent
from citykpi.demo.actions import load_demo
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.quality.actions import refresh_indicators, refresh_year
from citykpi.quality.models import FindingRecord
from citykpi.quality.tests.conftest import add_quarters
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport

pytestmark = pytest.mark.django_db


def _level_kpis(make_indicator, agency, unit_level, count, start=1):
    """`count` level-scale KPIs with an achieved value of 100 (one Q001 error each)."""
    made = []
    for n in range(start, start + count):
        kpi = make_indicator(
            agency,
            code=f"{agency.code}-{n:04d}",
            unit=unit_level,
            target=D(5),
            achieved=D(100),
            scoring_method=Indicator.Method.MILESTONE,
        )
        made.append(kpi)
    return made


def test_refreshing_many_kpis_stores_the_findings_of_each_and_leaves_the_others_alone(
    seed_kpi, make_indicator, agency_b, unit_level
):
    others = _level_kpis(make_indicator, agency_b, unit_level, 3)
    untouched = make_indicator(agency_b, code="5047-0999", unit=None)
    FindingRecord.objects.create(
        indicator=untouched,
        fiscal_year_id=2566,
        agency=agency_b,
        rule="Q007-unit-missing",
        severity="warning",
        message_th="x",
        message_en="x",
    )
    summary = refresh_indicators([seed_kpi, *[k.pk for k in others]])
    assert summary.indicators == 4 and summary.year == 2566
    assert FindingRecord.objects.filter(indicator=seed_kpi, rule="Q001-level-out-of-scale").count() == 5
    for kpi in others:
        assert list(FindingRecord.objects.filter(indicator=kpi).values_list("rule", "field")) == [
            ("Q001-level-out-of-scale", "achieved")
        ]
    # A KPI not asked for keeps its rows.
    assert FindingRecord.objects.filter(indicator=untouched).count() == 1


def test_refreshing_many_replaces_old_findings_instead_of_adding_to_them(seed_kpi):
    refresh_indicators([seed_kpi])
    refresh_indicators([seed_kpi])
    assert FindingRecord.objects.filter(indicator=seed_kpi).count() == 5
    seed_kpi.achieved = D(5)
    seed_kpi.save()
    QuarterReport.objects.filter(indicator=seed_kpi).update(result=D(4))
    refresh_indicators(Indicator.objects.filter(pk=seed_kpi.pk))
    assert not FindingRecord.objects.filter(indicator=seed_kpi, rule="Q001-level-out-of-scale").exists()


def test_refreshing_many_writes_one_audit_row_per_fiscal_year(
    seed_kpi, make_indicator, agency_b, unit_level, evaluator
):
    year_2567 = FiscalYear.objects.create(year=2567)
    other_year = make_indicator(
        agency_b,
        code="5047-0100",
        fiscal_year=year_2567,
        unit=unit_level,
        target=D(5),
        achieved=D(100),
        scoring_method=Indicator.Method.MILESTONE,
    )
    summary = refresh_indicators([seed_kpi, other_year], evaluator, source="xlsx")
    assert summary.year == 0 and summary.indicators == 2
    events = list(AuditEvent.objects.filter(action="quality.refresh").order_by("object_id"))
    assert [(e.object_id, e.after["indicators"], e.after["errors"], e.source, e.actor) for e in events] == [
        ("2566", 1, 5, "xlsx", evaluator),
        ("2567", 1, 1, "xlsx", evaluator),
    ]


def test_refreshing_nothing_writes_nothing(db):
    assert refresh_indicators([]).indicators == 0
    assert not AuditEvent.objects.exists()


def test_a_refresh_inside_an_import_that_rolls_back_is_rolled_back_with_it(seed_kpi):
    with transaction.atomic():
        refresh_indicators([seed_kpi])
        assert FindingRecord.objects.exists()
        transaction.set_rollback(True)
    assert not FindingRecord.objects.exists()


def test_the_bulk_refresh_takes_the_same_number_of_queries_for_many_kpis_as_for_few(
    make_indicator, agency_a, agency_b, unit_level, django_assert_max_num_queries
):
    few = _level_kpis(make_indicator, agency_a, unit_level, 2)
    many = _level_kpis(make_indicator, agency_b, unit_level, 40)
    for kpi in few + many:
        add_quarters(kpi, [(1, 1, 1, None), (2, 2, 100, None)])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        refresh_indicators(few)
    with CaptureQueriesContext(connection) as large:
        refresh_indicators(many)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert FindingRecord.objects.filter(indicator__in=many, rule="Q001-level-out-of-scale").count() == 80
    with django_assert_max_num_queries(20):
        refresh_indicators(many)


def _stored(*fields):
    return sorted(FindingRecord.objects.values_list(*fields), key=repr)


def test_the_bulk_refresh_agrees_with_the_year_refresh(
    seed_kpi, make_indicator, agency_b, unit_level, evaluator
):
    _level_kpis(make_indicator, agency_b, unit_level, 3)
    make_indicator(agency_b, code="5047-0999", unit=None)
    refresh_year(evaluator, 2566)
    by_year = _stored("indicator_id", "rule", "quarter", "field", "message_en")
    FindingRecord.objects.all().delete()
    refresh_indicators(Indicator.objects.filter(fiscal_year_id=2566))
    assert _stored("indicator_id", "rule", "quarter", "field", "message_en") == by_year


@pytest.fixture
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_load_stores_the_findings_of_every_year(fast_password_hashing, db):
    result = load_demo(today=dt.date(2026, 11, 20), agency_count=20, years=[2564, 2565, 2566])
    years = set(FindingRecord.objects.values_list("fiscal_year_id", flat=True))
    assert years == {2564, 2565, 2566}
    assert result.counts["quality_findings"] == FindingRecord.objects.count()
    # The seed KPI is flagged for its level-scale defect straight after the load.
    assert FindingRecord.objects.filter(indicator__code="0409-0950", rule="Q001-level-out-of-scale").exists()
    # What the load stored is what a refresh of each year finds.
    stored = _stored("indicator_id", "rule", "quarter", "field")
    for year in (2564, 2565, 2566):
        refresh_year(None, year)
    assert _stored("indicator_id", "rule", "quarter", "field") == stored


def test_saving_a_draft_refreshes_the_kpis_findings(
    make_indicator, agency_a, unit_level, reporter_a, today_in_q2_2566, django_capture_on_commit_callbacks
):
    seed_kpi = make_indicator(
        agency_a, unit=unit_level, target=D(5), scoring_method=Indicator.Method.MILESTONE
    )
    add_quarters(seed_kpi, [(1, 1, 1, None)])
    refresh_indicators([seed_kpi])
    assert not FindingRecord.objects.filter(indicator=seed_kpi, rule="Q004-achieved-differs-latest").exists()
    seed_kpi.achieved = D(1)
    seed_kpi.save()
    report = reporting.get_quarter(seed_kpi, 2)
    with django_capture_on_commit_callbacks(execute=True):
        reporting.save_report(
            reporter_a,
            report,
            result="2",
            narrative="ร่าง",
            version=report.version,
            now=timezone.make_aware(dt.datetime.combine(today_in_q2_2566, dt.time(10))),
        )
    assert QuarterReport.objects.get(indicator=seed_kpi, quarter=2).status == QuarterReport.Status.DRAFT
    # The achieved value (1) now differs from the latest quarter's result (2): stored at once.
    assert FindingRecord.objects.filter(indicator=seed_kpi, rule="Q004-achieved-differs-latest").exists()
