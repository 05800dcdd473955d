"""Each data-quality rule: a case that fires and one that does not; the seed KPI's defect;
the write check that the reporting actions call."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from citykpi.indicators.models import Indicator, Unit
from citykpi.lib.errors import ActionError
from citykpi.quality.rules import blocking, check_report_write, findings_for, raise_if_blocking
from citykpi.quality.tests.conftest import add_quarters
from citykpi.strategy.models import StrategyNode, StrategyPlan

pytestmark = pytest.mark.django_db


def rules_of(indicator, **kwargs) -> set[str]:
    return {f.rule for f in findings_for(indicator, **kwargs)}


@pytest.fixture
def clean_kpi(make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=D(100), achieved=D(100))
    add_quarters(kpi, [(1, 25, 25, 100), (2, 50, 50, 100), (3, 75, 75, None), (4, 100, 100, None)])
    return kpi


def test_a_clean_kpi_has_no_findings(clean_kpi):
    assert findings_for(clean_kpi) == []


def test_the_seed_kpi_is_flagged_for_its_level_scale_defect(seed_kpi):
    found = [f for f in findings_for(seed_kpi) if f.rule == "Q001-level-out-of-scale"]
    assert {(f.field, f.quarter) for f in found} == {
        ("achieved", None),
        ("result", 1),
        ("result", 2),
        ("result", 3),
        ("result", 4),
    }
    achieved = next(f for f in found if f.field == "achieved")
    assert achieved.severity == "error"
    assert "100" in achieved.message_th and "0-5" in achieved.message_en
    assert achieved.as_dict()["message"] == f"{achieved.message_th} / {achieved.message_en}"


def test_a_level_kpi_reported_in_levels_is_not_flagged(seed_kpi):
    seed_kpi.achieved = D(5)
    seed_kpi.save()
    seed_kpi.quarters.update(result=D(2))
    assert "Q001-level-out-of-scale" not in rules_of(seed_kpi)


def test_a_level_unit_without_milestone_rows_uses_the_units_scale(make_indicator, agency_a, unit_level):
    kpi = make_indicator(agency_a, unit=unit_level, target=D(5), achieved=D(6))
    assert "Q001-level-out-of-scale" in rules_of(kpi)
    kpi.achieved = D(5)
    assert "Q001-level-out-of-scale" not in rules_of(kpi)


def test_a_cumulative_result_that_goes_down_is_doubtful(make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=D(10))
    add_quarters(kpi, [(1, None, 10, None), (2, None, 10, None), (3, None, 0, None)])
    found = [f for f in findings_for(kpi) if f.rule == "Q002-cumulative-decrease"]
    assert [(f.quarter, f.severity) for f in found] == [(3, "warning")]


def test_a_non_cumulative_kpi_may_go_down(make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=D(10), scoring_config={"cumulative": False})
    add_quarters(kpi, [(1, None, 10, None), (2, None, 5, None)])
    assert "Q002-cumulative-decrease" not in rules_of(kpi)


def test_a_percent_far_above_100_is_an_error_and_a_little_above_a_warning(make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=D(80), achieved=D("1407.52"))
    add_quarters(kpi, [(1, None, 105, None)])
    found = {(f.field, f.severity) for f in findings_for(kpi) if f.rule == "Q003-percent-over-100"}
    assert found == {("achieved", "error"), ("result", "warning")}


def test_a_percent_unit_that_allows_over_100_is_not_flagged(make_indicator, agency_a):
    unit = Unit.objects.create(name_th="ร้อยละที่เพิ่มขึ้น", kind=Unit.Kind.PERCENT, allows_over_100=True)
    kpi = make_indicator(agency_a, unit=unit, target=D(1), achieved=D("1407.52"))
    assert "Q003-percent-over-100" not in rules_of(kpi)


def test_an_achieved_value_that_differs_from_the_latest_quarter_is_doubtful(make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=D(100), achieved=D("3.3"))
    add_quarters(kpi, [(1, None, 10, None), (2, None, 20, None)])
    assert "Q004-achieved-differs-latest" in rules_of(kpi)
    kpi.achieved = D(20)
    assert "Q004-achieved-differs-latest" not in rules_of(kpi)


def test_an_assessment_on_a_quarter_without_a_report_is_an_error(make_indicator, agency_a):
    from citykpi.evaluation.models import Assessment
    from citykpi.reporting.models import QuarterReport

    kpi = make_indicator(agency_a, target=D(100))
    report = QuarterReport.objects.create(indicator=kpi, quarter=1, status=QuarterReport.Status.DRAFT)
    Assessment.objects.create(quarter_report=report, score=D(100))
    found = [f for f in findings_for(kpi) if f.rule == "Q005-assessment-without-report"]
    assert [(f.quarter, f.severity) for f in found] == [(1, "error")]


def test_a_score_of_100_on_a_result_of_0_contradicts_it(make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=D(1))
    add_quarters(kpi, [(1, None, 0, 100), (2, None, 1, 100)])
    found = [f for f in findings_for(kpi) if f.rule == "Q006-score-contradicts-result"]
    assert [f.quarter for f in found] == [1]


def test_a_milestone_quarter_on_its_plan_scored_high_is_no_contradiction(
    make_indicator, agency_a, unit_level
):
    """Level 1 of 5 in Q1, where the plan says level 1, earns a high quarter score (the seed's 95)."""
    kpi = make_indicator(agency_a, unit=unit_level, target=D(5), scoring_method=Indicator.Method.MILESTONE)
    add_quarters(kpi, [(1, 1, 1, 95), (2, 2, 1, 100), (3, None, 3, 90)])
    found = [f for f in findings_for(kpi) if f.rule == "Q006-score-contradicts-result"]
    # Q1 on plan: fine. Q2 at half its plan scored 100: a contradiction. Q3 has no plan: no basis.
    assert [f.quarter for f in found] == [2]


def test_a_missing_unit_is_flagged_and_a_number_inside_the_unit_too(make_indicator, agency_a):
    no_unit = make_indicator(agency_a, unit=None)
    assert "Q007-unit-missing" in rules_of(no_unit)
    odd = Unit.objects.create(name_th="ร้อยละ 80 ของบุคลากร", kind=Unit.Kind.CUSTOM)
    numbered = make_indicator(agency_a, unit=odd)
    assert "Q008-number-in-unit" in rules_of(numbered)
    assert not {"Q007-unit-missing", "Q008-number-in-unit"} & rules_of(make_indicator(agency_a))


def test_a_title_cut_short_with_a_percent_sign_is_flagged_on_kpis_and_strategy_nodes(
    make_indicator, agency_a
):
    plan = StrategyPlan.objects.create(code="bma", name_th="แผน", is_primary=True)
    cut = StrategyNode.objects.create(
        plan=plan, path="7.3.1", title="บุคลากรกรุงเทพมหานครเป็นผู้ปฏิบัติงานแบบมืออาชีพ มีคุณธรรม และเป็นที่เชื่%"
    )
    whole = StrategyNode.objects.create(plan=plan, path="7.3.2", title="การพัฒนาบุคลากร")
    kpi = make_indicator(agency_a, name="ร้อยละของผลการดำเนินงานที่เพิ่ม%")
    kpi.strategy_nodes.add(cut, whole)
    found = [f for f in findings_for(kpi) if f.rule == "Q009-title-truncated"]
    assert {f.field for f in found} == {"name", "strategy_nodes"} and len(found) == 2
    fine = make_indicator(agency_a, name="ร้อยละ 100 ของงาน")
    fine.strategy_nodes.add(whole)
    assert "Q009-title-truncated" not in rules_of(fine)


def test_a_lower_is_better_unit_without_the_direction_set_is_flagged(make_indicator, agency_a):
    minutes = Unit.objects.create(name_th="นาที", name_en="minutes", kind=Unit.Kind.PHYSICAL)
    kpi = make_indicator(agency_a, unit=minutes, target=D(60))
    assert "Q010-lower-direction-unset" in rules_of(kpi)
    kpi.direction = Indicator.Direction.LOWER
    assert "Q010-lower-direction-unset" not in rules_of(kpi)


def test_planned_targets_that_are_not_cumulative_are_flagged(make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=D(100))
    add_quarters(kpi, [(1, 25, None, None), (2, 25, None, None), (3, 20, None, None), (4, 100, None, None)])
    found = [f for f in findings_for(kpi) if f.rule == "Q011-plan-not-cumulative"]
    assert [f.quarter for f in found] == [3]


def test_a_fourth_quarter_plan_that_misses_the_annual_target_is_flagged(make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=D(100))
    add_quarters(kpi, [(4, 90, None, None)])
    assert "Q012-plan-differs-target" in rules_of(kpi)
    kpi.target = D(90)
    assert "Q012-plan-differs-target" not in rules_of(kpi)


def test_a_negative_count_is_an_error(make_indicator, agency_a):
    count = Unit.objects.create(name_th="คน", kind=Unit.Kind.COUNT)
    kpi = make_indicator(agency_a, unit=count, target=D(10))
    add_quarters(kpi, [(1, None, -3, None)])
    assert "Q013-negative-value" in rules_of(kpi)
    kpi.quarters.update(result=D(3))
    assert "Q013-negative-value" not in rules_of(kpi)


def test_findings_come_errors_first(seed_kpi):
    found = findings_for(seed_kpi)
    severities = [f.severity for f in found]
    assert severities == sorted(severities, key=lambda s: s != "error")


def test_the_write_check_refuses_a_percent_on_a_level_scale_and_accepts_a_level(seed_kpi):
    refused = check_report_write(seed_kpi, 2, "60")
    assert [f.rule for f in refused] == ["Q001-level-out-of-scale"]
    with pytest.raises(ActionError) as caught:
        raise_if_blocking(refused)
    assert caught.value.field == "result" and "0-5" in caught.value.message
    level_three = check_report_write(seed_kpi, 2, "๓")  # Thai digits: level 3
    assert blocking(level_three) == [] and "Q001-level-out-of-scale" not in {f.rule for f in level_three}


def test_the_write_check_warns_when_a_new_result_is_below_the_previous_quarter(make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=D(100))
    add_quarters(kpi, [(1, None, 40, None), (3, None, 80, None)])
    below = check_report_write(kpi, 2, "30")
    assert [(f.rule, f.severity, f.quarter) for f in below] == [("Q002-cumulative-decrease", "warning", 2)]
    above_next = check_report_write(kpi, 2, "90")
    assert [(f.rule, f.quarter) for f in above_next] == [("Q002-cumulative-decrease", 3)]
    assert check_report_write(kpi, 2, "60") == []


def test_the_write_check_blocks_a_percent_far_above_100_and_leaves_stored_rows_alone(
    make_indicator, agency_a
):
    kpi = make_indicator(agency_a, target=D(80))
    add_quarters(kpi, [(1, None, 20, None)])
    found = check_report_write(kpi, 1, "1,407.52")
    assert [(f.rule, f.severity) for f in found] == [("Q003-percent-over-100", "error")]
    assert kpi.quarters.get(quarter=1).result == D(20)
