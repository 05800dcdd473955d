"""One request, one transaction: when any part of a quarter-form post is refused (a file,
the submit, the version), nothing of it is written, and the form comes back with what was
typed kept."""

from __future__ import annotations

from django.urls import reverse

from citykpi.audit.models import AuditEvent
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import Evidence, QuarterReport
from citykpi.workspace.tests.conftest import PDF_BYTES, pdf_upload

S = QuarterReport.Status
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def url(kpi, quarter=1):
    return reverse("workspace:quarter", args=[kpi.code, quarter])


def untouched(kpi, audit_rows_before: int) -> None:
    report = QuarterReport.objects.filter(indicator=kpi, quarter=1).first()
    assert report is None or (
        report.result is None and report.narrative == "" and report.status == S.NOT_STARTED
    ), "a refused post wrote to the quarter"
    assert not Evidence.objects.filter(quarter_report__indicator=kpi).exists()
    assert AuditEvent.objects.count() == audit_rows_before, "a refused post left an audit row"


def test_a_refused_file_saves_nothing_and_keeps_what_was_typed(kpi_a, reporter_a, login, evidence_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = reporting.get_quarter(kpi_a, 1)
    rows = AuditEvent.objects.count()
    response = login(reporter_a).post(
        url(kpi_a),
        {
            "action": "save",
            "result": "42",
            "narrative": "ผลงานไตรมาสแรก พิมพ์ไว้ยาว",
            "version": report.version,
            "evidence": SimpleUploadedFile("report.pdf", EXE_BYTES, content_type="application/pdf"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "ผลงานไตรมาสแรก พิมพ์ไว้ยาว" in page and 'value="42"' in page
    assert 'id="files-not-kept"' in page and "เลือกไฟล์หลักฐานใหม่" in page
    untouched(kpi_a, rows)
    stored = list(evidence_storage.rglob("*")) if evidence_storage.exists() else []
    assert [p for p in stored if p.is_file()] == [], "a refused post left a file on disk"


def test_a_good_file_then_a_refused_one_keeps_neither(kpi_a, reporter_a, login, evidence_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = reporting.get_quarter(kpi_a, 1)
    rows = AuditEvent.objects.count()
    response = login(reporter_a).post(
        url(kpi_a),
        {
            "action": "save",
            "result": "42",
            "narrative": "สองไฟล์",
            "version": report.version,
            "evidence": [
                pdf_upload("ดี.pdf", PDF_BYTES),
                SimpleUploadedFile("bad.pdf", EXE_BYTES, content_type="application/pdf"),
            ],
        },
    )
    assert response.status_code == 400
    untouched(kpi_a, rows)
    stored = list(evidence_storage.rglob("*")) if evidence_storage.exists() else []
    assert [p for p in stored if p.is_file()] == []


def test_a_submit_refused_for_a_missing_result_saves_nothing(kpi_a, head_a, login):
    report = reporting.get_quarter(kpi_a, 1)
    rows = AuditEvent.objects.count()
    response = login(head_a).post(
        url(kpi_a),
        {"action": "submit", "result": "", "narrative": "ยังไม่มีตัวเลข", "version": report.version},
    )
    assert response.status_code == 400
    assert "ยังไม่มีตัวเลข" in response.content.decode()
    untouched(kpi_a, rows)


def test_a_submit_refused_by_role_saves_nothing_and_says_so(kpi_a, reporter_a, login):
    report = reporting.get_quarter(kpi_a, 1)
    rows = AuditEvent.objects.count()
    response = login(reporter_a).post(
        url(kpi_a),
        {"action": "submit", "result": "50", "narrative": "ส่งเองไม่ได้", "version": report.version},
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "ส่งเองไม่ได้" in page and "nothing was saved" in page
    untouched(kpi_a, rows)


def test_a_post_without_its_version_is_refused_not_saved_over_a_newer_save(kpi_a, reporter_a, head_a, login):
    report = reporting.get_quarter(kpi_a, 1)
    reporting.save_report(head_a, report, result="70", narrative="ของหัวหน้า", version=report.version)
    response = login(reporter_a).post(url(kpi_a), {"action": "save", "result": "10", "narrative": "ทับ"})
    assert response.status_code == 400
    assert "version" in response.content.decode()
    report.refresh_from_db()
    assert report.narrative == "ของหัวหน้า" and str(report.result).startswith("70")


def test_a_non_numeric_or_huge_evidence_id_is_a_404_not_a_500(kpi_a, reporter_a, login):
    client = login(reporter_a)
    for bad in ["abc", "99999999999999999999999", "-1"]:
        response = client.post(url(kpi_a), {"action": "remove_evidence", "evidence": bad})
        assert response.status_code == 404, bad


def test_the_head_recalls_a_submitted_quarter_until_the_evaluator_acts(kpi_a, head_a, evaluator, login):
    from citykpi.evaluation import actions as evaluation

    report = reporting.get_quarter(kpi_a, 1)
    reporting.save_report(head_a, report, result="40", narrative="ส่งเร็วไป", version=report.version)
    reporting.submit_report(head_a, report)
    client = login(head_a)
    page = client.get(url(kpi_a)).content.decode()
    assert 'id="recall"' in page
    response = client.post(url(kpi_a), {"action": "recall", "version": report.version}, follow=True)
    assert "เรียกคืนรายงานแล้ว" in response.content.decode()
    report.refresh_from_db()
    assert report.status == S.DRAFT and report.submitted_at is None
    assert AuditEvent.objects.filter(action="report.recall", object_id=str(report.pk)).exists()
    # Once the evaluator has acted, there is nothing to recall.
    reporting.submit_report(head_a, report)
    evaluation.assess(evaluator, report, score="90", components={"2.1": "90", "2.2": "100"})
    rows = AuditEvent.objects.count()
    response = client.post(url(kpi_a), {"action": "recall", "version": report.version})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == S.ASSESSED and AuditEvent.objects.count() == rows


def test_a_reporter_who_may_not_submit_may_not_recall(kpi_a, head_a, reporter_a, login):
    report = reporting.get_quarter(kpi_a, 1)
    reporting.save_report(head_a, report, result="40", narrative="", version=report.version)
    reporting.submit_report(head_a, report)
    response = login(reporter_a).post(url(kpi_a), {"action": "recall", "version": report.version})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == S.SUBMITTED
