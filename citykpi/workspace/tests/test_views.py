"""The staff pages: the permission matrix (each persona, own and other agency, each
method, anonymous), the quarter form, the evaluator's forms, escaping, CSRF, query bounds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from citykpi.audit.models import AuditEvent
from citykpi.conftest import PASSWORD
from citykpi.evaluation import actions as evaluation
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.workspace.tests.conftest import PERSONAS, pdf_upload

S = QuarterReport.Status
COMPONENTS = {"2.1": "90", "2.2": "100"}


def submitted_quarter(kpi, head, quarter=1):
    report = reporting.get_quarter(kpi, quarter)
    reporting.save_report(head, report, result="40", narrative="ครึ่งทาง", version=report.version)
    reporting.submit_report(head, report)
    return report


# ---------------------------------------------------------------- the permission matrix

VIEW_MATRIX = {
    # persona: (inbox, queue, kpi of A, quarter form of A GET, assess form of A GET)
    None: (302, 302, 302, 302, 302),
    "reporter_a": (200, 403, 200, 200, 403),
    "head_a": (200, 403, 200, 200, 403),
    "reporter_b": (200, 403, 404, 404, 404),
    "evaluator": (200, 200, 200, 200, 200),
    "executive": (200, 200, 200, 200, 403),
    "administrator": (200, 200, 200, 200, 403),
}


@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_each_persona_gets_the_right_answer_from_every_staff_page(persona, request, kpi_a, login):
    client = login(request.getfixturevalue(persona) if persona else None)
    urls = [
        reverse("workspace:inbox"),
        reverse("workspace:queue"),
        reverse("workspace:kpi", args=[kpi_a.code]),
        reverse("workspace:quarter", args=[kpi_a.code, 1]),
        reverse("workspace:assess", args=[kpi_a.code, 1]),
    ]
    got = tuple(client.get(url).status_code for url in urls)
    assert got == VIEW_MATRIX[persona]
    if persona is None:
        assert client.get(urls[0])["Location"].startswith("/accounts/login/")


POST_MATRIX = {
    # persona: (save on A's quarter form, assess on A's submitted quarter)
    None: (302, 302),
    "reporter_a": (302, 403),
    "head_a": (302, 403),
    "reporter_b": (404, 404),
    "evaluator": (403, 302),
    "executive": (403, 403),
    "administrator": (403, 403),
}


@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_each_persona_may_post_only_what_their_role_allows(persona, request, kpi_a, head_a, login):
    user = request.getfixturevalue(persona) if persona else None
    submitted = submitted_quarter(kpi_a, head_a, quarter=2)
    client = login(user)
    save = client.post(
        reverse("workspace:quarter", args=[kpi_a.code, 1]),
        {"action": "save", "result": "10", "narrative": "x", "version": 1},
    )
    assess = client.post(
        reverse("workspace:assess", args=[kpi_a.code, 2]),
        {
            "action": "assess",
            "score": "90",
            "component_2.1": "90",
            "component_2.2": "95",
            "version": submitted.version,
        },
    )
    assert (save.status_code, assess.status_code) == POST_MATRIX[persona]
    saved = QuarterReport.objects.filter(indicator=kpi_a, quarter=1, status=S.DRAFT).exists()
    assert saved == (POST_MATRIX[persona][0] == 302 and user is not None)
    if persona is None:
        assert save["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("workspace:inbox", [], "post"),
        ("workspace:queue", [], "post"),
        ("workspace:kpi", ["K"], "post"),
        ("workspace:quarter", ["K", 1], "put"),
        ("workspace:assess", ["K", 1], "delete"),
        ("workspace:evidence", [1], "post"),
    ],
)
def test_wrong_methods_get_405(name, args, method, kpi_a, evaluator, login):
    client = login(evaluator)
    args = [kpi_a.code if a == "K" else a for a in args]
    assert getattr(client, method)(reverse(name, args=args)).status_code == 405


# ---------------------------------------------------------------- the quarter form


def test_reporter_saves_a_draft_through_the_form_with_evidence(kpi_a, reporter_a, login):
    client = login(reporter_a)
    response = client.post(
        reverse("workspace:quarter", args=[kpi_a.code, 1]),
        {
            "action": "save",
            "result": "๔๐",
            "narrative": "ประชุมแล้ว",
            "version": 1,
            "evidence": pdf_upload("รายงานการประชุม.pdf"),
        },
    )
    assert response.status_code == 302
    report = QuarterReport.objects.get(indicator=kpi_a, quarter=1)
    assert report.result == Decimal("40") and report.status == S.DRAFT
    assert report.evidence.get().original_name == "รายงานการประชุม.pdf"
    page = client.get(reverse("workspace:quarter", args=[kpi_a.code, 1])).content.decode()
    assert "รายงานการประชุม.pdf" in page and 'value="40"' in page


def test_a_bad_result_is_shown_next_to_the_field_and_nothing_is_saved(kpi_a, reporter_a, login):
    client = login(reporter_a)
    response = client.post(
        reverse("workspace:quarter", args=[kpi_a.code, 1]),
        {"action": "save", "result": "150", "narrative": "ผล", "version": 1},
    )
    assert response.status_code == 400
    assert "ต้องไม่เกิน 100" in response.content.decode()
    assert "ผล" in response.content.decode()  # what the user typed is kept
    assert not QuarterReport.objects.filter(status=S.DRAFT).exists()


def test_the_second_save_gets_a_conflict_that_shows_both_changes(kpi_a, reporter_a, head_a):
    first, second = Client(), Client()
    first.login(username=head_a.username, password=PASSWORD)
    second.login(username=reporter_a.username, password=PASSWORD)
    url = reverse("workspace:quarter", args=[kpi_a.code, 1])
    # Both opened the form at version 1.
    assert (
        first.post(url, {"action": "save", "result": "60", "narrative": "ของหัวหน้า", "version": 1}).status_code
        == 302
    )
    response = second.post(url, {"action": "save", "result": "10", "narrative": "ของผู้รายงาน", "version": 1})
    assert response.status_code == 409
    page = response.content.decode()
    assert "ของหัวหน้า" in page and "ของผู้รายงาน" in page and "head-a" in page
    report = QuarterReport.objects.get(indicator=kpi_a, quarter=1)
    assert report.result == Decimal("60") and report.narrative == "ของหัวหน้า"
    # The form now carries the current version: saving again deliberately works.
    assert 'name="version" value="2"' in page


def test_narratives_with_script_are_shown_escaped(kpi_a, reporter_a, evaluator, login):
    report = reporting.get_quarter(kpi_a, 1)
    reporting.save_report(reporter_a, report, result="1", narrative="<script>alert(1)</script>", version=1)
    for user, name in (
        (reporter_a, "workspace:quarter"),
        (evaluator, "workspace:quarter"),
        (evaluator, "workspace:assess"),
    ):
        page = login(user).get(reverse(name, args=[kpi_a.code, 1])).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_forms_need_the_csrf_token(kpi_a, reporter_a, evaluator, head_a):
    client = Client(enforce_csrf_checks=True)
    client.login(username=reporter_a.username, password=PASSWORD)
    url = reverse("workspace:quarter", args=[kpi_a.code, 1])
    assert (
        client.post(url, {"action": "save", "result": "1", "narrative": "", "version": 1}).status_code == 403
    )
    assert not QuarterReport.objects.exists()
    page = client.get(url)
    token = page.cookies["csrftoken"].value
    ok = client.post(
        url, {"action": "save", "result": "1", "narrative": "", "version": 1, "csrfmiddlewaretoken": token}
    )
    assert ok.status_code == 302


def test_head_submits_and_the_form_becomes_read_only(kpi_a, head_a, login):
    client = login(head_a)
    url = reverse("workspace:quarter", args=[kpi_a.code, 1])
    assert (
        client.post(
            url, {"action": "submit", "confirm": "1", "result": "20", "narrative": "ส่ง", "version": 1}
        ).status_code
        == 302
    )
    report = QuarterReport.objects.get()
    assert report.status == S.SUBMITTED and report.submitted_by == head_a
    page = client.get(url).content.decode()
    assert 'id="quarter-form"' not in page


def test_a_reporter_without_the_submit_right_sees_no_submit_button(kpi_a, reporter_a, login):
    page = login(reporter_a).get(reverse("workspace:quarter", args=[kpi_a.code, 1])).content.decode()
    assert 'value="save"' in page and 'value="submit"' not in page


def test_upload_with_a_wrong_type_under_a_pdf_name_is_refused_in_the_form(kpi_a, reporter_a, login):
    response = login(reporter_a).post(
        reverse("workspace:quarter", args=[kpi_a.code, 1]),
        {
            "action": "save",
            "result": "1",
            "narrative": "",
            "version": 1,
            "evidence": pdf_upload("report.pdf", b"MZ\x90\x00 not a pdf at all" * 10),
        },
    )
    assert response.status_code == 400
    assert "ไม่ใช่ชนิดที่รับ" in response.content.decode()


# ---------------------------------------------------------------- the evaluator


def test_evaluator_returns_then_assesses_through_the_forms(kpi_a, head_a, evaluator, login):
    report = submitted_quarter(kpi_a, head_a)
    client = login(evaluator)
    url = reverse("workspace:assess", args=[kpi_a.code, 1])
    assert (
        client.post(url, {"action": "return", "reason": "ขาดหลักฐาน", "version": report.version}).status_code
        == 302
    )
    report.refresh_from_db()
    assert report.status == S.RETURNED
    head = Client()
    head.login(username=head_a.username, password=PASSWORD)
    page = head.get(reverse("workspace:quarter", args=[kpi_a.code, 1])).content.decode()
    assert "ขาดหลักฐาน" in page
    head.post(
        reverse("workspace:quarter", args=[kpi_a.code, 1]),
        {
            "action": "submit",
            "confirm": "1",
            "result": "45",
            "narrative": "แนบแล้ว",
            "version": report.version,
        },
    )
    report.refresh_from_db()
    response = client.post(
        url,
        {
            "action": "assess",
            "score": "๙๕",
            "component_2.1": "95",
            "component_2.2": "100",
            "comment": "ดี",
            "version": report.version,
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == S.ASSESSED and report.assessment.score == Decimal("95")


def test_return_without_a_reason_is_refused_on_the_page(kpi_a, head_a, evaluator, login):
    report = submitted_quarter(kpi_a, head_a)
    response = login(evaluator).post(
        reverse("workspace:assess", args=[kpi_a.code, 1]),
        {"action": "return", "reason": "", "version": report.version},
    )
    assert response.status_code == 400
    assert "เหตุผล" in response.content.decode()


def test_the_queue_filters_and_its_queries_do_not_grow_with_rows(
    make_indicator, agency_a, agency_b, current_year, head_a, evaluator, login, django_assert_max_num_queries
):
    from citykpi.accounts.models import Membership, Role
    from citykpi.conftest import _user

    head_b = _user("head-b", Role.HEAD, agency_b)
    assert Membership.objects.filter(user=head_b).exists()
    for _ in range(6):
        submitted_quarter(make_indicator(agency_a, fiscal_year=current_year), head_a)
        submitted_quarter(make_indicator(agency_b, fiscal_year=current_year), head_b)
    client = login(evaluator)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("workspace:queue"))
    assert page.context["page"].paginator.count == 12
    only_b = client.get(
        reverse("workspace:queue"), {"agency": "5047", "quarter": "1", "year": current_year.year}
    )
    assert only_b.context["page"].paginator.count == 6
    assert all(r.indicator.agency.code == "5047" for r in only_b.context["page"])
    none_in_q2 = client.get(reverse("workspace:queue"), {"quarter": "2"})
    assert none_in_q2.context["page"].paginator.count == 0


def test_the_inbox_groups_quarters_and_shows_deadlines(
    kpi_a,
    make_indicator,
    agency_a,
    current_year,
    reporter_a,
    head_a,
    evaluator,
    login,
    django_assert_max_num_queries,
):
    returned_kpi = make_indicator(agency_a, fiscal_year=current_year)
    submitted_kpi = make_indicator(agency_a, fiscal_year=current_year)
    report = submitted_quarter(returned_kpi, head_a)
    evaluation.return_report(evaluator, report, reason="ขอเอกสารเพิ่ม")
    submitted_quarter(submitted_kpi, head_a)
    client = login(reporter_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workspace:inbox"))
    groups = {key: [i["indicator"].code for i in items] for key, _label, items in response.context["groups"]}
    assert groups["due"] == [kpi_a.code]
    assert groups["returned"] == [returned_kpi.code]
    assert groups["submitted"] == [submitted_kpi.code]
    assert "ขอเอกสารเพิ่ม" in response.content.decode()


def test_the_inbox_lists_an_unsubmitted_earlier_quarter_as_overdue(kpi_a, current_year, reporter_a, login):
    import datetime as dt

    from django.utils import timezone

    current_year.q1_deadline = timezone.localdate() - dt.timedelta(days=1)
    current_year.save()
    response = login(reporter_a).get(reverse("workspace:inbox"))
    groups = {
        key: [(i["indicator"].code, i["quarter"]) for i in items]
        for key, _l, items in response.context["groups"]
    }
    assert groups["overdue"] == [(kpi_a.code, 1)]
    assert groups["due"] == [(kpi_a.code, 2)]


def test_the_kpi_staff_page_shows_quarters_and_the_audit_history(
    kpi_a, head_a, evaluator, login, django_assert_max_num_queries
):
    report = submitted_quarter(kpi_a, head_a)
    evaluation.assess(evaluator, report, score="88", components=COMPONENTS, comment="ผ่าน")
    client = login(evaluator)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("workspace:kpi", args=[kpi_a.code])).content.decode()
    assert AuditEvent.objects.filter(indicator_code=kpi_a.code).count() == 3
    for action in ("report.save", "report.submit", "report.assess"):
        assert action in page
    assert "88" in page


def test_the_quarter_form_names_the_unit_in_english_when_english_is_chosen(kpi_a, reporter_a, login):
    client = login(reporter_a)
    address = reverse("workspace:quarter", args=[kpi_a.code, 1])
    assert "(ร้อยละ" in client.get(address).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(address).content.decode()
    assert "Cumulative result (percent" in english and "ร้อยละ" not in english
