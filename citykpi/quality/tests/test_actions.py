"""Refreshing stored findings: a whole year on demand, one KPI after each reporting write."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied

from citykpi.audit.models import AuditEvent
from citykpi.quality.actions import refresh_indicator, refresh_year
from citykpi.quality.models import FindingRecord
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.signals import report_changed

pytestmark = pytest.mark.django_db


def test_refreshing_a_year_stores_every_finding_and_writes_one_audit_row(
    evaluator, seed_kpi, make_indicator, agency_b
):
    make_indicator(agency_b, unit=None)
    summary = refresh_year(evaluator, 2566)
    assert summary.indicators == 2
    assert summary.by_rule["Q001-level-out-of-scale"] == 5 and summary.by_rule["Q007-unit-missing"] == 1
    assert FindingRecord.objects.filter(fiscal_year_id=2566).count() == sum(summary.by_rule.values())
    event = AuditEvent.objects.get(action="quality.refresh_year")
    assert event.actor == evaluator and event.after["errors"] == summary.by_severity["error"]


def test_refreshing_again_replaces_the_old_findings(evaluator, seed_kpi):
    refresh_year(evaluator, 2566)
    seed_kpi.achieved = D(5)
    seed_kpi.save()
    seed_kpi.quarters.update(result=D(5))
    refresh_year(evaluator, 2566)
    assert not FindingRecord.objects.filter(rule="Q001-level-out-of-scale").exists()


def test_a_dry_run_stores_nothing(evaluator, seed_kpi):
    refresh_year(evaluator, 2566, store=False)
    assert not FindingRecord.objects.exists() and not AuditEvent.objects.exists()


def test_a_reporter_may_not_refresh_a_year(reporter_a, seed_kpi):
    with pytest.raises(PermissionDenied):
        refresh_year(reporter_a, 2566)
    assert not FindingRecord.objects.exists()


def test_a_reporting_write_refreshes_the_kpis_findings(seed_kpi):
    refresh_indicator(seed_kpi)
    assert FindingRecord.objects.filter(indicator=seed_kpi).count() == 5
    QuarterReport.objects.filter(indicator=seed_kpi).update(result=D(3))
    report_changed.send(sender=QuarterReport, indicator=seed_kpi, report=None, action="save")
    level_findings = FindingRecord.objects.filter(indicator=seed_kpi, rule="Q001-level-out-of-scale")
    assert list(level_findings.values_list("field", flat=True)) == ["achieved"]
