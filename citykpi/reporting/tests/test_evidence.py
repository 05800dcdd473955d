"""Evidence uploads (reporting.actions.add_evidence and reporting.evidence) and the download view."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from citykpi.audit.models import AuditEvent
from citykpi.conftest import PASSWORD
from citykpi.lib.errors import ActionError
from citykpi.reporting import actions
from citykpi.reporting.evidence import clean_name
from citykpi.reporting.models import Evidence
from citykpi.reporting.tests.conftest import IN_Q2

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 40
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600


def ooxml(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


pytestmark = pytest.mark.usefixtures("evidence_storage")


def upload(reporter, kpi, name, content):
    report = actions.get_quarter(kpi, 2)
    return actions.add_evidence(reporter, report, SimpleUploadedFile(name, content), now=IN_Q2)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("a.pdf", PDF, "application/pdf"),
        ("a.png", PNG, "image/png"),
        ("a.jpg", JPEG, "image/jpeg"),
        (
            "a.docx",
            ooxml("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "a.xlsx",
            ooxml("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "a.pptx",
            ooxml("ppt/presentation.xml"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("a.doc", OLE2, "application/msword"),
        ("a.xls", OLE2, "application/vnd.ms-excel"),
        ("no-extension", PDF, "application/pdf"),
    ],
)
def test_accepted_types_are_detected_from_the_content(kpi_a, reporter_a, name, content, content_type):
    evidence = upload(reporter_a, kpi_a, name, content)
    assert evidence.content_type == content_type
    assert evidence.size == len(content)
    event = AuditEvent.objects.get(action="evidence.add")
    assert event.after["name"] == name and event.indicator_code == kpi_a.code


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100),
        ("photo.png", b"<html><script>x</script></html>"),
        ("sheet.xlsx", plain_zip()),
        ("evil.pdf", b"GIF89a" + b"\x00" * 50),
    ],
)
def test_a_wrong_type_under_a_right_name_is_refused(kpi_a, reporter_a, name, content):
    with pytest.raises(ActionError) as info:
        upload(reporter_a, kpi_a, name, content)
    assert info.value.field == "file" and name in info.value.message_th
    assert not Evidence.objects.exists() and not AuditEvent.objects.exists()


def test_an_empty_file_is_refused(kpi_a, reporter_a):
    with pytest.raises(ActionError) as info:
        upload(reporter_a, kpi_a, "empty.pdf", b"")
    assert "ว่างเปล่า" in info.value.message_th


def test_a_file_over_the_limit_is_refused(kpi_a, reporter_a, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ActionError) as info:
        upload(reporter_a, kpi_a, "big.pdf", PDF + b"0" * 2000)
    assert "too large" in info.value.message_en
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\win.ini.pdf", "win.ini.pdf"),
        ("/abs/path/รายงาน ไตรมาส ๒.pdf", "รายงาน ไตรมาส ๒.pdf"),
        ("..", "evidence"),
        ("a\x00b.pdf", "ab.pdf"),
    ],
)
def test_names_lose_their_folders_and_keep_their_thai(raw, clean):
    assert clean_name(raw) == clean


def test_the_stored_file_never_uses_the_uploaders_name(kpi_a, reporter_a, evidence_storage):
    evidence = upload(reporter_a, kpi_a, "../../../../tmp/หลักฐาน.pdf", PDF)
    assert evidence.original_name == "หลักฐาน.pdf"
    assert ".." not in evidence.file.name and "หลักฐาน" not in evidence.file.name
    stored = (evidence_storage / evidence.file.name).resolve()
    assert stored.is_file() and str(stored).startswith(str(evidence_storage.resolve()))


def test_another_agency_cannot_attach_evidence(kpi_a, reporter_b):
    from django.http import Http404

    with pytest.raises(Http404):
        upload(reporter_b, kpi_a, "a.pdf", PDF)


def test_evidence_is_private_until_published_then_public_with_its_thai_name(
    kpi_a, reporter_a, head_a, reporter_b
):
    evidence = upload(reporter_a, kpi_a, "รายงาน ผล.pdf", PDF)
    url = f"/work/evidence/{evidence.pk}/"
    assert Client().get(url).status_code == 404
    other = Client()
    other.login(username=reporter_b.username, password=PASSWORD)
    assert other.get(url).status_code == 404
    own = Client()
    own.login(username=reporter_a.username, password=PASSWORD)
    response = own.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E0%B8%A3%E0%B8%B2%E0%B8%A2%E0%B8%87%E0%B8%B2%E0%B8%99%20" in disposition
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    report = evidence.quarter_report
    actions.save_report(head_a, report, result="10", narrative="", version=report.version, now=IN_Q2)
    actions.submit_report(head_a, report, now=IN_Q2)
    assert Client().get(url).status_code == 200
    assert other.get(url).status_code == 200


def test_removed_evidence_is_hidden_and_audited(kpi_a, reporter_a):
    evidence = upload(reporter_a, kpi_a, "a.pdf", PDF)
    actions.remove_evidence(reporter_a, evidence, now=IN_Q2)
    evidence.refresh_from_db()
    assert evidence.is_removed
    assert AuditEvent.objects.filter(action="evidence.remove").count() == 1
    own = Client()
    own.login(username=reporter_a.username, password=PASSWORD)
    assert own.get(f"/work/evidence/{evidence.pk}/").status_code == 404
