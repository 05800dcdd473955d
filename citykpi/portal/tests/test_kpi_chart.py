"""The KPI page carries the same server-side SVG chart as the print page and the PDF."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from django.urls import reverse

from citykpi.reporting.models import QuarterReport


def test_the_kpi_page_and_its_print_page_show_the_planned_against_result_chart(
    client, make_indicator, agency_a
):
    kpi = make_indicator(agency_a, target=Decimal("100"))
    QuarterReport.objects.create(
        indicator=kpi,
        quarter=1,
        planned_target=Decimal("25"),
        result=Decimal("31"),
        status=QuarterReport.Status.SUBMITTED,
    )
    for name in ("portal:kpi", "portal:kpi_print"):
        markup = client.get(reverse(name, args=[kpi.code])).content.decode()
        chart = markup[markup.index("<svg") : markup.index("</svg>")]
        assert "ผลงานเทียบกับเป้าหมายรายไตรมาส" in chart
        assert "ไตรมาส 1: เป้าหมายสะสม 25, ผลงาน 31" in chart


def test_no_stylesheet_template_or_chart_names_the_th_sarabun_new_font():
    """fontconfig maps "TH Sarabun New" to a scaled Laksaman that renders garbled in PDFs."""
    root = Path(__file__).resolve().parents[2]
    declaration = re.compile(r"(font-family|FONT)\s*[:=][^;\n]*TH Sarabun New")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.suffix in {".css", ".html", ".py", ".svg"}
        and "tests" not in path.parts
        and declaration.search(path.read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []
