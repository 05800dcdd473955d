"""The demo dataset: its shape (agencies, plans, units, statuses per year, milestone
KPIs, cascades, weights), its determinism, and the benchmark's entry point."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from citykpi.agencies.models import Agency
from citykpi.cityindicators.models import CityIndicator
from citykpi.demo import generator
from citykpi.demo.actions import load_demo
from citykpi.demo.city import parse_sample_87
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import FiscalYear, Indicator, MilestoneLevel
from citykpi.lib import fiscal
from citykpi.projects.models import Project
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan

from .conftest import SMALL, TODAY


def snapshot() -> tuple[list, list, list]:
    kpis = list(
        Indicator.objects.order_by("code").values_list("code", "name", "target", "achieved", "weight")
    )
    quarters = list(
        QuarterReport.objects.order_by("indicator__code", "quarter").values_list(
            "indicator__code", "quarter", "result", "status", "narrative"
        )
    )
    projects = list(Project.objects.order_by("code").values_list("code", "name", "progress", "budget"))
    return kpis, quarters, projects


def test_the_small_demo_loads_a_few_hundred_kpis_with_four_quarters_each(small_demo):
    kpis = Indicator.objects.count()
    assert 200 <= kpis <= 800
    assert small_demo.counts["indicators"] == kpis
    assert QuarterReport.objects.count() == 4 * kpis
    assert not Indicator.objects.annotate(n=Count("quarters")).exclude(n=4).exists()
    assert Assessment.objects.count() == small_demo.counts["assessments"] > 0
    assert Project.objects.exists() and Project.indicators.through.objects.exists()
    # Every KPI supports a node of the primary plan.
    primary = StrategyPlan.objects.get(is_primary=True)
    assert not Indicator.objects.exclude(strategy_nodes__plan=primary).exists()


def test_two_loads_with_the_same_seed_give_the_same_codes_names_results_and_texts(small_demo):
    first = snapshot()
    load_demo(today=TODAY, reset=True, **SMALL)
    assert snapshot() == first


def test_another_seed_gives_other_data(small_demo):
    first = snapshot()
    load_demo(today=TODAY, reset=True, seed=7, **SMALL)
    assert snapshot()[0] != first[0]


def test_weights_sum_to_100_per_agency_and_year(small_demo):
    totals = Indicator.objects.values("agency_id", "fiscal_year_id").annotate(total=Sum("weight"))
    assert totals and {row["total"] for row in totals} == {Decimal("100")}


def test_the_year_in_progress_has_q1_and_q2_reported_and_q3_q4_open(small_demo):
    statuses = defaultdict(set)
    for quarter, status in QuarterReport.objects.filter(indicator__fiscal_year_id=2566).values_list(
        "quarter", "status"
    ):
        statuses[quarter].add(status)
    assert statuses[1] == {"assessed"}
    assert "assessed" in statuses[2] and statuses[2] <= {"assessed", "submitted", "returned"}
    assert statuses[3] <= {"not_started", "draft"} and statuses[4] == {"not_started"}
    # Drafts and open quarters are never assessed.
    assert not Assessment.objects.filter(
        quarter_report__status__in=["draft", "not_started", "returned"]
    ).exists()
    # Returned quarters say why.
    assert not QuarterReport.objects.filter(status="returned", return_reason="").exists()


def test_earlier_years_are_assessed_with_two_components_except_a_few_unassessed_quarters(small_demo):
    earlier = QuarterReport.objects.filter(indicator__fiscal_year_id__in=[2564, 2565])
    assert set(earlier.values_list("status", flat=True)) <= {"assessed", "submitted"}
    for assessment in Assessment.objects.exclude(quarter_report__indicator__code="0409-0950")[:200]:
        assert set(assessment.components) == {"2.1", "2.2"}
        assert all(isinstance(v, str) and Decimal(v) >= 0 for v in assessment.components.values())
        assert Decimal("0") <= assessment.score <= Decimal("100")
        assert assessment.quarter_report.status == "assessed"


def test_the_deadlines_of_the_year_in_progress_follow_the_real_date_for_q3_and_q4_only(small_demo):
    year = FiscalYear.objects.get(pk=2566)
    assert year.q3_deadline == TODAY + dt.timedelta(days=30)
    assert year.q4_deadline == TODAY + dt.timedelta(days=120)
    assert year.q1_deadline == fiscal.default_deadline(2566, 1)
    assert year.q2_deadline == fiscal.default_deadline(2566, 2)


def test_milestone_kpis_have_five_levels_of_20_to_100_percent_and_2_to_10_points(small_demo):
    milestone = Indicator.objects.filter(scoring_method=Indicator.Method.MILESTONE)
    assert milestone.count() > 10
    assert not milestone.annotate(n=Count("milestone_levels")).exclude(n=5).exists()
    levels = set(MilestoneLevel.objects.values_list("level", "percent", "points"))
    assert levels == {(n, Decimal(20 * n), Decimal(2 * n)) for n in range(1, 6)}
    assert set(milestone.values_list("unit__name_th", flat=True)) == {"ระดับ"}


def test_the_variety_of_the_real_site_is_there(small_demo):
    kpis = Indicator.objects.all()
    assert set(kpis.values_list("kpi_type", flat=True)) >= {"strategic", "routine"}
    assert set(kpis.values_list("result_level", flat=True)) == {"output", "outcome"}
    assert set(kpis.values_list("direction", flat=True)) == {"higher", "lower", "range"}
    assert not kpis.filter(direction="range", range_low__isnull=True).exists()
    assert kpis.filter(is_negotiated=True).exists()
    kinds = set(kpis.values_list("unit__kind", flat=True))
    assert kinds >= {"level", "percent", "count", "physical"}
    assert kpis.filter(unit__suggests_lower_is_better=True, direction="lower").exists()
    assert kpis.filter(carried_from__isnull=False).exists()
    # Narratives cite letters and meetings, with Buddhist Era dates.
    narrative = (
        QuarterReport.objects.exclude(narrative="").exclude(indicator__code="0409-0950").first().narrative
    )
    assert "หนังสือที่ กท " in narrative and "ลงวันที่" in narrative
    # KPIs of 2565-2566 also support the governor's policy.
    assert kpis.filter(strategy_nodes__plan__code="governor-policy-9-dee").exists()


def test_the_waste_sorting_kpi_is_cascaded_to_a_dozen_districts_with_their_own_targets(small_demo):
    waste = Indicator.objects.filter(fiscal_year_id=2566, name__startswith="การคัดแยกมูลฝอยที่แหล่งกำเนิด - ")
    assert waste.count() == 12
    assert set(waste.values_list("agency__kind", flat=True)) == {"district"}
    assert {int(t) for t in waste.values_list("target", flat=True)} == {30, 20, 15, 5}
    assert not waste.filter(is_negotiated=False).exists()


def test_the_drainage_kpi_is_in_percent_at_two_districts_and_in_minutes_at_a_third(small_demo):
    drainage = Indicator.objects.filter(
        fiscal_year_id=2566, name__contains="ระบายน้ำท่วมขังในจุดเสี่ยงของพื้นที่เขต"
    ) | Indicator.objects.filter(fiscal_year_id=2566, name__contains="จุดเสี่ยงน้ำท่วมในพื้นที่เขต")
    units = sorted(drainage.values_list("agency__code", "unit__name_th"))
    assert units == [("5004", "ร้อยละ"), ("5007", "ร้อยละ"), ("5009", "นาที")]


def test_the_demo_has_legacy_defects_for_the_quality_checks_to_find(small_demo):
    assert small_demo.counts["legacy_defects"] > 0
    assert StrategyNode.objects.filter(title__endswith="%", title_truncated=True).count() >= 2


def test_projects_carry_the_8_digit_agency_code_and_support_kpis_of_their_agency(small_demo):
    for project in Project.objects.select_related("agency").prefetch_related("indicators")[:50]:
        prefix, serial = project.code.split("-")
        assert prefix == project.agency.long_code and len(prefix) == 8 and serial.isdigit()
        assert project.indicators.exists()
        assert {k.agency_id for k in project.indicators.all()} == {project.agency_id}
        assert project.officer_list


def test_city_indicator_87_is_the_sample_verbatim_with_30_more(small_demo):
    sample = parse_sample_87()
    city = CityIndicator.objects.get(pk=87)
    assert (
        city.name
        == sample["name"]
        == ("ร้อยละของการรับรู้และการมีส่วนร่วมในการติดตามตรวจสอบและผลักดันวิสัยทัศน์กรุงเทพฯ พ.ศ. ๒๕๗๕ ของภาคประชาชน")
    )
    assert city.list_label == "๑."
    assert city.target_text == "20 ของประชาชนที่ทำการสำรวจ" and city.target_value == Decimal(20)
    assert city.unit.name_th == "ร้อยละ"
    assert city.data_kind == "ตัวชี้วัดเป้าประสงค์"
    assert city.definition.startswith("การรับรู้ หมายถึง")
    assert city.strategy_nodes.get().path == "5.5.1"
    assert CityIndicator.objects.count() >= 31
    assert not CityIndicator.objects.annotate(n=Count("values")).filter(n__lt=3).exists()


def test_the_reduced_demo_keeps_the_agencies_the_demo_needs():
    codes = {spec["code"] for spec in generator._agency_specs(20)}
    assert {"0300", "0400", "0409", "5047", "5004", "5016"} <= codes and len(codes) == 20


def test_the_real_agencies_are_30_departments_and_50_districts_with_4_digit_codes():
    specs = generator._agency_specs(None)
    kinds = defaultdict(int)
    for spec in specs:
        kinds[spec["kind"] == Agency.Kind.DISTRICT] += 1
        assert len(spec["code"]) == 4 and spec["code"].isdigit() and spec["name_en"]
    assert kinds[True] == 50 and kinds[False] == 30
    assert {s["code"] for s in specs if s["kind"] == Agency.Kind.DISTRICT} == {
        f"50{n:02d}" for n in range(1, 51)
    }


def test_beyond_the_real_agencies_synthetic_ones_get_unique_4_digit_codes_capped_at_9000():
    specs = generator._agency_specs(200)
    codes = [s["code"] for s in specs]
    assert len(codes) == len(set(codes)) == 200
    assert all(len(c) == 4 and c.isdigit() for c in codes)
    capped = generator._agency_specs(20000)
    assert len(capped) == generator.MAX_AGENCIES == len({s["code"] for s in capped})


@pytest.mark.django_db
def test_generate_multiplies_the_kpis_by_the_scale_and_adds_agencies():
    counts = generator.generate(scale=2, years=[2566], agency_count=90, seed=1)
    assert Agency.objects.count() == 90
    assert counts["indicators"] == Indicator.objects.count()
    per_agency = Indicator.objects.filter(agency__code="0300").count()
    # Departments carry 7 to 10 KPIs per year at scale 1.
    assert 14 <= per_agency <= 20
    codes = Indicator.objects.values_list("code", flat=True)
    assert all(len(code.split("-")[1]) >= 3 for code in codes)


def test_quarter_reports_created_after_the_load_get_fresh_ids(small_demo):
    # The load writes quarter reports with ids of its own; the database's sequence must follow.
    kpi = Indicator.objects.create(
        code="0409-9999", agency=Agency.objects.get(code="0409"), fiscal_year_id=2566, name="ตัวชี้วัดใหม่"
    )
    report = QuarterReport.objects.create(indicator=kpi, quarter=1)
    assert report.pk > QuarterReport.objects.exclude(pk=report.pk).order_by("-pk").first().pk
