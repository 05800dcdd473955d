"""The PDF views: the seed KPI's PDF, an agency's annual report, the evaluator's quarter
summary; real WeasyPrint output read back with Poppler."""

from __future__ import annotations

from decimal import Decimal

import pytest

from citykpi.printing.tests.conftest import (
    SCREENSHOTS,
    SEED_NAME,
    normalise,
    pdf_page_png,
    pdf_pages,
    pdf_text,
)
from citykpi.reporting.models import QuarterReport

pytestmark = pytest.mark.django_db


def test_seed_kpi_pdf_is_an_a4_pdf_with_its_thai_name_and_values(client, seed_kpi):
    response = client.get("/kpi/0409-0950/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert pdf_pages(pdf) >= 1
    text = pdf_text(pdf)
    flat = normalise(text)
    assert normalise(SEED_NAME) in flat
    assert normalise("0409-0950") in flat
    # The quarterly results as the seed shows them, the headline, the assessment pair.
    for value in ("20.00", "50.00", "70.00", "100.00"):
        assert value in text
    assert normalise("สยป. ตรวจประเมินตัวชี้วัด : ไตรมาสที่ 2: 100") in flat
    assert normalise("95 / 100") in flat
    assert normalise("ตัวชี้วัดเชิงยุทธศาสตร์") in flat
    assert normalise("สถาบันพัฒนาข้าราชการกรุงเทพมหานคร") in flat
    # Thai page numbers at the foot of every page.
    assert "หน้า ๑ จาก" in text


def test_seed_kpi_pdf_page_renders_to_png_for_a_look(client, seed_kpi):
    pdf = client.get("/kpi/0409-0950/pdf/").content
    png = pdf_page_png(pdf, 1, SCREENSHOTS / "pdf-kpi-0409-0950-page1.png")
    assert png.exists() and png.stat().st_size > 20_000
    assert png.read_bytes().startswith(b"\x89PNG")


def test_seed_kpi_pdf_embeds_only_the_packaged_sarabun_font(client, seed_kpi):
    import subprocess
    import tempfile

    pdf = client.get("/kpi/0409-0950/pdf/").content
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        fonts = subprocess.run(["pdffonts", handle.name], capture_output=True, text=True, check=True).stdout
    families = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if line.strip()}
    assert families and all(name.startswith("Sarabun") for name in families), families


def test_kpi_pdf_never_shows_a_draft_narrative(client, agency_a, make_indicator):
    kpi = make_indicator(agency_a, name="ตัวชี้วัดที่มีร่าง")
    QuarterReport.objects.create(
        indicator=kpi, quarter=1, status="draft", result=Decimal("77"), narrative="ข้อความร่างห้ามเผยแพร่"
    )
    text = normalise(pdf_text(client.get(f"/kpi/{kpi.code}/pdf/").content))
    assert normalise("ตัวชี้วัดที่มีร่าง") in text
    assert normalise("ข้อความร่างห้ามเผยแพร่") not in text


def test_pdf_of_an_unknown_or_unpublished_kpi_is_not_found(client, agency_a, make_indicator):
    hidden = make_indicator(agency_a, is_published=False)
    assert client.get("/kpi/9999-0001/pdf/").status_code == 404
    assert client.get(f"/kpi/{hidden.code}/pdf/").status_code == 404
    assert client.post(f"/kpi/{hidden.code}/pdf/").status_code == 405


# The report is a background job (citykpi.jobs): a constant few statements on top of the
# report's own, whatever the number of KPIs (the data version, the reuse lookup, the job's
# row and audit row, its state, and the savepoints of the test's transaction).
JOB_QUERIES = 9


def test_agency_report_has_cover_contents_summary_and_one_section_per_kpi(
    client, agency_a, agency_b, make_indicator, django_assert_max_num_queries
):
    kpis = [make_indicator(agency_a, name=f"ตัวชี้วัดของสถาบัน ลำดับ {n}") for n in range(1, 8)]
    for n, kpi in enumerate(kpis):
        QuarterReport.objects.create(
            indicator=kpi,
            quarter=1,
            status="submitted",
            result=Decimal(10 + n),
            narrative=f"รายงานไตรมาสหนึ่งของตัวชี้วัด {n}",
        )
    make_indicator(agency_a, name="ตัวชี้วัดที่ไม่เผยแพร่", is_published=False)
    make_indicator(agency_b, name="ตัวชี้วัดของเขตอื่น")
    with django_assert_max_num_queries(14 + JOB_QUERIES):
        response = client.get("/agency/04090000/report.pdf?year=๒๕๖๖")
    assert response.status_code == 200
    pdf = response.content
    text = pdf_text(pdf)
    flat = normalise(text)
    assert normalise("รายงานผลการดำเนินงานตามตัวชี้วัด") in flat
    assert normalise("ประจำปีงบประมาณ พ.ศ. 2566") in flat
    assert normalise("สารบัญ") in flat and normalise("สรุปตัวชี้วัดทั้งหมด") in flat
    # One section heading per published KPI: "<name> : <code>" (the summary and the
    # contents list the codes without the " : ").
    headings = [kpi.code for kpi in kpis if normalise(f"{kpi.name} : {kpi.code}") in flat]
    assert headings == [kpi.code for kpi in kpis]
    assert normalise("ตัวชี้วัดที่ไม่เผยแพร่") not in flat
    assert normalise("ตัวชี้วัดของเขตอื่น") not in flat
    pages = pdf_pages(pdf)
    # cover + contents + summary + one page or more per KPI
    assert pages >= 3 + len(kpis)
    thai_digits = str(pages).translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    assert f"จาก {thai_digits}" in text
    pdf_page_png(pdf, 2, SCREENSHOTS / "pdf-agency-0409-contents.png")


def test_agency_report_queries_do_not_grow_with_the_number_of_kpis(
    client, agency_a, make_indicator, django_assert_max_num_queries
):
    for _ in range(30):
        make_indicator(agency_a)
    with django_assert_max_num_queries(14 + JOB_QUERIES):
        assert client.get("/agency/0409/report.pdf?year=2566").status_code == 200


def test_agency_report_of_an_unknown_agency_or_year_is_not_found(client, agency_a, make_indicator):
    make_indicator(agency_a)
    assert client.get("/agency/7777/report.pdf").status_code == 404
    assert client.get("/agency/0409/report.pdf?year=2500").status_code == 404
    assert client.get("/agency/0409/report.pdf").status_code == 200  # the latest year by default


def test_quarter_summary_sends_anonymous_users_to_log_in(client):
    response = client.get("/reports/quarter-summary.pdf?year=2566&quarter=1")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_quarter_summary_is_refused_to_agency_staff(client, reporter_a, head_a):
    for user in (reporter_a, head_a):
        client.force_login(user)
        assert client.get("/reports/quarter-summary.pdf?year=2566&quarter=1").status_code == 403


def test_quarter_summary_counts_every_agencys_quarters_for_the_evaluator(
    client, evaluator, executive, agency_a, agency_b, make_indicator
):
    a1, a2 = make_indicator(agency_a), make_indicator(agency_a)
    b1 = make_indicator(agency_b)
    QuarterReport.objects.create(indicator=a1, quarter=1, status="submitted")
    QuarterReport.objects.create(indicator=a2, quarter=1, status="draft")
    QuarterReport.objects.create(indicator=b1, quarter=2, status="submitted")
    client.force_login(evaluator)
    response = client.get("/reports/quarter-summary.pdf?year=2566&quarter=1")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    text = pdf_text(response.content)
    row_a = next(line for line in text.splitlines() if "0409" in line)
    row_b = next(line for line in text.splitlines() if "5047" in line)
    # KPIs, not reported, draft, submitted, returned, reopened, assessed, average score
    assert row_a.split()[-8:] == ["2", "0", "1", "1", "0", "0", "0", "–"]
    assert row_b.split()[-8:] == ["1", "1", "0", "0", "0", "0", "0", "–"]
    client.force_login(executive)
    assert client.get("/reports/quarter-summary.pdf?year=2566&quarter=1").status_code == 200
