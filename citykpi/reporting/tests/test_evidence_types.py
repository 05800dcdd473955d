"""Evidence downloads as what it is: stored and served under the extension of the type
detected from its content (the uploader's name is a label), and a file that is more than
one type (a PDF header followed by script) is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from citykpi.lib.errors import ActionError
from citykpi.reporting import actions as reporting
from citykpi.reporting.evidence import check_upload
from citykpi.workspace.tests.conftest import PDF_BYTES

pytestmark = pytest.mark.usefixtures("evidence_storage")


@pytest.mark.parametrize("name", ["run.bat", "page.hta", "index.html", "ไม่มีนามสกุล"])
def test_a_pdf_under_any_name_is_stored_and_downloaded_as_a_pdf(
    name, make_indicator, agency_a, reporter_a, client
):
    from citykpi.conftest import PASSWORD

    kpi = make_indicator(agency_a)
    report = reporting.get_quarter(kpi, 1)
    kpi.fiscal_year.q1_deadline = dt.date(2099, 1, 15)
    kpi.fiscal_year.save()
    evidence = reporting.add_evidence(reporter_a, report, SimpleUploadedFile(name, PDF_BYTES))
    assert evidence.original_name == name  # kept as the label
    assert evidence.file.name.endswith(".pdf") and ".bat" not in evidence.file.name
    assert evidence.content_type == "application/pdf"
    client.login(username=reporter_a.username, password=PASSWORD)
    response = client.get(reverse("workspace:evidence", args=[evidence.pk]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert ".pdf" in disposition and ".bat" not in disposition and ".hta" not in disposition
    assert ".html" not in disposition


@pytest.mark.parametrize(
    "tail",
    [b"<script>alert(1)</script>", b"<HTML><body>", b"<hta:application id=x>", b"@echo off\r\ndel *"],
)
def test_a_pdf_header_followed_by_script_is_refused(tail):
    with pytest.raises(ActionError) as refused:
        check_upload(SimpleUploadedFile("report.pdf", PDF_BYTES + tail))
    assert refused.value.field == "file" and "มากกว่าหนึ่งชนิด" in refused.value.message_th


def test_a_plain_pdf_is_accepted():
    assert check_upload(SimpleUploadedFile("report.pdf", PDF_BYTES)).stored_name == "report.pdf"
