"""The quarter summary PDF ends with the freshness of every agency and person behind."""

from __future__ import annotations

from citykpi.printing.tests.conftest import pdf_text
from citykpi.reporting.models import QuarterReport


def test_the_quarter_summary_lists_the_agencies_and_people_who_never_updated(
    client, evaluator, reporter_b, agency_a, agency_b, make_indicator
):
    a1 = make_indicator(agency_a)
    make_indicator(agency_b)  # never updated, and FY 2566's deadlines are long past
    QuarterReport.objects.create(indicator=a1, quarter=1, status="draft")
    client.force_login(evaluator)
    response = client.get("/reports/quarter-summary.pdf?year=2566&quarter=1")
    assert response.status_code == 200
    text = pdf_text(response.content)
    # The summary's row of 5047 first, then the freshness table's (Thai headings come out of
    # the PDF's text split at their vowels, so the rows are what the test reads).
    summary, fresh = [line.split() for line in text.splitlines() if line.strip().startswith("5047")]
    # KPIs, never updated, late, missing (4 quarters past their deadlines), "never updated"
    assert fresh[-5:] == ["1", "1", "0", "4", "ไม่เคยปรับปรุง"]
    person = next(line.split() for line in text.splitlines() if "reporter-b" in line)
    assert person[-5:] == ["5047", "1", "0", "4", "ไม่เคยปรับปรุง"]
