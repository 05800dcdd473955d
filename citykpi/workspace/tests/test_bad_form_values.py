"""Bad bytes and odd numbers in the workspace's form posts: a clear 400 in Thai and
English naming the field, nothing saved, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport

NOT_NUMBERS = ["abc", "²", "1e5", "-"]
HUGE = ["99999999999999999999999", "9223372036854775808"]
ODD = NOT_NUMBERS + HUGE


def refused_status(value: str) -> int:
    # Not a number: 400 naming the field; a number that is not the current version: 409.
    return 409 if value in HUGE else 400


def quarter_url(kpi, quarter=1):
    return reverse("workspace:quarter", args=[kpi.code, quarter])


def test_a_nul_in_a_narrative_is_a_bilingual_400_and_nothing_is_saved(kpi_a, reporter_a, login):
    response = login(reporter_a).post(
        quarter_url(kpi_a),
        {"action": "save", "result": "10", "narrative": "ผล\x00การดำเนินงาน", "version": "1"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "ข้อมูลในช่อง narrative มีอักขระที่ไม่อนุญาต (NUL)" in page
    assert "The field narrative contains a character that is not allowed (NUL)" in page
    assert not QuarterReport.objects.filter(indicator=kpi_a).exclude(narrative="").exists()


def test_a_lone_surrogate_in_a_multipart_narrative_is_a_400(kpi_a, reporter_a, login):
    # A browser cannot send one, a script can: the raw bytes of "\ud800" in UTF-8.
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="narrative"\r\n\r\n'.encode()
        + b"\xed\xa0\x80"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = login(reporter_a).post(
        quarter_url(kpi_a), data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code < 500
    assert all(report.narrative.isprintable() for report in QuarterReport.objects.all())


@pytest.mark.parametrize("value", ODD)
def test_an_odd_version_in_the_quarter_form_is_refused_naming_it(kpi_a, reporter_a, login, value):
    response = login(reporter_a).post(
        quarter_url(kpi_a), {"action": "save", "result": "10", "narrative": "ผลงาน", "version": value}
    )
    assert response.status_code == refused_status(value)
    assert "version" in response.content.decode()
    assert not QuarterReport.objects.filter(indicator=kpi_a, narrative="ผลงาน").exists()


@pytest.mark.parametrize("value", ODD)
def test_an_odd_version_in_the_assessment_form_is_refused(kpi_a, head_a, evaluator, login, value):
    report = reporting.get_quarter(kpi_a, 1)
    report = reporting.save_report(head_a, report, result="40", narrative="ส่ง", version=report.version)
    report = reporting.submit_report(head_a, report, version=report.version)
    client = login(evaluator)
    url = reverse("workspace:assess", args=[kpi_a.code, 1])
    for data in (
        {"action": "assess", "score": "80", "version": value},
        {"action": "return", "reason": "แก้ไข", "version": value},
    ):
        response = client.post(url, data)
        assert response.status_code == refused_status(value), data
    report.refresh_from_db()
    assert report.status == QuarterReport.Status.SUBMITTED


@pytest.mark.parametrize("value", ODD)
def test_odd_ids_in_submit_all_ready_submit_nothing(kpi_a, head_a, login, value):
    report = reporting.get_quarter(kpi_a, 1)
    reporting.save_report(head_a, report, result="40", narrative="พร้อม", version=report.version)
    response = login(head_a).post(
        reverse("workspace:submit_ready"), {"report": [value], f"version_{value}": value, "confirm": "1"}
    )
    assert response.status_code < 500
    assert not QuarterReport.objects.filter(status=QuarterReport.Status.SUBMITTED).exists()
