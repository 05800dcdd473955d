"""Open-data fixtures: published and unpublished KPIs of two agencies, with quarters in
every workflow state, a strategy tree, a project and a city indicator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from citykpi.cityindicators.models import CityIndicator, CityIndicatorValue
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.projects.models import Project, ProjectQuarterScore
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan


def add_quarter(
    indicator, quarter, status, result=None, narrative="", score=None, components=None, version=1
):
    report = QuarterReport.objects.create(
        indicator=indicator,
        quarter=quarter,
        status=status,
        version=version,
        result=None if result is None else Decimal(str(result)),
        planned_target=Decimal(25 * quarter),
        narrative=narrative,
    )
    if score is not None:
        Assessment.objects.create(
            quarter_report=report,
            score=Decimal(str(score)),
            components=components or {},
            assessed_at=timezone.make_aware(dt.datetime(2023, 1, 20, 10, 0)),
        )
    return report


@pytest.fixture
def open_data(db, agency_a, agency_b, make_indicator, fiscal_year):
    plan = StrategyPlan.objects.create(
        code="bma20",
        name_th="แผนพัฒนากรุงเทพมหานคร ระยะ 20 ปี",
        is_primary=True,
        level_names=["ด้าน", "มิติ", "เป้าหมาย"],
    )
    area = StrategyNode.objects.create(
        plan=plan, path="7", heading_prefix="ด้านที่ ๗ –", title="การบริหารจัดการเมืองมหานคร"
    )
    dim = StrategyNode.objects.create(plan=plan, parent=area, path="7.3", title="การบริหารทรัพยากรบุคคล")
    other_area = StrategyNode.objects.create(plan=plan, path="5", title="มหานครประชาธิปไตย")
    kpi1 = make_indicator(
        agency_a,
        code="0409-0950",
        name="ระดับความสำเร็จของการจัดทำแผนพัฒนาทักษะด้านดิจิทัล",
        kpi_type=Indicator.Type.STRATEGIC,
    )
    kpi1.strategy_nodes.add(dim)
    add_quarter(
        kpi1,
        1,
        QuarterReport.Status.ASSESSED,
        20,
        "ไตรมาสแรก",
        score=95,
        components={"2.1": "95", "2.2": "100"},
    )
    add_quarter(kpi1, 2, QuarterReport.Status.SUBMITTED, 50, "ไตรมาสสอง")
    add_quarter(kpi1, 3, QuarterReport.Status.DRAFT, 70, "ร่างลับไตรมาสสาม", version=4)
    kpi2 = make_indicator(
        agency_a,
        code="0409-0951",
        name="ร้อยละของบุคลากรที่ผ่านการอบรม",
        kpi_type=Indicator.Type.ROUTINE,
        result_level=Indicator.Level.OUTCOME,
    )
    kpi2.strategy_nodes.add(other_area)
    kpi3 = make_indicator(agency_b, code="5047-0001", name="ร้อยละของถนนที่ได้รับการซ่อมแซม")
    add_quarter(kpi3, 1, QuarterReport.Status.DRAFT, 10, "ร่างของเขตบางบอน")
    hidden = make_indicator(agency_b, code="5047-0002", name="ตัวชี้วัดที่ยังไม่เผยแพร่ของเขต", is_published=False)
    add_quarter(hidden, 1, QuarterReport.Status.SUBMITTED, 5, "ไม่ควรเห็น")
    old_year = FiscalYear.objects.create(year=2565)
    kpi_old = make_indicator(agency_a, code="0409-0800", name="ตัวชี้วัดปี 2565", fiscal_year=old_year)
    project = Project.objects.create(
        code="04090000-3744",
        name="โครงการพัฒนาทักษะดิจิทัล",
        agency=agency_a,
        fiscal_year=fiscal_year,
        progress=Decimal("60"),
        budget=Decimal("125000"),
        officers="นางสาวหนึ่ง\nนายสอง",
    )
    project.indicators.add(kpi1, hidden)
    ProjectQuarterScore.objects.create(project=project, quarter=1, score=Decimal("90"))
    Project.objects.create(
        code="50470000-0001", name="โครงการลับ", agency=agency_b, fiscal_year=fiscal_year, is_published=False
    )
    city = CityIndicator.objects.create(
        id=87,
        list_label="๑.",
        name="ร้อยละของประชาชนที่มีส่วนร่วม",
        target_text="20 ของประชาชนที่ทำการสำรวจ",
        target_value=Decimal("20"),
    )
    city.strategy_nodes.add(other_area)
    CityIndicatorValue.objects.create(indicator=city, year=2562, value=Decimal("12.5"))
    CityIndicatorValue.objects.create(indicator=city, year=2563, value=Decimal("18"))
    CityIndicator.objects.create(id=88, name="ตัวชี้วัดเมืองที่ไม่เผยแพร่", is_published=False)
    return {
        "kpi1": kpi1,
        "kpi2": kpi2,
        "kpi3": kpi3,
        "hidden": hidden,
        "old": kpi_old,
        "area": area,
        "dim": dim,
        "other_area": other_area,
        "project": project,
        "city": city,
    }
