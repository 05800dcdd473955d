"""The demo's rename and late agencies (citykpi.demo.reorganisation)."""

from __future__ import annotations

import datetime as dt

import pytest

from citykpi.agencies.history import agency_as_of
from citykpi.agencies.models import Agency, AgencyChange
from citykpi.demo.actions import load_demo
from citykpi.demo.reorganisation import NEW_NAME
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.reporting.freshness import freshness

# The load's "today": Q1 (15 Jan 2023) and Q2 (15 Apr 2023) of FY 2566 are past.
TODAY = dt.date(2023, 6, 1)


@pytest.mark.django_db
def test_the_demo_has_a_rename_in_its_history_and_late_agencies():
    result = load_demo(years=[2565, 2566], agency_count=40, today=TODAY)
    assert result.counts["reorganisations"] == 1 and result.counts["late_quarters"] > 0
    renamed = Agency.objects.get(code="5010")
    assert renamed.name_th == NEW_NAME[0]
    assert AgencyChange.objects.get().kind == "rename"
    # The history stays with the agency; the pages of the year before show the old name.
    assert Indicator.objects.filter(agency=renamed, fiscal_year_id=2565).exists()
    assert Indicator.objects.filter(agency=renamed, fiscal_year_id=2566).exists()
    assert "มีนบุรี" in agency_as_of(renamed, 2565).name_th
    assert agency_as_of(renamed, 2565).name_th != NEW_NAME[0]
    assert agency_as_of(renamed, 2566).name_th == NEW_NAME[0]
    report = freshness(FiscalYear.objects.get(pk=2566), TODAY)
    late = {row.code: row.late for row in report.agencies}
    assert late["5047"] > 0 and late["5010"] > 0 and late.get("0409", 0) == 0
    assert any(p.name and "5047" in p.agency_codes and p.late for p in report.people)
