"""The /exchange/ pages: permissions, template download, upload dry run, confirm, export."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from citykpi.conftest import PASSWORD
from citykpi.exchange.export import export_response
from citykpi.exchange.xlsx import COL, DATA_SHEET, FIRST_ROW, template_bytes
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib import fiscal
from citykpi.reporting.models import QuarterReport

TODAY = timezone.localdate()
YEAR, QUARTER = fiscal.fiscal_year_of(TODAY), fiscal.quarter_of(TODAY)


@pytest.fixture
def kpi(make_indicator, agency_a, db):
    year = FiscalYear.objects.create(year=YEAR)
    return make_indicator(agency_a, code="0409-0950", fiscal_year=year)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def filled(agency, value) -> SimpleUploadedFile:
    book = load_workbook(io.BytesIO(template_bytes(agency, YEAR, QUARTER)))
    book[DATA_SHEET].cell(row=FIRST_ROW, column=COL["result"], value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("q.xlsx", buffer.getvalue())


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/exchange/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_offers_the_reporters_own_agency(client, reporter_a, kpi):
    html = login(client, reporter_a).get("/exchange/").content.decode()
    assert "0409" in html and "5047" not in html and "ดาวน์โหลดแบบฟอร์ม" in html


def test_wrong_method_is_refused(client, reporter_a, kpi):
    assert login(client, reporter_a).get("/exchange/upload/").status_code == 405
    assert client.post("/exchange/").status_code == 405


def test_another_agencys_template_is_not_found(client, reporter_b, kpi):
    response = login(client, reporter_b).get(f"/exchange/template/?agency=0409&year={YEAR}&quarter={QUARTER}")
    assert response.status_code == 404


def test_the_template_downloads_as_a_workbook(client, reporter_a, kpi):
    response = login(client, reporter_a).get(f"/exchange/template/?agency=0409&year={YEAR}&quarter={QUARTER}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert (
        load_workbook(io.BytesIO(response.content))[DATA_SHEET].cell(row=FIRST_ROW, column=1).value
        == "0409-0950"
    )


def test_upload_shows_the_dry_run_and_confirm_saves_it(client, reporter_a, agency_a, kpi):
    login(client, reporter_a)
    response = client.post("/exchange/upload/", {"file": filled(agency_a, "๔๐")})
    assert response.status_code == 200
    html = response.content.decode()
    assert "0409-0950" in html and "40" in html and 'name="token"' in html
    assert not QuarterReport.objects.exists()
    token = response.context["token"]
    response = client.post("/exchange/confirm/", {"token": token})
    assert response.status_code == 200 and response.context["result"].committed
    assert QuarterReport.objects.get().result == Decimal("40")
    # A token is good once.
    assert client.post("/exchange/confirm/", {"token": token}).status_code == 400


def test_an_upload_with_errors_lists_them_and_offers_no_confirm(client, reporter_a, agency_a, kpi):
    response = login(client, reporter_a).post("/exchange/upload/", {"file": filled(agency_a, "abc")})
    assert response.status_code == 422
    html = response.content.decode()
    assert "ไม่ใช่ตัวเลข" in html and "is not a number" in html and 'name="token"' not in html


def test_the_evaluator_exports_the_whole_year_and_a_reporter_only_an_agency(
    client, evaluator, reporter_a, kpi
):
    response = login(client, evaluator).get(f"/exchange/export/?year={YEAR}&fmt=csv")
    assert response.status_code == 200 and response.content.startswith("\ufeff".encode())
    assert "0409-0950" in response.content.decode("utf-8-sig")
    client.logout()
    assert login(client, reporter_a).get(f"/exchange/export/?year={YEAR}&fmt=csv").status_code == 403
    assert client.get(f"/exchange/export/?year={YEAR}&agency=5047&fmt=csv").status_code == 404


def test_export_response_hides_unpublished_results_on_public_lists(kpi, django_assert_max_num_queries):
    QuarterReport.objects.create(indicator=kpi, quarter=1, result=Decimal("33"), status="draft")
    with django_assert_max_num_queries(4):
        public = export_response(Indicator.objects.all(), "xlsx", "kpis")
    sheet = load_workbook(io.BytesIO(public.content)).active
    assert sheet["A1"].value == "รหัสตัวชี้วัด" and sheet["A2"].value == "KPI code"
    headers = [c.value for c in sheet[2]]
    q1 = headers.index("Q1 result") + 1
    assert sheet.cell(row=3, column=q1).value is None
    staff = export_response(Indicator.objects.all(), "xlsx", "kpis", public=False)
    assert load_workbook(io.BytesIO(staff.content)).active.cell(row=3, column=q1).value == 33
    assert public["Content-Disposition"] == 'attachment; filename="kpis.xlsx"'
