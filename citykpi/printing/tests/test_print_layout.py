"""Print that an office can file: the quarter summary keeps each agency's row on one page
and shows its total once; the KPI PDF has no gap under its chart. Checked page by page
with pdftotext (`-f N -l N`) and by eye on the PNGs (var/screenshots/)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from decimal import Decimal

import pytest

from citykpi.agencies.models import Agency
from citykpi.printing.tests.conftest import SCREENSHOTS, normalise, pdf_page_png, pdf_pages
from citykpi.reporting.models import QuarterReport

LONG_NAME = "สำนักงานพัฒนาระบบบริหารจัดการและประสานงานโครงการพิเศษเพื่อการพัฒนาเมืองอย่างยั่งยืน ลำดับที่ {n} แห่งกรุงเทพ"


def page_text(pdf: bytes, page: int) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", "-f", str(page), "-l", str(page), handle.name, "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


@pytest.fixture
def many_agencies(make_indicator):
    """Sixty agencies whose names wrap onto two lines, each with KPIs in several states."""
    agencies = []
    for n in range(1, 61):
        agency = Agency.objects.create(
            code=f"{7000 + n}", name_th=LONG_NAME.format(n=n), kind=Agency.Kind.DEPARTMENT
        )
        for status in ("submitted", "assessed", "draft")[: 1 + n % 3]:
            kpi = make_indicator(agency)
            QuarterReport.objects.create(indicator=kpi, quarter=1, status=status, result=Decimal(n))
        agencies.append(agency)
    return agencies


def test_the_quarter_summary_keeps_each_agencys_row_on_one_page_and_its_total_once(
    client, evaluator, many_agencies
):
    client.force_login(evaluator)
    response = client.get("/reports/quarter-summary.pdf?year=2566&quarter=1")
    assert response.status_code == 200
    pdf = response.content
    pages = pdf_pages(pdf)
    assert pages >= 3  # long enough to break across pages
    # The summary's pages, each cut where the freshness section (its own table of agencies)
    # begins: that section lists agencies again and is not the summary.
    heading = normalise("ความเป็นปัจจุบันของข้อมูล")
    texts, fresh = {}, {}
    for n in range(1, pages + 1):
        flat = normalise(page_text(pdf, n).replace("รวมข้อมูล", ""))
        if fresh or heading in flat:
            fresh[n] = flat.split(heading)[-1]
        if not fresh or heading in flat:
            texts[n] = flat.split(heading)[0]
    for agency in many_agencies:
        holding = [n for n, text in texts.items() if agency.code in text]
        assert len(holding) == 1, (agency.code, holding)
        # the last line of its name on the same page as its code (its first line) and numbers
        number = agency.code[-2:].lstrip("0")
        assert normalise(f"ลำดับที่ {number} แห่งกรุงเทพ") in texts[holding[0]], (agency.code, holding)
    totals = [n for n, text in texts.items() if normalise("รวม") in text]
    assert totals == [max(texts)], totals  # once, under the last agency, not on every page
    # the column headings repeat on every page, so each page reads on its own
    assert all(normalise("หน่วยงาน") in text for text in texts.values())
    # The freshness section's rows (its own table, an include) are never split either.
    for agency in many_agencies:
        number = agency.code[-2:].lstrip("0")
        for n, text in fresh.items():
            if agency.code in text:
                # (-layout puts the wrapped date's year, 25xx, inside the name's second line)
                tail = rf"{normalise('ลำดับที่')}{number}(?:25\d\d)?{normalise('แห่ง')}"
                assert re.search(tail, text), ("freshness", agency.code, n)
    for n in (1, 2, max(texts)):
        pdf_page_png(pdf, n, SCREENSHOTS / f"pdf-quarter-summary-page-{n}.png")


def test_the_kpi_pdf_has_no_gap_under_its_chart(client, seed_kpi):
    pdf = client.get(f"/kpi/{seed_kpi.code}/pdf/").content
    first = normalise(page_text(pdf, 1))
    # The chart (its axis labels are text) follows the quarters table on the first page:
    # it used to move whole to page 2 and leave the bottom third of page 1 blank.
    assert normalise("ไตรมาส 4") in first and normalise("เป้าหมายสะสม") in first
    assert normalise("รายงานผลฯ ไตรมาสที่ 1") not in first
    for n in (1, 2):
        pdf_page_png(pdf, n, SCREENSHOTS / f"pdf-kpi-layout-page-{n}.png")
