"""Nothing irreversible by accident (issue #11 point 2): a quarter's "submit" on the quarter
form first shows a confirmation with the numbers; only the confirmed post submits."""

from __future__ import annotations

import re
from html import unescape

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from citykpi.audit.models import AuditEvent
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import Evidence, QuarterReport
from citykpi.workspace.tests.conftest import pdf_upload
from citykpi.workspace.tests.test_one_transaction import EXE_BYTES, untouched

S = QuarterReport.Status


def url(kpi, quarter=1):
    return reverse("workspace:quarter", args=[kpi.code, quarter])


def hidden_fields(page: str, form_id: str) -> dict[str, str]:
    """The hidden inputs of one form of the page, as the browser would post them."""
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S).group(0)
    return {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }


def test_a_submit_without_confirm_changes_nothing_and_shows_the_numbers(kpi_a, head_a, login):
    report = reporting.get_quarter(kpi_a, 1)
    report.planned_target = 25
    report.save(update_fields=["planned_target"])
    rows = AuditEvent.objects.count()
    response = login(head_a).post(
        url(kpi_a), {"action": "submit", "result": "๓๐", "narrative": "", "version": report.version}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="confirm-submit"' in page
    summary = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert f"{kpi_a.code} ไตรมาสที่ 1" in summary
    assert re.search(r'id="confirm-result"><strong>30</strong>', page)  # Thai digits read as 30
    assert re.search(r'id="confirm-planned">25<', page)
    assert 'id="never-edited"' in page and 'id="no-narrative"' in page and 'id="no-evidence"' in page
    assert 'id="confirm-recall"' in page and "เรียกคืนมาเป็นร่างได้จนกว่า สยป. จะดำเนินการ" in page
    # The typed values travel to the confirmation; nothing was written.
    carried = hidden_fields(page, "confirm-submit-form")
    assert carried["result"] == "๓๐" and carried["confirm"] == "1" and carried["action"] == "submit"
    assert carried["version"] == str(report.version)
    untouched(kpi_a, rows)


def test_the_confirmed_post_submits_what_the_confirmation_showed(kpi_a, head_a, login):
    report = reporting.get_quarter(kpi_a, 1)
    client = login(head_a)
    first = client.post(
        url(kpi_a),
        {"action": "submit", "result": "42", "narrative": "สองบรรทัด\nบรรทัดที่สอง", "version": report.version},
    )
    carried = hidden_fields(first.content.decode(), "confirm-submit-form")
    assert carried["narrative"] == "สองบรรทัด\nบรรทัดที่สอง"
    assert QuarterReport.objects.get(pk=report.pk).status == S.NOT_STARTED
    response = client.post(url(kpi_a), carried)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == S.SUBMITTED and str(report.result.normalize()) == "42"
    assert report.narrative == "สองบรรทัด\nบรรทัดที่สอง" and report.submitted_by == head_a
    assert AuditEvent.objects.filter(action="report.submit", object_id=str(report.pk)).count() == 1


def test_back_to_the_form_keeps_what_was_typed_and_saves_nothing(kpi_a, head_a, login):
    report = reporting.get_quarter(kpi_a, 1)
    client = login(head_a)
    rows = AuditEvent.objects.count()
    first = client.post(
        url(kpi_a), {"action": "submit", "result": "17", "narrative": "ยังไม่แน่ใจ", "version": report.version}
    )
    back = client.post(url(kpi_a), hidden_fields(first.content.decode(), "confirm-back-form"))
    assert back.status_code == 200
    page = back.content.decode()
    assert 'id="quarter-form"' in page and 'value="17"' in page and "ยังไม่แน่ใจ" in page
    untouched(kpi_a, rows)


def test_a_saved_draft_with_evidence_and_narrative_gets_no_warnings(kpi_a, head_a, login):
    report = reporting.get_quarter(kpi_a, 1)
    reporting.save_report(head_a, report, result="40", narrative="ครบ", version=report.version)
    reporting.add_evidence(head_a, report, pdf_upload())
    report.refresh_from_db()
    response = login(head_a).post(
        url(kpi_a), {"action": "submit", "result": "40", "narrative": "ครบ", "version": report.version}
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'id="confirm-warnings"' not in page
    assert re.search(r'id="confirm-evidence">1 ', page)
    assert 'id="confirm-changed"' not in page
    assert QuarterReport.objects.get(pk=report.pk).status == S.DRAFT


def test_a_changed_draft_is_flagged_on_the_confirmation(kpi_a, head_a, login):
    report = reporting.get_quarter(kpi_a, 1)
    reporting.save_report(head_a, report, result="40", narrative="ร่างเดิม", version=report.version)
    response = login(head_a).post(
        url(kpi_a), {"action": "submit", "result": "45", "narrative": "ร่างเดิม", "version": report.version}
    )
    page = response.content.decode()
    assert 'id="confirm-changed"' in page and 'id="never-edited"' not in page
    report.refresh_from_db()
    assert report.result == 40 and report.status == S.DRAFT


def test_files_chosen_with_a_submit_are_saved_as_a_draft_and_the_submit_waits(
    kpi_a, head_a, login, evidence_storage
):
    report = reporting.get_quarter(kpi_a, 1)
    client = login(head_a)
    first = client.post(
        url(kpi_a),
        {
            "action": "submit",
            "result": "42",
            "narrative": "แนบไฟล์",
            "version": report.version,
            "evidence": pdf_upload("ผลสำรวจ.pdf"),
        },
    )
    assert first.status_code == 200
    page = first.content.decode()
    assert re.search(r'id="confirm-evidence">1 ', page) and "ยังไม่ได้ส่งรายงาน" in page
    report.refresh_from_db()
    # A reversible save: the draft and the file are kept, nothing went to the evaluator.
    assert report.status == S.DRAFT and str(report.result.normalize()) == "42"
    assert Evidence.objects.filter(quarter_report=report, is_removed=False).count() == 1
    assert not AuditEvent.objects.filter(action="report.submit").exists()
    carried = hidden_fields(page, "confirm-submit-form")
    assert carried["version"] == str(report.version)
    assert client.post(url(kpi_a), carried).status_code == 302
    report.refresh_from_db()
    assert report.status == S.SUBMITTED
    assert Evidence.objects.filter(quarter_report=report, is_removed=False).count() == 1


def test_a_refused_file_with_a_submit_saves_nothing_and_shows_no_confirmation(
    kpi_a, head_a, login, evidence_storage
):
    report = reporting.get_quarter(kpi_a, 1)
    rows = AuditEvent.objects.count()
    response = login(head_a).post(
        url(kpi_a),
        {
            "action": "submit",
            "result": "42",
            "narrative": "ไฟล์ปลอม",
            "version": report.version,
            "evidence": [
                pdf_upload(),
                SimpleUploadedFile("report.pdf", EXE_BYTES, content_type="application/pdf"),
            ],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="confirm-submit"' not in page and 'id="files-not-kept"' in page and "ไฟล์ปลอม" in page
    untouched(kpi_a, rows)
    stored = list(evidence_storage.rglob("*")) if evidence_storage.exists() else []
    assert [p for p in stored if p.is_file()] == []


def test_a_save_between_the_confirmation_and_the_confirm_is_a_conflict_not_a_submit(
    kpi_a, head_a, reporter_a, login
):
    report = reporting.get_quarter(kpi_a, 1)
    client = login(head_a)
    first = client.post(
        url(kpi_a), {"action": "submit", "result": "42", "narrative": "", "version": report.version}
    )
    carried = hidden_fields(first.content.decode(), "confirm-submit-form")
    reporting.save_report(reporter_a, report, result="50", narrative="ของผู้รายงาน", version=report.version)
    response = client.post(url(kpi_a), carried)
    assert response.status_code == 409
    report.refresh_from_db()
    assert report.status == S.DRAFT and report.narrative == "ของผู้รายงาน"
    assert not AuditEvent.objects.filter(action="report.submit").exists()
