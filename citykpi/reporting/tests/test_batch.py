"""The batch path of save_report (citykpi.reporting.batch): the same rows, audit rows and
refusals as save_report, all or nothing, in a number of queries that does not grow with
the rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import FiscalYear
from citykpi.lib import fiscal
from citykpi.lib.errors import ConflictError
from citykpi.quality import rules
from citykpi.reporting import actions as reporting
from citykpi.reporting import batch
from citykpi.reporting.models import QuarterReport

TODAY = timezone.localdate()
YEAR, QUARTER = fiscal.fiscal_year_of(TODAY), fiscal.quarter_of(TODAY)
ROW_FIELDS = ["result", "narrative", "status", "version", "definition_version", "updated_by_id"]


@pytest.fixture
def current_year(db):
    return FiscalYear.objects.create(year=YEAR)


@pytest.fixture
def make_report(make_indicator, current_year):
    def build(agency, **fields) -> QuarterReport:
        indicator = make_indicator(agency, fiscal_year=current_year, **fields)
        return QuarterReport.objects.create(indicator=indicator, quarter=QUARTER)

    return build


def _audit_view(event: AuditEvent) -> tuple:
    return (event.action, event.actor_name, event.source, event.object_type, event.before, event.after)


def test_the_batch_saves_the_same_row_and_audit_row_as_save_report(make_report, agency_a, reporter_a):
    one, two = make_report(agency_a), make_report(agency_a)
    reporting.save_report(reporter_a, one, result="๔๒.๕", narrative=" ทำแล้ว\r\nต่อ ", version=1, source="xlsx")
    saved, errors = batch.save_reports(
        reporter_a, [batch.Item("row 3", two, "๔๒.๕", " ทำแล้ว\r\nต่อ ", 1)], source="xlsx"
    )
    assert errors == [] and [r.pk for r in saved] == [two.pk]
    rows = {r.pk: r for r in QuarterReport.objects.filter(pk__in=[one.pk, two.pk])}
    assert [getattr(rows[one.pk], f) for f in ROW_FIELDS] == [getattr(rows[two.pk], f) for f in ROW_FIELDS]
    assert rows[two.pk].result == Decimal("42.5") and rows[two.pk].status == "draft"
    assert rows[two.pk].updated_at >= rows[one.pk].updated_at
    audit_one = AuditEvent.objects.get(object_id=str(one.pk), action="report.save")
    audit_two = AuditEvent.objects.get(object_id=str(two.pk), action="report.save")
    assert _audit_view(audit_one) == _audit_view(audit_two)
    assert (audit_two.indicator_code, audit_two.object_repr) == (
        two.indicator.code,
        f"{two.indicator.code} Q{QUARTER}",
    )


@pytest.mark.parametrize("unit_fixture", ["unit_percent", "unit_level"])
@pytest.mark.parametrize("value", ["-1", "0", "3", "7", "40", "50", "120", "200"])
def test_the_write_rules_give_the_same_findings_as_check_report_write(
    request, make_report, agency_a, unit_fixture, value
):
    unit = request.getfixturevalue(unit_fixture)
    report = make_report(agency_a, unit=unit, target=Decimal("5") if unit.kind == "level" else Decimal("80"))
    indicator = report.indicator
    earlier = 1 if QUARTER > 1 else 2
    QuarterReport.objects.create(
        indicator=indicator, quarter=earlier, result=Decimal("4"), status="submitted"
    )
    stored = batch._stored_quarters([indicator.pk])[indicator.pk]
    got = batch.write_findings(indicator, QUARTER, Decimal(value), stored, rules.Limits.for_year(YEAR))
    assert got == rules.check_report_write(indicator, QUARTER, Decimal(value))


def test_one_refused_row_saves_nothing_and_every_refusal_is_named(
    make_report, agency_a, agency_b, reporter_a
):
    mine, theirs, stale, big = (
        make_report(agency_a),
        make_report(agency_b),
        make_report(agency_a),
        make_report(agency_a),
    )
    QuarterReport.objects.filter(pk=stale.pk).update(version=3)  # someone saved after the download
    audit_before = AuditEvent.objects.count()
    saved, errors = batch.save_reports(
        reporter_a,
        [
            batch.Item(3, mine, "10", "", 1),
            batch.Item(4, theirs, "10", "", 1),
            batch.Item(5, stale, "10", "", 1),
            batch.Item(6, big, "1,000", "", 1),
            batch.Item(7, mine, "20", "", 1),  # the same row twice: the second is stale, as with save_report
        ],
    )
    assert saved == []
    by_key = {e.key: e.error for e in errors}
    assert isinstance(by_key[4], Http404) and isinstance(by_key[5], ConflictError)
    assert "100" in by_key[6].message_th  # a percent over 100, named in Thai and English
    assert isinstance(by_key[7], ConflictError)
    assert set(by_key) == {4, 5, 6, 7}
    assert AuditEvent.objects.count() == audit_before
    assert (
        QuarterReport.objects.get(pk=mine.pk).result is None
        and QuarterReport.objects.get(pk=mine.pk).version == 1
    )


def test_a_closed_quarter_is_refused_as_save_report_refuses_it(make_report, agency_a, reporter_a):
    report = make_report(agency_a)
    QuarterReport.objects.filter(pk=report.pk).update(status="submitted")
    _saved, errors = batch.save_reports(reporter_a, [batch.Item("r", report, "10", "", 1)])
    with pytest.raises(Exception) as single:
        reporting.save_report(reporter_a, report, result="10", narrative="", version=1)
    assert [str(e.error) for e in errors] == [str(single.value)]


def test_the_number_of_queries_does_not_grow_with_the_rows(make_report, agency_a, reporter_a):
    def run(n: int) -> int:
        reports = [make_report(agency_a) for _ in range(n)]
        items = [batch.Item(i, r, str(i + 1), f"แถว {i}", 1) for i, r in enumerate(reports)]
        user = type(reporter_a).objects.get(pk=reporter_a.pk)  # no roles cached from the run before
        with CaptureQueriesContext(connection) as queries:
            saved, errors = batch.save_reports(user, items)
        assert errors == [] and len(saved) == n
        return len(queries)

    assert run(2) == run(25)
    assert AuditEvent.objects.filter(action="report.save").count() == 27
