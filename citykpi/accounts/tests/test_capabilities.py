"""The capability table of citykpi.accounts.access: who holds what, in which agency."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from citykpi.accounts import access
from citykpi.accounts.access import CAPABILITIES, Capability
from citykpi.accounts.models import Role
from citykpi.agencies.models import Agency


def test_every_capability_has_a_row_in_the_table_with_a_thai_and_english_refusal():
    assert set(CAPABILITIES) == set(Capability)
    for grant in CAPABILITIES.values():
        thai, english = grant.refusal
        assert thai and english
        assert all(isinstance(role, Role) for role in grant.anywhere | grant.in_agency)


@pytest.mark.parametrize(
    ("who", "held"),
    [
        ("reporter_a", {Capability.STAFF, Capability.SET_UP}),
        ("head_a", {Capability.STAFF, Capability.SET_UP}),
        (
            "evaluator",
            {
                Capability.STAFF,
                Capability.SEE_EVERY_AGENCY,
                Capability.SET_UP,
                Capability.READ_QUALITY,
                Capability.EVALUATE,
                Capability.VIEW,
                Capability.ASSESS,
                Capability.EDIT_SETUP,
                Capability.DECIDE_SETUP,
                Capability.CARRY_FORWARD,
                Capability.REFRESH_QUALITY,
            },
        ),
        (
            "executive",
            {Capability.STAFF, Capability.SEE_EVERY_AGENCY, Capability.READ_QUALITY, Capability.VIEW},
        ),
        (
            "administrator",
            {
                Capability.STAFF,
                Capability.SEE_EVERY_AGENCY,
                Capability.SET_UP,
                Capability.READ_QUALITY,
                Capability.ADMINISTER,
                Capability.GRANT_ROLES,
                Capability.VIEW,
                Capability.REFRESH_QUALITY,
            },
        ),
    ],
)
def test_each_role_holds_exactly_its_city_wide_capabilities(request, who, held):
    user = request.getfixturevalue(who)
    assert {c for c in Capability if access.allows(user, c)} == held


def test_an_agency_role_acts_in_its_agency_and_the_agencies_below_but_not_elsewhere(
    reporter_a, head_a, agency_a, agency_b
):
    below = Agency.objects.create(code="0410", name_th="กองย่อย", name_en="Sub-division", parent=agency_a)
    for agency in (agency_a, below):
        assert access.allows(reporter_a, Capability.VIEW, agency)
        assert access.allows(reporter_a, Capability.REPORT, agency)
        assert access.allows(head_a, Capability.SUBMIT, agency)
    assert not access.allows(reporter_a, Capability.VIEW, agency_b)
    assert not access.allows(reporter_a, Capability.REPORT, agency_b)
    assert not access.allows(head_a, Capability.SUBMIT, agency_b)


def test_a_reporter_submits_only_where_the_agency_allows_it(reporter_a, agency_a):
    agency_a.reporter_may_submit = False
    assert not access.allows(reporter_a, Capability.SUBMIT, agency_a)
    agency_a.reporter_may_submit = True
    assert access.allows(reporter_a, Capability.SUBMIT, agency_a)


def test_anonymous_and_the_system_hold_nothing(agency_a):
    for nobody in (AnonymousUser(), None):
        assert not any(access.allows(nobody, c, agency_a) for c in Capability)


def test_require_refuses_with_the_tables_thai_and_english_message(reporter_a):
    access.require(reporter_a, Capability.STAFF)
    with pytest.raises(PermissionDenied) as refused:
        access.require(reporter_a, Capability.EVALUATE)
    assert str(refused.value) == "เฉพาะผู้ประเมิน สยป. / Central evaluator only"


def test_agency_for_hides_another_agency_and_refuses_a_capability_not_held(
    reporter_a, executive, agency_a, agency_b
):
    assert access.agency_for(reporter_a, "0409") == agency_a
    with pytest.raises(Http404):
        access.agency_for(reporter_a, "5047")
    with pytest.raises(Http404):
        access.agency_for(reporter_a, None)
    assert access.agency_for(executive, "5047") == agency_b
    with pytest.raises(PermissionDenied):
        access.agency_for(executive, "5047", Capability.REPORT)


def test_indicator_for_answers_as_the_table_does(reporter_a, reporter_b, evaluator, agency_a, make_indicator):
    kpi = make_indicator(agency_a)
    assert access.indicator_for(reporter_a, kpi.code, action=Capability.REPORT) == kpi
    with pytest.raises(Http404):
        access.indicator_for(reporter_b, kpi.code)
    with pytest.raises(PermissionDenied):
        access.indicator_for(reporter_a, kpi.code, action="assess")
    assert access.indicator_for(evaluator, kpi.code, action="assess") == kpi
    with pytest.raises(PermissionDenied):
        access.indicator_for(evaluator, kpi.code, action="report")


def test_the_setup_capabilities_an_agency_holds_for_itself_and_the_evaluator_for_all(
    reporter_a, head_a, evaluator, agency_a, agency_b
):
    for member in (reporter_a, head_a):
        for capability in (Capability.EDIT_SETUP, Capability.PROPOSE_SETUP, Capability.CARRY_FORWARD):
            assert access.allows(member, capability, agency_a)
            assert not access.allows(member, capability, agency_b)
        assert not access.allows(member, Capability.DECIDE_SETUP, agency_a)
    for agency in (agency_a, agency_b):
        assert access.allows(evaluator, Capability.EDIT_SETUP, agency)
        assert not access.allows(evaluator, Capability.PROPOSE_SETUP, agency)


def test_a_user_not_signed_in_is_asked_to_sign_in_before_any_404(reporter_b, agency_a):
    for nobody in (AnonymousUser(), None):
        with pytest.raises(PermissionDenied) as refused:
            access.check(nobody, agency_a, Capability.EDIT_SETUP, agency_a.code)
        assert str(refused.value) == "ต้องเข้าสู่ระบบ / Log in first"
        with pytest.raises(PermissionDenied) as refused:
            access.require(nobody, Capability.DECIDE_SETUP)
        assert str(refused.value) == "ต้องเข้าสู่ระบบ / Log in first"
        # A capability without the flag keeps its own refusal.
        with pytest.raises(PermissionDenied) as refused:
            access.require(nobody, Capability.EVALUATE)
        assert str(refused.value) == "เฉพาะผู้ประเมิน สยป. / Central evaluator only"
    with pytest.raises(Http404):
        access.check(reporter_b, agency_a, Capability.EDIT_SETUP, agency_a.code)
    with pytest.raises(PermissionDenied) as refused:
        access.require(reporter_b, Capability.DECIDE_SETUP)
    assert (
        str(refused.value) == "เฉพาะผู้ประเมิน สยป. เท่านั้นที่ทำรายการนี้ได้ / Only the central evaluator may do this"
    )
