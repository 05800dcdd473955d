"""Fixtures of the conversation's tests: a fiscal year in progress today and a KPI of agency A."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from citykpi.indicators.models import FiscalYear
from citykpi.lib.fiscal import fiscal_year_of


@pytest.fixture
def current_year(db) -> FiscalYear:
    today = timezone.localdate()
    return FiscalYear.objects.create(
        year=fiscal_year_of(today),
        q1_deadline=today + dt.timedelta(days=30),
        q2_deadline=today + dt.timedelta(days=120),
        q3_deadline=today + dt.timedelta(days=210),
        q4_deadline=today + dt.timedelta(days=300),
    )


@pytest.fixture
def kpi_a(make_indicator, agency_a, current_year):
    return make_indicator(agency_a, fiscal_year=current_year)
