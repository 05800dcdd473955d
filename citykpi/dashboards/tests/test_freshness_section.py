"""The staff dashboard's freshness section (citykpi.reporting.freshness)."""

from __future__ import annotations

from citykpi.conftest import PASSWORD
from citykpi.reporting.models import QuarterReport


def test_the_staff_dashboard_shows_who_never_updated_within_the_viewers_scope(
    client, evaluator, reporter_a, reporter_b, agency_a, agency_b, make_indicator
):
    a1 = make_indicator(agency_a)
    make_indicator(agency_b)
    QuarterReport.objects.create(indicator=a1, quarter=1, status="draft", updated_by=reporter_a)
    client.login(username=evaluator.username, password=PASSWORD)
    html = client.get("/dashboard/staff/?year=2566").content.decode()
    section = html[html.index('id="freshness"') : html.index('id="h-quality"')]
    assert "5047" in section and "0409" in section and "reporter-b" in section
    assert "ไม่เคยปรับปรุง" in section
    client.login(username=reporter_a.username, password=PASSWORD)
    html = client.get("/dashboard/staff/?year=2566").content.decode()
    section = html[html.index('id="freshness"') : html.index('id="h-quality"')]
    assert "0409" in section and "5047" not in section and "reporter-b" not in section
