"""Builders for the quality tests: the seed KPI (0409-0950) with its quarters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import Indicator, MilestoneLevel
from citykpi.reporting.models import QuarterReport


def add_quarters(indicator, rows, status=QuarterReport.Status.SUBMITTED):
    """rows: (quarter, planned, result, score or None)."""
    made = []
    for quarter, planned, result, score in rows:
        report = QuarterReport.objects.create(
            indicator=indicator,
            quarter=quarter,
            planned_target=None if planned is None else Decimal(str(planned)),
            result=None if result is None else Decimal(str(result)),
            status=QuarterReport.Status.ASSESSED if score is not None else status,
            submitted_at=timezone.now() if result is not None else None,
        )
        if score is not None:
            Assessment.objects.create(quarter_report=report, score=Decimal(str(score)))
        made.append(report)
    return made


@pytest.fixture
def seed_kpi(make_indicator, agency_a, unit_level) -> Indicator:
    """The seed page as the legacy site published it: a 5-level KPI with an achieved 100."""
    kpi = make_indicator(
        agency_a,
        code="0409-0950",
        list_label="5.",
        name="ระดับความสำเร็จของการจัดทำแผนพัฒนาทักษะด้านดิจิทัลของข้าราชการกรุงเทพมหานคร",
        unit=unit_level,
        target=Decimal("5"),
        achieved=Decimal("100"),
        scoring_method=Indicator.Method.MILESTONE,
    )
    for level in range(1, 6):
        MilestoneLevel.objects.create(indicator=kpi, level=level, percent=20 * level, points=2 * level)
    add_quarters(kpi, [(1, None, 20, 95), (2, None, 50, 100), (3, None, 70, 100), (4, None, 100, 100)])
    return kpi
