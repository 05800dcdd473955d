"""The writes of fiscal-year setup (citykpi.planning.actions)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.http import Http404

from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import Indicator, MilestoneLevel
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.planning import actions
from citykpi.planning.models import DefinitionVersion, Setup
from citykpi.planning.tests.conftest import set_plan
from citykpi.reporting.models import QuarterReport


def test_a_template_is_assigned_to_several_agencies_each_with_its_own_code_and_plan(
    evaluator, template, districts, fiscal_year
):
    created = actions.assign_template(
        evaluator,
        template,
        fiscal_year=2566,
        agencies=districts[:3],
        target="๓๐",
        plan=["5", "10", "20", "30"],
        weight="10",
    )
    assert [i.code for i in created] == ["5001-0001", "5002-0001", "5003-0001"]
    assert [i.list_label for i in created] == ["1.", "1.", "1."]
    for indicator in created:
        assert indicator.template == template
        assert indicator.name == template.name and indicator.unit == template.unit
        assert indicator.target == Decimal("30") and indicator.weight == Decimal("10")
        plan = dict(
            QuarterReport.objects.filter(indicator=indicator).values_list("quarter", "planned_target")
        )
        assert plan == {1: Decimal("5"), 2: Decimal("10"), 3: Decimal("20"), 4: Decimal("30")}
        assert AuditEvent.objects.filter(action="kpi.assign", indicator_code=indicator.code).count() == 1
    assert Setup.objects.filter(fiscal_year_id=2566, state="draft").count() == 3


def test_assigning_continues_the_serials_of_an_agency_across_years(
    evaluator, template, districts, make_indicator
):
    make_indicator(districts[0], code="5001-0950")
    [indicator] = actions.assign_template(evaluator, template, fiscal_year=2566, agencies=[districts[0]])
    assert indicator.code == "5001-0951"
    assert indicator.list_label == "2."  # after the agency's one KPI of that year


def test_assigning_twice_to_the_same_agency_and_year_is_refused(evaluator, template, districts, fiscal_year):
    actions.assign_template(evaluator, template, fiscal_year=2566, agencies=districts[:2])
    with pytest.raises(ActionError) as error:
        actions.assign_template(evaluator, template, fiscal_year=2566, agencies=districts[1:3])
    assert "5002" in error.value.message_th and error.value.field == "agencies"
    assert Indicator.objects.filter(template=template).count() == 2  # nothing half-written


def test_only_the_evaluator_creates_and_assigns_templates(
    reporter_a, head_a, template, districts, fiscal_year
):
    for user in (reporter_a, head_a):
        with pytest.raises(PermissionDenied):
            actions.create_template(user, name="x")
        with pytest.raises(PermissionDenied):
            actions.assign_template(user, template, fiscal_year=2566, agencies=districts[:1])


def test_a_template_change_reaches_only_the_assignments_not_yet_approved(
    evaluator, template, districts, fiscal_year
):
    first, second = actions.assign_template(
        evaluator,
        template,
        fiscal_year=2566,
        agencies=districts[:2],
        target="30",
        plan=[5, 10, 20, 30],
        weight="100",
    )
    setup = Setup.objects.get(agency=districts[0], fiscal_year_id=2566)
    setup.state = Setup.State.PROPOSED
    setup.save()
    actions.approve(evaluator, setup)

    change = actions.update_template(
        evaluator,
        template,
        version=template.version,
        name="ร้อยละของขยะที่คัดแยกแล้ว (ปรับปรุง)",
        milestone_levels=[{"level": 1, "percent": "20", "points": "2", "description": "เริ่ม"}],
    )
    assert change.updated == [second.code] and change.frozen == [first.code]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.name == "ร้อยละของขยะมูลฝอยที่คัดแยก"
    assert second.name == "ร้อยละของขยะที่คัดแยกแล้ว (ปรับปรุง)"
    assert MilestoneLevel.objects.filter(indicator=second).count() == 1
    assert not MilestoneLevel.objects.filter(indicator=first).exists()
    assert AuditEvent.objects.filter(action="kpi.template_change", indicator_code=second.code).exists()
    assert not AuditEvent.objects.filter(action="kpi.template_change", indicator_code=first.code).exists()


def test_a_stale_template_edit_is_a_conflict(evaluator, template):
    actions.update_template(evaluator, template, version=1, definition="ใหม่")
    with pytest.raises(ConflictError) as error:
        actions.update_template(evaluator, template, version=1, definition="เก่า")
    assert error.value.current["version"] == 2


def _fields(indicator):
    indicator.refresh_from_db()
    data = model_to_dict(indicator)
    data["quarters"] = list(indicator.quarters.order_by("quarter").values())
    data["levels"] = list(indicator.milestone_levels.values())
    data["updated_at"] = indicator.updated_at
    return data


def test_carry_forward_copies_definitions_proposes_targets_and_leaves_the_old_year_untouched(
    evaluator, agency_a, make_indicator, unit_level, strategy_node
):
    higher = make_indicator(agency_a, target=Decimal("80"), weight=Decimal("50"), definition="นิยาม")
    set_plan(higher, 20, 40, 60, 80)
    QuarterReport.objects.filter(indicator=higher, quarter__in=[1, 2]).update(status="assessed")
    QuarterReport.objects.filter(indicator=higher, quarter=1).update(result=Decimal("30"))
    QuarterReport.objects.filter(indicator=higher, quarter=2).update(result=Decimal("92.5"))
    QuarterReport.objects.filter(indicator=higher, quarter=3).update(result=Decimal("99"), status="draft")
    higher.strategy_nodes.add(strategy_node)
    milestone = make_indicator(
        agency_a, unit=unit_level, target=Decimal("5"), weight=Decimal("50"), scoring_method="milestone"
    )
    set_plan(milestone, 1, 2, 4, 5)
    for level in range(1, 6):
        MilestoneLevel.objects.create(
            indicator=milestone, level=level, percent=20 * level, points=2 * level, description=f"ขั้นที่ {level}"
        )
    before = [_fields(higher), _fields(milestone)]

    result = actions.carry_forward(evaluator, from_year=2566, to_year="๒๕๖๗", agencies=[agency_a])

    assert [_fields(higher), _fields(milestone)] == before
    new_higher, new_milestone = sorted(result.created, key=lambda i: i.carried_from_id)
    assert new_higher.fiscal_year_id == 2567 and new_higher.code not in (higher.code, milestone.code)
    assert new_higher.code.startswith("0409-")
    # the last reported (published) cumulative result 92.5 is above last year's target 80;
    # the draft 99 of quarter 3 is not a reported result
    assert new_higher.target == Decimal("92.5")
    plan = dict(new_higher.quarters.values_list("quarter", "planned_target"))
    assert plan[4] == Decimal("92.5") and plan[1] < plan[2] < plan[3] < plan[4]
    assert list(new_higher.strategy_nodes.all()) == [strategy_node]
    assert new_higher.definition == "นิยาม" and new_higher.weight == Decimal("50")
    assert new_milestone.target == Decimal("5")
    assert new_milestone.milestone_levels.count() == 5
    assert AuditEvent.objects.filter(action="kpi.carry_forward").count() == 2


def test_carry_forward_twice_skips_what_was_already_carried(evaluator, agency_a, ready_kpis):
    first = actions.carry_forward(evaluator, from_year=2566, to_year=2567, agencies=[agency_a])
    again = actions.carry_forward(evaluator, from_year=2566, to_year=2567, agencies=[agency_a])
    assert len(first.created) == 2 and again.created == [] and len(again.skipped) == 2


def test_carry_forward_of_a_template_covers_all_its_agencies(evaluator, template, districts, fiscal_year):
    actions.assign_template(
        evaluator, template, fiscal_year=2566, agencies=districts[:4], target="20", plan=[5, 10, 15, 20]
    )
    result = actions.carry_forward(evaluator, from_year=2566, to_year=2567, template=template)
    assert sorted(i.agency.code for i in result.created) == ["5001", "5002", "5003", "5004"]
    assert all(i.template == template and i.target == Decimal("20") for i in result.created)


def test_an_agency_carries_forward_only_its_own_kpis(reporter_a, reporter_b, agency_a, agency_b, ready_kpis):
    assert (
        len(actions.carry_forward(reporter_a, from_year=2566, to_year=2567, agencies=[agency_a]).created) == 2
    )
    with pytest.raises(PermissionDenied):
        actions.carry_forward(reporter_b, from_year=2566, to_year=2567, agencies=[agency_a])
    with pytest.raises(PermissionDenied):
        actions.carry_forward(reporter_a, from_year=2566, to_year=2567)


def test_the_agency_proposes_and_the_evaluator_approves_freezing_the_definitions(
    reporter_a, evaluator, agency_a, ready_kpis
):
    setup = actions.setup_of(agency_a, 2566)
    actions.propose(reporter_a, setup)
    setup.refresh_from_db()
    assert setup.state == "proposed" and setup.proposed_by == reporter_a
    actions.approve(evaluator, setup)
    setup.refresh_from_db()
    assert setup.state == "approved"
    for indicator in ready_kpis:
        frozen = DefinitionVersion.objects.get(indicator=indicator, version=1)
        assert Decimal(frozen.snapshot["target"]) == indicator.target
        assert Decimal(frozen.snapshot["plan"]["4"]) == indicator.target
    with pytest.raises(ActionError) as error:
        actions.update_plan(reporter_a, ready_kpis[0], target="90")
    assert "อนุมัติแล้ว" in error.value.message_th and "approved" in error.value.message_en
    with pytest.raises(ActionError):
        actions.update_plan(evaluator, ready_kpis[0], target="90")
    with pytest.raises(ActionError):
        actions.update_definition(reporter_a, ready_kpis[0], name="ชื่อใหม่")
    ready_kpis[0].refresh_from_db()
    assert ready_kpis[0].target == Decimal("80")


def test_a_change_after_reopening_is_recorded_with_its_reason_and_a_new_version(
    reporter_a, evaluator, agency_a, ready_kpis
):
    setup = actions.setup_of(agency_a, 2566)
    actions.propose(reporter_a, setup)
    actions.approve(evaluator, setup)
    with pytest.raises(ActionError):
        actions.reopen(evaluator, setup, reason="  ")
    with pytest.raises(PermissionDenied):
        actions.reopen(reporter_a, setup, reason="ขอแก้")
    actions.reopen(evaluator, setup, reason="ผู้ว่าฯ สั่งปรับเป้าหมาย")
    event = AuditEvent.objects.get(action="setup.reopen")
    assert event.reason == "ผู้ว่าฯ สั่งปรับเป้าหมาย" and event.before["state"] == "approved"

    indicator = ready_kpis[0]
    actions.update_plan(reporter_a, indicator, target="85", plan={"4": "85"}, version=indicator.plan_version)
    indicator.refresh_from_db()
    assert indicator.definition_version == 2
    change = AuditEvent.objects.get(action="plan.update", indicator_code=indicator.code)
    assert Decimal(change.before["target"]) == 80 and Decimal(change.after["target"]) == 85
    assert AuditEvent.objects.filter(
        action="kpi.reopen", indicator_code=indicator.code, reason="ผู้ว่าฯ สั่งปรับเป้าหมาย"
    ).exists()
    actions.update_plan(reporter_a, indicator, weight="60")  # a second change stays in version 2
    indicator.refresh_from_db()
    assert indicator.definition_version == 2

    actions.propose(reporter_a, setup)
    actions.approve(evaluator, setup)
    assert DefinitionVersion.objects.get(indicator=indicator, version=1).snapshot["target"] == "80.0000"
    assert DefinitionVersion.objects.get(indicator=indicator, version=2).snapshot["target"] == "85.0000"
    # the KPI that did not change keeps its one version
    assert DefinitionVersion.objects.filter(indicator=ready_kpis[1]).count() == 1


def test_an_agency_proposes_only_for_itself_and_never_approves(
    reporter_a, reporter_b, head_a, executive, evaluator, agency_a, ready_kpis
):
    setup = actions.setup_of(agency_a, 2566)
    with pytest.raises(Http404):
        actions.propose(reporter_b, setup)
    with pytest.raises(PermissionDenied):
        actions.propose(evaluator, setup)
    with pytest.raises(PermissionDenied):
        actions.propose(executive, setup)
    with pytest.raises(Http404):
        actions.update_plan(reporter_b, ready_kpis[0], target="1")
    with pytest.raises(PermissionDenied):
        actions.update_plan(executive, ready_kpis[0], target="1")
    actions.propose(head_a, setup)
    for user in (reporter_a, head_a, executive):
        with pytest.raises(PermissionDenied):
            actions.approve(user, setup)
    setup.refresh_from_db()
    assert setup.state == "proposed"


def test_proposing_with_errors_is_refused_with_the_findings(reporter_a, agency_a, ready_kpis):
    actions.update_plan(reporter_a, ready_kpis[0], weight="50")
    with pytest.raises(ActionError) as error:
        actions.propose(reporter_a, actions.setup_of(agency_a, 2566))
    assert "90" in error.value.message_th and error.value.extra["findings"][0]["id"] == "weights.sum"
    assert Setup.objects.get(agency=agency_a).state == "draft"


def test_the_evaluator_comments_and_counter_proposes_and_the_agency_proposes_again(
    reporter_a, evaluator, agency_a, ready_kpis
):
    setup = actions.setup_of(agency_a, 2566)
    actions.propose(reporter_a, setup)
    with pytest.raises(ActionError):
        actions.update_plan(reporter_a, ready_kpis[0], target="1")  # with the evaluator now
    actions.comment(evaluator, setup, text="เป้าหมายต่ำเกินไป")
    assert Setup.objects.get(pk=setup.pk).state == "commented"
    actions.update_plan(evaluator, ready_kpis[0], target="90", plan={4: "90"}, note="ปรับขึ้นตามผลปีก่อน")
    setup.refresh_from_db()
    assert setup.state == "counter_proposed"
    counter = AuditEvent.objects.get(action="plan.counter_propose")
    assert Decimal(counter.after["target"]) == 90 and counter.reason == "ปรับขึ้นตามผลปีก่อน"
    actions.propose(reporter_a, setup)
    actions.approve(evaluator, setup)
    assert Setup.objects.get(pk=setup.pk).state == "approved"


def test_approving_a_draft_is_refused(evaluator, agency_a, ready_kpis):
    with pytest.raises(ActionError) as error:
        actions.approve(evaluator, actions.setup_of(agency_a, 2566))
    assert error.value.field == "state"


def test_a_stale_plan_save_is_a_conflict_and_the_first_change_stands(reporter_a, head_a, ready_kpis):
    indicator = ready_kpis[0]
    actions.update_plan(reporter_a, indicator, target="81", plan={4: "81"}, version=1)
    with pytest.raises(ConflictError) as error:
        actions.update_plan(head_a, indicator, target="70", plan={4: "70"}, version=1)
    assert error.value.current["target"] == "81.0000"
    indicator.refresh_from_db()
    assert indicator.target == Decimal("81")


def test_bad_numbers_name_their_field(reporter_a, ready_kpis):
    with pytest.raises(ActionError) as error:
        actions.update_plan(reporter_a, ready_kpis[0], plan={3: "abc"})
    assert error.value.field == "plan_q3"
    with pytest.raises(ActionError) as error:
        actions.update_plan(reporter_a, ready_kpis[0], weight="120")
    assert error.value.field == "weight"
    actions.update_plan(reporter_a, ready_kpis[0], target="๘๐.๕", plan={4: "๘๐.๕"})
    ready_kpis[0].refresh_from_db()
    assert ready_kpis[0].target == Decimal("80.5")
