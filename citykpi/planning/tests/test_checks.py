"""Each setup check (citykpi.planning.checks) fires when it should and only then."""

from __future__ import annotations

from decimal import Decimal

from citykpi.indicators.models import MilestoneLevel
from citykpi.planning import checks
from citykpi.planning.tests.conftest import set_plan
from citykpi.reporting.models import QuarterReport


def _ids(agency, year=2566):
    return sorted({f.check_id for f in checks.check_setup(agency, year)})


def test_a_clean_setup_has_no_findings(agency_a, ready_kpis):
    assert checks.check_setup(agency_a, 2566) == []


def test_weights_not_summing_to_100_are_an_error_with_the_sum(agency_a, ready_kpis):
    ready_kpis[1].weight = Decimal("30.5")
    ready_kpis[1].save()
    [finding] = checks.check_setup(agency_a, 2566)
    assert finding.check_id == "weights.sum" and finding.is_error
    assert "90.5" in finding.message_th and "90.5" in finding.message_en


def test_a_missing_weight_is_named_in_the_weights_error(agency_a, ready_kpis):
    ready_kpis[1].weight = None
    ready_kpis[1].save()
    [finding] = checks.check_setup(agency_a, 2566)
    assert ready_kpis[1].code in finding.message_en


def test_a_plan_that_falls_is_not_cumulative(agency_a, ready_kpis):
    set_plan(ready_kpis[0], 20, 50, 40, 80)
    [finding] = checks.check_setup(agency_a, 2566)
    assert finding.check_id == "plan.not_cumulative" and finding.code == ready_kpis[0].code
    assert finding.field == "plan_q3" and "40" in finding.message_th


def test_a_plan_of_a_lower_is_better_kpi_may_fall(agency_a, ready_kpis):
    ready_kpis[0].direction = "lower"
    ready_kpis[0].save()
    set_plan(ready_kpis[0], 95, 90, 85, 80)
    assert _ids(agency_a) == []


def test_a_plan_that_does_not_reach_the_target_is_an_error(agency_a, ready_kpis):
    set_plan(ready_kpis[0], 20, 40, 60, 75)
    [finding] = checks.check_setup(agency_a, 2566)
    assert finding.check_id == "plan.not_reaching_target" and finding.field == "plan_q4"
    assert "75" in finding.message_en and "80" in finding.message_en


def test_an_incomplete_plan_is_an_error(agency_a, ready_kpis):
    set_plan(ready_kpis[0], 20, None, 60, 80)
    assert _ids(agency_a) == ["plan.incomplete"]


def test_a_missing_target_is_an_error(agency_a, ready_kpis):
    ready_kpis[0].target = None
    ready_kpis[0].save()
    assert "target.missing" in _ids(agency_a)


def test_a_target_below_last_years_result_is_a_warning_with_the_number(
    agency_a, ready_kpis, make_indicator, year_2567
):
    last_year = ready_kpis[0]
    QuarterReport.objects.filter(indicator=last_year, quarter=4).update(
        result=Decimal("88"), status="assessed"
    )
    new = make_indicator(
        agency_a, fiscal_year=year_2567, target=Decimal("85"), weight=100, carried_from=last_year
    )
    set_plan(new, 20, 40, 60, 85)
    [finding] = checks.check_setup(agency_a, 2567)
    assert finding.check_id == "target.below_last_year" and not finding.is_error
    assert "88" in finding.message_th and "85" in finding.message_th and last_year.code in finding.message_en
    new.target = Decimal("88")
    new.save()
    set_plan(new, 20, 40, 60, 88)
    assert checks.check_setup(agency_a, 2567) == []


def test_a_milestone_kpi_without_levels_is_an_error_and_with_levels_is_not(agency_a, ready_kpis):
    ready_kpis[0].scoring_method = "milestone"
    ready_kpis[0].save()
    assert _ids(agency_a) == ["milestone.no_levels"]
    MilestoneLevel.objects.create(indicator=ready_kpis[0], level=1, percent=20, points=2)
    assert _ids(agency_a) == []


def test_a_lower_is_better_unit_needs_the_direction(agency_a, ready_kpis, unit_minutes):
    ready_kpis[0].unit = unit_minutes
    ready_kpis[0].save()
    [finding] = checks.check_setup(agency_a, 2566)
    assert finding.check_id == "direction.lower_unit" and "นาที" in finding.message_th
    ready_kpis[0].direction = "lower"
    ready_kpis[0].save()
    set_plan(ready_kpis[0], 80, 80, 80, 80)
    assert _ids(agency_a) == []


def test_every_check_in_the_catalogue_has_a_severity_and_both_languages():
    for check_id, (severity, th, en) in checks.CHECKS.items():
        assert severity in (checks.ERROR, checks.WARNING) and th and en, check_id
    assert checks.CHECKS["target.below_last_year"][0] == checks.WARNING
