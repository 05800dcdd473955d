"""The setup pages under /setup/ (citykpi.planning.views)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import Indicator
from citykpi.planning import actions
from citykpi.planning.models import KpiTemplate, Setup


def _agency_url(agency, year=2566):
    return reverse("planning:agency", args=[agency.code, year])


def _action_url(agency, verb, year=2566):
    return reverse("planning:setup_action", args=[agency.code, year, verb])


def test_anonymous_users_are_sent_to_the_login_page(client, agency_a, ready_kpis, template):
    for url in [
        reverse("planning:overview"),
        _agency_url(agency_a),
        reverse("planning:templates"),
        reverse("planning:template", args=[template.pk]),
        reverse("planning:carry_forward"),
        reverse("planning:kpi", args=[ready_kpis[0].code]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    response = client.post(_action_url(agency_a, "propose"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_agencys_setup_is_not_found(client, reporter_b, agency_a, ready_kpis):
    client.force_login(reporter_b)
    assert client.get(_agency_url(agency_a)).status_code == 404
    assert client.post(_agency_url(agency_a), {}).status_code == 404
    assert client.post(_action_url(agency_a, "propose")).status_code == 404
    assert client.get(reverse("planning:kpi", args=[ready_kpis[0].code])).status_code == 404


def test_the_executive_reads_but_may_not_change(client, executive, agency_a, ready_kpis):
    client.force_login(executive)
    assert client.get(_agency_url(agency_a)).status_code == 200
    assert client.post(_agency_url(agency_a), {}).status_code == 403
    assert client.get(reverse("planning:template_create")).status_code == 403


def test_wrong_methods_are_refused(client, evaluator, agency_a, ready_kpis, template):
    client.force_login(evaluator)
    assert client.get(_action_url(agency_a, "approve")).status_code == 405
    assert client.post(reverse("planning:overview")).status_code == 405
    assert client.post(reverse("planning:template", args=[template.pk])).status_code == 405
    assert client.delete(_agency_url(agency_a)).status_code == 405


def test_agency_users_may_not_manage_templates(client, reporter_a, template):
    client.force_login(reporter_a)
    assert client.get(reverse("planning:templates")).status_code == 200
    for url in [
        reverse("planning:template_create"),
        reverse("planning:template_edit", args=[template.pk]),
        reverse("planning:template_assign", args=[template.pk]),
    ]:
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403


def test_the_overview_shows_each_agency_with_its_state_and_check_counts(
    client, evaluator, agency_a, agency_b, ready_kpis, make_indicator, django_assert_max_num_queries
):
    make_indicator(agency_b, weight=Decimal("50"))
    client.force_login(evaluator)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("planning:overview") + "?year=2566")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["agency"].code, r["errors"]) for r in rows] == [("0409", 0), ("5047", 2)]
    assert "0409" in response.content.decode()


def test_the_agency_saves_targets_plans_and_weights_with_thai_digits_and_proposes(
    client, reporter_a, agency_a, ready_kpis, django_assert_max_num_queries
):
    client.force_login(reporter_a)
    with django_assert_max_num_queries(14):
        assert client.get(_agency_url(agency_a)).status_code == 200
    kpi = ready_kpis[0]
    data = {
        f"k{kpi.pk}-target": "๙๐",
        f"k{kpi.pk}-q1": "20",
        f"k{kpi.pk}-q2": "40",
        f"k{kpi.pk}-q3": "60",
        f"k{kpi.pk}-q4": "90",
        f"k{kpi.pk}-weight": "60",
        f"k{kpi.pk}-version": str(kpi.plan_version),
    }
    response = client.post(_agency_url(agency_a), data)
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert kpi.target == Decimal("90")
    response = client.post(_action_url(agency_a, "propose"), follow=True)
    assert Setup.objects.get(agency=agency_a).state == "proposed"
    assert "เสนอแล้ว" in response.content.decode()


def test_a_refused_save_keeps_what_was_typed_and_changes_nothing(client, reporter_a, agency_a, ready_kpis):
    client.force_login(reporter_a)
    first, second = ready_kpis
    data = {
        f"k{first.pk}-target": "95",
        f"k{first.pk}-q4": "95",
        f"k{first.pk}-weight": "60",
        f"k{second.pk}-target": "100",
        f"k{second.pk}-q4": "abc",
        f"k{second.pk}-weight": "40",
    }
    response = client.post(_agency_url(agency_a), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "abc" in body and "ไตรมาส" in body
    first.refresh_from_db()
    assert first.target == Decimal("80")  # the whole form or nothing


def test_the_evaluator_approves_and_the_page_says_it_is_frozen(
    client, reporter_a, evaluator, agency_a, ready_kpis
):
    actions.propose(reporter_a, actions.setup_of(agency_a, 2566))
    client.force_login(evaluator)
    response = client.post(_action_url(agency_a, "approve"), follow=True)
    assert Setup.objects.get(agency=agency_a).state == "approved"
    assert "ถูกตรึงไว้" in response.content.decode()
    client.force_login(reporter_a)
    response = client.post(_agency_url(agency_a), {f"k{ready_kpis[0].pk}-target": "1"})
    assert response.status_code == 400 and "อนุมัติแล้ว" in response.content.decode()
    client.force_login(evaluator)
    client.post(_action_url(agency_a, "reopen"), {"reason": "ปรับตามนโยบาย"})
    assert Setup.objects.get(agency=agency_a).state == "reopened"
    assert AuditEvent.objects.filter(action="setup.reopen", reason="ปรับตามนโยบาย").exists()


def test_the_agency_cannot_approve_through_the_page(client, head_a, agency_a, ready_kpis):
    actions.propose(head_a, actions.setup_of(agency_a, 2566))
    client.force_login(head_a)
    response = client.post(_action_url(agency_a, "approve"), follow=True)
    assert response.status_code == 403
    assert Setup.objects.get(agency=agency_a).state == "proposed"


def test_the_evaluator_creates_a_template_and_assigns_it_to_all_districts_plus_a_department(
    client, evaluator, districts, agency_a, fiscal_year, unit_percent
):
    client.force_login(evaluator)
    response = client.post(
        reverse("planning:template_create"),
        {
            "name": "ร้อยละของจุดเสี่ยงน้ำท่วมที่ได้รับการแก้ไข",
            "unit": unit_percent.pk,
            "direction": "higher",
            "kpi_type": "routine",
            "result_level": "outcome",
            "scoring_method": "milestone",
            "milestone_levels": "1 | 20 | 2 | ศึกษา\n2 | 40 | 4 | วางแผน\n๓ | 60 | 6",
        },
    )
    template = KpiTemplate.objects.get()
    assert response.status_code == 302 and len(template.milestone_levels) == 3
    response = client.post(
        reverse("planning:template_assign", args=[template.pk]),
        {
            "fiscal_year": 2566,
            "all_districts": "on",
            "agencies": [agency_a.pk],
            "target": "80",
            "q1": "20",
            "q2": "40",
            "q3": "60",
            "q4": "80",
            "weight": "10",
        },
    )
    assert response.status_code == 302
    codes = sorted(Indicator.objects.filter(template=template).values_list("agency__code", flat=True))
    assert codes == ["0409", "5001", "5002", "5003", "5004", "5005", "5006"]
    response = client.get(reverse("planning:template", args=[template.pk]))
    assert response.status_code == 200 and len(response.context["rows"]) == 7


def test_the_kpi_page_shows_an_earlier_approved_definition(
    client, reporter_a, evaluator, agency_a, ready_kpis
):
    kpi = ready_kpis[0]
    setup = actions.setup_of(agency_a, 2566)
    actions.propose(reporter_a, setup)
    actions.approve(evaluator, setup)
    actions.reopen(evaluator, setup, reason="แก้ชื่อ")
    actions.update_definition(reporter_a, kpi, name="ชื่อใหม่ของตัวชี้วัด")
    client.force_login(reporter_a)
    body = client.get(reverse("planning:kpi", args=[kpi.code]) + "?version=1").content.decode()
    assert "ตัวชี้วัดทดสอบ 1" in body and "ชื่อใหม่ของตัวชี้วัด" in body


def test_the_carry_forward_page_starts_the_new_year(client, evaluator, agency_a, ready_kpis):
    client.force_login(evaluator)
    url = reverse("planning:carry_forward")
    confirmation = client.post(url, {"from_year": 2566, "to_year": "2567"})
    assert confirmation.status_code == 200
    assert "2 ตัวชี้วัด ในปีงบประมาณ 2567" in confirmation.content.decode()
    assert not Indicator.objects.filter(fiscal_year_id=2567).exists()  # nothing on the first click
    response = client.post(url, {"from_year": 2566, "to_year": "2567", "confirm": "1"})
    assert response.status_code == 302 and "year=2567" in response["Location"]
    assert Indicator.objects.filter(fiscal_year_id=2567).count() == 2


@pytest.mark.parametrize("verb", ["comment"])
def test_comments_need_text(client, evaluator, agency_a, ready_kpis, verb):
    client.force_login(evaluator)
    response = client.post(_action_url(agency_a, verb), {"text": " "}, follow=True)
    assert "The comment is empty" in response.content.decode() or "ต้องระบุข้อความ" in response.content.decode()


def test_cascading_to_all_districts_skips_those_that_already_carry_the_template(
    client, evaluator, template, districts, fiscal_year
):
    actions.assign_template(evaluator, template, fiscal_year=2566, agencies=districts[:2])
    client.force_login(evaluator)
    response = client.post(
        reverse("planning:template_assign", args=[template.pk]),
        {
            "fiscal_year": 2566,
            "all_districts": "on",
            "target": "30",
            "q1": "5",
            "q2": "10",
            "q3": "20",
            "q4": "30",
            "weight": "10",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "มอบหมายให้ 4 หน่วยงานแล้ว (2 หน่วยงานมีตัวชี้วัดนี้อยู่แล้ว จึงข้ามไป)" in body
    assert Indicator.objects.filter(template=template, fiscal_year_id=2566).count() == 6
    assert response.redirect_chain[-1][0].endswith("?year=2566")
    response = client.post(
        reverse("planning:template_assign", args=[template.pk]),
        {"fiscal_year": 2566, "all_districts": "on"},
        follow=True,
    )
    assert "ได้รับตัวชี้วัดนี้ในปีงบประมาณ 2566 แล้ว" in response.content.decode()


def test_the_template_page_shows_one_year_side_by_side_and_all_years_on_request(
    client, evaluator, template, districts, fiscal_year, django_assert_max_num_queries
):
    actions.assign_template(evaluator, template, fiscal_year=2566, agencies=districts)
    actions.carry_forward(evaluator, from_year=2566, to_year=2567, template=template)
    client.force_login(evaluator)
    url = reverse("planning:template", args=[template.pk])
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert {r["kpi"].fiscal_year_id for r in response.context["rows"]} == {2567}
    assert len(client.get(url + "?year=2566").context["rows"]) == 6
    assert len(client.get(url + "?year=all").context["rows"]) == 12
    listing = client.get(reverse("planning:templates")).context["templates"]
    assert [(t.agency_count, t.assignment_count) for t in listing] == [(6, 12)]


def test_the_carry_forward_form_proposes_the_year_after_the_latest(client, evaluator, fiscal_year):
    client.force_login(evaluator)
    form = client.get(reverse("planning:carry_forward")).context["form"]
    assert form.initial["to_year"] == 2567 and form.initial["from_year"].pk == 2566


def test_the_negotiation_history_reads_in_words(client, reporter_a, evaluator, agency_a, ready_kpis):
    setup = actions.setup_of(agency_a, 2566)
    actions.propose(reporter_a, setup)
    actions.approve(evaluator, setup)
    client.force_login(evaluator)
    body = client.get(_agency_url(agency_a)).content.decode()
    assert "อนุมัติ (เสนอแล้ว → อนุมัติแล้ว)" in body and "เสนอค่าเป้าหมาย (ร่าง → เสนอแล้ว)" in body
    assert "setup.approve" not in body
    client.cookies["django_language"] = "en"
    body = client.get(_agency_url(agency_a)).content.decode()
    assert "Approved (Proposed → Approved)" in body
