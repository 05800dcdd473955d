"""The home page's links into the rest of the system: performance statuses from the
dashboards, the list downloaded as Excel or CSV, and the PDF links of the KPI and agency pages."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from citykpi.quality.standing import rescore_kpis
from citykpi.reporting.models import QuarterReport


def codes_on(response) -> list[str]:
    return [row.code for row in response.context["rows"]]


def _reported(indicator, quarter: int, planned: str, result: str) -> None:
    QuarterReport.objects.create(
        indicator=indicator,
        quarter=quarter,
        planned_target=Decimal(planned),
        result=Decimal(result),
        status=QuarterReport.Status.SUBMITTED,
    )
    rescore_kpis([indicator.pk])  # written with the ORM, not the actions: store the scores by hand


def test_the_dashboards_performance_status_filters_the_list(client, make_indicator, agency_a):
    on_plan = make_indicator(agency_a, target=Decimal("100"))
    _reported(on_plan, 1, "25", "30")
    behind = make_indicator(agency_a, target=Decimal("100"))
    _reported(behind, 1, "25", "5")
    silent = make_indicator(agency_a, target=Decimal("100"))
    home = reverse("portal:home")
    assert codes_on(client.get(home, {"status": "on_track"})) == [on_plan.code]
    assert codes_on(client.get(home, {"status": "off_track"})) == [behind.code]
    assert codes_on(client.get(home, {"status": "no_data"})) == [silent.code]


def test_a_performance_status_over_all_years_is_explained_and_ignored(client, make_indicator, agency_a):
    make_indicator(agency_a)
    response = client.get(reverse("portal:home"), {"status": "on_track", "year": "all"})
    assert response.status_code == 200
    assert response.context["filters"].status == ""
    assert response.context["filters"].notices


def test_the_filtered_list_downloads_as_excel_and_csv(client, make_indicator, agency_a, agency_b):
    mine = make_indicator(agency_a, name="ตัวชี้วัดของสถาบัน")
    make_indicator(agency_b, name="ตัวชี้วัดของเขต")
    home = reverse("portal:home")
    response = client.get(home, {"agency": "0409", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert mine.code in cells and "ตัวชี้วัดของเขต" not in cells
    response = client.get(home, {"agency": "0409", "export": "csv"})
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert any(mine.code in row for row in rows)
    assert not any("ตัวชี้วัดของเขต" in cell for row in rows for cell in row)


def test_the_home_page_offers_the_downloads_and_the_kpi_page_its_pdf(client, make_indicator, agency_a):
    kpi = make_indicator(agency_a)
    home = client.get(reverse("portal:home")).content.decode()
    assert "export=xlsx" in home and "export=csv" in home
    page = client.get(reverse("portal:kpi", args=[kpi.code])).content.decode()
    assert reverse("printing:kpi_pdf", args=[kpi.code]) in page
    agency_page = client.get(reverse("portal:agency", args=["0409"])).content.decode()
    assert reverse("printing:agency_report", args=["0409"]) in agency_page


def test_the_dashboards_dimension_links_filter_the_list(client, make_indicator, agency_a):
    from citykpi.indicators.models import EvaluationDimension

    first = EvaluationDimension.objects.create(number=1, name_th="ด้านประสิทธิผลตามพันธกิจ")
    EvaluationDimension.objects.create(number=2, name_th="ด้านคุณภาพการให้บริการ")
    mine = make_indicator(agency_a, dimension=first)
    make_indicator(agency_a)
    home = reverse("portal:home")
    assert codes_on(client.get(home, {"dimension": "1"})) == [mine.code]
    assert codes_on(client.get(home, {"dimension": "๑"})) == [mine.code]
    unknown = client.get(home, {"dimension": "9"})
    assert unknown.status_code == 200 and unknown.context["filters"].notices
    assert 'name="dimension"' in client.get(home).content.decode()
