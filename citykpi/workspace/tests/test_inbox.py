"""The inbox's head side: what waits for the head's submission, and "submit all ready"
(one submit_report per quarter, one transaction, a clear summary); navigation links by role."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from citykpi.audit.models import AuditEvent
from citykpi.conftest import PASSWORD
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.workspace.tests.conftest import PERSONAS

S = QuarterReport.Status


def drafted(kpi, user, result="40"):
    report = reporting.get_quarter(kpi, 1)
    reporting.save_report(user, report, result=result, narrative="ร่าง", version=report.version)
    return report


@pytest.fixture
def drafts(make_indicator, agency_a, current_year, reporter_a):
    return [drafted(make_indicator(agency_a, fiscal_year=current_year), reporter_a) for _ in range(3)]


def ready_form(reports):
    """The confirmed second step of "submit all" (the first step only lists them)."""
    data = {"report": [str(r.pk) for r in reports], "confirm": "1"}
    data.update({f"version_{r.pk}": str(r.version) for r in reports})
    return data


def test_the_head_sees_what_waits_for_submission_ready_and_not_ready(
    drafts, make_indicator, agency_a, current_year, reporter_a, head_a, login
):
    empty = drafted(make_indicator(agency_a, fiscal_year=current_year), reporter_a, result="")
    response = login(head_a).get(reverse("workspace:inbox"))
    assert sorted(i["report"].pk for i in response.context["ready"]) == sorted(r.pk for r in drafts)
    assert [i["report"].pk for i in response.context["not_ready"]] == [empty.pk]
    page = response.content.decode()
    assert 'id="submit-ready-form"' in page and "ยังไม่มีผลงาน" in page
    assert page.count('name="report"') == 3


def test_a_reporter_who_may_not_submit_sees_no_submission_box(drafts, reporter_a, login):
    response = login(reporter_a).get(reverse("workspace:inbox"))
    assert response.context["ready"] == [] and 'id="submit-ready-form"' not in response.content.decode()


def test_submit_all_ready_submits_each_quarter_and_says_which(drafts, head_a, login):
    client = login(head_a)
    response = client.post(reverse("workspace:submit_ready"), ready_form(drafts), follow=True)
    assert response.redirect_chain[-1][0] == reverse("workspace:inbox")
    assert set(QuarterReport.objects.values_list("status", flat=True)) == {S.SUBMITTED}
    assert AuditEvent.objects.filter(action="report.submit").count() == 3
    page = response.content.decode()
    assert "ส่งรายงานแล้ว 3 รายการ" in page
    for report in drafts:
        assert report.indicator.code in page
    assert response.context["ready"] == []


def test_only_the_ticked_quarters_are_submitted(drafts, head_a, login):
    data = ready_form(drafts[:1])
    login(head_a).post(reverse("workspace:submit_ready"), data)
    statuses = dict(QuarterReport.objects.values_list("pk", "status"))
    assert statuses == {drafts[0].pk: S.SUBMITTED, drafts[1].pk: S.DRAFT, drafts[2].pk: S.DRAFT}


def test_a_quarter_changed_since_the_head_looked_submits_nothing(drafts, head_a, reporter_a, login):
    data = ready_form(drafts)
    reporting.save_report(reporter_a, drafts[1], result="41", narrative="แก้", version=drafts[1].version)
    response = login(head_a).post(reverse("workspace:submit_ready"), data, follow=True)
    assert not QuarterReport.objects.filter(status=S.SUBMITTED).exists()
    page = response.content.decode()
    assert "ยังไม่ได้ส่งรายการใดเลย" in page and drafts[1].indicator.code in page


def test_submitting_with_nothing_ticked_says_so(drafts, head_a, login):
    response = login(head_a).post(reverse("workspace:submit_ready"), {}, follow=True)
    assert "ไม่ได้เลือกรายการที่จะส่ง" in response.content.decode()
    assert not QuarterReport.objects.filter(status=S.SUBMITTED).exists()


SUBMIT_READY_MATRIX = {
    # persona: status of POST /work/submit-ready/ with agency A's drafts
    None: 302,
    "reporter_a": 403,
    "head_a": 302,
    "reporter_b": 404,
    "evaluator": 403,
    "executive": 403,
    "administrator": 403,
}


@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_each_persona_may_submit_all_ready_only_where_their_role_allows(persona, request, drafts, login):
    client = login(request.getfixturevalue(persona) if persona else None)
    response = client.post(reverse("workspace:submit_ready"), ready_form(drafts))
    assert response.status_code == SUBMIT_READY_MATRIX[persona]
    submitted = QuarterReport.objects.filter(status=S.SUBMITTED).count()
    assert submitted == (3 if persona == "head_a" else 0)
    if persona is None:
        assert response["Location"].startswith("/accounts/login/")


def test_submit_ready_answers_405_to_get(head_a, login):
    assert login(head_a).get(reverse("workspace:submit_ready")).status_code == 405


def test_submit_ready_needs_the_csrf_token(drafts, head_a):
    client = Client(enforce_csrf_checks=True)
    client.login(username=head_a.username, password=PASSWORD)
    assert client.post(reverse("workspace:submit_ready"), ready_form(drafts)).status_code == 403
    assert not QuarterReport.objects.filter(status=S.SUBMITTED).exists()


def test_the_heads_inbox_queries_do_not_grow_with_kpis(
    make_indicator, agency_a, current_year, reporter_a, head_a, login, django_assert_max_num_queries
):
    for _ in range(2):
        drafted(make_indicator(agency_a, fiscal_year=current_year), reporter_a)
    client = login(head_a)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("workspace:inbox"))
    for _ in range(8):
        drafted(make_indicator(agency_a, fiscal_year=current_year), reporter_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("workspace:inbox"))
    assert len(response.context["ready"]) == 10


@pytest.mark.parametrize(
    ("persona", "sees_queue"),
    [
        ("reporter_a", False),
        ("head_a", False),
        ("evaluator", True),
        ("executive", False),
        ("administrator", True),
    ],
)
def test_the_queue_link_shows_only_to_those_who_work_the_queue(persona, sees_queue, request, login):
    page = login(request.getfixturevalue(persona)).get(reverse("workspace:inbox")).content.decode()
    assert ('id="nav-queue"' in page) is sees_queue


def test_a_draft_saved_by_the_system_shows_in_the_heads_list_without_a_name(drafts, head_a, login):
    # An imported draft has no person behind it; the page must still render.
    QuarterReport.objects.filter(pk=drafts[0].pk).update(updated_by=None)
    response = login(head_a).get(reverse("workspace:inbox"))
    assert response.status_code == 200
    assert len(response.context["ready"]) == 3


def test_nothing_is_ticked_for_the_head_in_advance(drafts, head_a, login):
    page = login(head_a).get(reverse("workspace:inbox")).content.decode()
    assert page.count('name="report"') == 3 and " checked" not in page


def test_submit_all_first_asks_to_confirm_with_the_count_and_submits_nothing(
    drafts, make_indicator, agency_a, current_year, head_a, login
):
    from citykpi.reporting.models import QuarterReport

    untouched = reporting.get_quarter(make_indicator(agency_a, fiscal_year=current_year), 1)
    untouched.status = QuarterReport.Status.DRAFT
    untouched.save()
    data = ready_form([*drafts, untouched])
    del data["confirm"]
    response = login(head_a).post(reverse("workspace:submit_ready"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "จะส่ง" in page and " 4 " in page and 'id="confirm-submit"' in page
    assert 'id="never-edited"' in page and "ยังไม่เคยแก้ไข" in page
    assert not QuarterReport.objects.filter(status=QuarterReport.Status.SUBMITTED).exists()
