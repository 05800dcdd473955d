"""Publishing a fiscal year (citykpi.planning.actions.publish_fiscal_year): the action,
the form on the /setup/ overview and POST /api/v1/fiscal-years/{year}/publish."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from citykpi.api.auth import issue_token
from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.errors import ActionError
from citykpi.planning import actions
from citykpi.planning.models import Setup


@pytest.fixture
def year_2567(evaluator, agency_a, agency_b, ready_kpis, make_indicator):
    """2567 carried forward from 2566 for agencies A and B: unpublished, both setups draft."""
    from decimal import Decimal

    make_indicator(agency_b, target=Decimal("10"), weight=Decimal("100"))
    from citykpi.planning.tests.conftest import set_plan

    set_plan(Indicator.objects.get(agency=agency_b), 2, 5, 8, 10)
    actions.carry_forward(evaluator, from_year=2566, to_year=2567)
    return FiscalYear.objects.get(pk=2567)


def _approve(agency, proposer, evaluator) -> None:
    setup = actions.setup_of(agency, 2567)
    actions.propose(proposer, setup)
    actions.approve(evaluator, setup)


def test_a_carried_forward_year_starts_unpublished_and_hidden_from_the_public_queryset(year_2567):
    assert year_2567.is_published is False
    assert not Indicator.objects.published().filter(fiscal_year=year_2567).exists()


def test_publishing_is_refused_while_an_agency_setup_is_not_approved(
    evaluator, reporter_a, agency_a, year_2567
):
    _approve(agency_a, reporter_a, evaluator)
    with pytest.raises(ActionError) as error:
        actions.publish_fiscal_year(evaluator, 2567)
    assert error.value.field == "override_reason"
    assert error.value.extra["unapproved"] == ["5047"]
    assert "5047" in error.value.message_th and "5047" in error.value.message_en
    year_2567.refresh_from_db()
    assert year_2567.is_published is False
    assert not AuditEvent.objects.filter(action="fiscal_year.publish").exists()


def test_the_evaluator_publishes_once_every_setup_is_approved(
    evaluator, reporter_a, reporter_b, agency_a, agency_b, year_2567
):
    _approve(agency_a, reporter_a, evaluator)
    _approve(agency_b, reporter_b, evaluator)
    readiness = actions.publish_fiscal_year(evaluator, 2567, source="api")
    assert readiness.ready and readiness.agencies == 2
    year_2567.refresh_from_db()
    assert year_2567.is_published is True
    event = AuditEvent.objects.get(action="fiscal_year.publish")
    assert event.actor == evaluator and event.source == "api"
    assert event.before == {"is_published": False} and event.after["unapproved"] == []
    assert Indicator.objects.published().filter(fiscal_year_id=2567).count() == 3


def test_an_override_reason_publishes_with_the_open_setups_on_record(evaluator, year_2567):
    actions.publish_fiscal_year(evaluator, 2567, override_reason="  ผู้ว่าฯ สั่งให้เผยแพร่ก่อน ")
    event = AuditEvent.objects.get(action="fiscal_year.publish")
    assert event.reason == "ผู้ว่าฯ สั่งให้เผยแพร่ก่อน"
    assert event.after["unapproved"] == ["0409", "5047"]


def test_a_blank_override_reason_does_not_count(evaluator, year_2567):
    with pytest.raises(ActionError):
        actions.publish_fiscal_year(evaluator, 2567, override_reason="   ")


def test_publishing_twice_or_an_empty_year_is_refused(evaluator, year_2567):
    actions.publish_fiscal_year(evaluator, 2567, override_reason="ทดสอบ")
    with pytest.raises(ActionError) as error:
        actions.publish_fiscal_year(evaluator, 2567, override_reason="ทดสอบ")
    assert "already published" in error.value.message_en
    FiscalYear.objects.create(year=2568, is_published=False)
    with pytest.raises(ActionError) as error:
        actions.publish_fiscal_year(evaluator, 2568, override_reason="ทดสอบ")
    assert "no KPIs" in error.value.message_en


def test_only_the_evaluator_publishes(reporter_a, head_a, executive, year_2567):
    for user in (reporter_a, head_a, executive):
        with pytest.raises(PermissionDenied):
            actions.publish_fiscal_year(user, 2567, override_reason="x")
    year_2567.refresh_from_db()
    assert year_2567.is_published is False


# ---------------------------------------------------------------- the overview page


def test_the_overview_offers_publishing_with_the_agencies_still_open(client, evaluator, year_2567):
    client.force_login(evaluator)
    response = client.get(reverse("planning:overview") + "?year=2567")
    body = response.content.decode()
    assert response.status_code == 200
    assert "ยังไม่เผยแพร่" in body and "เผยแพร่ปีงบประมาณ" in body
    assert "0409, 5047" in body and 'name="override_reason"' in body


def test_the_evaluator_publishes_from_the_overview_with_a_reason(client, evaluator, year_2567):
    client.force_login(evaluator)
    url = reverse("planning:publish_year", args=[2567])
    response = client.post(url, {"override_reason": ""}, follow=True)
    assert "ยังเผยแพร่ไม่ได้" in response.content.decode()
    assert FiscalYear.objects.get(pk=2567).is_published is False
    confirmation = client.post(url, {"override_reason": "เริ่มปีงบประมาณแล้ว"})
    assert confirmation.status_code == 200 and FiscalYear.objects.get(pk=2567).is_published is False
    preview = confirmation.context["preview"]
    summary = confirmation.content.decode()
    assert f"{preview.public_kpis} ตัวชี้วัด ของ {preview.readiness.agencies} หน่วยงาน" in summary
    assert preview.public_kpis == Indicator.objects.filter(fiscal_year_id=2567, is_published=True).count() > 0
    assert 'name="confirm" value="1"' in summary and "เริ่มปีงบประมาณแล้ว" in summary
    response = client.post(url, {"override_reason": "เริ่มปีงบประมาณแล้ว", "confirm": "1"}, follow=True)
    assert FiscalYear.objects.get(pk=2567).is_published is True
    body = response.content.decode()
    assert "เผยแพร่ปีงบประมาณ 2567 แล้ว" in body and "เผยแพร่แล้ว" in body
    assert response.redirect_chain[-1][0].endswith("?year=2567")


def test_agency_staff_see_no_publish_form_and_cannot_post_it(client, reporter_a, year_2567):
    client.force_login(reporter_a)
    body = client.get(reverse("planning:overview") + "?year=2567").content.decode()
    assert 'name="override_reason"' not in body
    assert (
        client.post(reverse("planning:publish_year", args=[2567]), {"override_reason": "x"}).status_code
        == 403
    )
    assert FiscalYear.objects.get(pk=2567).is_published is False


def test_the_publish_page_wants_a_post_and_a_login(client, evaluator, year_2567):
    url = reverse("planning:publish_year", args=[2567])
    assert client.post(url).status_code == 302  # to the login page
    client.force_login(evaluator)
    assert client.get(url).status_code == 405
    assert client.post(reverse("planning:publish_year", args=[2599])).status_code == 404


# ---------------------------------------------------------------- the API


def _auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)}"}


def test_the_api_publishes_a_year_and_reports_what_stays_open(
    client, evaluator, reporter_a, agency_a, year_2567
):
    _approve(agency_a, reporter_a, evaluator)
    url = "/api/v1/fiscal-years/2567/publish"
    state = client.get("/api/v1/fiscal-years/2567/setup", **_auth(evaluator)).json()
    assert state == {"fiscal_year": 2567, "is_published": False, "agencies": 2, "unapproved": ["5047"]}
    refused = client.post(url, {}, content_type="application/json", **_auth(evaluator))
    assert refused.status_code == 400
    assert refused.json()["field"] == "override_reason" and refused.json()["unapproved"] == ["5047"]
    assert (
        client.post(
            url, {"override_reason": "x"}, content_type="application/json", **_auth(reporter_a)
        ).status_code
        == 403
    )
    done = client.post(
        url, {"override_reason": "งบประมาณผ่านแล้ว"}, content_type="application/json", **_auth(evaluator)
    )
    assert done.status_code == 200, done.content
    assert done.json()["is_published"] is True and done.json()["unapproved"] == ["5047"]
    assert AuditEvent.objects.get(action="fiscal_year.publish").source == "api"
    assert Setup.objects.get(agency=agency_a, fiscal_year_id=2567).state == "approved"


def test_a_published_year_without_published_quarters_can_be_unpublished_from_the_overview(
    client, evaluator, year_2567
):
    from citykpi.conftest import PASSWORD

    actions.publish_fiscal_year(evaluator, 2567, override_reason="ตั้งค่าล่วงหน้า")
    client.login(username=evaluator.username, password=PASSWORD)
    page = client.get(reverse("planning:overview") + "?year=2567").content.decode()
    assert 'id="unpublish"' in page
    response = client.post(reverse("planning:unpublish_year", args=[2567]), follow=True)
    assert "ยกเลิกการเผยแพร่ปีงบประมาณ 2567 แล้ว" in response.content.decode()
    year_2567.refresh_from_db()
    assert year_2567.is_published is False
    assert AuditEvent.objects.filter(action="fiscal_year.unpublish").count() == 1


def test_a_year_with_a_published_quarter_cannot_be_unpublished(evaluator, head_a, year_2567):
    from citykpi.reporting.models import QuarterReport

    actions.publish_fiscal_year(evaluator, 2567, override_reason="ตั้งค่าล่วงหน้า")
    kpi = Indicator.objects.filter(fiscal_year=year_2567).first()
    QuarterReport.objects.update_or_create(
        indicator=kpi, quarter=1, defaults={"result": 1, "status": "submitted"}
    )
    with pytest.raises(ActionError) as refused:
        actions.unpublish_fiscal_year(evaluator, 2567)
    assert "1" in refused.value.message_en and refused.value.field == "fiscal_year"
    year_2567.refresh_from_db()
    assert year_2567.is_published is True


def test_only_the_evaluator_unpublishes(head_a, evaluator, year_2567):
    actions.publish_fiscal_year(evaluator, 2567, override_reason="ตั้งค่าล่วงหน้า")
    with pytest.raises(PermissionDenied):
        actions.unpublish_fiscal_year(head_a, 2567)
