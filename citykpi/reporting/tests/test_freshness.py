"""Freshness (citykpi.reporting.freshness): a demo with known late reporters."""

from __future__ import annotations

import datetime as dt

import pytest

from citykpi.reporting.freshness import freshness
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.tests.conftest import at

# FY 2566: Q1's deadline 15 Jan 2023, Q2's 15 Apr 2023; on 20 April both have passed.
TODAY = dt.date(2023, 4, 20)


def quarter(kpi, q: int, status: str, *, updated: dt.date, submitted: dt.date | None = None, by=None):
    report = QuarterReport.objects.create(indicator=kpi, quarter=q, status=status, updated_by=by)
    QuarterReport.objects.filter(pk=report.pk).update(
        updated_at=at(updated), submitted_at=at(submitted) if submitted else None
    )
    return report


@pytest.fixture
def demo(make_indicator, agency_a, agency_b, reporter_a, head_a, reporter_b):
    on_time = make_indicator(agency_a)
    make_indicator(agency_a)  # never touched
    drafted = make_indicator(agency_b)
    quarter(
        on_time, 1, "submitted", updated=dt.date(2023, 1, 10), submitted=dt.date(2023, 1, 10), by=reporter_a
    )
    quarter(on_time, 2, "submitted", updated=dt.date(2023, 4, 18), submitted=dt.date(2023, 4, 18), by=head_a)
    quarter(drafted, 1, "draft", updated=dt.date(2023, 2, 1), by=reporter_b)
    QuarterReport.objects.create(indicator=drafted, quarter=2)  # opened by a reminder: not a touch
    return on_time, drafted


def test_freshness_per_agency_counts_late_missing_and_never_touched(demo, fiscal_year, agency_a, agency_b):
    report = freshness(fiscal_year, TODAY)
    assert report.due_quarters == [1, 2]
    a, b = report.agencies
    assert (a.code, a.kpis, a.never_touched, a.late, a.missing) == ("0409", 2, 1, 1, 2)
    assert a.last_update.date() == dt.date(2023, 4, 18) and a.days_since(TODAY) == 2
    assert (b.code, b.kpis, b.never_touched, b.late, b.missing) == ("5047", 1, 0, 0, 2)
    assert b.days_since(TODAY) == 78
    assert [r.code for r in report.stale_agencies] == ["0409", "5047"]
    assert (report.total.kpis, report.total.missing) == (3, 4)


def test_freshness_per_person_sums_their_agencies_and_keeps_their_own_last_update(demo, fiscal_year):
    people = {p.name: p for p in freshness(fiscal_year, TODAY).people}
    assert set(people) == {"reporter-a", "head-a", "reporter-b"}
    reporter = people["reporter-a"]
    assert (reporter.kpis, reporter.never_touched, reporter.missing, reporter.agency_codes) == (
        2,
        1,
        2,
        ["0409"],
    )
    assert reporter.last_update.date() == dt.date(2023, 1, 10)  # their own edit, not the head's
    assert people["head-a"].last_update.date() == dt.date(2023, 4, 18)
    assert people["reporter-b"].roles == ["reporter"]


def test_an_agency_nobody_ever_updated_is_never_updated(make_indicator, fiscal_year, agency_b):
    make_indicator(agency_b)
    (row,) = freshness(fiscal_year, TODAY).agencies
    assert row.never_updated and row.last_update is None and row.days_since(TODAY) is None


def test_a_role_covers_the_sub_agencies(make_indicator, fiscal_year, agency_a, agency_b, head_a):
    agency_b.parent = agency_a
    agency_b.save()
    make_indicator(agency_b)
    (person,) = freshness(fiscal_year, TODAY).people
    assert person.agency_codes == ["5047"] and person.missing == 2


def test_freshness_takes_a_few_queries_whatever_the_number_of_kpis(
    make_indicator, fiscal_year, agency_a, agency_b, reporter_a, django_assert_max_num_queries
):
    for n in range(30):
        kpi = make_indicator(agency_a if n % 2 else agency_b)
        quarter(kpi, 1, "draft", updated=dt.date(2023, 2, 1), by=reporter_a)
    with django_assert_max_num_queries(3):
        report = freshness(fiscal_year, TODAY)
    assert report.total.kpis == 30


def test_before_the_first_deadline_nothing_is_late_or_missing(demo, fiscal_year):
    report = freshness(fiscal_year, dt.date(2022, 10, 20))
    assert report.due_quarters == [] and report.total.late == 0 and report.total.missing == 0
    assert report.total.never_touched == 1


def test_a_recalled_quarter_is_not_counted_as_sent(make_indicator, fiscal_year, agency_a, reporter_a):
    kpi = make_indicator(agency_a)
    quarter(kpi, 1, "draft", updated=dt.date(2023, 1, 10), submitted=dt.date(2023, 1, 10), by=reporter_a)
    (row,) = freshness(fiscal_year, TODAY).agencies
    assert row.missing == 2 and row.never_touched == 0
