"""The invariants of the data model hold in the database itself (named constraints), so no
path around the actions layer can store an impossible row; clean() says the same in words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import FiscalYear, Indicator, MilestoneLevel
from citykpi.projects.models import Project, ProjectQuarterScore
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan


def refused(build) -> bool:
    try:
        with transaction.atomic():
            build()
    except IntegrityError:
        return True
    return False


def test_a_quarter_is_1_to_4_and_one_report_per_kpi_and_quarter(make_indicator, agency_a):
    kpi = make_indicator(agency_a)
    assert refused(lambda: QuarterReport.objects.create(indicator=kpi, quarter=0))
    assert refused(lambda: QuarterReport.objects.create(indicator=kpi, quarter=5))
    QuarterReport.objects.create(indicator=kpi, quarter=1)
    assert refused(lambda: QuarterReport.objects.create(indicator=kpi, quarter=1))


def test_an_assessment_score_is_between_0_and_100(make_indicator, agency_a):
    report = QuarterReport.objects.create(indicator=make_indicator(agency_a), quarter=1)
    assert refused(lambda: Assessment.objects.create(quarter_report=report, score=Decimal("100.01")))
    assert refused(lambda: Assessment.objects.create(quarter_report=report, score=Decimal("-1")))
    Assessment.objects.create(quarter_report=report, score=Decimal("100"))


def test_a_weight_is_between_0_and_100_in_the_database_and_in_clean(make_indicator, agency_a):
    assert refused(lambda: make_indicator(agency_a, weight=Decimal("101")))
    kpi = Indicator(
        agency=agency_a,
        code="0409-1234",
        name="x",
        fiscal_year=FiscalYear.objects.get(year=2566),
        weight=Decimal("150"),
    )
    with pytest.raises(ValidationError) as excinfo:
        kpi.clean()
    assert "น้ำหนัก" in str(excinfo.value) and "Weight" in str(excinfo.value)


def test_codes_have_their_shape(make_indicator, agency_a, fiscal_year):
    assert refused(lambda: Agency.objects.create(code="409", name_th="x"))
    assert refused(lambda: Agency.objects.create(code="04O9", name_th="x"))
    assert refused(lambda: make_indicator(agency_a, code="0409_0950"))
    make_indicator(agency_a, code="0409-0950")
    assert refused(lambda: make_indicator(agency_a, code="0409-0950"))  # unique across years


def test_a_kpi_code_starts_with_its_agency_code(agency_a, agency_b, fiscal_year):
    kpi = Indicator(agency=agency_b, code="0409-0001", name="x", fiscal_year=fiscal_year)
    with pytest.raises(ValidationError) as excinfo:
        kpi.clean()
    assert "code" in excinfo.value.message_dict


def test_a_fiscal_year_is_in_the_buddhist_era_with_default_deadlines(db):
    assert refused(lambda: FiscalYear.objects.create(year=2023))
    year = FiscalYear.objects.create(year=2564)
    assert str(year.q1_deadline) == "2021-01-15" and str(year.q4_deadline) == "2021-10-15"


def test_milestone_levels_and_project_scores_stay_in_range(make_indicator, agency_a, fiscal_year):
    kpi = make_indicator(agency_a)
    assert refused(lambda: MilestoneLevel.objects.create(indicator=kpi, level=0, percent=20, points=2))
    assert refused(lambda: MilestoneLevel.objects.create(indicator=kpi, level=1, percent=120, points=2))
    MilestoneLevel.objects.create(indicator=kpi, level=1, percent=20, points=2)
    assert refused(lambda: MilestoneLevel.objects.create(indicator=kpi, level=1, percent=40, points=4))
    project = Project.objects.create(code="04090000-0001", name="p", agency=agency_a, fiscal_year=fiscal_year)
    assert refused(
        lambda: Project.objects.create(
            code="04090000-0002", name="p", agency=agency_a, fiscal_year=fiscal_year, progress=Decimal("101")
        )
    )
    assert refused(lambda: ProjectQuarterScore.objects.create(project=project, quarter=5, score=90))


def test_a_strategy_path_is_unique_in_its_plan_and_shown_as_the_source_shows_it(db):
    plan = StrategyPlan.objects.create(code="bma20", name_th="แผน 20 ปี")
    node = StrategyNode.objects.create(plan=plan, path="7.3.1.1", title="การพัฒนาบุคลากร")
    assert (node.depth, node.display_number, node.heading) == (4, "๗.๓.๑.๑", "๗.๓.๑.๑ การพัฒนาบุคลากร")
    assert refused(lambda: StrategyNode.objects.create(plan=plan, path="7.3.1.1", title="ซ้ำ"))
    assert node.ancestor_paths() == ["7", "7.3", "7.3.1", "7.3.1.1"]


def test_an_agency_role_needs_its_agency_and_a_citywide_role_does_not(db):
    user = get_user_model().objects.create_user("someone", password="x")
    assert refused(lambda: Membership.objects.create(user=user, role=Role.REPORTER, agency=None))
    Membership.objects.create(user=user, role=Role.EVALUATOR, agency=None)
