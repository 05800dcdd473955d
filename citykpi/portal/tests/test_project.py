"""The project page /project/<code>/, like the legacy myproject page."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from citykpi.portal.tests.pagetext import assert_in_order, visible_text
from citykpi.projects.models import Project, ProjectQuarterScore


def test_the_project_page_shows_the_legacy_pages_facts_in_order(client, kpi_world):
    kpi = kpi_world(1)[0]
    project = Project.objects.get(code="03000000-0001")
    project.officers = "นางสาวดารณี สืบจากดี\nนายจักราธร สิงหาทอ"
    project.rationale = "หลักการ <b>สำคัญ</b>"
    project.objectives = "เพื่อสนับสนุนชุมชน"
    project.progress = Decimal("100")
    project.save()
    ProjectQuarterScore.objects.create(project=project, quarter=4, score=Decimal("100"))
    response = client.get(reverse("portal:project", args=[project.code]))
    assert response.status_code == 200
    markup = response.content.decode()
    assert_in_order(
        visible_text(markup),
        [
            "โครงการ 1 : 03000000-0001",
            "สำนักยุทธศาสตร์และประเมินผล : (2566)",
            "ความคืบหน้าโครงการ ร้อยละ 100",
            "นางสาวดารณี สืบจากดี",
            "นายจักราธร สิงหาทอ",
            "*** สยป. ประเมินโครงการ : ไตรมาสที่ 4 100",
            "หลักการและเหตุผล",
            "หลักการ <b>สำคัญ</b>",
            "วัตถุประสงค์",
            "เพื่อสนับสนุนชุมชน",
            "ตัวชี้วัดที่โครงการนี้สนับสนุน",
            kpi.code,
        ],
    )
    assert "<b>สำคัญ</b>" not in markup


def test_an_unknown_or_unpublished_project_is_a_404(client, kpi_world):
    kpi_world(1)
    Project.objects.filter(code="03000000-0001").update(is_published=False)
    assert client.get(reverse("portal:project", args=["03000000-0001"])).status_code == 404
    assert client.get(reverse("portal:project", args=["nope-nope"])).status_code == 404
    assert client.get("/project/%3Cscript%3E/").status_code == 404


def test_the_project_page_query_count_does_not_grow_with_the_data(
    client, kpi_world, django_assert_max_num_queries
):
    kpis = kpi_world(3)
    project = Project.objects.get(code="03000000-0001")
    project.indicators.add(*kpis)
    url = reverse("portal:project", args=[project.code])
    with django_assert_max_num_queries(6) as few:
        client.get(url)
    project.indicators.add(*kpi_world(30))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["indicators"]) == 33
