"""The evaluator's pages (citykpi.workspace.assessing): the assessment page's review
(definition, four quarters, suggested score, findings, evidence, narrative), the
pre-filled form, "save and go to the next one" through a filtered queue, and the queue's
counts, sorting and Excel export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from citykpi.accounts.models import Role
from citykpi.conftest import PASSWORD, _user
from citykpi.evaluation import actions as evaluation
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.workspace.tests.conftest import pdf_upload

S = QuarterReport.Status
COMPONENTS = {"2.1": "90", "2.2": "100"}


def submitted_quarter(kpi, head, quarter=1, result="40", narrative="ครึ่งทาง", planned=None):
    report = reporting.get_quarter(kpi, quarter)
    if planned is not None:
        QuarterReport.objects.filter(pk=report.pk).update(planned_target=Decimal(planned))
        report.refresh_from_db()
    reporting.save_report(head, report, result=result, narrative=narrative, version=report.version)
    reporting.submit_report(head, report)
    return report


def assess_page(client, kpi, quarter=1, **params):
    return client.get(reverse("workspace:assess", args=[kpi.code, quarter]), params)


# ---------------------------------------------------------------- what the evaluator reads


def test_the_assessment_page_shows_target_unit_direction_and_the_calculation_method(
    kpi_a, head_a, evaluator, login
):
    kpi_a.calculation_method = "จำนวนผู้ผ่านการอบรม ÷ ผู้เข้าอบรมทั้งหมด × 100"
    kpi_a.save()
    submitted_quarter(kpi_a, head_a)
    page = assess_page(login(evaluator), kpi_a).content.decode()
    assert 'id="target">80 ร้อยละ' in page
    assert "ยิ่งมากยิ่งดี" in page
    assert '<details id="calculation">' in page and "ผู้เข้าอบรมทั้งหมด × 100" in page


def test_the_four_quarters_table_shows_plan_result_status_and_score(kpi_a, head_a, evaluator, login):
    first = submitted_quarter(kpi_a, head_a, quarter=1, result="30", planned="20")
    evaluation.assess(evaluator, first, score="77", components=COMPONENTS)
    submitted_quarter(kpi_a, head_a, quarter=2, result="45", planned="50")
    response = assess_page(login(evaluator), kpi_a, 2)
    rows = response.context["quarter_rows"]
    assert [r["report"].quarter for r in rows] == [1, 2, 3, 4]
    assert rows[0]["report"].planned_target == Decimal("20") and rows[0]["assessment"].score == Decimal("77")
    assert rows[1]["is_current"] and rows[1]["report"].status == S.SUBMITTED
    assert rows[2]["report"].pk is None  # a quarter not reported is shown, never written
    page = response.content.decode()
    assert 'id="quarter-row-1"' in page and ">77<" in page


def test_the_suggested_score_follows_the_kpis_method_and_explains_itself(kpi_a, head_a, evaluator, login):
    # Percent of target against the quarter's plan: 45 of a planned 50 is 90.
    submitted_quarter(kpi_a, head_a, quarter=1, result="45", planned="50")
    response = assess_page(login(evaluator), kpi_a)
    assert response.context["suggested"].percent == Decimal("90")
    page = response.content.decode()
    assert 'id="suggested-score">90<' in page
    assert response.context["suggested_explanation"] and response.context["suggested_explanation"] in page
    # No assessment yet: the form is pre-filled with the suggestion and says so.
    assert 'name="score" inputmode="decimal" value="90"' in page
    assert "เติมคะแนนที่แนะนำไว้ให้" in page


def test_a_level_kpi_reported_as_a_percent_gets_no_suggestion_but_an_error_finding(
    make_indicator, agency_a, current_year, unit_level, head_a, evaluator, login
):
    from citykpi.indicators.models import Indicator

    kpi = make_indicator(
        agency_a,
        fiscal_year=current_year,
        unit=unit_level,
        target=Decimal(5),
        scoring_method=Indicator.Method.MILESTONE,
    )
    report = reporting.get_quarter(kpi, 1)
    # The seed's case: a 5-level KPI with "100"; stored directly as a legacy import would.
    QuarterReport.objects.filter(pk=report.pk).update(result=Decimal(100), status=S.SUBMITTED)
    response = assess_page(login(evaluator), kpi)
    assert response.context["suggested"] is None
    assert "นอกระดับ" in response.context["suggested_problem"]
    rules = [f.rule for f in response.context["findings"]]
    assert "Q001-level-out-of-scale" in rules
    page = response.content.decode()
    assert 'id="suggested-problem"' in page and "Q001-level-out-of-scale" in page


def test_the_page_shows_a_cumulative_decrease_finding(kpi_a, head_a, evaluator, login):
    first = submitted_quarter(kpi_a, head_a, quarter=1, result="40")
    evaluation.assess(evaluator, first, score="80", components=COMPONENTS)
    submitted_quarter(kpi_a, head_a, quarter=2, result="30")
    response = assess_page(login(evaluator), kpi_a, 2)
    assert any(f.rule == "Q002-cumulative-decrease" for f in response.context["findings"])
    assert "ผลงานสะสมไม่ควรลดลง" in response.content.decode()


def test_the_narrative_and_the_evidence_are_on_the_page(kpi_a, head_a, evaluator, login):
    report = reporting.get_quarter(kpi_a, 1)
    reporting.save_report(head_a, report, result="40", narrative="อบรมครบ 3 รุ่น", version=report.version)
    reporting.add_evidence(head_a, report, pdf_upload("รายชื่อผู้เข้าอบรม.pdf"))
    reporting.submit_report(head_a, report)
    page = assess_page(login(evaluator), kpi_a).content.decode()
    assert "อบรมครบ 3 รุ่น" in page and "รายชื่อผู้เข้าอบรม.pdf" in page


def test_the_components_of_the_fiscal_years_scheme_are_the_form_fields(
    kpi_a, current_year, head_a, evaluator, login
):
    current_year.assessment_components = ["1", "2", "3"]
    current_year.save()
    submitted_quarter(kpi_a, head_a)
    page = assess_page(login(evaluator), kpi_a).content.decode()
    for name in ("component_1", "component_2", "component_3"):
        assert f'name="{name}"' in page
    assert 'name="component_2.1"' not in page


def test_an_assessed_quarter_shows_its_own_score_not_the_suggestion(kpi_a, head_a, evaluator, login):
    report = submitted_quarter(kpi_a, head_a, result="40")
    evaluation.assess(evaluator, report, score="66", components=COMPONENTS, comment="พอใช้")
    evaluation.reopen(evaluator, report, reason="ขอแก้คะแนน")
    page = assess_page(login(evaluator), kpi_a).content.decode()
    assert 'name="score" inputmode="decimal" value="66"' in page
    assert 'name="component_2.1" inputmode="decimal" value="90"' in page
    assert "พอใช้" in page and "เติมคะแนนที่แนะนำไว้ให้" not in page


def test_the_assessment_pages_queries_do_not_grow_with_quarters_findings_or_evidence(
    kpi_a, head_a, evaluator, login, django_assert_max_num_queries
):
    client = login(evaluator)
    submitted_quarter(kpi_a, head_a, quarter=1, result="40", planned="20")
    with django_assert_max_num_queries(20) as few:
        assess_page(client, kpi_a)
    first = len(few.captured_queries)
    report = QuarterReport.objects.get(indicator=kpi_a, quarter=1)
    evaluation.return_report(evaluator, report, reason="เพิ่มหลักฐาน")
    for name in ("ก.pdf", "ข.pdf", "ค.pdf"):
        reporting.add_evidence(head_a, report, pdf_upload(name))
    reporting.submit_report(head_a, report)
    for quarter in (2, 3):
        submitted_quarter(kpi_a, head_a, quarter=quarter, result=str(10 * quarter))  # decreases: findings
    with django_assert_max_num_queries(first):
        page = assess_page(client, kpi_a).content.decode()
    assert "ค.pdf" in page


# ---------------------------------------------------------------- working through the queue


@pytest.fixture
def queue_of_three(make_indicator, agency_a, agency_b, current_year, head_a):
    """Three submitted quarters of agency A (oldest first) and one of agency B."""
    head_b = _user("head-b", Role.HEAD, agency_b)
    reports = []
    for n in range(3):
        reports.append(submitted_quarter(make_indicator(agency_a, fiscal_year=current_year), head_a))
        QuarterReport.objects.filter(pk=reports[-1].pk).update(
            submitted_at=timezone.now() - dt.timedelta(days=10 - n)
        )
    other = submitted_quarter(make_indicator(agency_b, fiscal_year=current_year), head_b)
    QuarterReport.objects.filter(pk=other.pk).update(submitted_at=timezone.now() - dt.timedelta(days=30))
    return [QuarterReport.objects.select_related("indicator").get(pk=r.pk) for r in reports], other


def test_save_and_next_moves_through_the_filtered_queue_keeping_its_filters(queue_of_three, evaluator, login):
    reports, other = queue_of_three
    client = login(evaluator)
    next_qs = "agency=0409&status=submitted"
    queue = client.get(reverse("workspace:queue"), {"agency": "0409", "status": "submitted"})
    assert "?next=agency%3D0409%26status%3Dsubmitted" in queue.content.decode()
    first = reports[0]
    page = assess_page(client, first.indicator, next=next_qs).content.decode()
    assert 'name="next" value="agency=0409&amp;status=submitted"' in page
    response = client.post(
        reverse("workspace:assess", args=[first.indicator.code, 1]),
        {
            "action": "assess",
            "score": "90",
            **{f"component_{k}": v for k, v in COMPONENTS.items()},
            "version": first.version,
            "next": next_qs,
            "then": "next",
        },
    )
    assert response.status_code == 302
    target = urlparse(response["Location"])
    # The next one of agency A (agency B's older quarter is filtered out), with the filters kept.
    assert target.path == reverse("workspace:assess", args=[reports[1].indicator.code, 1])
    assert parse_qs(target.query)["next"] == [next_qs]
    assert QuarterReport.objects.get(pk=first.pk).status == S.ASSESSED
    assert QuarterReport.objects.get(pk=other.pk).status == S.SUBMITTED


def test_return_and_next_also_moves_on(queue_of_three, evaluator, login):
    reports, _other = queue_of_three
    client = login(evaluator)
    response = client.post(
        reverse("workspace:assess", args=[reports[0].indicator.code, 1]),
        {
            "action": "return",
            "reason": "ขาดหลักฐาน",
            "version": reports[0].version,
            "next": "agency=0409",
            "then": "next",
        },
    )
    assert urlparse(response["Location"]).path == reverse(
        "workspace:assess", args=[reports[1].indicator.code, 1]
    )
    assert QuarterReport.objects.get(pk=reports[0].pk).status == S.RETURNED


def test_the_last_one_in_the_queue_goes_back_to_the_queue_with_a_message(queue_of_three, evaluator, login):
    reports, _other = queue_of_three
    for report in reports[:2]:
        evaluation.assess(evaluator, report, score="80", components=COMPONENTS)
    last = QuarterReport.objects.get(pk=reports[2].pk)
    client = login(evaluator)
    response = client.post(
        reverse("workspace:assess", args=[last.indicator.code, 1]),
        {
            "action": "assess",
            "score": "70",
            **{f"component_{k}": v for k, v in COMPONENTS.items()},
            "version": last.version,
            "next": "agency=0409",
            "then": "next",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("workspace:queue") + "?agency=0409"
    assert "ไม่มีรายการรอประเมินเหลือในคิวนี้แล้ว" in response.content.decode()


def test_a_failed_save_stays_on_the_page_with_the_queue_filters(queue_of_three, evaluator, login):
    reports, _other = queue_of_three
    response = login(evaluator).post(
        reverse("workspace:assess", args=[reports[0].indicator.code, 1]),
        {
            "action": "assess",
            "score": "101",
            "component_2.1": "1",
            "component_2.2": "1",
            "version": reports[0].version,
            "next": "agency=0409",
            "then": "next",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "0 ถึง 100" in page and 'name="next" value="agency=0409"' in page
    assert 'value="101"' in page  # what the evaluator typed is kept


def test_next_is_only_a_queue_filter_never_a_place_to_redirect_to(queue_of_three, evaluator, login):
    reports, _other = queue_of_three
    response = login(evaluator).post(
        reverse("workspace:assess", args=[reports[0].indicator.code, 1]),
        {
            "action": "return",
            "reason": "ขาด",
            "version": reports[0].version,
            "next": "https://evil.example/?agency=0409&x=<b>",
            "then": "stay",
        },
    )
    assert response["Location"].startswith("/work/kpi/")
    assert "evil" not in response["Location"]


def test_save_without_next_stays_on_the_same_quarter(queue_of_three, evaluator, login):
    reports, _other = queue_of_three
    response = login(evaluator).post(
        reverse("workspace:assess", args=[reports[0].indicator.code, 1]),
        {
            "action": "assess",
            "score": "90",
            **{f"component_{k}": v for k, v in COMPONENTS.items()},
            "version": reports[0].version,
            "then": "stay",
        },
    )
    assert response["Location"] == reverse("workspace:assess", args=[reports[0].indicator.code, 1])


# ---------------------------------------------------------------- the queue


def test_the_queue_counts_each_status_within_the_other_filters(queue_of_three, evaluator, login):
    reports, _other = queue_of_three
    evaluation.assess(evaluator, reports[0], score="80", components=COMPONENTS)
    evaluation.return_report(evaluator, reports[1], reason="แก้")
    response = login(evaluator).get(reverse("workspace:queue"), {"agency": "0409"})
    counts = {value: n for value, _label, n in response.context["status_counts"]}
    assert counts[S.SUBMITTED] == 1 and counts[S.ASSESSED] == 1 and counts[S.RETURNED] == 1
    assert response.context["total_all"] == 3
    assert 'data-status="assessed"' in response.content.decode()


def test_the_queue_sorts_by_waiting_time_both_ways(queue_of_three, evaluator, login):
    reports, other = queue_of_three
    client = login(evaluator)
    oldest_first = [r.pk for r in client.get(reverse("workspace:queue")).context["page"]]
    assert oldest_first == [other.pk] + [r.pk for r in reports]
    newest_first = [
        r.pk for r in client.get(reverse("workspace:queue"), {"sort": "-waiting"}).context["page"]
    ]
    assert newest_first == list(reversed(oldest_first))
    page = client.get(reverse("workspace:queue")).content.decode()
    assert "30 วัน" in page  # agency B's quarter has waited 30 days


def test_the_queue_exports_the_filtered_kpis_as_xlsx(queue_of_three, evaluator, login):
    reports, other = queue_of_three
    response = login(evaluator).get(reverse("workspace:queue"), {"agency": "0409", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    text = "\n".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None)
    for report in reports:
        assert report.indicator.code in text
    assert other.indicator.code not in text


def test_an_executive_sees_the_queue_without_assess_links(queue_of_three, executive, login):
    page = login(executive).get(reverse("workspace:queue")).content.decode()
    assert "/assess/" not in page


def test_the_queues_queries_do_not_grow_with_rows(
    queue_of_three,
    make_indicator,
    agency_a,
    current_year,
    head_a,
    evaluator,
    login,
    django_assert_max_num_queries,
):
    client = login(evaluator)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("workspace:queue"))
    for _ in range(5):
        submitted_quarter(make_indicator(agency_a, fiscal_year=current_year), head_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("workspace:queue")).context["page"].paginator.count == 9


# ---------------------------------------------------------------- safety


def test_the_assess_forms_need_the_csrf_token(kpi_a, head_a, evaluator):
    report = submitted_quarter(kpi_a, head_a)
    client = Client(enforce_csrf_checks=True)
    client.login(username=evaluator.username, password=PASSWORD)
    url = reverse("workspace:assess", args=[kpi_a.code, 1])
    data = {
        "action": "assess",
        "score": "90",
        "component_2.1": "90",
        "component_2.2": "90",
        "version": report.version,
        "then": "next",
    }
    assert client.post(url, data).status_code == 403
    assert QuarterReport.objects.get(pk=report.pk).status == S.SUBMITTED


def test_findings_and_definitions_are_escaped(kpi_a, head_a, evaluator, login):
    kpi_a.calculation_method = "<img src=x onerror=alert(1)>"
    kpi_a.save()
    submitted_quarter(kpi_a, head_a)
    page = assess_page(login(evaluator), kpi_a).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
